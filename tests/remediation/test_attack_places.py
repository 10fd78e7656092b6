"""Attacks on where a fix acts: system folders, slips, symlinks swapped in after the plan.

Each case was possible before: `drive_root=/usr` planned `rename /usr -> /usr.aside-…`, and a
slip like `drive_root=/content` got the same. Now every place is checked when planning and
again right before the system call, and a refusal says which rule failed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import base_env, run_cli
from tests.remediation.support import plan, snapshot
from troubleshooter.remediation.actions import ActionContext, Refused
from troubleshooter.remediation.places import PlaceRefused, check_place


@pytest.mark.parametrize("folder", ["/usr", "/etc", "/root", "/opt", "/var", "/content", "/", "/usr/lib", "/etc/ssl"])
def test_move_aside_never_plans_a_system_or_top_level_folder(actx: ActionContext, folder: str) -> None:
    with pytest.raises(Refused, match=r"system|top-level|whole filesystem"):
        plan(actx, "folder.move-aside", path=folder)


def test_move_aside_of_the_home_folder_or_a_folder_holding_it_is_refused(actx: ActionContext, home: Path) -> None:
    with pytest.raises(Refused, match="home folder"):
        plan(actx, "folder.move-aside", path=str(home))
    with pytest.raises(Refused, match="contains the home folder"):
        plan(actx, "folder.move-aside", path=str(home.parent))


def test_cli_drive_root_slip_to_a_system_folder_changes_nothing(home: Path, tmp_path: Path) -> None:
    env = base_env(home, {"TROUBLESHOOTER_STATE_DIR": str(tmp_path / "state"), "HF_ENDPOINT": "http://127.0.0.1:9"})
    for root in ("/usr", "/etc", "/opt"):
        args = ["--playbook", "drive-not-syncing", "--json", "--timeout", "2", "--apply", "unsafe", "--yes"]
        result = run_cli([*args, "--answer", f"drive_root={root}"], env)
        assert os.path.isdir(root) and not [p for p in os.listdir(os.path.dirname(root)) if ".aside-" in p]
        assert "Traceback" not in result.stderr
        for fix in result.json.get("fixes") or [] if result.stdout.strip() else []:
            assert not fix.get("applied"), fix


def test_a_folder_swapped_for_a_symlink_after_the_plan_is_not_moved(actx: ActionContext, tmp_path: Path) -> None:
    folder = tmp_path / "content" / "drive"
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "precious"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    planned = plan(actx, "folder.move-aside", path=str(folder))
    assert planned.run is not None
    folder.rmdir()
    folder.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(tmp_path)
    with pytest.raises(Refused, match="symbolic link"):
        planned.run()
    assert snapshot(tmp_path) == before


def test_an_env_file_in_a_system_folder_is_refused(actx: ActionContext) -> None:
    for target in ("/etc/profile", "/etc/environment", "/usr/lib/x.env"):
        with pytest.raises(Refused, match=r"system folder|system or top-level"):
            plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": "1"}, file=target)


def test_an_env_file_whose_folder_becomes_a_symlink_after_the_plan_is_not_written(
    actx: ActionContext, home: Path, tmp_path: Path
) -> None:
    project = home / "project"
    project.mkdir()
    (project / ".env").write_bytes(b"A=1\n")
    planned = plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": "1"}, file=str(project / ".env"))
    assert planned.run is not None
    target = tmp_path / "victim"
    target.mkdir()
    (target / ".env").write_bytes(b"A=1\n")
    project.rename(home / "project-moved")
    project.symlink_to(target, target_is_directory=True)
    with pytest.raises(Refused, match="symbolic link"):
        planned.run()
    assert (target / ".env").read_bytes() == b"A=1\n"


def test_dir_create_refuses_system_trees_and_the_filesystem_root(actx: ActionContext) -> None:
    for target in ("/usr/local/troubleshooter-test", "/etc/troubleshooter-test", "/troubleshooter-test"):
        with pytest.raises(Refused):
            plan(actx, "dir.create", path=target)
        assert not os.path.exists(target)


def test_check_place_rules_each_say_why(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    assert check_place(root / "a" / "b", root, home=None) == root / "a" / "b"
    cases = {
        "relative/x": "absolute path",
        str(root / ".." / "x"): "'..'",
        str(tmp_path / "other"): "outside the place",
        str(root): "outside the place",
    }
    for path, why in cases.items():
        with pytest.raises(PlaceRefused, match=why):
            check_place(path, root, home=None)
    (root / "link").symlink_to(root / "a", target_is_directory=True)
    with pytest.raises(PlaceRefused, match="symbolic link"):
        check_place(root / "link" / "b", root, home=None)
