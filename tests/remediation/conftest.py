"""Fixtures for the remediation tests: a user's HOME, HF_HOME and state dir under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import base_env
from tests.remediation.support import DEAD_ENDPOINT, action_context
from troubleshooter.remediation.actions import ActionContext


@pytest.fixture
def hf_home(tmp_path: Path) -> Path:
    return tmp_path / "hf"


@pytest.fixture
def cache(hf_home: Path) -> Path:
    """The hub cache the actions act on (HF_HOME/hub)."""
    return hf_home / "hub"


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """Where backups and run journals go (TROUBLESHOOTER_STATE_DIR)."""
    return tmp_path / "state"


@pytest.fixture
def env(home: Path, hf_home: Path, state_dir: Path) -> dict[str, str]:
    """The user's environment: nothing of the developer's; the Hub is a port nobody listens on."""
    return base_env(
        home,
        {
            "HF_HOME": str(hf_home),
            "HF_ENDPOINT": DEAD_ENDPOINT,
            "HF_HUB_DISABLE_XET": "1",
            "TROUBLESHOOTER_STATE_DIR": str(state_dir),
        },
    )


@pytest.fixture
def actx(env: dict[str, str], state_dir: Path) -> ActionContext:
    return action_context(env, state_dir)
