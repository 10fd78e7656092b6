"""`lock.remove` against real lock holders: a held lock is never removed, a stale one is, byte for byte undoable.

Holders are real processes (the helpers of the locks probe tests): one holding an flock on
`<HF_HOME>/hub/.locks/<repo folder>/<etag>.lock`, or a filelock SoftFileLock marker whose
process is alive or gone. Planning and the apply-time re-check both run against them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.probes.test_locks_holders import flock_holder, lock_path, soft_marker
from tests.remediation.support import REPO, REPO_DIR, mode, plan, snapshot
from troubleshooter.probes.locks import flock_supported
from troubleshooter.remediation.actions import ActionContext, Refused
from troubleshooter.remediation.undo import undo_records


def test_lock_held_by_a_live_process_is_kept_when_planning(actx: ActionContext, cache: Path) -> None:
    with flock_holder(cache, grow=False, repo_dir=REPO_DIR) as holder:
        lock = lock_path(cache, REPO_DIR)
        planned = plan(actx, "lock.remove", repo=REPO)
        assert planned.noop and planned.run is None
        assert any(f"keep {lock}: held by pid {holder.pid}" in line for line in planned.lines), planned.lines
        assert "held ones are kept" in planned.reason
    assert lock.exists()


def test_lock_taken_after_the_plan_is_kept_when_applying(actx: ActionContext, cache: Path) -> None:
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    before = lock.read_bytes()
    planned = plan(actx, "lock.remove", repo=REPO)
    assert not planned.noop and planned.run is not None
    assert any(line.startswith(f"delete {lock}") for line in planned.lines), planned.lines
    with flock_holder(cache, grow=False, repo_dir=REPO_DIR) as holder:  # a download starts in between
        outcome = planned.run()
        assert lock.read_bytes() == before
        assert holder.poll() is None
    assert outcome.changes == [] and outcome.undo == []
    assert f"kept {lock.name}" in outcome.message and (
        f"pid {holder.pid}" in outcome.message or "holds its flock" in outcome.message
    ), outcome.message
    assert not actx.backup_dir.exists() or not any(actx.backup_dir.iterdir())


def test_soft_marker_of_a_live_process_written_after_the_plan_is_kept(actx: ActionContext, cache: Path) -> None:
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    planned = plan(actx, "lock.remove", repo=REPO)
    assert planned.run is not None and not planned.noop
    lock.unlink()  # someone cleaned it up, and a new download took a soft lock at the same path
    fresh, live = soft_marker(cache, alive=True, repo_dir=REPO_DIR)
    try:
        before = fresh.read_bytes()
        outcome = planned.run()
    finally:
        live.kill()
        live.wait(timeout=10)
    assert fresh.read_bytes() == before
    assert outcome.changes == [] and f"owner pid {live.pid} is alive" in outcome.message, outcome.message


def test_stale_soft_marker_is_removed_with_a_backup_and_undo_restores_it_byte_identical(
    actx: ActionContext, cache: Path
) -> None:
    lock, dead = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    before, before_mode = lock.read_bytes(), mode(lock)
    assert before.startswith(f"{dead.pid}\n".encode())
    planned = plan(actx, "lock.remove", repo=REPO)
    assert planned.run is not None
    outcome = planned.run()
    assert not lock.exists()
    [change] = outcome.changes
    backup = Path(change["backup"])
    assert change["path"] == str(lock) and backup.read_bytes() == before
    assert mode(backup) == 0o600 and backup.is_relative_to(actx.backup_dir)
    assert outcome.message == f"removed {lock.name}"

    lines, skipped, _ = undo_records([{"remediation": "remove-stale-lock", "undo": outcome.undo}])
    assert skipped == 0 and lines == [f"remove-stale-lock: restored {lock}"]
    assert lock.read_bytes() == before and mode(lock) == before_mode


def test_marker_without_a_readable_owner_is_stale_and_removed(actx: ActionContext, cache: Path) -> None:
    lock = lock_path(cache, REPO_DIR)
    lock.write_bytes(b"not a pid")
    planned = plan(actx, "lock.remove", repo=REPO)
    assert planned.run is not None
    assert planned.run().changes[0]["path"] == str(lock)
    assert not lock.exists()


def test_empty_lock_file_after_a_finished_download_is_not_stale_where_flock_works(
    actx: ActionContext, cache: Path
) -> None:
    with flock_holder(cache, grow=False, repo_dir=REPO_DIR):
        pass  # the download finished: flock's empty lock file stays, harmless
    lock = lock_path(cache, REPO_DIR)
    if flock_supported(str(lock.parent)) is not True:
        pytest.skip("this filesystem has no flock: an empty lock file is a soft marker here")
    planned = plan(actx, "lock.remove", repo=REPO)
    assert planned.noop and planned.reason == "no stale lock markers"
    assert lock.exists() and lock.read_bytes() == b""


def test_second_removal_is_a_noop_that_changes_nothing(actx: ActionContext, cache: Path) -> None:
    soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    first = plan(actx, "lock.remove", repo=REPO)
    assert first.run is not None
    first.run()
    before = snapshot(cache, dir_mtimes=False)
    again = plan(actx, "lock.remove", repo=REPO)
    assert again.noop and again.run is None
    assert snapshot(cache, dir_mtimes=False) == before


def test_without_a_lock_directory_there_is_nothing_to_do(actx: ActionContext, cache: Path) -> None:
    planned = plan(actx, "lock.remove", repo=REPO)
    assert planned.noop and planned.reason == "no lock directory"
    assert not cache.exists()


@pytest.mark.parametrize("name", ["../../etc/x", f"{REPO_DIR}/../../../outside.lock", "/etc/passwd"])
def test_lock_outside_the_locks_folder_is_refused(actx: ActionContext, cache: Path, name: str) -> None:
    soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    before = snapshot(cache.parent, dir_mtimes=False)
    with pytest.raises(Refused):
        plan(actx, "lock.remove", lock=name)
    assert snapshot(cache.parent, dir_mtimes=False) == before


def test_folder_in_locks_that_links_outside_is_refused(actx: ActionContext, cache: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.lock"
    victim.write_bytes(b"not a pid")
    (cache / ".locks").mkdir(parents=True)
    (cache / ".locks" / "models--evil--link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(Refused, match="outside"):
        plan(actx, "lock.remove", lock="models--evil--link/victim.lock")
    assert victim.read_bytes() == b"not a pid"


def _linked_marker(cache: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A `.lock` inside `.locks/` that is a symlink to a stale-looking file outside the cache."""
    victim = tmp_path / "outside" / "victim.lock"
    victim.parent.mkdir()
    victim.write_bytes(b"not a pid")
    link = lock_path(cache, REPO_DIR).with_name("linked.lock")
    link.symlink_to(victim)
    return link, victim


