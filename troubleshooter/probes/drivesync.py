"""Where checkpoints go and when they were written, compared with Drive's mount and this runtime.

Two ways checkpoints never reach Drive although Drive itself works: the training saves to a
folder that is not under the `fuse.drive` mount at all (a tutorial's `/content/gdrive/MyDrive`
while Drive is mounted at `/content/drive`: an ordinary folder on the VM disk), or the runtime
that wrote them ended (idle timeout, maximum lifetime, out of memory) before DriveFS uploaded
them. The first is read from the mount table (never touching the path) and the folder's
device; the second from when this machine started versus when the files were written, and
from the DriveFS log's upload lines. Every filesystem call is bounded by the deadline.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes._drivelog import REPORTED_LINES, budget, drive_paths, line_time, read_tail, short
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.drive import DEFAULT_DRIVE_ROOT, DRIVE_FSTYPE, drive_mount_of
from troubleshooter.probes.mounts import MountInfo, Timeout, bounded, covering_mount, read_mounts

SAMPLE = 5
WALK_LIMIT = 2000  # directory entries looked at, at most, when dating a checkpoint folder
UPLOAD_QUEUED = re.compile(
    r"\b(?:queued|queueing|enqueued|scheduled|pending|starting)\s+(?:the\s+)?upload"
    r"|\bupload(?:s)?\s+(?:queued|pending|scheduled|started)\b",
    re.IGNORECASE,
)
UPLOAD_DONE = re.compile(
    r"\bupload(?:ed|ing)?\b[^\n]{0,30}\b(?:complete|completed|finished|done|succeeded|successful)\b"
    r"|\b(?:finished|completed)\s+upload|\bUploaded\s+/",
    re.IGNORECASE,
)


def _norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _folder(drive_root: str | None, checkpoint_dir: str | None) -> tuple[str, str]:
    root = _norm(drive_root or DEFAULT_DRIVE_ROOT)
    return root, _norm(checkpoint_dir or os.path.join(root, "MyDrive"))


def _look(folder: str) -> tuple[bool, int, int, list[str]]:
    """Exists, st_dev, regular files (up to the walk limit) and a few samples."""
    if not os.path.isdir(folder):
        return os.path.lexists(folder), 0, 0, []
    dev = os.stat(folder).st_dev
    count, walked = 0, 0
    sample: list[str] = []
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            count += 1
            if len(sample) < SAMPLE:
                sample.append(os.path.join(current, name))
        walked += len(dirs) + len(files)
        if walked >= WALK_LIMIT:
            break
    return True, dev, count, sample


def _in_drive(folder: str, drive: MountInfo) -> str:
    """Where the folder was probably meant to be: the same path below the Drive mount's MyDrive."""
    parts = Path(folder).parts
    rest = parts[parts.index("MyDrive") + 1 :] if "MyDrive" in parts else parts[-1:]
    return os.path.join(drive.mount_point, "MyDrive", *rest)


