"""Fixtures for the TUI tests: the shipped playbooks, an app factory with fake probes, and
helpers that await the app's workers instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.tui.planning import FakeProbes
from troubleshooter.catalog import discover
from troubleshooter.model.playbook import Playbook
from troubleshooter.probes.context import ProbeContext
from troubleshooter.tui.app import TroubleshooterApp


@pytest.fixture(scope="session")
def playbooks() -> dict[str, Playbook]:
    return discover()


@pytest.fixture
def make_app(playbooks: dict[str, Playbook], tmp_path: Any) -> Callable[..., TroubleshooterApp]:
    def build(probes: FakeProbes | None = None, **kwargs: Any) -> TroubleshooterApp:
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        kwargs.setdefault("context_factory", lambda: ProbeContext(env=env))
        return TroubleshooterApp(playbooks, probe_runner=probes or FakeProbes(), **kwargs)

    return build


async def settle(
    pilot: Any, until: Callable[[], bool] | None = None, bound_s: float = 5.0, workers: bool = True
) -> None:
    """Let workers finish and messages drain; with `until`, poll (bounded) for a condition.

    `workers=False` is for tests that keep a probe blocked on purpose: its worker never
    completes, so only the message queue is drained.
    """
    app = pilot.app
    deadline = time.monotonic() + bound_s
    while True:
        if workers:
            await app.workers.wait_for_complete()
        await pilot.pause()
        if until is None or until():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached within the bound")
        await pilot.pause(0.02)


@pytest.fixture
def sample_app(tmp_path: Any) -> Callable[..., TroubleshooterApp]:
    """An app that knows only the sample playbook and opens its walk directly."""
    from tests.tui.sample import sample_playbook

    book = sample_playbook()

    def build(probes: FakeProbes | None = None, **kwargs: Any) -> TroubleshooterApp:
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        kwargs.setdefault("context_factory", lambda: ProbeContext(env=env))
        kwargs.setdefault("playbook", book.id)
        return TroubleshooterApp({book.id: book}, probe_runner=probes or FakeProbes(), **kwargs)

    return build
