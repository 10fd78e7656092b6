"""`troubleshooter undo REPORT.json`: put back what a run's fixes changed.

Undo trusts only its own records: a report is only a pointer to its run journal, which must
lie in this machine's state folder, and each fix record must carry this machine's signature
(`trust`); anything else is refused and nothing of it is carried out. Each path entry must
also lie inside the place its fix declared (recorded, signed, in the entry as `root`) and pass
the same place checks as applying (`places`), right before it acts. Package and Hub entries
are carried out only from signed records, with names checked again. Then the undo entries
are replayed in reverse: files are restored byte for byte from their backups (atomically, after checking the
backup's checksum), renamed folders go back, created folders are removed when still empty,
pip reinstalls the old version, Hub changes are reversed. Entries that would overwrite
something changed since (a file edited again, a name taken) are skipped with the reason,
unless `--force`. `--dry-run` only shows what would happen.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from troubleshooter.redact import scrub
from troubleshooter.remediation.deadline import TimedOut, exit_past_abandoned, within
from troubleshooter.remediation.fileops import atomic_write, fsync_dir, sha256_bytes, sha256_file
from troubleshooter.remediation.places import PlaceRefused, check_place, check_root


class Skip(Exception):
    """This undo entry cannot be carried out safely; the message says why."""


SPACE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\Z")
DEFAULT_TIMEOUT_S = 10.0


def _placed(entry: dict[str, Any], *fields: str) -> None:
    """Each named path of `entry` lies inside the root its fix declared, and may be acted on."""
    root = entry.get("root")
    if not isinstance(root, str) or not root:
        raise Skip("the record names no place for this step; refused")
    home = os.environ.get("HOME") or os.path.expanduser("~")
    try:
        check_root(root, home)
        for name in fields:
            check_place(str(entry.get(name) or ""), root, home=home)
    except PlaceRefused as exc:
        raise Skip(str(exc)) from None


def _restore_file(entry: dict[str, Any], dry: bool, force: bool) -> str:
    _placed(entry, "path")
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
    _placed(entry, "path")
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
    _placed(entry, "from", "to")
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
    _placed(entry, "path")
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

    from troubleshooter.remediation.commands import PACKAGE, VERSION

    package = str(entry["package"])
    if not PACKAGE.match(package) or (entry["kind"] == "pip-install" and not VERSION.match(str(entry["version"]))):
        raise Skip(f"{package!r}: not a package name and version this tool records; refused")
    spec = f"{package}=={entry['version']}" if entry["kind"] == "pip-install" else package
    python = str(entry.get("python") or sys.executable)  # the interpreter the fix changed (signed entry)
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        raise Skip(f"{python}: the interpreter this fix changed is gone; nothing to undo there")
    argv = [python, "-m", "pip", "install" if entry["kind"] == "pip-install" else "uninstall", spec]
    if entry["kind"] == "pip-uninstall":
        argv.insert(-1, "--yes")
    if dry:
        return "would run " + " ".join(argv)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise Skip(f"pip exited with {done.returncode}: {done.stderr.strip()[-200:]}")
    return "ran " + " ".join(argv)


def _hub(entry: dict[str, Any], dry: bool, force: bool) -> str:
    if not SPACE_ID.match(str(entry.get("space"))):
        raise Skip(f"{entry.get('space')!r} is not a Space id; refused")
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


SLOW_KINDS = {"pip-install": 600.0, "pip-uninstall": 600.0, "hub-call": 30.0}


def undo_records(
    fixes: list[dict[str, Any]], *, dry: bool = False, force: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S
) -> tuple[list[str], int, list[str]]:
    """Undo every fix (newest first): (lines for people, entries skipped, fixes wholly undone).

    `fixes` must already be trusted (signed by this machine); each step still checks its place
    and runs under its deadline (`timeout_s` for filesystem steps).
    """
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
                seconds = SLOW_KINDS.get(str(entry.get("kind")), timeout_s)
                done = within(partial(handler, entry, dry, force), seconds, f"undo {name}")
                lines.append(f"{name}: {done}")
            except (Skip, TimedOut) as exc:
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
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="deadline per filesystem step")
    args = parser.parse_args(list(argv))
    return exit_past_abandoned(_undo(Path(args.report), args))


def _undo(path: Path, args: argparse.Namespace) -> int:
    from troubleshooter.remediation.actions import default_state_dir
    from troubleshooter.remediation.filecas import Busy, apply_lock
    from troubleshooter.remediation.journal import journal_of, load_trusted, mark_undone
    from troubleshooter.remediation.trust import Untrusted

    state_dir = default_state_dir(os.environ)
    try:
        journal = within(lambda: journal_of(path, state_dir), args.timeout, "read the report")
        fixes, refused = within(lambda: load_trusted(journal, state_dir), args.timeout, "read the journal")
    except FileNotFoundError:
        sys.stderr.write(f"error: {path}: file not found\n")
        return 2
    except LookupError as exc:
        sys.stderr.write(f"{path}: {exc}\n")
        return 0
    except Untrusted as exc:
        sys.stderr.write(scrub(f"error: {path}: {exc}; nothing was changed\n"))
        return 2
    except (OSError, ValueError, TimedOut) as exc:
        sys.stderr.write(scrub(f"error: {path}: not a troubleshooter report or journal ({exc})\n"))
        return 2
    for line in refused:
        sys.stdout.write(scrub(f"{line}\n"))
    applied = [f for f in fixes if f.get("undo")]
    if not applied:
        sys.stderr.write(f"{path}: no applied fixes recorded by this machine; nothing to undo\n")
        return 1 if refused else 0
    try:
        with contextlib.nullcontext() if args.dry_run else apply_lock(state_dir, args.timeout):
            lines, skipped, whole = undo_records(applied, dry=args.dry_run, force=args.force, timeout_s=args.timeout)
            for line in lines:
                sys.stdout.write(scrub(line) + "\n")
            if not args.dry_run:
                for name in whole:  # a fix with a skipped step is tried again by the next undo
                    notes = [line for line in lines if line.startswith(name + ":")]
                    within(partial(mark_undone, journal, state_dir, name, notes), args.timeout, "journal")
    except (Busy, TimedOut) as exc:
        sys.stderr.write(scrub(f"error: {exc}\n"))
        return 1
    return 1 if skipped or refused else 0