@probe(
    "drive.location",
    facts={
        "state": "inside | outside | missing | no-drive-mount",
        "checkpoint_dir": "the checkpoint folder as given",
        "resolved": "the folder with symlinks resolved",
        "mount_point": "the mount covering the folder (from the mount table)",
        "fstype": "that mount's filesystem type",
        "drive_mount_point": "where the fuse.drive mount is",
        "device": "the folder's device (major:minor)",
        "drive_device": "the fuse.drive mount's device",
        "file_count": "files found in the folder (outside Drive)",
        "sample_files": "a few of them",
        "suggested_dir": "the same folder below the Drive mount",
    },
)
def drive_location(ctx: ProbeContext, drive_root: str | None = None, checkpoint_dir: str | None = None) -> ProbeResult:
    """Check that the checkpoint folder is really under the Drive mount, not a local look-alike.

    The covering mount of the folder (after resolving symlinks, so a link into Drive counts as
    Drive) comes from the mount table without touching the path; a folder covered by anything
    but `fuse.drive`, on another device than the Drive mount, is an ordinary folder on the VM:
    whatever is saved there never syncs and is lost with the runtime. A folder that does not
    exist is left to the checkpoint check.
    """
    root, folder = _folder(drive_root, checkpoint_dir)
    mounts = read_mounts(ctx.proc_root)
    drive = drive_mount_of(root, mounts) or next((m for m in mounts if m.fstype == DRIVE_FSTYPE), None)
    facts: dict[str, Any] = {"checkpoint_dir": folder}
    if drive is None:
        return skipped("no fuse.drive mount in the mount table", state="no-drive-mount", **facts)
    facts.update(drive_mount_point=drive.mount_point, drive_device=drive.device)
    try:
        resolved = bounded(lambda: os.path.realpath(folder), budget(ctx, 0.3), "realpath")
    except (Timeout, OSError):
        resolved = folder  # lexical: the mount table still answers
    covering = covering_mount(resolved, mounts)
    facts.update(
        resolved=resolved,
        mount_point=covering.mount_point if covering else None,
        fstype=covering.fstype if covering else None,
    )
    if covering is not None and covering.fstype == DRIVE_FSTYPE:
        return passed(f"{folder} is on the Drive mount at {covering.mount_point}", state="inside", **facts)
    try:
        exists, dev, count, sample = bounded(lambda: _look(resolved), budget(ctx, 0.6), "checkpoint-dir")
    except Timeout:
        return unknown(f"{resolved} is not under the Drive mount and did not answer in time", state="unknown", **facts)
    except OSError as exc:
        return unknown(f"cannot look at {resolved}: {exc.strerror}", state="unknown", **facts)
    if not exists:
        return warned(f"{folder} does not exist (and is not under the Drive mount)", state="missing", **facts)
    device = f"{os.major(dev)}:{os.minor(dev)}"
    facts.update(device=device, file_count=count, sample_files=sample, suggested_dir=_in_drive(resolved, drive))
    if device == drive.device:
        return passed(f"{folder} is on the Drive mount's device {device}", state="inside", **facts)
    return failed(
        f"{folder} is on {facts['fstype']} at {facts['mount_point']} (device {device}), not on the Google Drive mount "
        f"at {drive.mount_point} (device {drive.device}): a local folder holding {count} file(s) that never sync; "
        f"Drive's copy would be {facts['suggested_dir']}",
        state="outside",
        **facts,
    )


