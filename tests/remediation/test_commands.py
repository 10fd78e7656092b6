"""`command.run` and `pip.upgrade`: argv lists, never a shell; validation keeps options out of names.

No test here installs anything: pip.upgrade is only planned (a satisfied minimum is a no-op)
and validated.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.remediation.support import plan
from troubleshooter.remediation import actions
from troubleshooter.remediation.actions import ActionContext, Refused
from troubleshooter.remediation.commands import CommandFailed


def _errors(action: str, **args: Any) -> list[str]:
    spec = actions.get(action)
    assert spec is not None
    return actions.arg_errors(spec, args)


def test_program_not_on_path_is_refused_when_planning(actx: ActionContext) -> None:
    with pytest.raises(Refused, match="not on PATH"):
        plan(actx, "command.run", argv=["no-such-program-troubleshooter-test", "--yes"])


def test_shell_syntax_in_an_argument_stays_one_literal_argument(actx: ActionContext, tmp_path: Path) -> None:
    hostile = [
        f"; touch {tmp_path}/semicolon",
        f"$(touch {tmp_path}/subshell)",
        f"`touch {tmp_path}/backticks`",
        f"&& touch {tmp_path}/and",
        f"| tee {tmp_path}/pipe",
    ]
    argv = [sys.executable, "-c", "import sys; print(len(sys.argv) - 1, *sys.argv[1:], sep=chr(10))", *hostile]
    planned = plan(actx, "command.run", argv=argv)
    assert planned.run is not None
    outcome = planned.run()
    [change] = outcome.changes
    assert change["returncode"] == 0 and change["output_tail"] == [str(len(hostile)), *hostile]
    made = {"semicolon", "subshell", "backticks", "and", "pipe"}
    assert not [p for p in tmp_path.rglob("*") if p.name in made]


def test_argv_written_as_a_shell_line_is_rejected_by_validation() -> None:
    assert _errors("command.run", argv="hf cache prune --yes; rm -rf ~")
    assert _errors("command.run", argv=["hf", ""])
    assert _errors("command.run", argv=["hf", "cache", "prune"], preview="hf cache prune --dry-run")
    assert _errors("command.run", argv=["hf", "cache", "prune", "--yes"], preview=["hf", "cache", "prune"]) == []


def test_empty_argument_from_a_missing_input_is_refused(actx: ActionContext) -> None:
    spec = actions.get("command.run")
    assert spec is not None and actions.arg_errors(spec, {"argv": ["echo", ""]})
    with pytest.raises(Refused, match="empty"):
        actions.make_plan(spec, actx, {"argv": ["echo", ""]})


def test_preview_that_shows_nothing_to_do_makes_the_command_a_noop(actx: ActionContext, tmp_path: Path) -> None:
    marker = tmp_path / "preview-ran"
    preview = [sys.executable, "-c", f"open({str(marker)!r}, 'w'); print('Nothing to prune')"]
    planned = plan(actx, "command.run", argv=["false"], preview=preview, noop_when="Nothing to prune")
    assert not marker.exists(), "a dry-run executes nothing, not even the preview"
    assert planned.run is not None and any("nothing runs during a dry-run" in line for line in planned.lines)
    outcome = planned.run()
    assert marker.exists() and outcome.changes == [] and "nothing to do" in outcome.message


def test_failing_or_hanging_command_is_reported_not_applied(actx: ActionContext) -> None:
    failing = plan(actx, "command.run", argv=[sys.executable, "-c", "import sys; sys.exit('no space left')"])
    assert failing.run is not None
    with pytest.raises(CommandFailed) as failed:
        failing.run()
    assert failed.value.change["returncode"] == 1 and failed.value.change["output_tail"] == ["no space left"]

    hanging = plan(actx, "command.run", argv=["sleep", "30"], timeout_s=0.5)
    assert hanging.run is not None
    with pytest.raises(CommandFailed, match="a timeout"):
        hanging.run()


@pytest.mark.parametrize(
    "package",
    ["--index-url=https://evil.example/simple", "-e", "git+https://evil.example/x", "pkg; rm -rf ~", "../wheel", ""],
)
def test_pip_upgrade_rejects_anything_but_a_package_name(package: str) -> None:
    assert any("is not a package name" in e for e in _errors("pip.upgrade", package=package))


def test_pip_upgrade_validates_the_minimum_version() -> None:
    assert _errors("pip.upgrade", package="huggingface_hub", min_version="0.20.2") == []
    assert _errors("pip.upgrade", package="huggingface_hub", min_version="1.0 --pre")


def test_pip_upgrade_is_a_noop_when_the_requirement_is_already_satisfied(actx: ActionContext) -> None:
    from importlib import metadata

    installed = metadata.version("huggingface_hub")
    planned = plan(actx, "pip.upgrade", package="huggingface_hub", requirement=f"huggingface_hub=={installed}")
    assert planned.noop and planned.run is None and "already satisfied" in planned.reason


def test_pip_upgrade_that_pip_cannot_resolve_installs_nothing_and_says_why(actx: ActionContext) -> None:
    planned = plan(actx, "pip.upgrade", package="troubleshooter-test-not-installed")
    assert planned.noop and planned.run is None
    assert "pip cannot resolve troubleshooter-test-not-installed" in planned.reason


def test_pip_upgrade_validates_the_requirement_range() -> None:
    assert _errors("pip.upgrade", package="huggingface_hub", requirement="huggingface_hub>=0.20.2,<0.21") == []
    assert _errors("pip.upgrade", package="huggingface_hub", requirement="attacker-package>=1")
    assert _errors("pip.upgrade", package="huggingface_hub", requirement="huggingface_hub>=1 --index-url=x")
