"""Reading the DriveFS log: bounded tails, secrets scrubbed, lines sorted into what they mean.

colabtools' `drive.py` starts DriveFS with its log at `~/.config/Google/DriveFS/Logs/drive_fs.txt`
and itself greps that file (`QueryManager timed out` becomes "timeout during initial read of
root folder"). DriveFS lines start with an ISO time and a level (`2025-06-02T14:07:31.552ZE
[thread] file.cc:944:Func message`), and Drive API refusals are dumped as the API's JSON error
on the following lines (`"reason": "numChildrenInNonRootLimitExceeded"`). The patterns below are
those upstream words, matched case-insensitively, never a fixed line.

The log may carry secrets (a notebook that printed its token): every line is scrubbed when it
is read, before anything shortens it, and only the end of each log is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from troubleshooter.model.result import ProbeResult, failed
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import Timeout, bounded
from troubleshooter.redact import scrub

LOG_TAIL_BYTES = 256 * 1024  # read at most this much from the end of each log
LOG_FILES = 3  # drive_fs.txt and its newest rotated siblings
LINE_CHARS = 300  # a reported line is cut to this length (after scrubbing)
REPORTED_LINES = 5

TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,]\d+)?")
# DriveFS's own start line names its mount point: "Starting DriveFS (mount_point_path: /content/drive)".
SESSION_START = re.compile(r"\bStarting DriveFS\b|\bmount_point_path\s*[:=]", re.IGNORECASE)
MOUNT_POINT = re.compile(r"mount_point_path\s*[:=]\s*([^\s,)]+)")
MOUNTED = re.compile(
    r"\bMounted at\b|google\.colab\.drive MOUNTED|Initial (?:sync|listing|read) of (?:the )?root folder"
    r" (?:is )?(?:complete|completed|done|finished|succeeded)",
    re.IGNORECASE,
)

# Why drive.mount() failed, in colabtools' and DriveFS's words.
MOUNT_FAILURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "domain-policy",
        re.compile(
            r"domain policy\b[^\n]{0,80}\b(?:disabled|disables|disabling|does not allow|blocks)"
            r"|disabled by (?:your |the )?(?:domain|organi[sz]ation|administrator|admin)"
            r"|Drive (?:File Stream|for desktop) (?:is|has been) disabled",
            re.IGNORECASE,
        ),
    ),
    (
        "credentials",
        re.compile(
            r"credentials?(?: propagation)? (?:was |were |has |have )?(?:been )?"
            r"(?:unsuccessful|failed|rejected|revoked)"
            r"|credentials?\b[^\n]{0,20}\bpropagation\b[^\n]{0,40}\b(?:unsuccessful|failed)"
            r"|authori[sz]ation (?:failed|denied|was unsuccessful)|invalid oauth code|\binvalid_grant\b"
            r"|(?:(?:failed|unable) to|could not) (?:get|obtain|fetch|refresh|load|propagate)\b[^\n]{0,40}"
            r"\b(?:credentials?|tokens?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "root-timeout",
        re.compile(
            r"QueryManager timed out|timeout during initial read of root folder"
            r"|initial (?:listing|read|sync) of (?:the )?root folder\b[^\n]{0,40}"
            r"\b(?:did not complete|timed out|failed|not completed)",
            re.IGNORECASE,
        ),
    ),
    ("stopped", re.compile(r"Drive (?:File Stream|for desktop) encountered a problem and has stopped", re.IGNORECASE)),
)

# Drive's operation limits (not the storage quota): the API's `reason` codes and its sentences.
LIMIT_REASON = re.compile(
    r"\b(numChildrenInNonRootLimitExceeded|teamDriveFileLimitExceeded|activeItemCreationLimitExceeded"
    r"|myDriveHierarchyDepthLimitExceeded|teamDriveHierarchyTooDeep|userRateLimitExceeded|rateLimitExceeded)\b"
)
LIMIT_TEXT = re.compile(
    r"limit for this folder's number of children|number of (?:children|items) in (?:this|the) folder"
    r"|too many (?:items|children|files) in (?:this|the|a|one) folder|folder (?:has|contains|holds) too many"
    r"|file limit for this shared drive|(?:item )?creation limit|hierarchy (?:is )?too deep|rate limit exceeded",
    re.IGNORECASE,
)
EIO = re.compile(r"\bEIO\b|Input/output error|\[Errno 5\]", re.IGNORECASE)
DRIVE_PATH = re.compile(r"(/(?:MyDrive|My Drive|Shareddrives|Shared drives|\.shortcut-targets-by-id)/[^\s:,;'\"]*)")


@dataclass
class LogTail:
    """The scrubbed ends of the DriveFS logs, oldest line first."""

    log_dir: str
    files: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.files)


def log_dir(ctx: ProbeContext) -> Path:
    """`$HOME/.config/Google/DriveFS/Logs`, where colabtools' drive.py points DriveFS."""
    return ctx.home / ".config" / "Google" / "DriveFS" / "Logs"


