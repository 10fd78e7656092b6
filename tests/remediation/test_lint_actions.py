"""`troubleshooter lint` checks what a playbook's fixes may do: known actions, their arguments,
no `..` in paths, no action on a display-only fix, and at least the consent an action needs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import base_env, run_cli
from tests.unit.test_lint_errors import VALID

FIX = """applicability: display-only
    steps: [Unset the variable]"""
assert FIX in VALID  # the lint tests' valid playbook, whose one fix gets an action here


def playbook(name: str, applicability: str, action: str, args: str) -> str:
    text = VALID.replace("id: demo", f"id: {name}")
    return text.replace(FIX, f"applicability: {applicability}\n    action: {action}\n    args: {args}")


GOOD = {"applicability": "safe", "action": "env.unset", "args": "{names: [HF_HUB_OFFLINE]}"}
BAD = {  # name -> (what differs from GOOD, the error lint must print)
    "traversal": ({"args": "{names: [HF_HUB_OFFLINE], file: '~/../../etc/profile'}"}, r"path traversal \('\.\.'\)"),
    "aside-traversal": (
        {"applicability": "unsafe", "action": "folder.move-aside", "args": "{path: '/content/drive/../x'}"},
        r"path traversal \('\.\.'\)",
    ),
    "unknown-action": ({"action": "env.nuke"}, r"unknown action 'env\.nuke' in remediation 'fix'"),
    "display-only": ({"applicability": "display-only"}, r"remediation 'fix' is display-only but names action"),
    "lock-safe": (
        {"action": "lock.remove", "args": "{repo: acme/x}"},
        r"action 'lock\.remove' is at least unsafe; remediation 'fix' says safe",
    ),
    "unknown-arg": ({"args": "{names: [A], shell: 'rm -rf ~'}"}, r"takes no argument 'shell'"),
    "pip-option": (
        {"applicability": "unsafe", "action": "pip.upgrade", "args": "{package: '--index-url=https://x.example'}"},
        r"is not a package name",
    ),
    "shell-line": (
        {"applicability": "unsafe", "action": "command.run", "args": "{argv: 'hf cache prune --yes'}"},
        r"an argv, never a shell line",
    ),
}


def test_lint_rejects_unsafe_or_unknown_fix_actions_with_positions(tmp_path: Path, home: Path) -> None:
    for name, (change, _) in BAD.items():
        (tmp_path / f"{name}.yaml").write_text(playbook(name, **{**GOOD, **change}))
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    for name, (_, pattern) in BAD.items():
        path = re.escape(str(tmp_path / f"{name}.yaml"))
        assert re.search(rf"(?m)^{path}:\d+:\d+: .*{pattern}", result.stderr), (name, result.stderr)


def test_lint_accepts_a_fix_with_a_known_action_and_enough_consent(tmp_path: Path, home: Path) -> None:
    (tmp_path / "good.yaml").write_text(playbook("good", **GOOD))
    unsafe = {"applicability": "unsafe", "action": "lock.remove", "args": "{repo: acme/x}"}
    (tmp_path / "unsafe.yaml").write_text(playbook("unsafe", **unsafe))
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 0, result.stderr
    assert "2 playbook(s) OK" in result.stderr
