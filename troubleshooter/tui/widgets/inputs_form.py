"""The playbook's inputs as a small form, shown before a walk that was opened from the home
screen (a walk opened with `--playbook` and `--answer` skips it when nothing required is missing).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Playbook
from troubleshooter.tui.strings import tr


class InputsForm(Vertical):
    """One labelled field per input; Enter in the last field (or the button) submits."""

    DEFAULT_CSS = """
    InputsForm { height: auto; }
    InputsForm > Static { height: auto; }
    InputsForm > Input { margin: 0 0 0 0; }
    """

    class Submitted(Message):
        """The form's values (empty fields left out)."""

        def __init__(self, values: dict[str, str]) -> None:
            super().__init__()
            self.values = values

    def __init__(self, playbook: Playbook, values: dict[str, str], lang: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.playbook = playbook
        self.values = values
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Static(Text(tr("walk.inputs", self.lang), "bold"), id="inputs-title")
        yield Static(Text(tr("walk.inputs.hint", self.lang), "dim"), id="inputs-hint")
        for key, spec in self.playbook.inputs.items():
            label = Text(key, "bold")
            if spec.required:
                label.append(f" ({tr('walk.required', self.lang)})", "bold red")
            if spec.description:
                label.append(" — " + pick(spec.description, self.lang))
            if spec.choices:
                label.append(f" [{' | '.join(spec.choices)}]", "dim")
            yield Static(label, classes="input-label")
            yield Input(value=self.values.get(key) or spec.default or "", placeholder=key, id=f"input-{key}")
        yield Button(tr("walk.start", self.lang), id="start-walk", variant="primary")

    def on_mount(self) -> None:
        fields = list(self.query(Input))
        if fields:
            fields[0].focus()

    def collect(self) -> dict[str, str]:
        return {
            field.id.removeprefix("input-"): field.value.strip()
            for field in self.query(Input)
            if field.id and field.value.strip()
        }

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fields = list(self.query(Input))
        if event.input is fields[-1]:
            self.post_message(self.Submitted(self.collect()))
        else:
            fields[fields.index(event.input) + 1].focus()

    @on(Button.Pressed, "#start-walk")
    def _start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Submitted(self.collect()))
