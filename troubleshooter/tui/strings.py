"""The TUI's words: looked up in the tool's one catalog (`troubleshooter.words`)."""

from __future__ import annotations

from troubleshooter.words import HELP, word

__all__ = ["HELP", "tr"]


def tr(name: str, lang: str, /, **values: object) -> str:
    """The UI string `name` in `lang` (English fallback), formatted with `values`."""
    return word(name, lang, **values)
