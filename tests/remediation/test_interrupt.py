"""A real SIGINT in the middle of an apply leaves the "undo with" line and a consistent journal.

The child is the real CLI with a crash hook that parks the apply at a step (after the undo
entry is journaled, before the file is replaced); the test sends it SIGINT like Ctrl-C would.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT, run_cli
from tests.remediation.support import REPO

OLD = b"export HF_HUB_OFFLINE=1\n"


def test_sigint_during_the_apply_leaves_the_undo_line_and_the_journal(
    env: dict[str, str], state_dir: Path, home: Path
) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_bytes(OLD)
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "20", "--answer", f"repo={REPO}"]
    args += ["--apply", "safe", "--answer", f"env_file={bashrc}"]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.remediation.killing", "sleep:env:write:temp-written", *args],
        env={**env, "HF_HUB_OFFLINE": "1"},
        cwd=str(REPO_ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any((state_dir / "backups").glob("*/*")):
        time.sleep(0.05)
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = child.communicate(timeout=15)
    assert time.monotonic() - started < 5, "the interrupt is honoured at once"
    assert child.returncode == 130, stderr
    assert "undo with: troubleshooter undo" in stderr
    [journal] = state_dir.glob("runs/*.json")
    [fix] = json.loads(journal.read_text())["fixes"]
    assert fix["status"] == "interrupted" and fix["undo"], fix
    assert bashrc.read_bytes() == OLD
    undone = run_cli(["undo", str(journal)], env)
    assert undone.code == 0, undone.stdout + undone.stderr
    assert bashrc.read_bytes() == OLD
