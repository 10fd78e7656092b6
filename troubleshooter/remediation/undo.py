"""`troubleshooter undo REPORT.json`: put back what a run's fixes changed.

Reads the `fixes` of a report (or the run journal it names) and replays their undo entries in
reverse: files are restored byte for byte from their backups (atomically, after checking the
backup's checksum), renamed folders go back, created folders are removed when still empty,
pip reinstalls the old version, Hub changes are reversed. Entries that would overwrite
something changed since (a file edited again, a name taken) are skipped with the reason,
unless `--force`. `--dry-run` only shows what would happen.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from troubleshooter.redact import scrub
from troubleshooter.remediation.fileops import atomic_write, fsync_dir, sha256_bytes, sha256_file
from troubleshooter.remediation.journal import load_records, mark_undone


class Skip(Exception):
    """This undo entry cannot be carried out safely; the message says why."""


def _restore_file(entry: dict[str, Any], dry: bool, force: bool) -> str:
    path, backup = Path(entry["path"]), Path(entry["backup"])
    try:
        data = backup.read_bytes()
    except OSError as exc:
        raise Skip(f"backup {backup} unreadable ({exc.strerror})") from None
    if sha256_bytes(data) != entry.get("sha256"):
        raise Skip(f"backup {backup} does not match its checksum")
    current = sha256_file(path)
    if current == entry.get("sha256"):
        return f"{path} is already as it was"
    if entry.get("expect_absent") and current is not None and not force:
        raise Skip(f"{path} exists again (created since the fix); kept")
    changed_since = entry.get("after_sha256")
    if current is not None and changed_since and current != changed_since and not force:
        raise Skip(f"{path} changed after the fix; --force to restore anyway")
    if dry:
        return f"would restore {path} from {backup}"
    mode = entry.get("mode")
    atomic_write(path, data, mode=int(mode) if mode is not None else None, step="undo:restore")
    return f"restored {path}"


def _remove_file(entry: dict[str, Any], dry: bool, force: bool) -> str:
    path = Path(entry["path"])
    current = sha256_file(path)
    if current is None:
        return f"{path} is already gone"
    if current != entry.get("sha256") and not force:
        raise Skip(f"{path} changed after the fix; --force to remove anyway")
    if dry:
        return f"would remove {path} (created by the fix)"
    os.unlink(path)
    fsync_dir(path.parent)
    return f"removed {path}"


def _rename(entry: dict[str, Any], dry: bool, force: bool) -> str:
    source, target = Path(entry["from"]), Path(entry["to"])
    if not source.exists() and target.exists():
        return f"{target} is already back"
    if not source.exists():
        raise Skip(f"{source} is gone")
    if target.exists() or target.is_symlink():
        raise Skip(f"{target} exists again; move it away first, then undo")
    if dry:
        return f"would rename {source} -> {target}"
    os.rename(source, target)
    fsync_dir(target.parent)
    return f"renamed {source} -> {target}"


def _remove_empty_dir(entry: dict[str, Any], dry: bool, force: bool) -> str:
    path = Path(entry["path"])
    if not path.exists():
        return f"{path} is already gone"
    if any(path.iterdir()):
        raise Skip(f"{path} is not empty any more; kept")
    if dry:
        return f"would remove the empty folder {path}"
    path.rmdir()
    return f"removed {path}"


def _pip(entry: dict[str, Any], dry: bool, force: bool) -> str:
    import subprocess

    package = str(entry["package"])
    spec = f"{package}=={entry['version']}" if entry["kind"] == "pip-install" else package
    argv = [sys.executable, "-m", "pip", "install" if entry["kind"] == "pip-install" else "uninstall", spec]
    if entry["kind"] == "pip-uninstall":
        argv.insert(-1, "--yes")
    if dry:
        return "would run " + " ".join(argv)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise Skip(f"pip exited with {done.returncode}: {done.stderr.strip()[-200:]}")
    return "ran " + " ".join(argv)


def _hub(entry: dict[str, Any], dry: bool, force: bool) -> str:
    if dry:
        return f"would call {entry['call']} on {entry['space']}"
    from troubleshooter.probes.context import ProbeContext
    from troubleshooter.remediation.actions import ActionContext, Refused, default_state_dir
    from troubleshooter.remediation.hubactions import undo_hub_call

    ctx = ProbeContext(timeout_s=15.0)
    actx = ActionContext(probe=ctx, inputs={}, run_id="undo", state_dir=default_state_dir(ctx.env), timeout_s=15.0)
    try:
        return undo_hub_call(actx, entry)
    except Refused as exc:
        raise Skip(str(exc)) from None


def _nothing(entry: dict[str, Any], dry: bool, force: bool) -> str:
    return "not undoable: " + str(entry.get("why") or "nothing was recorded")


HANDLERS: dict[str, Callable[[dict[str, Any], bool, bool], str]] = {
    "restore-file": _restore_file,
    "remove-file": _remove_file,
    "rename": _rename,
    "remove-empty-dir": _remove_empty_dir,
    "pip-install": _pip,
    "pip-uninstall": _pip,
    "hub-call": _hub,
    "none": _nothing,
}


def undo_records(
    fixes: list[dict[str, Any]], *, dry: bool = False, force: bool = False
) -> tuple[list[str], int, list[str]]:
    """Undo every fix (newest first): (lines for people, entries skipped, fixes wholly undone)."""
    lines: list[str] = []
    skipped = 0
    whole: list[str] = []
    for fix in reversed(fixes):
        name = str(fix.get("remediation"))
        if fix.get("undone") and not force:
            lines.append(f"{name}: already undone")
            continue
        misses = 0
        for entry in reversed(fix.get("undo") or []):
            handler = HANDLERS.get(str(entry.get("kind")))
            try:
                if handler is None:
                    raise Skip(f"unknown undo step {entry.get('kind')!r}")
                lines.append(f"{name}: {handler(entry, dry, force)}")
            except Skip as exc:
                misses += 1
                lines.append(f"{name}: skipped: {exc}")
            except OSError as exc:
                misses += 1
                lines.append(f"{name}: failed: {exc.strerror or exc}")
        skipped += misses
        if not misses:
            whole.append(name)
    return lines, skipped, whole


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="troubleshooter undo", description=__doc__.split("\n\n")[0])
    parser.add_argument("report", metavar="REPORT.json", help="a report written with --report, or a run journal")
    parser.add_argument("--dry-run", action="store_true", help="show what would be undone; change nothing")
    parser.add_argument("--force", action="store_true", help="also overwrite files changed after the fix")
    args = parser.parse_args(list(argv))
    path = Path(args.report)
    try:
        fixes, journal = load_records(path)
    except FileNotFoundError:
        sys.stderr.write(f"error: {path}: file not found\n")
        return 2
    except (OSError, ValueError) as exc:
        sys.stderr.write(scrub(f"error: {path}: not a troubleshooter report or journal ({exc})\n"))
        return 2
    applied = [f for f in fixes if f.get("undo")]
    if not applied:
        sys.stderr.write(f"{path}: no applied fixes recorded; nothing to undo\n")
        return 0
    lines, skipped, whole = undo_records(applied, dry=args.dry_run, force=args.force)
    for line in lines:
        sys.stdout.write(scrub(line) + "\n")
    if journal is not None and not args.dry_run:
        for name in whole:  # a fix with a skipped step is tried again by the next undo
            mark_undone(journal, name, [line for line in lines if line.startswith(name + ":")])
    return 1 if skipped else 0
