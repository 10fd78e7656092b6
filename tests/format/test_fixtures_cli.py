"""`troubleshooter new` scaffolds a playbook whose fixtures cover it; `troubleshooter test` reports coverage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from troubleshooter.cli import main

PLAYBOOK = """\
id: tiny
title: Tiny
inputs:
  mode: {default: auto}
checklist:
  - id: offline
    probe: env.offline_mode
    branches:
      - {when: {fact: offline, equals: true}, next: offline-mode}
      - {when: {status: timeout}, next: stuck}
  - id: ask
    key: sure
    choices: ["yes", "no"]
    branches:
      - {when: {fact: answer, equals: "no"}, next: stuck}
    otherwise: fine
diagnoses:
  offline-mode: {title: Offline, remediations: [fix]}
  stuck: {verdict: inconclusive, title: Stuck}
  fine: {verdict: healthy, title: Fine}
remediations:
  fix: {title: Fix, applicability: display-only, steps: [Unset it]}
"""
FIXTURES = {
    "offline.yaml": "facts: {offline: {offline: true}}\nexpect: offline-mode\n",
    "timeout.yaml": "facts: {env.offline_mode: timeout}\nexpect: stuck\n",
    "fine.yaml": "answers: {sure: 'yes'}\nexpect: fine\n",
}


class Run:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr


Cli = Callable[..., Run]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> Run:
        code = main(list(args))
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def _write(tmp_path: Path, fixtures: dict[str, str]) -> Path:
    (tmp_path / "tiny.yaml").write_text(PLAYBOOK, encoding="utf-8")
    tests = tmp_path / "tests" / "tiny"
    tests.mkdir(parents=True)
    for name, text in fixtures.items():
        (tests / name).write_text(text, encoding="utf-8")
    return tmp_path / "tiny.yaml"


def test_coverage_names_the_branches_no_fixture_takes(tmp_path: Path, cli: Cli) -> None:
    result = cli("test", str(_write(tmp_path, FIXTURES)))
    assert result.code == 0, result.stdout + result.stderr
    assert "branch coverage: 80.0 % (4/5)" in result.stdout
    assert "not covered: ask -> stuck (branch 1: answer is no)" in result.stdout
    assert "diagnoses reached: 3 of 3" in result.stdout


def test_full_coverage_and_a_failing_fixture(tmp_path: Path, cli: Cli) -> None:
    extra = {**FIXTURES, "no.yaml": "answers: {sure: 'no'}\nexpect: stuck\n"}
    path = _write(tmp_path, {**extra, "wrong.yaml": "facts: {offline: {offline: true}}\nexpect: fine\n"})
    result = cli("test", str(path), "--min-coverage", "100")
    assert result.code == 1
    assert "branch coverage: 100.0 % (5/5)" in result.stdout
    assert "FAIL wrong.yaml: expected fine, reached offline-mode" in result.stdout
    (tmp_path / "tests" / "tiny" / "wrong.yaml").unlink()
    assert cli("test", str(path), "--min-coverage", "100").code == 0


def test_a_broken_fixture_is_a_positioned_error(tmp_path: Path, cli: Cli) -> None:
    path = _write(tmp_path, {"bad.yaml": "facts: {offline: sleepy}\nexpect: fine\n"})
    result = cli("test", str(path))
    assert result.code == 1
    assert "bad.yaml:1:18: unknown status 'sleepy'" in result.stdout


def test_new_scaffolds_a_playbook_its_fixtures_fully_cover(tmp_path: Path, cli: Cli) -> None:
    result = cli("new", "my-pb", "offline-mode", "hub-unreachable", "--out", str(tmp_path))
    assert result.code == 0, result.stderr
    text = (tmp_path / "my-pb.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    tested = cli("test", str(tmp_path / "my-pb.yaml"))
    assert tested.code == 0, tested.stdout
    assert "branch coverage: 100.0 % (4/4)" in tested.stdout
    linted = cli("lint", str(tmp_path / "my-pb.yaml"))
    assert "unknown probe 'TODO.probe'" in linted.stderr and "[TS105]" in linted.stderr


def test_schema_prints_json(cli: Cli) -> None:
    result = cli("schema")
    assert result.code == 0 and '"title": "troubleshooter playbook"' in result.stdout
