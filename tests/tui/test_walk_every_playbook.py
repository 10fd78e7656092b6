"""Every shipped playbook can be walked in the TUI to the same end as the headless walker:
once along the all-pass path with auto-confirm, once confirming each step with Enter down to
a problem deep in the tree."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.widgets import Input, OptionList

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes, plan_walk, required_answers
from troubleshooter.catalog import discover
from troubleshooter.tui.messages import ProbeFinished
from troubleshooter.tui.screens.walk import WalkScreen
from troubleshooter.tui.widgets.playbook_tree import PlaybookTree, as_data
from troubleshooter.tui.widgets.step_view import StepView

SHIPPED = sorted(discover())


def _labels(tree_node: dict) -> list[dict]:
    out = [tree_node]
    for child in tree_node["children"]:
        out.extend(_labels(child))
    return out


@pytest.mark.parametrize("strategy", ["otherwise", "midway"])
@pytest.mark.parametrize("playbook_id", SHIPPED)
async def test_walk_reaches_the_same_diagnosis_as_headless(playbooks, make_app, playbook_id, strategy):
    book = playbooks[playbook_id]
    answers = required_answers(book)
    plan = plan_walk(book, answers, strategy)
    probes = FakeProbes(script=list(plan.results))
    received: list[Message] = []
    app = make_app(probes, playbook=playbook_id, answers=answers)
    async with app.run_test(size=(80, 24), message_hook=received.append) as pilot:
        screen = app.screen
        assert isinstance(screen, WalkScreen)
        answers_given = list(plan.answers)
        if strategy == "otherwise":
            await pilot.press("a")  # auto-confirm: the long all-pass path without a key per step
        for _ in range(len(book.nodes) + 1):
            await settle(
                pilot,
                lambda: (
                    screen.decided is not None
                    or screen.session.done
                    or screen.query_one("#step", StepView).mode in ("choices", "text")
                ),
            )
            if screen.session.done:
                break
            mode = screen.query_one("#step", StepView).mode
            if mode == "text":
                screen.query_one("#answer", Input).value = answers_given.pop(0)
                await pilot.press("enter")
            elif mode == "choices":
                value = answers_given.pop(0)
                options = screen.query_one("#branches", OptionList)
                options.highlighted = [str(o.id).split(":", 1)[1] for o in options.options].index(value)
                await pilot.press("enter")
            else:
                await pilot.press("enter")  # confirm the recommended branch
        await settle(pilot)
        assert screen.session.done
        assert screen.session.outcome == plan.session.outcome
        assert screen.session.verdict == plan.session.verdict
        assert [s.node for s in screen.session.steps] == [s.node for s in plan.session.steps]
        assert not any(s.overridden for s in screen.session.steps)
        finished = [m for m in received if isinstance(m, ProbeFinished)]
        checks = [s for s in plan.session.steps if s.kind == "check"]
        assert [m.node_id for m in finished] == [s.node for s in checks]
        assert [c[0] for c in probes.calls] == [s.probe for s in checks]
        tree = as_data(screen.query_one("#tree", PlaybookTree).root)
        placed = [n for top in tree["children"] for n in _labels(top) if not n["label"].startswith("↪")]
        nodes = {n["id"]: n for n in placed}
        assert len(placed) == len(nodes), "no node is expanded twice"
        assert set(nodes) == set(book.nodes), "every node appears once, expanded or as a leaf"
        for step in plan.session.steps:
            assert nodes[step.node]["expanded"] or not nodes[step.node]["children"]
        outcome = nodes[plan.session.outcome]
        assert outcome["label"][0] in "●✔?", outcome["label"]
        if book.nodes[plan.session.outcome].remediations:
            assert screen.query_one("#remediations", OptionList).option_count >= 1
