"""Package fixes run in the diagnosed Python, show pip's resolution first and never break its stack.

A real venv where transformers 4.46.3 pins huggingface_hub<1.0 (built from the registry, cached
outside the repo); pip's own resolver answers with `--dry-run --report`, so nothing is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.target.venvs import python_of, target_venv
from troubleshooter.probes.context import ProbeContext
from troubleshooter.remediation.actions import ActionContext
from troubleshooter.remediation.commands import pip_upgrade

pytestmark = pytest.mark.slow


def _actx(python: str, tmp_path: Path) -> ActionContext:
    return ActionContext(ProbeContext(env={}, target_python=python), {}, "run-1", tmp_path, timeout_s=120.0)


@pytest.fixture(scope="module")
def stack_python() -> str:
    return python_of(target_venv("transformers==4.46.3", "huggingface_hub==0.36.0"))


def test_a_major_upgrade_that_breaks_transformers_is_refused_with_the_reason(stack_python: str, tmp_path: Path) -> None:
    plan = pip_upgrade(_actx(stack_python, tmp_path), "huggingface_hub", requirement="huggingface_hub>=1.0")
    assert plan.noop
    assert "transformers 4.46.3 requires huggingface-hub" in plan.reason
    assert "<1.0" in plan.reason


def test_the_upgrade_is_narrowed_by_the_stack_and_previewed_in_the_target(stack_python: str, tmp_path: Path) -> None:
    plan = pip_upgrade(_actx(stack_python, tmp_path), "huggingface_hub", min_version="0.20.2")
    text = "\n".join(plan.lines)
    assert stack_python in text, "the fix runs in the diagnosed interpreter, not the tool's own"
    assert "<1.0" in text or plan.noop, text
    assert "refused" not in text
    if not plan.noop:
        assert "pip's resolution" in text and "huggingface-hub: 0.36.0 ->" in text
