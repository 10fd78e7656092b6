"""SIGKILL at every crash point of every file-changing step leaves files whole: old or new, never half.

Each case runs the real action (or the real CLI) in a child process with a crash hook injected
for `<step>` (`tests.remediation.killing`; the shipped code reads no test variable); the child
is killed with SIGKILL when it reaches that step, exactly as an OOM kill or a pulled plug would.
The parent then checks what is on disk, and that running the same thing again finishes the job.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.probes.test_locks_holders import lock_path, soft_marker
from tests.remediation.support import (
    REPO,
    REPO_DIR,
    action_context,
    contents,
    mode,
    plan,
    run_killed_cli,
    run_worker,
    write_file,
    write_journal,
)
from troubleshooter.remediation.folders import ASIDE_MARK

KILLED = -signal.SIGKILL
OLD = b"alias ll='ls -l'\nexport HF_HUB_OFFLINE=1\nexport PATH=$HOME/bin:$PATH\n"
NEW = b"alias ll='ls -l'\nexport PATH=$HOME/bin:$PATH\n"

ENV_STEPS = {  # step -> what the profile holds after a kill there
    "env:backup:temp-written": OLD,
    "env:backup:replaced": OLD,
    "env:write:temp-written": OLD,
    "env:write:replaced": NEW,
}
LOCK_STEPS = {  # step -> whether the lock marker is still there after a kill there
    "lock:backup:temp-written": True,
    "lock:backup:replaced": True,
    "lock:backed-up": True,
    "lock:removed": False,
}
CLI_APPLY_STEPS = ("journal:temp-written", "journal:replaced")
UNDO_STEPS = {  # step -> what the profile holds after `troubleshooter undo` is killed there
    "undo:restore:temp-written": NEW,
    "undo:restore:replaced": OLD,
    "journal:temp-written": OLD,
    "journal:replaced": OLD,
}
OTHER_STEPS = ("aside:renamed", "dir:created")


def _steps_in_the_code() -> set[str]:
    """Every crash point the remediation code can reach: crash_point("x") and atomic_write steps."""
    found: set[str] = set()
    for source in (REPO_ROOT / "troubleshooter" / "remediation").glob("*.py"):
        text = source.read_text()
        found |= set(re.findall(r'crash_point\("([^"{}]+)"\)', text))
        for step in re.findall(r'step="([^"]+)"', text):
            found |= {f"{step}:temp-written", f"{step}:replaced"}
    return found


def test_every_crash_point_in_the_code_is_killed_at_by_a_test() -> None:
    covered = {*ENV_STEPS, *LOCK_STEPS, *CLI_APPLY_STEPS, *UNDO_STEPS, *OTHER_STEPS}
    assert _steps_in_the_code() == covered


def _whole_leftovers(folders: Iterable[Path], allowed: Iterable[bytes] = ()) -> None:
    """Temp files a kill left behind (`.<name>.*.tmp`) hold a whole version, never a part:
    one of `allowed`, or for a journal a complete JSON document."""
    versions = set(allowed)
    for folder in folders:
        for temp in folder.rglob(".*.tmp") if folder.exists() else []:
            if ".json." in temp.name:
                assert json.loads(temp.read_bytes())["kind"] == "troubleshooter-journal", temp
            else:
                assert temp.read_bytes() in versions, temp


@pytest.fixture
def profile(home: Path) -> Path:
    return write_file(home / ".bashrc", OLD, 0o640)


@pytest.mark.parametrize("step", sorted(ENV_STEPS))
def test_env_edit_killed_at_each_step_leaves_the_old_or_the_new_file(
    env: dict[str, str], state_dir: Path, profile: Path, step: str
) -> None:
    spec = {
        "action": "env.unset",
        "args": {"names": ["HF_HUB_OFFLINE"]},
        "inputs": {"env_file": str(profile)},
        "state_dir": str(state_dir),
        "run": True,
    }
    result = run_worker(env, {**spec, "kill_at": step})
    assert result.code == KILLED, result
    assert profile.read_bytes() == ENV_STEPS[step] and mode(profile) == 0o640
    backups = list(state_dir.glob("backups/*/*"))
    assert all(b.read_bytes() == OLD for b in backups if not b.name.endswith(".tmp"))
    _whole_leftovers([profile.parent, state_dir], [OLD, NEW])

    again = run_worker(env, spec)
    assert again.code == 0, again
    assert profile.read_bytes() == NEW and mode(profile) == 0o640


@pytest.mark.parametrize("step", sorted(LOCK_STEPS))
def test_lock_removal_killed_at_each_step_keeps_the_marker_or_a_whole_backup(
    env: dict[str, str], state_dir: Path, cache: Path, step: str
) -> None:
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    marker = lock.read_bytes()
    spec = {"action": "lock.remove", "args": {"repo": REPO}, "state_dir": str(state_dir), "run": True}
    result = run_worker(env, {**spec, "kill_at": step})
    assert result.code == KILLED, result
    backups = [b for b in state_dir.glob("backups/*/*") if not b.name.endswith(".tmp")]
    if LOCK_STEPS[step]:
        assert lock.read_bytes() == marker
    else:
        assert not lock.exists()
        assert [b.read_bytes() for b in backups] == [marker]
    assert all(b.read_bytes() == marker for b in backups)
    _whole_leftovers([state_dir, cache], [marker])

    again = run_worker(env, spec)
    assert again.code == 0, again
    assert not lock_path(cache, REPO_DIR).exists()


def test_move_aside_killed_after_the_rename_leaves_the_folder_whole_at_one_name(
    env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "content" / "drive"
    (folder / "MyDrive").mkdir(parents=True)
    (folder / "MyDrive" / "ckpt.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "MyDrive" / "notes.txt").write_text("only copy\n")
    files = contents(folder)
    spec = {"action": "folder.move-aside", "args": {"path": str(folder)}, "state_dir": str(state_dir), "run": True}
    result = run_worker(env, {**spec, "kill_at": "aside:renamed"})
    assert result.code == KILLED, result
    places = [p for p in folder.parent.iterdir() if p.name.startswith("drive")]
    assert len(places) == 1 and contents(places[0]) == files
    assert places[0].name.startswith("drive" + ASIDE_MARK)


def test_dir_create_killed_after_a_mkdir_leaves_only_whole_empty_folders(
    env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "a" / "b" / "c"
    spec = {"action": "dir.create", "args": {"path": str(target)}, "state_dir": str(state_dir), "run": True}
    result = run_worker(env, {**spec, "kill_at": "dir:created"})
    assert result.code == KILLED, result
    assert (tmp_path / "a").is_dir() and not (tmp_path / "a" / "b").exists()
    again = run_worker(env, spec)
    assert again.code == 0 and target.is_dir()
    assert [c["path"] for c in again.data["outcome"]["changes"]] == [str(tmp_path / "a" / "b"), str(target)]


@pytest.mark.parametrize("step", CLI_APPLY_STEPS)
def test_cli_apply_killed_while_journaling_leaves_the_profile_and_the_journal_whole(
    env: dict[str, str], state_dir: Path, profile: Path, step: str
) -> None:
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--apply", "safe"]
    args += ["--answer", f"repo={REPO}", "--answer", f"env_file={profile}"]
    result = run_killed_cli(args, {**env, "HF_HUB_OFFLINE": "1"}, step)
    assert result.code == KILLED, result.stderr
    assert profile.read_bytes() == OLD
    journals = list(state_dir.glob("runs/*.json"))
    if step == "journal:temp-written":
        assert journals == []
    else:
        [journal] = journals
        [fix] = json.loads(journal.read_text())["fixes"]
        assert fix["remediation"] == "unset-offline" and fix["status"] == "applying"
    _whole_leftovers([state_dir])


@pytest.mark.parametrize("step", sorted(UNDO_STEPS))
def test_undo_killed_at_each_step_leaves_the_old_or_the_new_file(
    env: dict[str, str], state_dir: Path, profile: Path, step: str
) -> None:
    actx = action_context(env, state_dir, {"env_file": str(profile)})
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"])
    assert planned.run is not None
    outcome = planned.run()
    journal = write_journal(state_dir, [{"remediation": "unset-offline", "undo": outcome.undo}])

    result = run_killed_cli(["undo", str(journal)], env, step)
    assert result.code == KILLED, result.stderr
    assert profile.read_bytes() == UNDO_STEPS[step] and mode(profile) == 0o640
    json.loads(journal.read_text())  # still a whole journal
    _whole_leftovers([profile.parent, state_dir], [OLD, NEW])

    again = run_cli(["undo", str(journal)], env)
    assert again.code == 0, again.stdout + again.stderr
    assert profile.read_bytes() == OLD and mode(profile) == 0o640
