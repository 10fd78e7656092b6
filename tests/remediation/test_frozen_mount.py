"""Apply and undo against a frozen mount return within their deadline (plus a little), never hang.

The env file lives on a bindfs mount whose daemon is stopped (SIGSTOP): every stat or open under
it blocks in the kernel, which is what a hung network or FUSE home folder does. Needs root,
bindfs and /dev/fuse; skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.playbooks.test_drive_playbook import drive_mount, needs_fuse

REPO = "acme/tiny-model"
DEADLINE = 2.0
SLACK = 6.0  # process start-up, the walk's own probes and the re-check, on a loaded 2-core machine


@contextmanager
def frozen(daemon: object) -> Iterator[None]:
    pid = int(daemon.pid)  # type: ignore[attr-defined]
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _setup(point: Path, home: Path, hub: FakeHub) -> tuple[Path, dict[str, str], list[str]]:
    """An env file under the mount that sets offline mode, the walk's environment and arguments."""
    bashrc = point / "bashrc"
    bashrc.write_text("export HF_HUB_OFFLINE=1\n")
    env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY, "HF_HUB_OFFLINE": "1"})
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", str(DEADLINE), "--answer", f"repo={REPO}"]
    return bashrc, env, [*args, "--apply", "safe", "--answer", f"env_file={bashrc}"]


def _hub() -> FakeHub:
    files = [FakeFile("config.json", b"{}"), FakeFile("model.safetensors", size=4096)]
    return FakeHub(users=[FakeUser(CANARY, "alice")], repos=[FakeRepo(REPO, files=files)])


@needs_fuse
def test_apply_with_the_env_file_on_a_frozen_mount_returns_within_the_deadline(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "vol"
    with _hub() as hub, drive_mount(point, tmp_path / "backing") as daemon:
        bashrc, env, args = _setup(point, home, hub)
        with frozen(daemon):
            started = time.monotonic()
            result = run_cli(args, env, timeout=60)
            seconds = time.monotonic() - started
        assert bashrc.read_text() == "export HF_HUB_OFFLINE=1\n", "nothing was half-written"
    assert result.code in (1, 2, 3), result.stderr[-2000:]
    assert "did not finish within 2 s" in result.stderr
    assert result.json["fixes"][0]["applied"] is False
    assert seconds < DEADLINE + 1 + SLACK, f"took {seconds:.1f} s: the walk, then one deadline for the fix"
    assert CANARY not in result.stdout + result.stderr


@needs_fuse
def test_undo_of_a_fix_on_a_now_frozen_mount_returns_within_the_deadline(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "vol"
    report = tmp_path / "report.json"
    with _hub() as hub, drive_mount(point, tmp_path / "backing") as daemon:
        _, env, args = _setup(point, home, hub)
        applied = run_cli([*args, "--report", str(report)], env)
        assert applied.json["fixes"][0]["applied"] is True, applied.stderr[-2000:]
        with frozen(daemon):
            started = time.monotonic()
            undone = run_cli(["undo", str(report), "--timeout", str(DEADLINE)], env, timeout=60)
            seconds = time.monotonic() - started
    assert seconds < DEADLINE + 1 + 3, f"undo took {seconds:.1f} s on a frozen mount"
    assert undone.code not in {0, 4}, undone.stderr[-2000:]


@needs_fuse
def test_report_and_facts_on_a_frozen_mount_cost_the_file_deadline_and_keep_the_result(
    tmp_path: Path, home: Path
) -> None:
    from troubleshooter.boundedio import FS_DEADLINE_S

    point = tmp_path / "vol"
    with _hub() as hub, drive_mount(point, tmp_path / "backing") as daemon:
        facts = point / "facts.json"
        facts.write_text("{}")
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_HUB_OFFLINE": "1"})
        args = ["--playbook", "fetching-stuck", "--json", "--timeout", str(DEADLINE)]
        with frozen(daemon):
            started = time.monotonic()
            reported = run_cli([*args, "--report", str(point / "r.json")], env, timeout=60)
            report_s = time.monotonic() - started
            started = time.monotonic()
            injected = run_cli([*args, "--facts", str(facts)], env, timeout=60)
            facts_s = time.monotonic() - started
    assert reported.json["verdict"] == "problem", "the result is on stdout although the file could not be written"
    assert "did not answer within" in reported.stderr
    assert report_s < FS_DEADLINE_S + SLACK, f"--report on a frozen mount took {report_s:.1f} s"
    assert injected.code == 2 and "did not answer within" in injected.stderr
    assert facts_s < FS_DEADLINE_S + SLACK, f"--facts on a frozen mount took {facts_s:.1f} s"
