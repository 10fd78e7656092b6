"""`env.set` / `env.unset`: variables for future runs, written to a file the user chose or printed.

Real files under a temp HOME: the edit is exact (other lines and the file's mode kept), a
second apply is a no-op that does not even touch the file, nothing is written without a file,
and a path with `..` is refused.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.remediation.support import action_context, mode, plan, snapshot, write_file
from troubleshooter.remediation.actions import ActionContext, Refused

BASHRC = b"# my shell\nalias ll='ls -l'\nexport HF_HUB_OFFLINE=1\nexport PATH=$HOME/bin:$PATH\n"


@pytest.fixture
def bashrc(home: Path) -> Path:
    return write_file(home / ".bashrc", BASHRC, 0o640)


def test_unset_removes_only_the_assignment_and_keeps_the_mode(actx: ActionContext, bashrc: Path) -> None:
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"], file=str(bashrc))
    assert planned.lines == [
        f"edit {bashrc} (a backup is kept; `troubleshooter undo` restores it)",
        "  - export HF_HUB_OFFLINE=1",
    ]
    assert planned.run is not None
    outcome = planned.run()
    assert bashrc.read_bytes() == b"# my shell\nalias ll='ls -l'\nexport PATH=$HOME/bin:$PATH\n"
    assert mode(bashrc) == 0o640
    [undo] = outcome.undo
    assert undo["kind"] == "restore-file" and Path(undo["backup"]).read_bytes() == BASHRC
    assert outcome.env_overlay == {"HF_HUB_OFFLINE": None, "TRANSFORMERS_OFFLINE": None}


def test_set_replaces_an_assignment_in_place_and_appends_a_new_one(actx: ActionContext, bashrc: Path) -> None:
    planned = plan(actx, "env.set", variables={"HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_XET": "1"}, file=str(bashrc))
    assert planned.run is not None
    planned.run()
    assert bashrc.read_text().splitlines() == [
        "# my shell",
        "alias ll='ls -l'",
        "export HF_HUB_OFFLINE=0",
        "export PATH=$HOME/bin:$PATH",
        "export HF_HUB_DISABLE_XET=1",
    ]


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("env.set", {"variables": {"HF_HUB_DISABLE_XET": "1"}}),
        ("env.unset", {"names": ["HF_HUB_OFFLINE"]}),
    ],
)
def test_second_apply_is_a_noop_that_leaves_the_file_untouched(
    env: dict[str, str], state_dir: Path, bashrc: Path, action: str, args: dict[str, object]
) -> None:
    actx = action_context(env, state_dir, {"env_file": str(bashrc)})
    first = plan(actx, action, **args)
    assert first.run is not None
    first.run()
    before = snapshot(bashrc.parent)
    again = plan(actx, action, **args)
    assert again.noop and again.run is None and "already" in again.reason
    assert snapshot(bashrc.parent) == before


def test_dotenv_file_gets_plain_assignments(actx: ActionContext, home: Path) -> None:
    dotenv = home / "project" / ".env"
    dotenv.parent.mkdir()
    planned = plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": "1"}, file=str(dotenv))
    assert planned.run is not None
    outcome = planned.run()
    assert dotenv.read_bytes() == b"HF_HUB_DISABLE_XET=1\n"
    sha = outcome.changes[0]["sha256"]
    assert outcome.undo == [{"kind": "remove-file", "path": str(dotenv), "sha256": sha, "root": str(dotenv.parent)}]


def test_value_with_shell_syntax_stays_one_literal_value(actx: ActionContext, home: Path, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to source the file with")
    value = f"a b; touch {tmp_path}/pwned $(touch {tmp_path}/pwned2) 'q'"
    profile = home / ".profile"
    planned = plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": value}, file=str(profile))
    assert planned.run is not None
    planned.run()
    shown = subprocess.run(
        [bash, "-c", f'. "{profile}"; printf %s "$HF_HUB_DISABLE_XET"'], capture_output=True, text=True, check=True
    )
    assert shown.stdout == value
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_without_a_file_the_line_is_printed_and_nothing_is_written(
    env: dict[str, str], state_dir: Path, home: Path
) -> None:
    printed: list[str] = []
    actx = action_context(env, state_dir, printed=printed)
    before = snapshot(home)
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"])
    assert planned.lines[0].startswith("print (nothing is written; answer env_file=FILE to write it): unset")
    assert planned.run is not None
    outcome = planned.run()
    assert printed == ["unset HF_HUB_OFFLINE"]
    assert outcome.changes == [] and outcome.undo == []
    assert snapshot(home) == before and not state_dir.exists()


def test_edited_file_between_preview_and_apply_is_not_overwritten(actx: ActionContext, bashrc: Path) -> None:
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(bashrc))
    bashrc.write_bytes(BASHRC + b"export MINE=1\n")
    assert planned.run is not None
    with pytest.raises(Refused, match="changed since the preview"):
        planned.run()
    assert bashrc.read_bytes() == BASHRC + b"export MINE=1\n"


def test_symlinked_profile_is_edited_where_it_lives(actx: ActionContext, home: Path, bashrc: Path) -> None:
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "bashrc"
    bashrc.rename(real)
    bashrc.symlink_to(real)
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(bashrc))
    assert planned.run is not None
    planned.run()
    assert bashrc.is_symlink() and b"HF_HUB_OFFLINE" not in real.read_bytes()


@pytest.mark.parametrize("where", ["argument", "answer"])
def test_file_path_with_parent_reference_is_refused(
    env: dict[str, str], state_dir: Path, home: Path, bashrc: Path, where: str
) -> None:
    sneaky = str(home / "sub" / ".." / ".bashrc")
    (home / "sub").mkdir()
    actx = action_context(env, state_dir, {"env_file": sneaky} if where == "answer" else {})
    args = {"file": sneaky} if where == "argument" else {}
    with pytest.raises(Refused, match=r"'\.\.' is not allowed"):
        plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": "1"}, **args)
    assert bashrc.read_bytes() == BASHRC and not state_dir.exists()


def test_folder_or_missing_parent_as_the_file_is_refused(actx: ActionContext, home: Path) -> None:
    with pytest.raises(Refused, match="not a regular file"):
        plan(actx, "env.set", variables={"A": "1"}, file=str(home))
    with pytest.raises(Refused, match="does not exist"):
        plan(actx, "env.set", variables={"A": "1"}, file=str(home / "nowhere" / ".bashrc"))
    assert not (home / "nowhere").exists()


def test_unset_keeps_other_assignments_on_the_same_line(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"export HF_HUB_OFFLINE=1 HF_HOME=/data/hf\n")
    try:
        planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    except Refused:
        return  # refusing to edit such a line is fine too
    assert planned.run is not None
    planned.run()
    assert b"HF_HOME=/data/hf" in profile.read_bytes()


@pytest.mark.parametrize(
    "line",
    [b"export HF_HOME=/data/hf HF_HUB_OFFLINE=1\n", b"HF_HUB_OFFLINE=1 python train.py\n", b"A=1; HF_HUB_OFFLINE=1\n"],
)
def test_a_line_that_sets_the_variable_among_other_things_is_refused(
    actx: ActionContext, home: Path, line: bytes
) -> None:
    profile = home / ".profile"
    profile.write_bytes(line)
    with pytest.raises(Refused, match=r"\.profile:1 sets HF_HUB_OFFLINE together with something else"):
        plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert profile.read_bytes() == line


def test_a_variable_whose_name_ends_the_same_is_left_alone(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"export MY_HF_HUB_OFFLINE=1\nexport HF_HUB_OFFLINE=1\n")
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert planned.run is not None
    planned.run()
    assert profile.read_bytes() == b"export MY_HF_HUB_OFFLINE=1\n"


def test_crlf_line_endings_are_kept(actx: ActionContext, home: Path) -> None:
    dotenv = home / "app.env"
    dotenv.write_bytes(b"A=1\r\nHF_HUB_OFFLINE=1\r\nB=2\r\n")
    planned = plan(actx, "env.set", variables={"HF_HUB_OFFLINE": "0"}, file=str(dotenv))
    assert planned.run is not None
    planned.run()
    assert dotenv.read_bytes() == b"A=1\r\nHF_HUB_OFFLINE=0\r\nB=2\r\n"


def test_printing_a_variable_writes_no_journal(tmp_path: Path) -> None:
    from tests.conftest import base_env, run_cli

    home = tmp_path / "home"
    home.mkdir()
    state = tmp_path / "state"
    env = base_env(
        home, {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9", "TROUBLESHOOTER_STATE_DIR": str(state)}
    )
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "1", "--apply", "safe"], env)
    assert result.code == 1 and "unset HF_HUB_OFFLINE" in result.stderr
    [fix] = result.json["fixes"]
    assert fix["printed"] is True and fix["applied"] is False and fix["journal"] is None
    assert not state.exists()
