"""`troubleshooter undo REPORT.json` in a child process: byte-identical restores, and nothing forced.

The fixes are applied for real (in this process, on files under a temp HOME) and recorded in
a run journal by the product's Journal; undo then runs as the user would run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, run_cli
from tests.probes.test_locks_holders import soft_marker
from tests.remediation.support import REPO, REPO_DIR, contents, mode, plan, snapshot, write_file, write_journal
from troubleshooter.remediation.actions import ActionContext

ORIGINAL = b"# profile\nexport HF_HUB_OFFLINE=1\nexport HF_HOME=/data/hf\n"


@pytest.fixture
def profile(home: Path) -> Path:
    return write_file(home / ".profile", ORIGINAL, 0o600)


def _apply(actx: ActionContext, remediation: str, action: str, **args: Any) -> Path:
    """Apply an action for real and journal it the way the flow does; returns the journal."""
    planned = plan(actx, action, **args)
    assert planned.run is not None
    outcome = planned.run()
    record = {"remediation": remediation, "action": action, "changes": outcome.changes, "undo": outcome.undo}
    return write_journal(actx.state_dir, [record])


def _undo(env: dict[str, str], path: Path, *flags: str) -> CliResult:
    return run_cli(["undo", str(path), *flags], env)


def test_undo_restores_the_edited_file_byte_identical_and_a_second_undo_is_a_noop(
    env: dict[str, str], actx: ActionContext, profile: Path
) -> None:
    journal = _apply(actx, "unset-offline", "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert profile.read_bytes() != ORIGINAL

    first = _undo(env, journal)
    assert first.code == 0, first.stderr
    assert first.stdout == f"unset-offline: restored {profile}\n"
    assert profile.read_bytes() == ORIGINAL and mode(profile) == 0o600

    second = _undo(env, journal)
    assert second.code == 0, second.stderr
    assert "already" in second.stdout
    assert profile.read_bytes() == ORIGINAL


def test_undo_skips_a_file_edited_after_the_fix_unless_forced(
    env: dict[str, str], actx: ActionContext, profile: Path
) -> None:
    journal = _apply(actx, "unset-offline", "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    edited = profile.read_bytes() + b"export MINE=1\n"
    profile.write_bytes(edited)

    skipped = _undo(env, journal)
    assert skipped.code == 1
    assert "changed after the fix; --force to restore anyway" in skipped.stdout
    assert profile.read_bytes() == edited

    forced = _undo(env, journal, "--force")
    assert forced.code == 0, forced.stdout + forced.stderr
    assert profile.read_bytes() == ORIGINAL and mode(profile) == 0o600


def test_undo_that_was_skipped_is_tried_again_next_time(
    env: dict[str, str], actx: ActionContext, profile: Path
) -> None:
    journal = _apply(actx, "unset-offline", "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    fixed = profile.read_bytes()
    profile.write_bytes(fixed + b"export MINE=1\n")
    assert _undo(env, journal).code == 1  # skipped: the user edited the file
    profile.write_bytes(fixed)  # the user takes the edit back, then asks again

    again = _undo(env, journal)
    assert profile.read_bytes() == ORIGINAL, again.stdout
    assert again.code == 0


def test_undo_of_move_aside_renames_the_folder_back(env: dict[str, str], actx: ActionContext, tmp_path: Path) -> None:
    folder = tmp_path / "content" / "drive"
    (folder / "MyDrive").mkdir(parents=True)
    (folder / "MyDrive" / "ckpt.bin").write_bytes(b"\x00\x01" * 1000)
    files = contents(folder)
    journal = _apply(actx, "move-shadow-aside", "folder.move-aside", path=str(folder))
    [moved] = [p for p in folder.parent.iterdir() if p != folder]
    assert not folder.exists()

    result = _undo(env, journal)
    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout == f"move-shadow-aside: renamed {moved} -> {folder}\n"
    assert contents(folder) == files and not moved.exists()
    assert "already" in _undo(env, journal).stdout


def test_undo_dry_run_changes_nothing(env: dict[str, str], actx: ActionContext, profile: Path, tmp_path: Path) -> None:
    journal = _apply(actx, "unset-offline", "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    before = snapshot(tmp_path)
    result = _undo(env, journal, "--dry-run")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"unset-offline: would restore {profile} from ")
    assert snapshot(tmp_path) == before


def test_undo_of_a_removed_lock_restores_it_but_never_over_a_new_one(
    env: dict[str, str], actx: ActionContext, cache: Path
) -> None:
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    marker = lock.read_bytes()
    journal = _apply(actx, "remove-stale-lock", "lock.remove", repo=REPO)
    assert not lock.exists()
    lock.write_bytes(b"")  # a new download took the lock since
    skipped = _undo(env, journal)
    assert skipped.code == 1 and "exists again" in skipped.stdout
    assert lock.read_bytes() == b""

    lock.unlink()
    restored = _undo(env, journal, "--force")
    assert restored.code == 0, restored.stdout
    assert lock.read_bytes() == marker


def test_undo_refuses_a_backup_that_does_not_match_its_checksum(
    env: dict[str, str], actx: ActionContext, profile: Path
) -> None:
    journal = _apply(actx, "unset-offline", "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    fixed = profile.read_bytes()
    [entry] = json.loads(journal.read_text())["fixes"][0]["undo"]
    Path(entry["backup"]).write_bytes(b"tampered\n")
    result = _undo(env, journal, "--force")
    assert result.code == 1 and "does not match its checksum" in result.stdout
    assert profile.read_bytes() == fixed


def test_undo_of_a_report_without_fixes_or_of_no_report_is_a_clean_answer(env: dict[str, str], tmp_path: Path) -> None:
    plain = tmp_path / "report.json"
    plain.write_text(json.dumps({"playbook": "fetching-stuck", "verdict": "healthy"}))
    nothing = _undo(env, plain)
    assert nothing.code == 0 and "nothing to undo" in nothing.stderr
    missing = _undo(env, tmp_path / "absent.json")
    assert missing.code == 2 and "file not found" in missing.stderr
    (tmp_path / "list.json").write_text("[1, 2]")
    wrong = _undo(env, tmp_path / "list.json")
    assert wrong.code == 2 and "not a troubleshooter report or journal" in wrong.stderr
    assert "Traceback" not in nothing.stderr + missing.stderr + wrong.stderr
