"""The home screen: every playbook as a symptom card, filtered as the user types.

Typing "fetching 0%" or "paused" keeps the playbooks whose title, summary, symptoms, tags or
id contain every word (in English or Chinese), so a person can start from what they see.

| Key | Action |
| :- | :- |
| type | filter |
| ↑ / ↓ | move between cards |
| enter | open the highlighted playbook |
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from troubleshooter.i18n import LANGUAGES, pick
from troubleshooter.i18n import Text as I18nText
from troubleshooter.model.playbook import Playbook
from troubleshooter.tui.strings import tr

CARD_SYMPTOMS = 2


def _all_languages(text: I18nText | None) -> str:
    return " ".join(pick(text, lang) for lang in LANGUAGES)


def haystack(playbook: Playbook) -> str:
    """Everything a person might type to find this playbook, lowercased."""
    parts: list[str] = [
        playbook.id,
        " ".join(playbook.tags),
        _all_languages(playbook.title),
        _all_languages(playbook.summary),
    ]
    parts.extend(_all_languages(s) for s in playbook.symptoms)
    return " ".join(parts).lower()


def matching(playbooks: Iterable[Playbook], query: str) -> list[Playbook]:
    """Playbooks containing every word of `query`; symptom hits rank before summary hits."""
    words = query.lower().split()
    found = [pb for pb in playbooks if all(word in haystack(pb) for word in words)]

    def rank(pb: Playbook) -> tuple[int, str]:
        symptoms = " ".join(_all_languages(s) for s in pb.symptoms).lower() + _all_languages(pb.title).lower()
        return (-sum(word in symptoms for word in words), pb.id)

    return sorted(found, key=rank)


class HomeScreen(Screen[None]):
    """Search field over a list of symptom cards."""

    BINDINGS = [  # noqa: RUF012 - Textual reads a class-level list
        Binding("down", "focus_cards", "Cards"),
    ]

    def __init__(self, playbooks: dict[str, Playbook]) -> None:
        super().__init__()
        self.playbooks = playbooks
        self.shown: list[Playbook] = []

    @property
    def lang(self) -> str:
        return str(getattr(self.app, "lang", "en"))

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=tr("home.search", self.lang), id="search")
        yield Static(id="home-count")
        yield OptionList(id="cards")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_cards()
        self.query_one("#search", Input).focus()

    def card(self, playbook: Playbook) -> Text:
        lang = self.lang
        text = Text(pick(playbook.title, lang), "bold")
        text.append(f"  {playbook.id}", "dim")
        for symptom in playbook.symptoms[:CARD_SYMPTOMS]:
            text.append("\n  • " + pick(symptom, lang), "italic")
        return text

    def refresh_cards(self) -> None:
        query = self.query_one("#search", Input).value
        self.shown = matching(self.playbooks.values(), query)
        cards = self.query_one("#cards", OptionList)
        cards.clear_options()
        for playbook in self.shown:
            cards.add_option(Option(self.card(playbook), id=playbook.id))
        if self.shown:
            cards.highlighted = 0
            count = tr("home.count", self.lang, shown=len(self.shown), total=len(self.playbooks))
        else:
            count = tr("home.none", self.lang, query=query)
        self.query_one("#home-count", Static).update(Text(count, "dim"))

    def refresh_language(self) -> None:
        self.query_one("#search", Input).placeholder = tr("home.search", self.lang)
        self.refresh_cards()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self.refresh_cards()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        if self.shown:
            self.open(self.shown[0].id)

    @on(OptionList.OptionSelected, "#cards")
    def _card_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id:
            self.open(event.option_id)

    def action_focus_cards(self) -> None:
        self.query_one("#cards", OptionList).focus()

    def open(self, playbook_id: str) -> None:
        from troubleshooter.tui.screens.walk import WalkScreen

        self.app.push_screen(WalkScreen(self.playbooks[playbook_id], answers={}, ask_inputs=True))
