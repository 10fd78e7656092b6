"""The run journal: what an apply is about to do and did, written before and after each change.

One JSON file per run under `<state dir>/runs/`, replaced atomically at every stage, so even a
run killed halfway leaves a readable record and its backups for `troubleshooter undo`. The
report carries the same records under `fixes`; undo accepts either file.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troubleshooter.redact import redact_data
from troubleshooter.remediation.fileops import atomic_write


class Journal:
    """The record of one run's fixes, kept on disk as it changes."""

    def __init__(self, state_dir: Path, run_id: str, playbook: str) -> None:
        self.path = state_dir / "runs" / f"{run_id}.json"
        self.data: dict[str, Any] = {
            "kind": "troubleshooter-journal",
            "run_id": run_id,
            "playbook": playbook,
            "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "fixes": [],
        }

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace (by remediation id) a fix's record and write the journal."""
        fixes = [f for f in self.data["fixes"] if f.get("remediation") != entry.get("remediation")]
        self.data["fixes"] = [*fixes, entry]
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps(redact_data(self.data), indent=2, ensure_ascii=False)
        atomic_write(self.path, text.encode("utf-8"), mode=0o600, step="journal")


def load_records(path: Path) -> tuple[list[dict[str, Any]], Path | None]:
    """The fix records of a report or a journal, and the journal's path when known."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object (a troubleshooter report or journal)")
    if data.get("kind") == "troubleshooter-journal":
        return list(data.get("fixes") or []), path
    fixes = list(data.get("fixes") or [])
    journals = {f.get("journal") for f in fixes if f.get("journal")}
    journal = Path(next(iter(journals))) if len(journals) == 1 else None
    if journal is not None and os.path.exists(journal):  # the journal also knows what was undone since
        return load_records(journal)[0], journal
    return fixes, None


def mark_undone(journal: Path, remediation: str, notes: list[str]) -> None:
    """Note in the journal that a fix was undone (a second undo then has nothing to do)."""
    data = json.loads(journal.read_text(encoding="utf-8"))
    for fix in data.get("fixes") or []:
        if fix.get("remediation") == remediation:
            fix["undone"] = {"at": datetime.now(UTC).replace(microsecond=0).isoformat(), "notes": notes}
    atomic_write(journal, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"), mode=0o600, step="journal")
