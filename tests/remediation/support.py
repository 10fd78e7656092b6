"""Helpers for the remediation tests: action contexts, a child-process runner, tree snapshots.

Actions run against real files under a temp HOME/HF_HOME. In-process tests build an
`ActionContext` like the CLI does; tests that need a real abrupt death (SIGKILL at a crash
point) or huggingface_hub reading HF_ENDPOINT at import run `tests.remediation.worker` in a
child process instead.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT
from troubleshooter.probes.context import ProbeContext
from troubleshooter.remediation import actions
from troubleshooter.remediation.actions import ActionContext, Plan
from troubleshooter.remediation.journal import Journal

REPO = "acme/tiny-model"
REPO_DIR = "models--acme--tiny-model"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens: a walk that reaches the network fails fast


def action_context(
    env: Mapping[str, str],
    state_dir: Path,
    inputs: Mapping[str, Any] | None = None,
    *,
    printed: list[str] | None = None,
) -> ActionContext:
    """What the CLI hands an action, for a user whose environment is `env` (print-only
    actions append their lines to `printed`, where the CLI writes them to stderr)."""
    return ActionContext(
        probe=ProbeContext(env=dict(env), timeout_s=5.0),
        inputs=dict(inputs or {}),
        run_id="test-run",
        state_dir=state_dir,
        timeout_s=5.0,
        out=printed.append if printed is not None else None,
    )


def plan(actx: ActionContext, name: str, **args: Any) -> Plan:
    """Plan the registered action `name` with `args` (raises Refused like the flow sees it)."""
    spec = actions.get(name)
    assert spec is not None, f"no action {name!r}"
    assert not actions.arg_errors(spec, args), actions.arg_errors(spec, args)
    return actions.make_plan(spec, actx, args)


@dataclass
class WorkerResult:
    code: int
    data: dict[str, Any]
    stderr: str


def run_worker(env: Mapping[str, str], spec: Mapping[str, Any], *, timeout: float = 30) -> WorkerResult:
    """Run `tests.remediation.worker` with `spec` in a child process with exactly `env`."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.remediation.worker", json.dumps(spec)],
        env=dict(env),
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    data = json.loads(proc.stdout) if proc.stdout.strip() else {}
    return WorkerResult(proc.returncode, data, proc.stderr)


def run_killed_cli(args: list[str], env: Mapping[str, str], step: str, *, timeout: float = 60) -> WorkerResult:
    """The real CLI in a child process that SIGKILLs itself at crash point `step` (stdout as text)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.remediation.killing", step, *args],
        env=dict(env),
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return WorkerResult(proc.returncode, {"stdout": proc.stdout}, proc.stderr)


Entry = tuple[str, bytes, int, int]


def snapshot(root: Path, *, dir_mtimes: bool = True) -> dict[str, Entry]:
    """Every entry under `root` (not following links): kind, content or link target, mode, mtime.

    `dir_mtimes=False` ignores when a folder's listing last changed (the lock reading makes
    and removes a scratch file to test flock, which touches its folder and nothing else).
    """
    found: dict[str, Entry] = {}
    if not root.exists():
        return found
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                entry: Entry = ("link", os.readlink(path).encode(), st.st_mode, st.st_mtime_ns)
            elif stat.S_ISDIR(st.st_mode):
                entry = ("dir", b"", st.st_mode, st.st_mtime_ns if dir_mtimes else 0)
            else:
                entry = ("file", path.read_bytes(), st.st_mode, st.st_mtime_ns)
            found[str(path.relative_to(root))] = entry
    return found


def contents(root: Path) -> dict[str, bytes]:
    """Files under `root` and their bytes (what must survive a move whole)."""
    return {k: v[1] for k, v in snapshot(root).items() if v[0] == "file"}


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def write_journal(state_dir: Path, fixes: list[dict[str, Any]], run_id: str = "test-run") -> Path:
    """A run journal holding `fixes`, written by the product's own Journal."""
    journal = Journal(state_dir, run_id, "test-playbook")
    for fix in fixes:
        journal.record(fix)
    return journal.path


def write_file(path: Path, data: bytes, mode: int) -> Path:
    """A file with exactly these bytes and permission bits (a user's profile, in most tests)."""
    path.write_bytes(data)
    path.chmod(mode)
    return path
