"""The current step: what is checked, the probe running, its facts and evidence, and the
branches with the reason each one exists — the recommended one highlighted.

Choosing posts `StepView.BranchChosen` (a check) or `StepView.Answered` (a question); the
walk screen turns those into walker calls. This widget holds no walk logic.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from troubleshooter.engine.conditions import describe
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Branch, CheckNode, Playbook, QuestionNode
from troubleshooter.model.result import ProbeResult
from troubleshooter.tui.strings import tr
from troubleshooter.tui.widgets.probe_status import STATUS_STYLE, ProbeStatus

MAX_FACTS = 14
MAX_VALUE = 70


def fact_lines(facts: dict[str, Any]) -> list[str]:
    """`key: value` lines, values as compact JSON and cut to fit a narrow terminal."""
    lines = []
    for key, value in list(facts.items())[:MAX_FACTS]:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if len(shown) > MAX_VALUE:
            shown = shown[: MAX_VALUE - 1] + "…"
        lines.append(f"{key}: {shown}")
    if len(facts) > MAX_FACTS:
        lines.append(f"… {len(facts) - MAX_FACTS} more")
    return lines


class StepView(Vertical):
    """Title, description, probe status, result and choices for one check or question."""

    DEFAULT_CSS = """
    StepView { height: auto; }
    StepView > Static { height: auto; }
    StepView > #branches { height: auto; max-height: 10; }
    """

    class BranchChosen(Message):
        """Enter on a branch of a check: go to `target` (an override unless recommended)."""

        def __init__(self, target: str) -> None:
            super().__init__()
            self.target = target

    class Answered(Message):
        """A question got an answer."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets: dict[str, str] = {}
        self.mode = "idle"  # idle | branches | choices | text

    def compose(self) -> ComposeResult:
        yield Static(id="step-title")
        yield ProbeStatus(id="probe-status")
        yield Static(id="step-result")
        yield Static(id="choices-label", classes="section")
        yield OptionList(id="branches")
        yield Input(id="answer")

    @property
    def status(self) -> ProbeStatus:
        return self.query_one(ProbeStatus)

    def show_node(self, playbook: Playbook, node: CheckNode | QuestionNode, lang: str) -> None:
        """Show the node's title and description; clear the result and the choices."""
        title = Text(pick(node.title, lang), "bold")
        title.append(f"  [{node.id}]", "dim")
        if isinstance(node, CheckNode):
            title.append(f"\n{node.probe}", "italic")
            if node.description:
                title.append("\n" + pick(node.description, lang))
        elif node.prompt:
            title.append("\n" + pick(node.prompt, lang))
        self.query_one("#step-title", Static).update(title)
        self.query_one("#step-result", Static).update("")
        self.query_one("#choices-label", Static).update("")
        self.query_one("#branches", OptionList).display = False
        self.query_one("#answer", Input).display = False
        self.mode = "idle"

    def show_result(self, result: ProbeResult, lang: str) -> None:
        text = Text()
        if result.evidence:
            text.append(f"{tr('walk.evidence', lang)}: ", "bold")
            text.append(result.evidence + "\n", STATUS_STYLE.get(result.status.value, ""))
        lines = fact_lines(result.facts)
        if lines:
            text.append(f"{tr('walk.facts', lang)}:\n", "bold")
            text.append("\n".join(f"  {line}" for line in lines))
        self.query_one("#step-result", Static).update(text)

    def show_branches(self, playbook: Playbook, node: CheckNode, recommended: Branch | None, lang: str) -> None:
        """One option per branch (and otherwise); the recommended one highlighted."""
        options = self.query_one("#branches", OptionList)
        options.clear_options()
        self.targets = {}
        highlight = 0
        entries: list[tuple[str, Text | None, Branch | None]] = [(b.next, None, b) for b in node.branches]
        if node.otherwise:
            entries.append((node.otherwise, None, None))
        for index, (target, _, branch) in enumerate(entries):
            is_recommended = branch is recommended
            if is_recommended:
                highlight = index
            prompt = Text("★ " if is_recommended else "  ", "bold yellow")
            prompt.append(
                pick(playbook.nodes[target].title, lang) if target in playbook.nodes else target,
                "bold" if is_recommended else "",
            )
            prompt.append(f"  [{target}]", "dim")
            if branch is not None:
                reason = pick(branch.why, lang) if branch.why else ""
                words = describe(branch.when, lang)
                prompt.append("\n    " + (f"{reason} — " if reason else ""), "italic")
                prompt.append(words, "dim")
            else:
                prompt.append("\n    " + tr("walk.otherwise", lang), "dim italic")
            if is_recommended:
                prompt.append(f"  ({tr('walk.recommended', lang)})", "bold yellow")
            option_id = f"{index}:{target}"
            self.targets[option_id] = target
            options.add_option(Option(prompt, id=option_id))
        self.query_one("#choices-label", Static).update(tr("walk.branches", lang))
        self.mode = "branches"
        options.display = True
        options.highlighted = highlight
        options.focus()
        self.call_after_refresh(options.scroll_visible, animate=False)

    def show_question(self, node: QuestionNode, suggested: str | None, lang: str) -> None:
        """Choices as a list, or a text field; the default or given value pre-selected."""
        if node.choices:
            options = self.query_one("#branches", OptionList)
            options.clear_options()
            self.targets = {}
            highlight = 0
            for index, choice in enumerate(node.choices):
                label = pick(choice.label, lang) if choice.label else choice.value
                option_id = f"{index}:{choice.value}"
                self.targets[option_id] = choice.value
                options.add_option(Option(Text.assemble(label, (f"  [{choice.value}]", "dim")), id=option_id))
                if choice.value == suggested:
                    highlight = index
            self.query_one("#choices-label", Static).update(tr("walk.question.choose", lang))
            self.mode = "choices"
            options.display = True
            options.highlighted = highlight
            options.focus()
            return
        field = self.query_one("#answer", Input)
        field.value = suggested or ""
        field.placeholder = node.key
        self.query_one("#choices-label", Static).update(tr("walk.question.type", lang))
        self.mode = "text"
        field.display = True
        field.focus()

    def asking(self) -> bool:
        """True while a free-text answer field is shown."""
        return self.mode == "text"

    @on(OptionList.OptionSelected, "#branches")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        value = self.targets.get(event.option_id or "")
        if value is None:
            return
        if self.mode == "branches":
            self.post_message(self.BranchChosen(value))
        elif self.mode == "choices":
            self.post_message(self.Answered(value))

    @on(Input.Submitted, "#answer")
    def _answer_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.Answered(event.value.strip()))
