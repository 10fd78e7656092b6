"""Google Drive in Colab: is it mounted, does the mount answer, is the account or the VM disk full.

Colab mounts Drive with a FUSE daemon whose mount-table type is `fuse.drive`. Everything
here first reads the mount table (which never touches the path), and every call that does
touch a path is bounded with `mounts.bounded`: a stat under a frozen Drive daemon blocks in
the kernel, and the probe must give its verdict before its deadline instead of waiting.
Nothing is written or deleted.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes._drivelog import with_mount_failure
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import MountInfo, Timeout, bounded, covering_mount, read_mounts
from troubleshooter.redact import clip

DRIVE_FSTYPE = "fuse.drive"
DEFAULT_DRIVE_ROOT = "/content/drive"
SHADOW_SAMPLE = 5  # file paths shown as evidence of a shadow folder
SHADOW_SCAN_LIMIT = 2000  # entries walked at most when counting a shadow folder's files
LOG_TAIL_BYTES = 256 * 1024  # only the end of the DriveFS log is read
QUOTA_PATTERN = re.compile(  # DriveFS's code, the Drive API's reason, and the API's sentence for it
    r"QUOTA_EXCEEDED|storageQuotaExceeded|quota\s+(?:has\s+been\s+|was\s+|is\s+)?exceeded"
    r"|storage\s+quota\b[^\n]*\bexceeded",  # not "insufficient storage": that may be the local disk
    re.IGNORECASE,
)
MIB = 1 << 20
GIB = 1 << 30
CACHE_DISK_FULL_FREE_BYTES = GIB  # less than this free ...
CACHE_DISK_FULL_USED_SHARE = 0.9  # ... on a filesystem at least this full counts as full
DRIVE_FULL_FREE_BYTES = 16 * MIB  # a fuse.drive mount reporting less than this free: the account is full


def _budget(ctx: ProbeContext, share: float = 0.8) -> float:
    """Seconds a bounded call may take so the probe still answers before its own deadline."""
    return max(0.1, (ctx.time_left() - 0.2) * share)


def drive_fs_dir(ctx: ProbeContext) -> Path:
    """Where DriveFS keeps its logs and content cache: `$HOME/.config/Google/DriveFS`."""
    return ctx.home / ".config" / "Google" / "DriveFS"


def drive_mount_of(path: str, mounts: list[MountInfo]) -> MountInfo | None:
    """The `fuse.drive` mount covering `path`, if the covering mount is one."""
    mount = covering_mount(path, mounts)
    return mount if mount is not None and mount.fstype == DRIVE_FSTYPE else None


def _stat_and_list(path: str) -> tuple[os.stat_result, list[str]]:
    """stat and list a directory: both are answered by the FUSE daemon on a Drive mount."""
    info = os.stat(path)
    names = sorted(os.listdir(path)) if os.path.isdir(path) else []
    return info, names


def _files_under(root: str, limit: int = SHADOW_SCAN_LIMIT) -> tuple[int, list[str]]:
    """Count regular files under `root` (at most `limit` entries walked), with a few samples."""
    count, walked = 0, 0
    sample: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            count += 1
            if len(sample) < SHADOW_SAMPLE:
                sample.append(os.path.join(current, name))
        walked += len(dirs) + len(files)
        if walked >= limit:
            break
    return count, sample


@probe(
    "drive.mount",
    facts={
        "drive_root": "the Drive root checked (default /content/drive)",
        "state": "mounted | hung | not-connected | shadow | empty | absent | other-mount | mount-failed",
        "mounted": "a fuse.drive mount covers the Drive root",
        "fstype": "filesystem type of the covering mount",
        "mount_point": "mount point covering the Drive root",
        "same_device_as_parent": "the Drive root is on the same device as its parent (a plain folder)",
        "file_count": "regular files found under an unmounted Drive root",
        "sample_files": "a few of those files",
        "entries": "names at the top of the Drive root",
        "mount_failure": "why DriveFS failed to mount: root-timeout | credentials | domain-policy | stopped",
        "mount_failure_lines": "the DriveFS log lines that say so (scrubbed, shortened)",
        "log_mount_point": "the mount point DriveFS was last started for, from its log",
    },
)
def drive_mount(ctx: ProbeContext, drive_root: str | None = None) -> ProbeResult:
    """Check that Google Drive is mounted at the Drive root and that the mount answers.

    The covering mount comes from the mount table (type `fuse.drive` for Colab's Drive). A
    mounted Drive gets one bounded stat and listing: no answer within the deadline, or
    "Transport endpoint is not connected", means the Drive daemon is hung or gone. An
    unmounted Drive root that holds files on the same device as its parent is a shadow
    folder: files saved before `drive.mount()` ran, on the VM disk, lost with the VM. An empty
    or absent Drive root is read together with the DriveFS log: its own words for a failed
    mount (root-folder timeout, credentials, domain policy) mean `drive.mount()` itself failed.
    """
    root = os.path.normpath(os.path.abspath(drive_root or DEFAULT_DRIVE_ROOT))
    mounts = read_mounts(ctx.proc_root)
    covering = covering_mount(root, mounts)
    facts: dict[str, Any] = {
        "drive_root": root,
        "mounted": bool(covering and covering.fstype == DRIVE_FSTYPE),
        "fstype": covering.fstype if covering else None,
        "mount_point": covering.mount_point if covering else None,
    }
    if facts["mounted"]:
        return _check_mounted(ctx, root, facts)
    result = _check_unmounted(ctx, root, covering, facts)
    if result.facts.get("state") in ("absent", "empty"):
        return with_mount_failure(ctx, result)
    return result


def _check_mounted(ctx: ProbeContext, root: str, facts: dict[str, Any]) -> ProbeResult:
    budget = _budget(ctx)
    try:
        _info, names = bounded(lambda: _stat_and_list(root), budget, "drive-stat")
    except Timeout:
        return failed(
            f"the Drive mount at {facts['mount_point']} did not answer a stat within {budget:.1f} s: "
            "the Drive daemon is hung",
            state="hung",
            waited_s=round(budget, 2),
            **facts,
        )
    except OSError as exc:
        if exc.errno == errno.ENOTCONN:
            return failed(
                f"{root}: Transport endpoint is not connected (the Drive daemon is gone)",
                state="not-connected",
                error=errno.errorcode.get(exc.errno, ""),
                **facts,
            )
        if exc.errno == errno.ENOENT:
            return warned(
                f"Drive is mounted at {facts['mount_point']} but {root} does not exist in it",
                state="mounted",
                entries=[],
                missing=True,
                **facts,
            )
        return failed(
            f"the Drive mount answers {root} with {exc.strerror}",
            state="hung",
            error=errno.errorcode.get(exc.errno or 0, str(exc.errno)),
            **facts,
        )
    return passed(
        f"Drive is mounted ({DRIVE_FSTYPE}) at {facts['mount_point']} and answers",
        state="mounted",
        entries=names[:20],
        **facts,
    )


def _check_unmounted(ctx: ProbeContext, root: str, covering: MountInfo | None, facts: dict[str, Any]) -> ProbeResult:
    parent = os.path.dirname(root) or "/"
    try:
        exists = bounded(lambda: os.path.lexists(root), _budget(ctx, 0.3), "drive-exists")
        if not exists:
            return failed(
                f"nothing is mounted at {root} and the folder does not exist: Drive was never mounted here",
                state="absent",
                **facts,
            )
        root_dev = bounded(lambda: os.stat(root).st_dev, _budget(ctx, 0.3), "drive-stat")
        parent_dev = bounded(lambda: os.stat(parent).st_dev, _budget(ctx, 0.3), "parent-stat")
        count, sample = bounded(lambda: _files_under(root), _budget(ctx, 0.6), "drive-walk")
    except Timeout:
        return unknown(f"{root} is not a Drive mount and did not answer in time", state="unknown", **facts)
    except OSError as exc:
        return unknown(f"cannot inspect {root}: {exc.strerror}", state="unknown", **facts)
    facts.update(same_device_as_parent=root_dev == parent_dev, file_count=count, sample_files=sample)
    if covering is not None and covering.mount_point.rstrip("/") == root.rstrip("/"):
        return failed(
            f"{covering.fstype} is mounted at {root}, not Google Drive ({DRIVE_FSTYPE})",
            state="other-mount",
            **facts,
        )
    if count == 0:
        return failed(
            f"nothing is mounted at {root}; the folder exists but holds no files (an empty mount point)",
            state="empty",
            **facts,
        )
    if root_dev == parent_dev:
        return failed(
            f"{root} is a plain local folder with {count} file(s) on the VM disk, not Google Drive: "
            "they were written before Drive was mounted",
            state="shadow",
            **facts,
        )
    return failed(
        f"{root} holds {count} file(s) on another filesystem ({facts['fstype']}), not Google Drive",
        state="other-mount",
        **facts,
    )


def _read_tail(path: Path, size: int = LOG_TAIL_BYTES) -> str:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        handle.seek(max(0, end - size))
        data = handle.read(size)
    if end > size:  # started mid-file: the first line is a fragment (maybe the tail of a token)
        data = data.partition(b"\n")[2]
    return data.decode("utf-8", errors="replace")


def _drive_logs(log_dir: Path) -> list[Path]:
    """DriveFS logs, newest first (`drive_fs.txt` and its rotated siblings)."""
    if not log_dir.is_dir():
        return []
    logs = [p for p in log_dir.iterdir() if p.is_file() and p.name.startswith("drive_fs")]
    return sorted(logs, key=lambda p: p.stat().st_mtime, reverse=True)[:3]


@probe(
    "drive.quota",
    facts={
        "log_found": "a DriveFS log exists under ~/.config/Google/DriveFS/Logs",
        "log_files": "the logs read (their tails only)",
        "quota_errors": "lines reporting QUOTA_EXCEEDED",
        "last_quota_line": "the newest such line",
        "drive_free_bytes": "free bytes the Drive mount reports (statvfs)",
        "quota_exceeded": "the account is full",
    },
)
def drive_quota(ctx: ProbeContext, drive_root: str | None = None) -> ProbeResult:
    """Look for QUOTA_EXCEEDED in the tail of the DriveFS log and for a Drive that reports no free space.

    A full Drive account (the trash counts too) makes every upload fail while the local files
    look complete; DriveFS writes `QUOTA_EXCEEDED` to its log. Only the last 256 KiB of each
    log is read, and only matching lines are reported.
    """
    root = os.path.normpath(os.path.abspath(drive_root or DEFAULT_DRIVE_ROOT))
    log_dir = drive_fs_dir(ctx) / "Logs"
    try:
        logs = bounded(lambda: _drive_logs(log_dir), _budget(ctx, 0.3), "drive-logs")
        tails = bounded(lambda: [_read_tail(p) for p in logs], _budget(ctx, 0.4), "drive-log-tail")
    except Timeout:
        return unknown(f"reading the DriveFS logs under {log_dir} did not return in time", log_found=None)
    except OSError as exc:
        logs, tails = [], []
        read_error = exc.strerror
    else:
        read_error = None
    lines = [line.strip() for tail in tails for line in tail.splitlines() if QUOTA_PATTERN.search(line)]
    facts: dict[str, Any] = {
        "log_dir": str(log_dir),
        "log_found": bool(logs),
        "log_files": [str(p) for p in logs],
        "quota_errors": len(lines),
        "last_quota_line": clip(lines[-1], 300) if lines else None,
        "read_error": read_error,
        "drive_free_bytes": _drive_free_bytes(ctx, root),
    }
    if lines:
        return failed(
            f"the DriveFS log reports the Drive storage quota exceeded ({len(lines)} line(s))",
            quota_exceeded=True,
            **facts,
        )
    free = facts["drive_free_bytes"]
    if free is not None and free < DRIVE_FULL_FREE_BYTES:
        return failed(f"the Drive mount reports only {free / MIB:.1f} MiB free", quota_exceeded=True, **facts)
    where = "no DriveFS log found" if not logs else f"no quota error in the tail of {len(logs)} DriveFS log(s)"
    return passed(where, quota_exceeded=False, **facts)


def _drive_free_bytes(ctx: ProbeContext, root: str) -> int | None:
    """Free bytes a mounted Drive reports (statvfs, bounded); None when not mounted or no answer."""
    mount = drive_mount_of(root, read_mounts(ctx.proc_root))
    if mount is None:
        return None
    try:
        stats = bounded(lambda: os.statvfs(mount.mount_point), _budget(ctx, 0.3), "drive-statvfs")
    except (Timeout, OSError):
        return None
    if stats.f_blocks == 0:  # some FUSE filesystems report nothing at all
        return None
    return stats.f_bavail * stats.f_frsize


def _nearest_existing(path: Path) -> Path:
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _dir_bytes(path: Path, limit: int = 20000) -> int:
    """Bytes used by files under `path` (at most `limit` entries), like a bounded `du`."""
    total, seen = 0, 0
    for current, dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(current, name)).st_blocks * 512
            except OSError:
                continue
        seen += len(dirs) + len(files)
        if seen >= limit:
            break
    return total


@probe(
    "drive.cache_disk",
    facts={
        "drivefs_dir": "where DriveFS keeps its cache (~/.config/Google/DriveFS)",
        "checked_dir": "the directory whose filesystem was measured",
        "free_bytes": "bytes free on that filesystem",
        "total_bytes": "size of that filesystem",
        "used_share": "used fraction of that filesystem",
        "drivefs_bytes": "bytes used by the DriveFS folder",
        "disk_full": "the filesystem is full",
    },
)
def drive_cache_disk(ctx: ProbeContext) -> ProbeResult:
    """Measure the free space of the disk that holds DriveFS's local cache.

    Everything written to Drive goes to a local cache on the VM disk first and is uploaded
    later; big checkpoints can fill that disk, and then writes fail or are cut short. Less
    than 1 GiB free on a filesystem that is at least 90 % used counts as full.
    """
    cache_dir = drive_fs_dir(ctx)
    try:
        checked = bounded(lambda: _nearest_existing(cache_dir), _budget(ctx, 0.2), "drivefs-dir")
        stats = bounded(lambda: os.statvfs(checked), _budget(ctx, 0.3), "statvfs")
        used_by_cache = (
            bounded(lambda: _dir_bytes(cache_dir), _budget(ctx, 0.5), "drivefs-du") if checked == cache_dir else 0
        )
    except Timeout:
        return unknown(f"measuring {cache_dir} did not return in time", drivefs_dir=str(cache_dir))
    except OSError as exc:
        return unknown(f"cannot measure {cache_dir}: {exc.strerror}", drivefs_dir=str(cache_dir))
    free = stats.f_bavail * stats.f_frsize
    total = stats.f_blocks * stats.f_frsize
    used_share = round(1 - (stats.f_bfree / stats.f_blocks), 4) if stats.f_blocks else 0.0
    full = free < CACHE_DISK_FULL_FREE_BYTES and used_share >= CACHE_DISK_FULL_USED_SHARE
    facts = {
        "drivefs_dir": str(cache_dir),
        "drivefs_exists": checked == cache_dir,
        "checked_dir": str(checked),
        "free_bytes": free,
        "total_bytes": total,
        "used_share": used_share,
        "drivefs_bytes": used_by_cache,
        "disk_full": full,
    }
    summary = f"{free / MIB:.1f} MiB free of {total / MIB:.0f} MiB ({used_share:.0%} used) on the disk of {checked}"
    if full:
        return failed(
            f"the DriveFS cache disk is full: {summary}, DriveFS holds {used_by_cache / MIB:.1f} MiB", **facts
        )
    return passed(summary, **facts)
