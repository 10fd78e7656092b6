"""The export dialog: a path whose extension picks the format (.json, .md, .html).

A `ModalScreen[str | None]`: it returns the path the user confirmed, or None. Writing the
file is the walk screen's job, so the same report code serves the CLI and the TUI.

| Key | Action |
| :- | :- |
| enter | write |
| escape | cancel |
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from troubleshooter.tui.strings import tr

FORMATS = (".json", ".md", ".html")
KNOWN_SUFFIXES = (*FORMATS, ".markdown", ".htm", ".txt")


def with_format(path: str, suffix: str) -> str:
    """`path` with its report extension swapped for `suffix` (appended when it has none)."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and f".{ext.lower()}" in KNOWN_SUFFIXES:
        return stem + suffix
    return path + suffix


class ExportScreen(ModalScreen[str | None]):
    """Ask where to write the report; the buttons switch the extension."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012 - Textual reads a class-level list

    def __init__(self, default_path: str, lang: str) -> None:
        super().__init__()
        self.default_path = default_path
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static(Text(tr("export.title", self.lang), "bold"), classes="dialog-title")
            yield Static(tr("export.path", self.lang))
            yield Input(value=self.default_path, id="export-path")
            with Horizontal(classes="dialog-buttons"):
                for suffix in FORMATS:
                    yield Button(suffix, id=f"fmt-{suffix[1:]}")
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("export.write", self.lang), id="write", variant="primary")
                yield Button(tr("export.cancel", self.lang), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Button.Pressed, ".dialog-buttons Button")
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        field = self.query_one("#export-path", Input)
        if button.startswith("fmt-"):
            field.value = with_format(field.value, "." + button.removeprefix("fmt-"))
            field.focus()  # Enter now writes
        elif button == "write":
            self._write(field.value)
        else:
            self.dismiss(None)

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        self._write(event.value)

    def _write(self, value: str) -> None:
        if value.strip():
            self.dismiss(value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
