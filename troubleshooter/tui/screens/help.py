"""The help screen: what the tool does and every key, in the current language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from troubleshooter.tui.strings import HELP, tr


class HelpScreen(ModalScreen[None]):
    """Keys and conventions; any of escape, q, ? or f1 closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]  # noqa: RUF012 - Textual reads a class-level list

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(tr("help.title", self.lang), classes="dialog-title")
            with VerticalScroll():
                yield Static(HELP.get(self.lang, HELP["en"]), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
