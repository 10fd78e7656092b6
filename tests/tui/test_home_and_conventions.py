"""Home search finds playbooks by what people see; language, theme, help and footer keys."""

from __future__ import annotations

from textual.widgets import Footer, OptionList

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes
from tests.tui.sample import sample_playbook
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.tui.screens.help import HelpScreen
from troubleshooter.tui.screens.home import HomeScreen, matching
from troubleshooter.tui.screens.walk import WalkScreen
from troubleshooter.tui.widgets.playbook_tree import PlaybookTree


def test_search_matches_every_word_in_symptoms_titles_and_both_languages(playbooks):
    catalog = {**playbooks, "sample-walk": sample_playbook()}
    assert matching(catalog.values(), "fetching 0%")[0].id == "fetching-stuck"
    assert matching(catalog.values(), "no space LEFT")[0].id == "sample-walk"
    assert matching(catalog.values(), "磁盘 满了")[0].id == "sample-walk"
    assert matching([sample_playbook()], "fetching") == []
    assert matching(catalog.values(), "fetching 0% zebra") == []
    assert len(matching(catalog.values(), "")) == len(catalog)
    if "space-paused" in playbooks:
        assert matching(playbooks.values(), "paused")[0].id == "space-paused"


async def test_typing_filters_the_cards_and_enter_opens_the_walk(make_app):
    app = make_app(FakeProbes())
    async with app.run_test() as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        total = home.query_one("#cards", OptionList).option_count
        await pilot.press(*"fetching 0%")
        assert home.shown[0].id == "fetching-stuck"
        assert home.query_one("#cards", OptionList).option_count <= total
        await pilot.press(*" zq")
        assert home.shown == [] and "No playbook matches" in str(home.query_one("#home-count").render())
        await pilot.press("backspace", "backspace", "backspace", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WalkScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_language_switches_at_runtime_in_the_step_and_the_tree(sample_app):
    app = sample_app(FakeProbes(by_probe={"fake.disk": ProbeResult(Status.PASS, {"free_gb": 80}, "ok")}))
    async with app.run_test() as pilot:
        screen = app.screen
        await settle(pilot, lambda: screen.decided is not None)
        assert "Is the disk full?" in str(screen.query_one("#step-title").render())
        screen.query_one("#branches", OptionList).blur()
        await pilot.press("l")
        await settle(pilot)
        assert app.lang == "zh"
        assert "磁盘满了吗？" in str(screen.query_one("#step-title").render())
        assert "磁盘满了吗？" in str(screen.query_one("#tree", PlaybookTree).root.children[0].label)
        assert "下一步" in str(screen.query_one("#choices-label").render())
        commands = [c.title for c in app.get_system_commands(screen)]
        assert "导出报告" in commands and "切换语言：English" in commands
        await pilot.press("l")
        assert app.lang == "en"


async def test_theme_help_and_footer_bindings(sample_app):
    app = sample_app(FakeProbes())
    async with app.run_test() as pilot:
        await settle(pilot, lambda: app.screen.decided is not None)
        assert app.theme == "textual-dark"
        await pilot.press("d")
        assert app.theme == "textual-light"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert "override" in str(app.screen.query_one("#help-text").render())
        await pilot.press("escape")
        assert isinstance(app.screen, WalkScreen)
        footer_keys = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"b", "r", "e", "escape"} <= footer_keys
        assert app.screen.query_one(Footer)
