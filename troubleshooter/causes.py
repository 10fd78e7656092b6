"""The cause vocabulary: stable slugs every diagnosis must use (JSON, reports, docs, tests).

Kept as data (`causes.yaml`) so the linter, the docs site and the TUI share one list. Adding a
cause is fine; renaming one breaks the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from troubleshooter.i18n import Text


@dataclass(frozen=True)
class Cause:
    slug: str
    playbook: str
    title: Text
    meaning: Text
    evidence: Text


@cache
def vocabulary() -> dict[str, Cause]:
    """All causes by slug, read once from the packaged causes.yaml."""
    raw = yaml.safe_load((Path(__file__).parent / "causes.yaml").read_text(encoding="utf-8"))
    out: dict[str, Cause] = {}
    for playbook, entries in raw.items():
        for slug, body in entries.items():
            out[slug] = Cause(slug, playbook, body["title"], body["meaning"], body.get("evidence", ""))
    return out


def slugs() -> set[str]:
    return set(vocabulary())
