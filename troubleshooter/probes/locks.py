"""Download locks under the cache's `.locks/`, their live holders, and partial-download growth.

huggingface_hub serialises downloads of one file with a lock at
`<hub cache>/.locks/<repo folder>/<etag>.lock`. On filesystems with flock, filelock's FileLock
takes an flock on it (the file stays, empty, after release: harmless); without flock it falls
back to SoftFileLock, where the file's existence is the lock and its content names the owner
(`pid\\nhostname\\n…`), so a process killed mid-download leaves it behind forever. Holders of
flocks are read from /proc/locks (inode and device of the lock file), their command lines from
/proc/<pid>/cmdline. Growth of `blobs/*.incomplete` over a short window tells a holder that
is downloading from one that is stuck.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.cache import hub_cache_dir
from troubleshooter.probes.cachescan import repo_folder
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import Timeout, bounded
from troubleshooter.redact import clip

MAX_LOCKS = 500
GROWTH_WINDOW_S = 1.2
NO_FLOCK_ERRNOS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL)


@dataclass(frozen=True)
class KernelLock:
    """One line of /proc/locks: a held lock (or a waiter, `->`) on an inode."""

    kind: str  # FLOCK | POSIX | OFDLCK
    access: str  # READ | WRITE
    pid: int
    major: int
    minor: int
    inode: int
    waiting: bool


def parse_proc_locks(text: str) -> list[KernelLock]:
    """`1: FLOCK  ADVISORY  WRITE 1234 fd:00:5678 0 EOF` (device major:minor in hex)."""
    found: list[KernelLock] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6:
            continue
        waiting = parts[1] == "->"
        fields = parts[2:] if waiting else parts[1:]
        if len(fields) < 5:
            continue
        try:
            major, minor, inode = fields[4].split(":")
            found.append(
                KernelLock(fields[0], fields[2], int(fields[3]), int(major, 16), int(minor, 16), int(inode), waiting)
            )
        except ValueError:
            continue
    return found


def read_proc_locks(proc_root: Path) -> list[KernelLock]:
    try:
        return parse_proc_locks((proc_root / "locks").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def process_command(proc_root: Path, pid: int) -> str | None:
    """The command line of a process, or None when it is gone or in another PID namespace."""
    try:
        with open(proc_root / str(pid) / "cmdline", "rb") as handle:
            raw = handle.read(64 * 1024)  # bounded: a command line can be megabytes
    except OSError:
        return None
    return clip(raw.replace(b"\0", b" ").decode("utf-8", errors="replace").strip(), 300) or None


def _lock_content(path: Path) -> str:
    """The first bytes of a soft lock (an owner record is two or three short lines), scrubbed then cut."""
    with open(path, "rb") as handle:
        return clip(handle.read(4096).decode("utf-8", errors="replace"), 1024)


def process_alive(proc_root: Path, pid: int) -> bool:
    return (proc_root / str(pid)).exists()


def parse_soft_owner(content: str) -> tuple[int, str] | None:
    """(pid, hostname) of a SoftFileLock marker written by filelock ≥ 3.22, else None."""
    lines = content.strip().splitlines()
    if not content.endswith("\n") or len(lines) not in (2, 3):
        return None
    try:
        pid = int(lines[0])
    except ValueError:
        return None
    return (pid, lines[1]) if pid > 0 else None


def flock_supported(directory: str) -> bool | None:
    """Try an flock on a scratch file in `directory`: True, False (no flock there) or None (cannot test)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".troubleshooter-flock-", dir=directory)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except OSError as exc:
        return False if exc.errno in NO_FLOCK_ERRNOS else None
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)


