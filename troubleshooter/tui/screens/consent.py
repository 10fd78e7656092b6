"""The consent dialog: the exact change a fix makes (its dry-run), then an explicit Yes or No.

A `ModalScreen[bool]` that answers True only when the user presses "Yes, apply". When the fix
cannot be applied here (no machine action, failed preconditions, or this version cannot apply
fixes at all) it shows the steps and commands to run by hand and only offers Close.

| Key | Action |
| :- | :- |
| y | yes, apply (only when applying is possible) |
| n / escape | no |
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Remediation
from troubleshooter.tui.strings import tr


class ConsentScreen(ModalScreen[bool]):
    """Shows a remediation's dry-run; dismisses with True only on an explicit yes."""

    BINDINGS = [  # noqa: RUF012 - Textual reads a class-level list
        Binding("y", "yes", "Yes", show=False),
        Binding("n,escape", "no", "No"),
    ]

    def __init__(self, remediation: Remediation, preview: Any | None, lang: str, error: str | None = None) -> None:
        super().__init__()
        self.remediation = remediation
        self.preview = preview
        self.lang = lang
        self.error = error

    @property
    def can_apply(self) -> bool:
        return self.preview is not None and bool(getattr(self.preview, "available", False))

    def body(self) -> Text:
        lang, rem = self.lang, self.remediation
        text = Text()
        warning = "consent.unsafe" if rem.applicability.value == "unsafe" else "consent.safe"
        text.append(f"[{rem.applicability.value}] ", "bold red" if warning == "consent.unsafe" else "bold green")
        text.append(tr(warning, lang) + "\n\n")
        if self.can_apply:
            text.append(tr("consent.changes", lang) + "\n", "bold")
            for line in getattr(self.preview, "changes", ()):
                text.append(f"  {line}\n", "bold cyan")
            return text
        if self.preview is not None:
            text.append(
                tr("consent.not_possible", lang, reason=getattr(self.preview, "reason", "")) + "\n", "bold yellow"
            )
        else:
            text.append(tr("consent.unavailable", lang) + "\n", "bold yellow")
            if self.error:
                text.append(f"({self.error})\n", "dim")
        for number, step in enumerate(rem.steps, 1):
            text.append(f"{number}. {pick(step, lang)}\n")
        for command in rem.commands:
            text.append(f"  $ {command}\n", "bold cyan")
        return text

    def compose(self) -> ComposeResult:
        with Vertical(id="consent-dialog", classes="dialog"):
            yield Static(
                Text(tr("consent.title", self.lang, rem=pick(self.remediation.title, self.lang)), "bold"),
                classes="dialog-title",
            )
            with VerticalScroll(id="consent-body"):
                yield Static(self.body(), id="consent-text")
            with Horizontal(classes="dialog-buttons"):
                if self.can_apply:
                    yield Button(tr("consent.yes", self.lang), id="yes", variant="error")
                    yield Button(tr("consent.no", self.lang), id="no", variant="primary")
                else:
                    yield Button(tr("consent.close", self.lang), id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer has the focus

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        if self.can_apply:
            self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)
