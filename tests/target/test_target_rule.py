"""The contract's rule for which Python a walk diagnoses, on real interpreters and folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from troubleshooter.errors import UsageError
from troubleshooter.target import choose


def _fake_python(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "python3"
    exe.write_text("#!/bin/sh\nexec true\n")
    exe.chmod(0o755)
    (folder / "python").symlink_to("python3")
    return exe


def test_python_flag_comes_first_and_accepts_a_venv_folder(tmp_path: Path) -> None:
    venv = tmp_path / "proj"
    _fake_python(venv / "bin")
    env = {"VIRTUAL_ENV": "/elsewhere", "PATH": "/usr/bin"}
    chosen = choose(env, str(venv))
    assert chosen.chosen_by == "--python"
    assert chosen.python == str(venv / "bin" / "python")


def test_python_flag_that_is_not_an_interpreter_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an executable"):
        choose({}, str(tmp_path / "missing"))


def test_virtual_env_wins_over_path(tmp_path: Path) -> None:
    _fake_python(tmp_path / "venv" / "bin")
    on_path = _fake_python(tmp_path / "other")
    chosen = choose({"VIRTUAL_ENV": str(tmp_path / "venv"), "PATH": str(on_path.parent)})
    assert (chosen.chosen_by, chosen.python) == ("VIRTUAL_ENV", str(tmp_path / "venv" / "bin" / "python"))


def test_path_skips_the_tools_own_interpreter(tmp_path: Path) -> None:
    own_bin = str(Path(sys.executable).absolute().parent)
    user = _fake_python(tmp_path / "user-bin")
    chosen = choose({"PATH": os.pathsep.join([own_bin, str(user.parent)])})
    assert (chosen.chosen_by, chosen.python) == ("PATH", str(user))


def test_nothing_found_says_so() -> None:
    chosen = choose({"PATH": ""})
    assert chosen.python is None
    assert "--python" in chosen.describe()


def test_cli_reports_the_target_it_chose(tmp_path: Path) -> None:
    """End to end: a runtime walk (no Hub) still names the diagnosed interpreter and its versions."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "VIRTUAL_ENV": sys.prefix, "LANG": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "troubleshooter", "--playbook", "runtime-wont-connect", "--json", "--timeout", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    import json

    target = json.loads(done.stdout)["target"]
    assert target["chosen_by"] == "VIRTUAL_ENV"
    assert target["python"] == str(Path(sys.prefix) / "bin" / "python")
    assert target["versions"]["huggingface_hub"]
