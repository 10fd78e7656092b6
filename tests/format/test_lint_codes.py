"""Lint knows the probes: a misspelled fact, a wrong value and an unresolvable reference each fail with their code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from troubleshooter.engine.factcheck import values_of
from troubleshooter.engine.rules import BY_CODE, RULES
from troubleshooter.lint import lint_paths

BASE = """\
id: demo
title: Demo
inputs:
  space: {kind: repo-id}
checklist:
  - id: runtime
    probe: space.runtime
    args: {space: '${space}'}
    branches:
      - {when: {fact: stage_group, equals: sleeping}, next: space-sleeping}
  - id: done
    probe: env.offline_mode
    otherwise: fine
diagnoses:
  space-sleeping: {cause: offline-mode, title: Asleep, remediations: [wake]}
  fine: {verdict: healthy, title: Fine}
remediations:
  wake: {title: Wake it, applicability: display-only, steps: [Open the Space]}
"""


def _lint(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    _, errors = lint_paths([path])
    return [e.render() for e in errors]


def test_the_base_playbook_is_clean(tmp_path: Path) -> None:
    assert _lint(tmp_path, BASE) == []


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        ("fact: stage_group,", "fact: stage_grop,", "TS101", ":10:16:"),
        ("equals: sleeping", "equals: sleping", "TS102", ":10:16:"),
        ("'${space}'", "'${Space}'", "TS103", ":6:5:"),
        ("'${space}'", "'${runtime.stage_grop}'", "TS103", ":6:5:"),
        ("{fact: stage_group, equals: sleeping}", "{input: spcae, exists: true}", "TS104", ":10:16:"),
        ("next: space-sleeping", "next: nowhere", "TS107", ":10:"),
        ("    otherwise: fine\n", "", "TS108", ":11:5:"),
        ("when: {fact: stage_group, equals: sleeping}", "when: sleepy", "TS115", ":10:16:"),
    ],
)
def test_each_mistake_has_its_code_and_position(tmp_path: Path, old: str, new: str, code: str, where: str) -> None:
    assert old in BASE
    found = _lint(tmp_path, BASE.replace(old, new))
    assert any(line.endswith(f"[{code}]") and where in line for line in found), found
    assert all(re.match(r"^.+demo\.yaml:\d+:\d+: ", line) for line in found), found


def test_values_come_from_the_fact_description() -> None:
    assert values_of("ok | refused | dns") == {"ok", "refused", "dns"}
    assert values_of("token role: read | write | fineGrained") == {"read", "write", "fineGrained"}
    assert values_of("finished | failed | none: what the newest job message says") == {"finished", "failed", "none"}
    assert values_of("absent | complete | unverifiable (no tree listing)") == {"absent", "complete", "unverifiable"}
    assert values_of("ok | rate-limited | …") is None
    assert values_of("ok | <network kinds>") is None
    assert values_of("seconds until the answer") is None


def test_named_conditions_and_checklist_wiring_lint_clean(tmp_path: Path) -> None:
    text = BASE.replace("when: {fact: stage_group, equals: sleeping}", "when: sleepy").replace(
        "diagnoses:", "conditions:\n  sleepy: {when: {fact: stage_group, in: [sleeping]}, why: Asleep}\ndiagnoses:"
    )
    assert _lint(tmp_path, text) == []


def test_every_rule_has_a_unique_code_and_text() -> None:
    assert len(BY_CODE) == len(RULES)
    assert all(re.fullmatch(r"TS1\d\d", r.code) and r.summary and r.explanation for r in RULES)
