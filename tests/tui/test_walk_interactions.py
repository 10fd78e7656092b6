"""Confirm, override, back, re-run, answer questions and jump: the walk screen drives the
walker exactly as the user asks, and the report records it with headless node ids."""

from __future__ import annotations

from textual.widgets import OptionList

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.report.build import build_report
from troubleshooter.tui.screens.walk import WalkScreen
from troubleshooter.tui.widgets.step_view import StepView

DISK_FULL = ProbeResult(Status.FAIL, {"free_gb": 0.2}, "0.2 GB free")
DISK_OK = ProbeResult(Status.PASS, {"free_gb": 80}, "80 GB free")


def _decided(screen: WalkScreen) -> bool:
    return screen.decided is not None


async def test_enter_confirms_the_recommended_branch(sample_app):
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_FULL}))
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: _decided(screen))
        options = screen.query_one("#branches", OptionList)
        assert options.get_option_at_index(options.highlighted).id == "0:cleanup-ok"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.session.outcome == "cleanup-ok"
        assert screen.session.steps[0].overridden is False


async def test_choosing_another_branch_is_recorded_as_an_override(sample_app):
    probes = FakeProbes(by_probe={"fake.disk": DISK_FULL})
    app = sample_app(probes)
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: _decided(screen))
        await pilot.press("down", "down", "enter")  # past "timeout" to "otherwise: where"
        await settle(pilot)
        step = screen.session.steps[0]
        assert (step.node, step.next, step.recommended, step.overridden) == ("disk", "where", "cleanup-ok", True)
        assert screen.session.current == "where"
        report = build_report(screen.session)
        assert report["steps"][0]["overridden"] is True
        assert report["steps"][0]["recommended"] == "cleanup-ok"


async def test_questions_are_answered_from_choices_and_a_text_field(sample_app):
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_OK}))
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: _decided(screen))
        await pilot.press("enter")
        await settle(pilot)
        step_view = screen.query_one("#step", StepView)
        assert step_view.mode == "choices"
        await pilot.press("down", "enter")  # "My own machine"
        await settle(pilot)
        assert screen.session.inputs["runtime"] == "local"
        assert step_view.mode == "text"
        await pilot.press(*"core.1234", "enter")
        await settle(pilot)
        assert screen.session.outcome == "disk-full"
        assert [(s.node, s.answer) for s in screen.session.steps[1:]] == [
            ("where", "local"),
            ("which-file", "core.1234"),
        ]


async def test_back_shows_the_previous_result_again_without_rerunning(sample_app):
    probes = FakeProbes(by_probe={"fake.disk": DISK_OK})
    app = sample_app(probes)
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: _decided(screen))
        await pilot.press("enter")
        await settle(pilot)
        assert screen.session.current == "where"
        await pilot.press("b")
        await settle(pilot)
        assert screen.session.current == "disk" and screen.session.steps == ()
        assert screen.decided is not None and screen.decided.result == DISK_OK
        assert len(probes.calls) == 1, "back re-decides, it does not re-run"
        await pilot.press("r")
        await settle(pilot, lambda: _decided(screen))
        assert len(probes.calls) == 2, "r re-runs the probe"


async def test_palette_jumps_back_to_a_visited_step_and_restarts(sample_app):
    app = sample_app(FakeProbes(by_probe={"fake.disk": DISK_OK}))
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: _decided(screen))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # Google Colab -> healthy
        await settle(pilot)
        assert screen.session.outcome == "colab-note"
        titles = {c.title: c.callback for c in app.get_system_commands(screen)}
        assert "Export report" in titles and "Restart the walk" in titles
        jump = next(cb for t, cb in titles.items() if t.startswith("Jump to: where"))
        jump()
        await settle(pilot)
        assert screen.session.current == "where" and [s.node for s in screen.session.steps] == ["disk"]
        titles["Restart the walk"]()
        await settle(pilot, lambda: _decided(screen))
        assert screen.session.steps == () and screen.session.current == "disk"


async def test_inputs_form_comes_first_when_opened_from_home(make_app, playbooks):
    probes = FakeProbes()
    app = make_app(probes)
    async with app.run_test() as pilot:
        await pilot.press(*"fetching 0%", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WalkScreen) and screen.playbook.id == "fetching-stuck"
        assert screen.ask_inputs and probes.calls == []
        await pilot.press(*"o/m", "ctrl+s")
        await settle(pilot, lambda: _decided(screen))
        assert screen.session.inputs["repo"] == "o/m"
        book = playbooks["fetching-stuck"]
        assert probes.calls[0][0] == book.nodes[book.start].probe


async def test_a_walk_without_a_matching_branch_ends_inconclusive_and_says_why():
    from troubleshooter.engine.loader import parse_playbook
    from troubleshooter.tui.app import TroubleshooterApp

    book = parse_playbook(
        """
id: dead-end
title: Dead end
start: only
nodes:
  only:
    type: check
    title: A check without otherwise
    probe: fake.nothing
    branches:
      - {when: {status: fail}, next: broken}
  broken: {type: diagnosis, cause: disk-full, title: Broken}
""",
        "dead-end.yaml",
    )
    app = TroubleshooterApp({book.id: book}, playbook=book.id, probe_runner=FakeProbes())
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, WalkScreen)
        await settle(pilot, lambda: screen.decided is not None)
        await pilot.press("enter")  # the only option is the (failing) branch: an override to "broken"
        await settle(pilot)
        assert screen.session.outcome == "broken" and screen.session.steps[0].overridden
        await pilot.press("b")
        await settle(pilot)
        screen.jump_back(0)
        screen._go("nowhere")  # a target no branch names: the walker records an inconclusive end
        await settle(pilot)
        head = str(screen.query_one("#diag-head").render())
        assert screen.session.verdict == "inconclusive" and "without a diagnosis" in head