def _incomplete_sizes(folders: list[Path]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for folder in folders:
        blobs = folder / "blobs"
        if not blobs.is_dir():
            continue
        for path in blobs.glob("*.incomplete"):
            try:
                sizes[str(path)] = path.stat().st_size
            except OSError:
                continue
    return sizes


def _etag_of_incomplete(name: str) -> str:
    """`<etag>.<8 hex>.incomplete` (2.x) or `<etag>.incomplete` -> etag."""
    return name.split(".", 1)[0]


def inspect_locks(ctx: ProbeContext, cache: str, repo_dir: str | None, deadline: float) -> dict[str, Any]:
    """Everything the verdict needs, gathered in one bounded call."""
    locks_root = Path(cache) / ".locks"
    where = locks_root / repo_dir if repo_dir else locks_root
    files = sorted(where.rglob("*.lock"))[:MAX_LOCKS] if where.is_dir() else []
    kernel = read_proc_locks(ctx.proc_root)
    my_host = socket.gethostname()
    now = time.time()
    records: list[dict[str, Any]] = []
    for path in files:
        try:
            st = path.stat()
            content = _lock_content(path) if st.st_size and stat.S_ISREG(st.st_mode) else ""
        except OSError:
            continue
        holders = [
            k
            for k in kernel
            if k.inode == st.st_ino and (k.major, k.minor) == (os.major(st.st_dev), os.minor(st.st_dev))
        ]
        if not holders:  # overlay and some FUSE filesystems show another device number in /proc/locks
            holders = [k for k in kernel if k.inode == st.st_ino]
        record: dict[str, Any] = {
            "lock": str(path.relative_to(locks_root)),
            "age_s": round(max(0.0, now - st.st_mtime), 1),
            "size": st.st_size,
            "etag": path.name[: -len(".lock")],
        }
        live = [k for k in holders if not k.waiting and k.pid != os.getpid()]
        if live:
            record.update(
                state="held",
                holder_pid=live[0].pid,
                holder_command=process_command(ctx.proc_root, live[0].pid),
                lock_type=live[0].kind,
                waiters=[k.pid for k in holders if k.waiting],
            )
        elif content:
            owner = parse_soft_owner(content)
            record["soft_marker"] = True
            if owner is None:
                record.update(state="stale", reason="soft marker without a readable owner")
            else:
                pid, host = owner
                record.update(owner_pid=pid, owner_host=host)
                same_host = host.split("?", 1)[0] == my_host
                if same_host and process_alive(ctx.proc_root, pid):
                    record.update(
                        state="held",
                        holder_pid=pid,
                        holder_command=process_command(ctx.proc_root, pid),
                        lock_type="soft",
                    )
                else:
                    record.update(
                        state="stale", reason="owner process is gone" if same_host else f"written on host {host}"
                    )
        else:
            record.update(state="free")
        records.append(record)
    flock_ok: bool | None = None
    if where.is_dir() and time.monotonic() < deadline:
        flock_ok = flock_supported(str(where))
    if flock_ok is False:  # without flock an empty lock file is a soft marker from an older filelock
        for record in records:
            if record["state"] == "free":
                record.update(state="stale", soft_marker=True, reason="no holder, and this filesystem has no flock")
    folders = [Path(cache) / repo_dir] if repo_dir else [p for p in Path(cache).glob("*--*") if p.is_dir()][:200]
    return {
        "records": records,
        "flock_supported": flock_ok,
        "incomplete": _incomplete_sizes(folders),
        "folders": [str(f) for f in folders],
    }


@probe(
    "locks.held",
    facts={
        "state": "held | stale | free | none",
        "holder_pid": "PID of a live process holding a download lock",
        "holder_command": "that process's command line",
        "holders": "every held lock: lock file, holder PID and command, age",
        "stale": "lock markers with no live owner",
        "flock_supported": "whether flock works in the lock directory (false: filelock falls back to soft markers)",
        "growing": "a partial download (blobs/*.incomplete) grew during the watch window",
        "bytes_per_s": "growth rate of the partial downloads",
        "lock_files": "number of lock files looked at",
    },
)
def locks_probe(
    ctx: ProbeContext, repo: str | None = None, repo_type: str = "model", cache_dir: str | None = None
) -> ProbeResult:
    """Find download locks in the cache, who holds them, and whether the partial files grow.

    A held lock makes every other download of the same file wait silently (lock waits are
    logged only at info verbosity). A soft marker whose owner is gone blocks forever.
    """
    cache = hub_cache_dir(ctx, cache_dir)
    repo_dir = repo_folder(repo, repo_type) if repo else None
    budget = max(0.2, ctx.time_left() - 0.2)
    deadline = time.monotonic() + budget
    try:
        found = bounded(lambda: inspect_locks(ctx, cache, repo_dir, deadline - 0.3), budget * 0.6, "locks")
    except Timeout:
        return unknown(
            f"reading {cache}/.locks did not finish in time (hung filesystem?)", state="timeout", hub_cache=cache
        )
    except OSError as exc:
        return unknown(f"cannot read {cache}/.locks: {exc.strerror}", state="unreadable", hub_cache=cache)
    records = found["records"]
    first = found["incomplete"]
    growth: dict[str, int] = {}
    window = min(GROWTH_WINDOW_S, deadline - time.monotonic() - 0.3)
    if first and window > 0.2:
        time.sleep(window)  # the watch window itself: two samples of the partial files, `window` apart
        try:
            second = bounded(lambda: _incomplete_sizes([Path(f) for f in found["folders"]]), 0.5, "incomplete")
        except (Timeout, OSError):
            second = {}
        growth = {p: second[p] - size for p, size in first.items() if p in second and second[p] > size}
    grown = sum(growth.values())
    growing_etags = {_etag_of_incomplete(Path(p).name) for p in growth}
    for record in records:
        record["growing"] = record["etag"] in growing_etags
    held = [r for r in records if r["state"] == "held"]
    stale = [r for r in records if r["state"] == "stale"]
    facts: dict[str, Any] = {
        "hub_cache": cache,
        "repo": repo,
        "lock_files": len(records),
        "holders": held[:10],
        "stale": stale[:10],
        "flock_supported": found["flock_supported"],
        "incomplete_files": len(first),
        "growing": bool(growth),
        "bytes_per_s": round(grown / window) if growth and window > 0 else 0,
    }
    if held:
        top = held[0]
        command = top.get("holder_command") or "command unknown (another PID namespace?)"
        progress = (
            "its partial file is growing"
            if top["growing"] or growth
            else "no partial file grew during the watch"
            if first
            else "no partial file is being written"
        )
        return failed(
            f"download lock {top['lock']} is held by pid {top['holder_pid']} ({command}); {progress}",
            state="held",
            holder_pid=top["holder_pid"],
            holder_command=top.get("holder_command"),
            **facts,
        )
    if stale:
        top = stale[0]
        return warned(
            f"{len(stale)} stale lock marker(s), e.g. {top['lock']} ({top.get('reason')}); "
            "a download of that file waits forever",
            state="stale",
            **facts,
        )
    if not records:
        return passed("no download lock files", state="none", **facts)
    return passed(f"{len(records)} lock file(s), none held", state="free", **facts)
