"""The run journal: what an apply is about to do and did, written before and after each change.

One JSON file per run under `<state dir>/runs/`, replaced atomically at every stage, so even a
run killed halfway leaves a readable record and its backups for `troubleshooter undo`. Each fix
record is redacted, then signed with this machine's key (see `trust`), so `undo` can tell its
own records from a shared report or a forged file. A report only *points* at its journal;
undo never acts on the report's own copy of the records.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troubleshooter.redact import redact_data
from troubleshooter.remediation.fileops import atomic_write
from troubleshooter.remediation.trust import Untrusted, is_inside, machine_key, sign, verify

KIND = "troubleshooter-journal"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Journal:
    """The record of one run's fixes, kept on disk as it changes (thread-safe: an action's
    worker thread journals undo steps while the main thread may note a timeout)."""

    def __init__(self, state_dir: Path, run_id: str, playbook: str) -> None:
        self.state_dir = state_dir
        self.path = state_dir / "runs" / f"{run_id}.json"
        self.lock = threading.Lock()
        self.data: dict[str, Any] = {"kind": KIND, "run_id": run_id, "playbook": playbook, "created": _now()}
        self.data["fixes"] = []

    def record(self, entry: dict[str, Any]) -> None:
        """Add or replace (by remediation id) a fix's record, sign it, and write the journal."""
        signed = sign(machine_key(self.state_dir), redact_data(entry), self.data["run_id"])
        with self.lock:
            fixes = [f for f in self.data["fixes"] if f.get("remediation") != entry.get("remediation")]
            self.data["fixes"] = [*fixes, signed]
            self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps(self.data, indent=2, ensure_ascii=False)
        atomic_write(self.path, text.encode("utf-8"), mode=0o600, step="journal")


MAX_JOURNAL_BYTES = 8 * 1024 * 1024  # a run journal or report: kilobytes; /dev/zero or a FIFO is refused


def _read_json(path: Path) -> Any:
    """A journal or report, read bounded (regular files only) and parsed; errors say which file."""
    from troubleshooter.boundedio import read_text_bounded

    return json.loads(read_text_bounded(path, MAX_JOURNAL_BYTES))


def journal_of(path: Path, state_dir: Path) -> Path:
    """The journal a report or journal file names, refused unless it is one of this machine's."""
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object (a troubleshooter report or journal)")
    if data.get("kind") == KIND:
        journal = path
    else:
        journals = {f.get("journal") for f in data.get("fixes") or [] if isinstance(f, dict) and f.get("journal")}
        if not data.get("fixes"):
            raise LookupError("no applied fixes recorded; nothing to undo")
        if len(journals) != 1:
            raise Untrusted("the report names no run journal of this machine; undo only acts on its own records")
        journal = Path(str(next(iter(journals))))
    if not is_inside(journal, state_dir / "runs") or not journal.is_file():
        raise Untrusted(f"{journal} is not a run journal in this machine's state folder ({state_dir / 'runs'})")
    return journal


def load_trusted(journal: Path, state_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The fixes of `journal` whose signature checks out, and a line for each one refused."""
    data = _read_json(journal)
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise Untrusted(f"{journal}: not a troubleshooter run journal")
    key = machine_key(state_dir, create=False)
    trusted, refused = [], []
    for fix in data.get("fixes") or []:
        try:
            if not isinstance(fix, dict):
                raise Untrusted("not a fix record")
            verify(key, fix, str(data.get("run_id")))
        except Untrusted as exc:
            name = fix.get("remediation") if isinstance(fix, dict) else "?"
            refused.append(f"{name}: {exc}")
            continue
        trusted.append(fix)
    return trusted, refused


def mark_undone(journal: Path, state_dir: Path, remediation: str, notes: list[str]) -> None:
    """Note in the journal that a fix was undone (a second undo then has nothing to do); re-signed."""
    data = _read_json(journal)
    key = machine_key(state_dir, create=False)
    fixes = []
    for fix in data.get("fixes") or []:
        if fix.get("remediation") == remediation:
            verify(key, fix, str(data.get("run_id")))
            fixes.append(sign(key, {**fix, "undone": {"at": _now(), "notes": notes}}, str(data.get("run_id"))))
            continue
        fixes.append(fix)
    data["fixes"] = fixes
    atomic_write(journal, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"), mode=0o600, step="journal")
