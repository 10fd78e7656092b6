"""Bad playbooks end in positioned `file:line:col` errors and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import base_env, run_cli

VALID = """\
id: demo
title: Demo
start: check
nodes:
  check:
    type: check
    probe: env.offline_mode
    branches:
      - when: {fact: offline, equals: true}
        next: broken
    otherwise: fine
  broken:
    type: diagnosis
    cause: offline-mode
    title: Offline
    remediations: [fix]
  fine:
    type: diagnosis
    verdict: healthy
    title: Fine
remediations:
  fix:
    title: Fix it
    applicability: display-only
    steps: [Unset the variable]
"""

CASES = {
    "broken-yaml": ("id: demo\ntitle: [unclosed\n", r"broken-yaml\.yaml:\d+:\d+: invalid YAML"),
    "python-tag": ("id: demo\ntitle: !!python/object/apply:os.system ['true']\n", r":2:8: YAML tag .*not allowed"),
    "unknown-probe": (VALID.replace("env.offline_mode", "env.nope"), r":7:12: unknown probe 'env.nope'"),
    "input-kind": (
        VALID.replace("start: check", "inputs:\n  repo: {kind: url}\nstart: check"),
        r":4:16: input kind 'url' is not one of: text, repo-id, path",
    ),
    "unknown-node": (VALID.replace("next: broken", "next: nowhere"), r":10:15: unknown node 'nowhere'"),
    "unreachable": (
        VALID.replace(
            "remediations:\n  fix:",
            "  extra:\n    type: diagnosis\n    verdict: healthy\n    title: X\nremediations:\n  fix:",
        ),
        None,
    ),
    "cycle": (VALID.replace("otherwise: fine", "otherwise: check"), r"cycle: 'check' leads back to 'check'"),
    "dead-end": (VALID.replace("    otherwise: fine\n", ""), r"dead end: node 'check'"),
    "no-remediation": (
        VALID.replace("    remediations: [fix]\n", ""),
        r"problem diagnosis 'broken' has no remediation",
    ),
    "unknown-cause": (VALID.replace("cause: offline-mode", "cause: gremlins"), r"unknown cause 'gremlins'"),
    "unknown-key": (VALID.replace("title: Demo", "title: Demo\ncolour: red"), r":3:9: unknown key 'colour'"),
    "bad-arg": (
        VALID.replace("probe: env.offline_mode", "probe: env.offline_mode\n    args: {rm: '-rf'}"),
        r"takes no argument 'rm'",
    ),
    "bad-reference": (
        VALID.replace("probe: env.offline_mode", "probe: net.connect\n    args: {url: '${nothing}'}"),
        r"reference \$\{nothing\}",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lint_reports_position_and_exits_2(name: str, tmp_path: Path, home: Path) -> None:
    text, pattern = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    result = run_cli(["lint", str(path)], base_env(home))
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    import re

    first = result.stderr.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", first), result.stderr
    if pattern:
        assert re.search(pattern, result.stderr), result.stderr
    else:
        assert "unreachable node 'extra'" in result.stderr


def test_valid_playbook_lints_clean(tmp_path: Path, home: Path) -> None:
    (tmp_path / "demo.yaml").write_text(VALID)
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 0, result.stderr


def test_shipped_playbooks_lint_clean(home: Path) -> None:
    result = run_cli(["lint"], base_env(home))
    assert result.code == 0, result.stderr


def test_missing_file_is_a_clean_error(tmp_path: Path, home: Path) -> None:
    result = run_cli(["lint", str(tmp_path / "absent.yaml")], base_env(home))
    assert result.code == 2
    assert "absent.yaml:1:1: file not found" in result.stderr


def test_broken_playbook_dir_fails_the_walk_cleanly(tmp_path: Path, home: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: x\nnodes: [\n")
    result = run_cli(["--playbook-dir", str(tmp_path), "--playbook", "x", "--json"], base_env(home))
    assert result.code == 2
    assert "bad.yaml:" in result.stderr and "Traceback" not in result.stderr
