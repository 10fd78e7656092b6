"""`folder.move-aside` and `dir.create` on real folders, and the real mount table of this machine.

Moving aside is one rename that keeps every file; it is refused for anything outside `within`,
paths with `..`, symlinks, the home folder, and folders that are or contain a mount point.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.remediation.support import contents, plan, snapshot
from troubleshooter.remediation.actions import ActionContext, Refused
from troubleshooter.remediation.folders import ASIDE_MARK
from troubleshooter.remediation.undo import undo_records


def _mount_points() -> list[str]:
    """Mount points of this process, straight from /proc/self/mountinfo (field 5, octal escapes)."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4:
            points.append(fields[4].encode().decode("unicode_escape"))
    return points


def _folder_containing_a_mount() -> str | None:
    """A system folder that is not a mount point itself but has one inside (e.g. /sys/fs)."""
    points = set(_mount_points())
    for point in sorted(p for p in points if p.startswith(("/sys/", "/proc/", "/dev/", "/run/"))):
        parent = os.path.dirname(point.rstrip("/"))
        plain = os.path.isdir(parent) and not os.path.islink(parent) and os.path.realpath(parent) == parent
        if parent not in ("", "/") and parent not in points and plain:
            return parent
    return None


@pytest.fixture
def shadow(tmp_path: Path) -> Path:
    """A folder with nested files, like a Drive folder written to before Drive was mounted."""
    folder = tmp_path / "content" / "drive"
    (folder / "MyDrive" / "ckpt").mkdir(parents=True)
    (folder / "MyDrive" / "ckpt" / "model.safetensors").write_bytes(os.urandom(4096))
    (folder / "MyDrive" / "notes.txt").write_text("only copy\n")
    return folder


def test_move_aside_renames_with_every_file_and_undo_puts_it_back(actx: ActionContext, shadow: Path) -> None:
    files = contents(shadow)
    planned = plan(actx, "folder.move-aside", path=str(shadow))
    assert planned.run is not None and planned.lines[0].startswith(f"rename {shadow} -> {shadow}{ASIDE_MARK}")
    outcome = planned.run()
    [moved] = list(shadow.parent.glob(f"drive{ASIDE_MARK}*"))
    assert not shadow.exists() and contents(moved) == files
    assert outcome.changes == [{"kind": "rename", "from": str(shadow), "to": str(moved)}]

    again = plan(actx, "folder.move-aside", path=str(shadow))
    assert again.noop and f"moved before: {moved}" in again.reason

    lines, skipped, _ = undo_records([{"remediation": "move-shadow-aside", "undo": outcome.undo}])
    assert skipped == 0 and lines == [f"move-shadow-aside: renamed {moved} -> {shadow}"]
    assert contents(shadow) == files and not moved.exists()


def test_second_move_aside_is_a_noop_that_changes_nothing(actx: ActionContext, shadow: Path) -> None:
    first = plan(actx, "folder.move-aside", path=str(shadow))
    assert first.run is not None
    first.run()
    before = snapshot(shadow.parent)
    again = plan(actx, "folder.move-aside", path=str(shadow))
    assert again.noop and again.run is None
    assert snapshot(shadow.parent) == before


@pytest.mark.parametrize(
    "case",
    ["parent-reference", "outside-within", "relative", "symlink", "home", "root"],
)
def test_move_aside_refuses_what_it_must_not_move(
    actx: ActionContext, shadow: Path, tmp_path: Path, home: Path, case: str
) -> None:
    link = tmp_path / "link"
    link.symlink_to(shadow, target_is_directory=True)
    args = {
        "parent-reference": {"path": f"{shadow}/../drive", "within": str(tmp_path)},
        "outside-within": {"path": str(shadow), "within": str(tmp_path / "elsewhere")},
        "relative": {"path": "content/drive"},
        "symlink": {"path": str(link), "within": str(tmp_path)},
        "home": {"path": str(home), "within": str(tmp_path)},
        "root": {"path": "/"},
    }[case]
    before = snapshot(tmp_path)
    with pytest.raises(Refused):
        plan(actx, "folder.move-aside", **args)
    assert snapshot(tmp_path) == before


def test_move_aside_with_within_names_the_folder_it_must_lie_in(actx: ActionContext, shadow: Path) -> None:
    with pytest.raises(Refused, match="outside"):
        plan(actx, "folder.move-aside", path=str(shadow), within=str(shadow / "MyDrive"))
    planned = plan(actx, "folder.move-aside", path=str(shadow), within=str(shadow.parent.parent))
    assert planned.run is not None and not planned.noop


def test_mount_point_is_never_moved(actx: ActionContext) -> None:
    assert "/proc" in _mount_points()
    with pytest.raises(Refused, match=r"mount point|system or top-level folder"):
        plan(actx, "folder.move-aside", path="/proc", within="/")
    assert os.path.ismount("/proc")


def test_folder_with_a_mount_inside_is_never_moved(actx: ActionContext) -> None:
    folder = _folder_containing_a_mount()
    if folder is None:
        pytest.skip("no folder on this machine has a mount point inside without being one")
    with pytest.raises(Refused, match=r"contains a mount point|system folder"):
        plan(actx, "folder.move-aside", path=folder, within=os.path.dirname(folder))
    assert os.path.isdir(folder)


def test_dir_create_makes_missing_parents_then_is_a_noop(actx: ActionContext, tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    planned = plan(actx, "dir.create", path=str(target), mode="0750")
    assert planned.run is not None
    outcome = planned.run()
    assert target.is_dir() and target.stat().st_mode & 0o777 == 0o750 & ~_umask()
    assert [c["path"] for c in outcome.changes] == [str(tmp_path / "a"), str(tmp_path / "a" / "b"), str(target)]
    before = snapshot(tmp_path)
    again = plan(actx, "dir.create", path=str(target))
    assert again.noop and again.run is None
    assert snapshot(tmp_path) == before


def test_dir_create_undo_removes_only_what_it_made_and_is_still_empty(actx: ActionContext, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    planned = plan(actx, "dir.create", path=str(tmp_path / "a" / "b" / "c"))
    assert planned.run is not None
    outcome = planned.run()
    (tmp_path / "a" / "b" / "keep.txt").write_text("mine")
    lines, skipped, _ = undo_records([{"remediation": "mkdir", "undo": outcome.undo}])
    assert skipped == 1 and any("not empty any more" in line for line in lines), lines
    assert not (tmp_path / "a" / "b" / "c").exists()
    assert (tmp_path / "a" / "b" / "keep.txt").read_text() == "mine" and (tmp_path / "a").is_dir()


@pytest.mark.parametrize("path", ["relative/dir", "/tmp/x/../y", ""])
def test_dir_create_refuses_relative_and_parent_paths(actx: ActionContext, path: str) -> None:
    with pytest.raises(Refused):
        plan(actx, "dir.create", path=path)


def test_dir_create_over_a_file_is_refused(actx: ActionContext, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(Refused, match="not a directory"):
        plan(actx, "dir.create", path=str(tmp_path / "file"))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
