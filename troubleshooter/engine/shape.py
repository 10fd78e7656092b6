"""Shape checks shared by everything that reads playbook-format YAML: mappings, lists, texts, ids.

Each helper records a positioned error and returns None instead of raising, so one pass over a
file reports every mistake. The loader, the shorthand expander, the cause library and the test
fixtures all read YAML through these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from troubleshooter.engine.yamlsrc import Located
from troubleshooter.errors import PlaybookError, SourceRef
from troubleshooter.i18n import Text

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
TEXT_LANGS = {"en", "zh", "zh-CN"}
MAX_TEXT = 20_000


class Errors:
    """Collects positioned errors so one run reports all of them."""

    def __init__(self) -> None:
        self.items: list[PlaybookError] = []

    def add(self, ref: SourceRef, message: str, code: str | None = None) -> None:
        self.items.append(PlaybookError(ref, message, code=code))


def unknown_keys(node: Located, allowed: Iterable[str], where: str, errs: Errors) -> None:
    allowed_set = set(allowed)
    for key, value in node.value.items():
        if key not in allowed_set:
            errs.add(value.ref, f"unknown key {key!r} in {where} (allowed: {', '.join(sorted(allowed_set))})")


def mapping(node: Located | None, where: str, errs: Errors) -> dict[str, Located] | None:
    if node is None:
        return None
    if not isinstance(node.value, dict):
        errs.add(node.ref, f"{where} must be a mapping")
        return None
    return node.value


def list_of(node: Located | None, where: str, errs: Errors) -> list[Located]:
    if node is None:
        return []
    if not isinstance(node.value, list):
        errs.add(node.ref, f"{where} must be a list")
        return []
    return node.value


def string(node: Located | None, where: str, errs: Errors, *, required: bool = False) -> str | None:
    if node is None or node.value is None:
        if required:
            return None
        return None
    if isinstance(node.value, bool) or not isinstance(node.value, str | int | float):
        errs.add(node.ref, f"{where} must be a string")
        return None
    text = str(node.value)
    if len(text) > MAX_TEXT:
        errs.add(node.ref, f"{where} is longer than {MAX_TEXT} characters")
        return None
    return text


def text(node: Located | None, where: str, errs: Errors) -> Text | None:
    """A string, or {en: ..., zh: ...}."""
    if node is None or node.value is None:
        return None
    if isinstance(node.value, dict):
        out: dict[str, str] = {}
        for lang, value in node.value.items():
            if lang not in TEXT_LANGS:
                errs.add(value.ref, f"unknown language {lang!r} in {where} (use en or zh)")
                continue
            found = string(value, f"{where}.{lang}", errs)
            if found is not None:
                out["zh" if lang == "zh-CN" else lang] = found
        if "en" not in out and out:
            errs.add(node.ref, f"{where} needs an 'en' text")
        return out or None
    return string(node, where, errs)


def ident(node: Located | None, where: str, errs: Errors) -> str | None:
    value = string(node, where, errs)
    if value is not None and not ID_RE.match(value):
        assert node is not None
        errs.add(node.ref, f"{where} {value!r} must be lowercase letters, digits, '-', '_' or '.'")
        return None
    return value
