"""One vocabulary: verdicts know their exit codes, applicability is ordered, every table covers it."""

from __future__ import annotations

import pytest

from troubleshooter.exit_codes import ExitCode
from troubleshooter.model.playbook import DIAGNOSIS_VERDICTS, Applicability, Verdict
from troubleshooter.report.render import VERDICT_WORDS
from troubleshooter.report.rich_render import VERDICT_STYLES


@pytest.mark.parametrize(
    ("verdict", "code"),
    [
        (Verdict.HEALTHY, ExitCode.HEALTHY),
        (Verdict.PROBLEM, ExitCode.PROBLEM),
        (Verdict.INCONCLUSIVE, ExitCode.INCONCLUSIVE),
        (Verdict.NEEDS_INPUT, ExitCode.INCONCLUSIVE),
    ],
)
def test_each_verdict_exits_with_the_contracts_code(verdict: Verdict, code: ExitCode) -> None:
    assert verdict.exit_code is code


def test_a_missing_or_unknown_verdict_word_is_inconclusive() -> None:
    assert Verdict.of("needs-input") is Verdict.NEEDS_INPUT
    assert Verdict.of(None) is Verdict.INCONCLUSIVE
    assert Verdict.of("bogus") is Verdict.INCONCLUSIVE


def test_a_verdict_is_still_its_word_in_reports() -> None:
    assert Verdict.NEEDS_INPUT == "needs-input"
    assert f"{Verdict.HEALTHY}" == "healthy"
    assert "inconclusive" in DIAGNOSIS_VERDICTS
    assert "needs-input" not in DIAGNOSIS_VERDICTS


def test_applicability_is_ordered_like_ruffs() -> None:
    assert Applicability.DISPLAY_ONLY < Applicability.UNSAFE < Applicability.SAFE
    assert sorted([Applicability.SAFE, Applicability.DISPLAY_ONLY, Applicability.UNSAFE]) == [
        Applicability.DISPLAY_ONLY,
        Applicability.UNSAFE,
        Applicability.SAFE,
    ]
    # `--apply unsafe` takes safe and unsafe fixes; `--apply safe` only safe ones; display-only never.
    assert [a for a in Applicability if a >= Applicability.UNSAFE] == [Applicability.UNSAFE, Applicability.SAFE]
    assert [a for a in Applicability if a >= Applicability.SAFE] == [Applicability.SAFE]


def test_every_verdict_has_a_heading_and_a_style() -> None:
    assert set(VERDICT_WORDS) == set(Verdict)
    assert set(VERDICT_STYLES) == set(Verdict)