def test_lock_file_that_links_outside_never_touches_the_file_outside(
    actx: ActionContext, cache: Path, tmp_path: Path
) -> None:
    link, victim = _linked_marker(cache, tmp_path)
    for args in ({"lock": f"{REPO_DIR}/linked.lock"}, {"repo": REPO}):
        try:
            planned = plan(actx, "lock.remove", **args)
        except Refused:
            continue
        if planned.run is not None:
            outcome = planned.run()
            assert outcome.changes == [], outcome.changes
    assert victim.read_bytes() == b"not a pid" and link.is_symlink()
    assert not actx.backup_dir.exists() or not any(actx.backup_dir.iterdir())


def test_lock_file_that_links_outside_is_refused_when_planning(
    actx: ActionContext, cache: Path, tmp_path: Path
) -> None:
    _linked_marker(cache, tmp_path)
    with pytest.raises(Refused):
        plan(actx, "lock.remove", lock=f"{REPO_DIR}/linked.lock")


def test_nothing_but_the_named_lock_is_considered(actx: ActionContext, cache: Path) -> None:
    soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    other = lock_path(cache, "models--other--model")
    other.write_bytes(b"not a pid")
    with pytest.raises(Refused, match="not a lock file"):
        plan(actx, "lock.remove", lock=f"{REPO_DIR}/missing.lock")
    planned = plan(actx, "lock.remove", lock=os.path.join("models--other--model", other.name))
    assert planned.run is not None
    planned.run()
    assert not other.exists() and lock_path(cache, REPO_DIR).exists()
