"""`lock.remove`: delete stale download-lock markers, never a lock a live process holds.

Only files under the effective hub cache's `.locks/` qualify. Holders are checked twice: when
planning (the same reading as the `locks.held` probe) and again at apply time, file by file,
because a download may have started in between. At apply time the file is opened, checked in
/proc/locks, and flocked by us (non-blocking) before it is unlinked: while we hold the flock
no other process can hold it, so a lock taken after the check makes us skip the file instead
of deleting it from under its owner. Each marker's bytes are backed up first, so undo puts it
back byte for byte.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import time
from pathlib import Path
from typing import Any

from troubleshooter.model.playbook import Applicability
from troubleshooter.probes.locks import NO_FLOCK_ERRNOS, inspect_locks, parse_soft_owner, process_alive, read_proc_locks
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused, action, effective_hub_cache
from troubleshooter.remediation.fileops import PathRefused, backup_file, confine, crash_point, fsync_dir
from troubleshooter.remediation.places import PlaceRefused, check_place, check_root


def _holder_now(actx: ActionContext, fd: int, content: str) -> str | None:
    """Why the open lock file `fd` must stay (a live holder), or None when nobody holds it."""
    st = os.fstat(fd)
    for lock in read_proc_locks(actx.probe.proc_root):
        if lock.inode == st.st_ino and not lock.waiting and lock.pid != os.getpid():
            return f"held by pid {lock.pid} ({lock.kind})"
    owner = parse_soft_owner(content) if content else None
    if owner is not None:
        pid, host = owner
        if host.split("?", 1)[0] == socket.gethostname() and process_alive(actx.probe.proc_root, pid):
            return f"its owner pid {pid} is alive"
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return "another process holds its flock"
        if exc.errno not in NO_FLOCK_ERRNOS:
            return f"cannot lock it to check ({exc.strerror})"
    return None


def _placed(actx: ActionContext, path: Path, root: Path) -> Path:
    try:
        check_root(root, actx.probe.home)
        return check_place(path, root, home=actx.probe.home)
    except PlaceRefused as exc:
        raise Refused(str(exc)) from None


def remove_if_unheld(
    actx: ActionContext, path: Path, root: Path
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """Back up and unlink one marker if nobody holds it now: (change, undo, note)."""
    try:
        _placed(actx, path, root)  # again, right before acting
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except Refused as exc:
        return None, None, f"kept {path.name}: {exc}"
    except FileNotFoundError:
        return None, None, f"{path.name}: already gone"
    except OSError as exc:
        return None, None, f"{path.name}: cannot open ({exc.strerror})"
    try:
        content = os.read(fd, 4096).decode("utf-8", errors="replace")
        why = _holder_now(actx, fd, content)
        if why:
            return None, None, f"kept {path.name}: {why}"
        st = os.fstat(fd)
        backup, digest = backup_file(path, actx.backup_dir, step="lock:backup")
        undo = {
            "kind": "restore-file",
            "path": str(path),
            "backup": str(backup),
            "sha256": digest,
            "mode": st.st_mode & 0o7777,
            "expect_absent": True,
            "root": str(root),
        }
        actx.will_undo(undo)
        crash_point("lock:backed-up")
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == st.st_ino
        except FileNotFoundError:
            same = False
        if not same:
            return None, None, f"kept {path.name}: it was replaced while checking"
        os.unlink(path)
        fsync_dir(path.parent)
        crash_point("lock:removed")
    finally:
        os.close(fd)  # releases our flock, after the name is gone
    change = {"kind": "remove-file", "path": str(path), "sha256": digest, "backup": str(backup)}
    return change, undo, f"removed {path.name}"


@action("lock.remove", touches=("<hub cache>/.locks/**/*.lock",), applicability=Applicability.UNSAFE)
def remove_stale_locks(
    actx: ActionContext, repo: str | None = None, repo_type: str = "model", lock: str | None = None
) -> Plan:
    """Remove stale download-lock markers from the hub cache's `.locks/` (held locks are kept).

    With `lock` (a path relative to `.locks/`), only that file; otherwise every marker of
    `repo` (or of the whole cache) that the lock reading calls stale.
    """
    from troubleshooter.probes.cachescan import repo_folder

    cache = effective_hub_cache(actx)
    locks_root = Path(os.path.realpath(Path(cache) / ".locks"))
    if not locks_root.is_dir():
        return Plan([f"no {locks_root}: nothing to remove"], noop=True, reason="no lock directory")
    try:
        check_root(locks_root, actx.probe.home)
    except PlaceRefused as exc:
        raise Refused(str(exc)) from None
    try:
        wanted = confine(lock, locks_root, follow_last=False) if lock else None
    except PathRefused as exc:
        raise Refused(str(exc)) from None
    if wanted is not None and wanted.is_symlink():
        raise Refused(f"{lock}: a symbolic link, not a lock marker; it is left alone")
    repo_dir = repo_folder(repo, repo_type) if repo else None
    found = inspect_locks(actx.probe, cache, repo_dir, time.monotonic() + actx.timeout_s)
    records = found["records"]
    if wanted is not None:
        records = [r for r in records if locks_root / r["lock"] == wanted]
        if not records:
            raise Refused(f"{lock}: not a lock file under {locks_root}")
    held = [r for r in records if r["state"] == "held"]
    stale = [r for r in records if r["state"] == "stale"]
    lines = [f"keep {locks_root / r['lock']}: held by pid {r.get('holder_pid')}" for r in held]
    if not stale:
        why = "no stale lock markers" + (" (the held ones are kept)" if held else "")
        return Plan([*lines, why], noop=True, reason=why)
    targets = []
    for record in stale:
        try:
            target = confine(locks_root / record["lock"], locks_root, follow_last=False)
            _placed(actx, target, locks_root)
        except (PathRefused, Refused) as exc:
            lines.append(f"skip {record['lock']}: {exc}")
            continue
        if target.is_symlink():
            lines.append(f"skip {target}: a symbolic link, not a lock marker")
            continue
        targets.append(target)
    if not targets:
        return Plan([*lines, "nothing removable"], noop=True, reason="no stale marker can be removed")
    lines += [f"delete {t} (stale: a backup of its bytes is kept)" for t in targets]
    lines.append("each file is re-checked for a live holder just before it is deleted")

    def run() -> Outcome:
        outcome = Outcome()
        notes = []
        for target in targets:
            change, undo, note = remove_if_unheld(actx, target, locks_root)
            notes.append(note)
            if change and undo:
                outcome.changes.append(change)
                outcome.undo.append(undo)
        with contextlib.suppress(OSError):
            fsync_dir(locks_root)
        outcome.message = "; ".join(notes)
        return outcome

    return Plan(lines, run, places=[str(locks_root)])
