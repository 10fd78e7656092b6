"""The cause vocabulary: stable slugs every diagnosis must use (JSON, reports, docs, tests).

Each cause has one home, an entry in the cause library (`troubleshooter/causes/*.yaml`, read by
engine.library) that also holds the text every diagnosis of it shows; the linter, the docs site
and the TUI read the vocabulary from there. A legacy `troubleshooter/causes.yaml` (slug ->
title, meaning, evidence) is still read while playbooks move over. Adding a cause is fine;
renaming one breaks the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from troubleshooter.i18n import Text

LEGACY = Path(__file__).resolve().parent.parent / "causes.yaml"


@dataclass(frozen=True)
class Cause:
    slug: str
    playbook: str
    title: Text
    meaning: Text
    evidence: Text


def _legacy() -> dict[str, Cause]:
    if not LEGACY.is_file():
        return {}
    raw = yaml.safe_load(LEGACY.read_text(encoding="utf-8")) or {}
    out: dict[str, Cause] = {}
    for playbook, entries in raw.items():
        for slug, body in entries.items():
            out[slug] = Cause(slug, playbook, body["title"], body["meaning"], body.get("evidence", ""))
    return out


@cache
def vocabulary() -> dict[str, Cause]:
    """All causes by slug: the library's entries, then legacy ones it does not define yet."""
    from troubleshooter.engine.library import shipped

    lib = shipped()
    out = _legacy()
    for slug, entry in lib.causes.items():
        body: dict[str, Any] = entry.plain() if isinstance(entry.value, dict) else {}
        title = body.get("name") or body.get("title") or slug
        meaning = body.get("meaning") or body.get("explanation") or ""
        out[slug] = Cause(slug, lib.areas.get(slug, ""), title, meaning, body.get("evidence") or "")
    return out


def slugs() -> set[str]:
    return set(vocabulary())