def _tail_lines(path: Path, size: int = LOG_TAIL_BYTES) -> list[str]:
    """The last `size` bytes of a log as scrubbed lines (a line cut by the seek is dropped)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        start = max(0, end - size)
        handle.seek(start)
        text = handle.read(size).decode("utf-8", errors="replace")
    lines = text.splitlines()
    if start > 0 and lines:
        lines = lines[1:]
    return [scrub(line) for line in lines]


def _log_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    logs = [p for p in folder.iterdir() if p.is_file() and p.name.startswith("drive_fs")]
    return sorted(logs, key=lambda p: p.stat().st_mtime)[-LOG_FILES:]  # oldest first


def read_tail(ctx: ProbeContext, budget_s: float) -> LogTail:
    """Read the DriveFS log tails within `budget_s` seconds; a slow disk gives an error, not a hang."""
    folder = log_dir(ctx)
    tail = LogTail(log_dir=str(folder))

    def read() -> tuple[list[str], list[str]]:
        files = _log_files(folder)
        return [str(p) for p in files], [line for p in files for line in _tail_lines(p)]

    try:
        tail.files, tail.lines = bounded(read, budget_s, "drivefs-log")
    except Timeout:
        tail.error = f"reading {folder} did not return within {budget_s:.1f} s"
    except OSError as exc:
        tail.error = f"cannot read {folder}: {exc.strerror}"
    return tail


def short(line: str) -> str:
    """A log line as evidence: already scrubbed when read, then trimmed."""
    line = scrub(line.strip())
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"


def last_session(lines: list[str]) -> list[str]:
    """The lines since DriveFS last started (the whole tail when no start line is in it)."""
    starts = [i for i, line in enumerate(lines) if SESSION_START.search(line)]
    return lines[starts[-1] :] if starts else lines


def log_mount_point(lines: list[str]) -> str | None:
    """The mount point DriveFS was last started for, as its start line names it."""
    for line in reversed(lines):
        match = MOUNT_POINT.search(line)
        if match:
            return match.group(1)
    return None


def line_time(line: str) -> float | None:
    """Epoch seconds of a DriveFS line's leading UTC timestamp, if it has one."""
    match = TIMESTAMP.match(line.strip())
    if not match:
        return None
    try:
        moment = datetime.strptime(f"{match.group(1)}T{match.group(2)}", "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def mount_failures(lines: list[str]) -> list[tuple[str, str]]:
    """(kind, line) for each line saying the mount failed and not followed by a successful mount."""
    found: list[tuple[str, str]] = []
    for line in lines:
        if MOUNTED.search(line):
            found = []  # a later success clears what failed before it
            continue
        for kind, pattern in MOUNT_FAILURES:
            if pattern.search(line):
                found.append((kind, line))
                break
    return found


def limit_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """Drive's operation-limit answers: (reason codes found, the lines that carry them)."""
    reasons: list[str] = []
    carriers: list[str] = []
    for line in lines:
        match = LIMIT_REASON.search(line)
        if match or LIMIT_TEXT.search(line):
            if match and match.group(1) not in reasons:
                reasons.append(match.group(1))
            carriers.append(line)
    return reasons, carriers


def eio_lines(lines: list[str]) -> list[str]:
    """Lines where DriveFS answered a file operation with EIO (Python's `[Errno 5] Input/output error`)."""
    return [line for line in lines if EIO.search(line)]


def drive_paths(lines: list[str]) -> list[str]:
    """Paths inside Drive (`/MyDrive/...`) named by the given lines, in order, without repeats."""
    paths: list[str] = []
    for line in lines:
        for match in DRIVE_PATH.finditer(line):
            if match.group(1) not in paths:
                paths.append(match.group(1))
    return paths


MOUNT_FAILURE_WORDS = {
    "domain-policy": "the Google Workspace domain policy disables Drive for desktop (DriveFS) for this account",
    "credentials": "DriveFS could not get credentials for the account (credential propagation failed)",
    "root-timeout": "DriveFS timed out reading the Drive root folder (too many items directly in My Drive)",
    "stopped": "DriveFS stopped with an error while mounting",
}


def budget(ctx: ProbeContext, share: float) -> float:
    """Seconds a bounded call may take so the probe still answers before its deadline."""
    return max(0.1, (ctx.time_left() - 0.2) * share)


def with_mount_failure(ctx: ProbeContext, result: ProbeResult) -> ProbeResult:
    """Turn "nothing is mounted" into "drive.mount() failed" when the DriveFS log says why.

    An empty or absent mount point alone cannot tell a mount that never ran from one that
    failed; DriveFS's last session in its log can (a root-folder timeout, failed credentials,
    a domain policy). A later successful mount in the same session clears an earlier failure.
    """
    tail = read_tail(ctx, budget(ctx, 0.5))
    session = last_session(tail.lines)
    failures = mount_failures(session)
    facts = {**result.facts, "log_found": tail.found, "log_files": tail.files}
    if not failures:
        return ProbeResult(result.status, facts, result.evidence)
    kinds = [kind for kind, _ in MOUNT_FAILURES if any(found == kind for found, _ in failures)]
    contents = "absent" if result.facts.get("state") == "absent" else "empty"
    return failed(
        f"drive.mount() failed: {MOUNT_FAILURE_WORDS[kinds[0]]}; nothing is mounted and the mount point is "
        f"{contents}. DriveFS logged: {short(failures[-1][1])}",
        **{
            **facts,
            "state": "mount-failed",
            "mount_point_contents": contents,
            "mount_failure": kinds[0],
            "mount_failure_kinds": kinds,
            "mount_failure_lines": [short(line) for _, line in failures[-REPORTED_LINES:]],
            "log_mount_point": log_mount_point(session),
        },
    )