def boot_time(proc: Path) -> float | None:
    """When this machine booted: `btime` in /proc/stat, else now minus /proc/uptime."""
    try:
        for line in (proc / "stat").read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        return time.time() - float((proc / "uptime").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def runtime_start(proc: Path, booted: float | None) -> float | None:
    """When this runtime started: its PID 1's start (a container starts after the VM), else boot."""
    if booted is None:
        return None
    try:
        text = (proc / "1" / "stat").read_text(encoding="ascii", errors="replace")
        ticks = int(text[text.rindex(")") + 2 :].split()[19])  # field 22, starttime, in clock ticks
        return booted + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return booted


def _newest(folder: str) -> tuple[int, str | None, float | None]:
    """(files looked at, newest file, its mtime) under `folder`, at most WALK_LIMIT entries."""
    count, walked, newest, newest_at = 0, 0, None, None
    for current, dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(current, name)
            try:
                mtime = os.lstat(path).st_mtime
            except OSError:
                continue
            count += 1
            if newest_at is None or mtime > newest_at:
                newest, newest_at = path, mtime
        walked += len(dirs) + len(files)
        if walked >= WALK_LIMIT:
            break
    return count, newest, newest_at


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds") if moment is not None else None


def _names_folder(paths: list[str], drive_folder: str | None) -> bool:
    if drive_folder is None:
        return True
    return any(p == drive_folder or p.startswith(drive_folder.rstrip("/") + "/") for p in paths)


def pending_uploads(lines: list[str], drive_folder: str | None) -> list[str]:
    """Upload lines for the folder (or naming no path) with no later line saying that upload finished."""
    pending: list[str] = []
    for line in lines:
        paths = [p.replace("/My Drive", "/MyDrive", 1) for p in drive_paths([line])]
        if UPLOAD_DONE.search(line):  # a finished upload settles its own path, or everything when it names none
            pending = [q for q in pending if not any(p in q for p in paths)] if paths else []
        elif UPLOAD_QUEUED.search(line) and (not paths or _names_folder(paths, drive_folder)):
            pending.append(line)
    return pending


def _drive_relative(folder: str, drive: MountInfo | None) -> str | None:
    """The folder as DriveFS names it (`/MyDrive/ckpt`), when it is under the Drive mount."""
    if drive is None:
        return None
    point = drive.mount_point.rstrip("/")
    if folder != point and not folder.startswith(point + "/"):
        return None
    return "/" + os.path.relpath(folder, point) if folder != point else "/"


@probe(
    "drive.session",
    facts={
        "state": "this-runtime | earlier-runtime | ended-unsynced | no-files | unknown",
        "boot_time": "when this machine booted (/proc/stat btime), UTC",
        "runtime_started": "when this runtime started (its PID 1; the boot time without one), UTC",
        "newest_file": "the newest file in the checkpoint folder",
        "newest_mtime": "when it was written, UTC",
        "files_checked": "files dated (at most 2,000 entries walked)",
        "pending_uploads": "DriveFS upload lines for the folder with no later 'finished' line",
        "pending_before_start": "those logged before this runtime started (never finished by the old one)",
    },
)
def drive_session(ctx: ProbeContext, drive_root: str | None = None, checkpoint_dir: str | None = None) -> ProbeResult:
    """Tell whether the checkpoints were written by this runtime or by one that has since ended.

    A checkpoint written after this runtime started is still on its way (flush before leaving).
    When even the newest one is older than this runtime, the runtime that wrote them is gone:
    what it had not uploaded was lost with its VM. The DriveFS log settles it when it survived
    and shows uploads from before this runtime that never finished; otherwise nothing here can
    say whether later checkpoints existed, and the walk asks.
    """
    root, folder = _folder(drive_root, checkpoint_dir)
    booted = boot_time(ctx.proc_root)
    started = runtime_start(ctx.proc_root, booted)
    facts: dict[str, Any] = {"checkpoint_dir": folder, "boot_time": _iso(booted), "runtime_started": _iso(started)}
    if started is None:
        return unknown("cannot tell when this machine started (no /proc/stat btime or /proc/uptime)", **facts)
    try:
        count, newest, newest_at = bounded(lambda: _newest(folder), budget(ctx, 0.5), "checkpoint-times")
    except Timeout:
        return unknown(f"dating the files in {folder} did not finish in time", state="unknown", **facts)
    except OSError as exc:
        return unknown(f"cannot date the files in {folder}: {exc.strerror}", state="unknown", **facts)
    facts.update(files_checked=count, newest_file=newest, newest_mtime=_iso(newest_at))
    if newest_at is None:
        return passed(f"no files in {folder} to date", state="no-files", **facts)
    if newest_at >= started:
        return passed(
            f"the newest file ({newest}) was written at {_iso(newest_at)}, after this runtime started at "
            f"{_iso(started)}: this runtime wrote it and is still running",
            state="this-runtime",
            **facts,
        )
    tail = read_tail(ctx, budget(ctx, 0.3))
    drive_folder = _drive_relative(folder, drive_mount_of(root, read_mounts(ctx.proc_root)))
    pending = pending_uploads(tail.lines, drive_folder)
    before = [line for line in pending if (at := line_time(line)) is not None and at < started]
    facts.update(
        log_found=tail.found,
        pending_uploads=len(pending),
        pending_before_start=len(before),
        pending_lines=[short(line) for line in before[-REPORTED_LINES:]],
    )
    ended = (
        f"even the newest file ({newest}, {_iso(newest_at)}) is older than this runtime (started {_iso(started)}): "
        "the runtime that wrote the checkpoints has ended"
    )
    if before:
        return failed(
            f"{ended}, and the DriveFS log shows {len(before)} upload(s) from before then that never finished",
            state="ended-unsynced",
            **facts,
        )
    return warned(
        f"{ended}; whether it saved later checkpoints that never reached Drive cannot be read from this machine",
        state="earlier-runtime",
        **facts,
    )
