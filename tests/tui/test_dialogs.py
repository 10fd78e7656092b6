"""Export writes real files; the consent modal applies an unsafe fix only on an explicit yes;
without the remediation module a fix degrades to its dry-run steps and commands."""

from __future__ import annotations

import json
import sys

from textual.message import Message
from textual.widgets import Button, Input

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes
from tests.tui.sample import FakeFlow
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.tui.messages import RemediationApplied, ReportExported
from troubleshooter.tui.screens.consent import ConsentScreen
from troubleshooter.tui.screens.export import ExportScreen

DISK_FULL = ProbeResult(Status.FAIL, {"free_gb": 0.2}, "0.2 GB free")


async def _to_diagnosis(pilot) -> None:
    screen = pilot.app.screen
    await settle(pilot, lambda: screen.decided is not None)
    await pilot.press("enter")
    await settle(pilot, lambda: screen.session.done)


async def test_export_writes_json_markdown_and_html(sample_app, tmp_path):
    received: list[Message] = []
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}))
    async with app.run_test(message_hook=received.append) as pilot:
        await _to_diagnosis(pilot)
        for suffix in ("json", "md", "html"):
            await pilot.press("e")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ExportScreen)
            field = dialog.query_one("#export-path", Input)
            field.value = str(tmp_path / "out" / "report.txt")
            await pilot.click(f"#fmt-{suffix}")
            assert field.value.endswith(f"report.{suffix}")
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, ExportScreen)
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["playbook"] == "sample-walk" and data["diagnosis"]["cause"] == "disk-full"
    assert [s["node"] for s in data["steps"]] == ["disk"]
    assert "disk-full" in (tmp_path / "out" / "report.md").read_text()
    assert "<html" in (tmp_path / "out" / "report.html").read_text().lower()
    exported = [m.path for m in received if isinstance(m, ReportExported)]
    assert [p.rsplit(".", 1)[1] for p in exported] == ["json", "md", "html"]


async def test_export_to_an_unwritable_place_says_so_and_keeps_the_walk(sample_app, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}))
    async with app.run_test(notifications=True) as pilot:
        await _to_diagnosis(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#export-path", Input).value = str(blocker / "report.json")
        await pilot.press("enter")
        await settle(pilot)
        assert any("Could not write" in n.message for n in app._notifications)
        assert app.screen.session.outcome == "cleanup-ok"


async def test_unsafe_fix_applies_only_after_an_explicit_yes(sample_app):
    flow = FakeFlow()
    received: list[Message] = []
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}), remediation_flow=flow)
    async with app.run_test(message_hook=received.append) as pilot:
        await _to_diagnosis(pilot)
        walk = app.screen
        await pilot.press("enter")  # the highlighted fix: clean-cache (unsafe)
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        modal = app.screen
        assert flow.previews == ["clean-cache"]
        text = str(modal.query_one("#consent-text").render())
        assert "remove directory" in text and "unsafe" in text
        assert app.focused is modal.query_one("#no", Button), "the safe answer has the focus"
        await pilot.press("enter")  # Enter on the focused "No"
        await settle(pilot)
        assert flow.applies == [] and app.screen is walk
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        await pilot.press("y")
        await settle(pilot, lambda: "clean-cache" in walk.applied)
        assert flow.applies == [("clean-cache", True)]
        assert walk.applied["clean-cache"]["verify"] == {"before": "fail", "after": "pass", "probe": "fake.disk"}
        assert any(isinstance(m, RemediationApplied) for m in received)
        detail = str(walk.query_one("#fix-detail").render())
        assert "fail → pass" in detail
        report = walk.report().data
        entry = next(r for r in report["remediations"] if r["id"] == "clean-cache")
        assert entry["applied"] is True and entry["apply"]["message"] == "removed 12 files"


async def test_a_fix_that_cannot_apply_only_offers_close(sample_app):
    flow = FakeFlow(available=False)
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}), remediation_flow=flow)
    async with app.run_test() as pilot:
        await _to_diagnosis(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        assert not app.screen.query("#yes")
        assert "nothing to remove" in str(app.screen.query_one("#consent-text").render())
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConsentScreen), "y does nothing when applying is impossible"
        await pilot.press("escape")
        await settle(pilot)
        assert flow.applies == []


async def test_without_the_remediation_module_a_fix_shows_its_commands(sample_app, monkeypatch):
    monkeypatch.setitem(sys.modules, "troubleshooter.remediation.flow", None)  # import fails
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}))
    async with app.run_test() as pilot:
        await _to_diagnosis(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        text = str(app.screen.query_one("#consent-text").render())
        assert "not available" in text and "rm -rf ~/.cache/sample" in text
        assert not app.screen.query("#yes")


async def test_display_only_fix_opens_no_dialog_and_commands_copy(sample_app):
    flow = FakeFlow()
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}), remediation_flow=flow)
    async with app.run_test() as pilot:
        await _to_diagnosis(pilot)
        await pilot.press("down", "enter")  # show-usage (display-only)
        await settle(pilot)
        assert not isinstance(app.screen, ConsentScreen) and flow.previews == []
        await pilot.press("c")
        assert app.clipboard == "du -sh ~/.cache/* | sort -h"
