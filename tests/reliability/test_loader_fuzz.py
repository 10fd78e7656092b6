"""Fuzzing the loader and linter: any input ends in a valid playbook or positioned errors."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from troubleshooter.engine.loader import parse_playbook
from troubleshooter.errors import PlaybookError, PlaybookErrors
from troubleshooter.lint import lint_playbook

POSITION = re.compile(r"^fuzz\.yaml:\d+:\d+: ")
SEED = """id: demo
title: Demo
start: a
nodes:
  a: {type: check, probe: env.offline_mode, branches: [{when: {fact: offline, equals: true}, next: b}], otherwise: c}
  b: {type: diagnosis, cause: offline-mode, title: B, remediations: [r]}
  c: {type: diagnosis, verdict: healthy, title: C}
remediations:
  r: {title: R, applicability: display-only}
"""


def _check(text: str) -> None:
    try:
        pb = parse_playbook(text, "fuzz.yaml")
    except PlaybookErrors as exc:
        assert exc.errors
        for error in exc.errors:
            assert POSITION.match(error.render()), error.render()
        return
    except PlaybookError as exc:
        assert POSITION.match(exc.render()), exc.render()
        return
    for error in lint_playbook(pb):
        assert POSITION.match(error.render()), error.render()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises_unpositioned(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(SEED)),
    st.integers(min_value=0, max_value=40),
    st.text(alphabet=" :-[]{}&*!|>'\"#\n\tabcxyz0123?%@`,", max_size=20),
)
def test_mutated_playbooks_never_raise_unpositioned(pos: int, cut: int, insert: str) -> None:
    _check(SEED[:pos] + insert + SEED[pos + cut :])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "title", "start", "nodes", "inputs", "remediations", "symptoms", "x"]),
        json_values,
        max_size=6,
    )
)
def test_structurally_random_documents(doc: dict[str, object]) -> None:
    import json

    _check(json.dumps(doc))  # JSON is YAML: random shapes for every key
