"""The short form loads into exactly the model the hand-wired form gives (same ids, same wiring)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from troubleshooter.engine.library import read_library
from troubleshooter.engine.loader import parse_playbook
from troubleshooter.errors import PlaybookErrors

SHORT = """\
id: demo
title: Demo
conditions:
  offline-on: {when: {fact: offline, equals: true}, why: {en: "Offline is on", zh: "离线"}}
checklist:
  - id: first
    probe: env.offline_mode
    branches:
      - {when: offline-on, next: offline-mode}
      - {when: [timed-out, {fact: offline, exists: false}], next: fine}
  - id: second
    probe: env.offline_mode
    branches: [{when: {not: offline-on}, next: fine, why: Own why}]
    otherwise: offline-mode
diagnoses:
  offline-mode: {remediations: [fix], add: {explanation: {en: More., zh: 更多。}}}
  fine: {verdict: healthy, title: Fine}
remediations:
  fix: {title: Fix, applicability: display-only, steps: [Do it]}
"""
PLAIN = """\
id: demo
title: Demo
start: first
nodes:
  first:
    type: check
    probe: env.offline_mode
    branches:
      - {when: {fact: offline, equals: true}, next: offline-mode, why: {en: "Offline is on", zh: "离线"}}
      - {when: {all: [{status: timeout}, {fact: offline, exists: false}]}, next: fine}
    otherwise: second
  second:
    type: check
    probe: env.offline_mode
    branches: [{when: {not: {fact: offline, equals: true}}, next: fine, why: Own why}]
    otherwise: offline-mode
  offline-mode:
    type: diagnosis
    cause: offline-mode
    title: Offline
    explanation: {en: "Why.\\n\\nMore.", zh: "为何。\\n\\n更多。"}
    remediations: [fix]
  fine: {type: diagnosis, verdict: healthy, title: Fine}
remediations:
  fix: {title: Fix, applicability: display-only, steps: [Do it]}
"""
LIBRARY = """\
playbook: demo
causes:
  offline-mode:
    title: Offline
    explanation: {en: "Why.", zh: "为何。"}
    remediations: [other]
remediations:
  other: {title: Other, applicability: display-only, steps: [No]}
conditions:
  timed-out: {status: timeout}
"""


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in ("ref", "probe_ref", "path")
        }
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from troubleshooter.engine import expand

    (tmp_path / "demo.yaml").write_text(LIBRARY, encoding="utf-8")
    lib = read_library([tmp_path / "demo.yaml"])
    assert not lib.errors
    monkeypatch.setattr(expand, "shipped", lambda: lib)


def test_short_and_plain_forms_give_the_same_model(library: None) -> None:
    short, plain = parse_playbook(SHORT, "short.yaml"), parse_playbook(PLAIN, "plain.yaml")
    assert _plain(short) == _plain(plain)


def test_plain_nodes_take_nothing_from_the_library(library: None) -> None:
    pb = parse_playbook(PLAIN.replace("    remediations: [fix]\n", ""), "plain.yaml")
    assert pb.nodes["offline-mode"].remediations == ()  # type: ignore[attr-defined]


def test_a_node_defined_twice_and_an_unknown_condition_are_errors(library: None) -> None:
    text = SHORT.replace("  fine: {verdict", "  first: ~\n  fine: {verdict").replace(
        "when: offline-on", "when: offline-of"
    )
    with pytest.raises(PlaybookErrors) as caught:
        parse_playbook(text, "short.yaml")
    rendered = caught.value.render()
    assert "node 'first' is defined twice" in rendered and "[TS116]" in rendered
    assert "unknown condition 'offline-of'" in rendered and "[TS115]" in rendered


def test_a_cause_defined_twice_in_the_library_is_an_error(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(LIBRARY, encoding="utf-8")
    lib = read_library([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert any("cause 'offline-mode' is defined twice" in e.render() for e in lib.errors)
