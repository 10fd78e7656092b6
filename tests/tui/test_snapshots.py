"""How the screens look at 80×24: home, a decided step, the consent dialog (SVG snapshots)."""

from __future__ import annotations

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes
from tests.tui.sample import FakeFlow, sample_playbook
from tests.tui.snapshot import assert_matches_snapshot
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.tui.app import TroubleshooterApp
from troubleshooter.tui.screens.consent import ConsentScreen

DISK_FULL = ProbeResult(Status.FAIL, {"free_gb": 0.2, "mount": "/", "largest": "core.1234"}, "0.2 GB free on /")


async def test_home_screen_looks_right():
    book = sample_playbook()
    app = TroubleshooterApp({book.id: book}, probe_runner=FakeProbes())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert_matches_snapshot(app, "home")


async def test_decided_step_looks_right(sample_app):
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.screen.decided is not None)
        assert_matches_snapshot(app, "walk-decided")


async def test_consent_dialog_looks_right(sample_app):
    fixed_home = {"HOME": "/home/colab-user"}
    app = sample_app(
        FakeProbes(by_probe={"fake.disk": DISK_FULL}),
        remediation_flow=FakeFlow(),
        context_factory=lambda: ProbeContext(env=fixed_home),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: app.screen.decided is not None)
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.session.done)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        assert_matches_snapshot(app, "consent")
