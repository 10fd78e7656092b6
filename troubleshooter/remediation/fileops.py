"""File changes that survive a crash at any instant: atomic writes, backups, confined paths.

Every file a fix writes goes through `atomic_write`: the new bytes land in a temporary file in
the same directory, are fsynced, and replace the old file with one `os.replace` (a rename,
atomic on POSIX), then the directory is fsynced. A process killed at any point leaves either
the old file or the new one, never half of either. Backups are written the same way before
anything changes, so undo can always restore byte-identical content.

`confine` is the single gate for paths that come from playbook arguments: it refuses `..`
components, and resolves symlinks before checking that the real path lies inside the root the
action is allowed to touch.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEMP_MARK = "troubleshooter-"
LEFTOVER_AGE_S = 600.0  # temp files of ours carry it, so a leftover is never someone else's


class PathRefused(Exception):
    """A path argument that points outside what the action may touch (traversal, symlink escape)."""


CRASH_HOOKS: list[Callable[[str], None]] = []  # injected by tests only; nothing in the package adds one


def crash_point(step: str) -> None:
    """Name a point between two changes where a crash must leave things whole.

    Tests inject a hook (`CRASH_HOOKS.append(...)`, in a child process of their own) that kills
    the process for real at one step; the shipped code reads no variable and never kills itself.
    """
    for hook in CRASH_HOOKS:
        hook(step)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str | None:
    """Hex digest of a regular file's content, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def fsync_dir(directory: str | Path) -> None:
    """Make a rename or unlink in `directory` durable (best effort where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, data: bytes, *, mode: int | None = None, step: str = "write") -> None:
    """Replace `path` with `data` in one rename; keeps the old file's permission bits.

    Crash points `<step>:temp-written` (temp file complete, target untouched) and
    `<step>:replaced` (target is new) let tests kill the process around the rename.
    """
    target = Path(path)
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    prefix = f".{target.name}.{TEMP_MARK}"
    stale = time.time() - LEFTOVER_AGE_S
    for leftover in target.parent.glob(glob.escape(prefix) + "*.tmp"):  # from a run killed mid-write
        with contextlib.suppress(OSError):
            if leftover.lstat().st_mtime < stale:  # never another process's write in progress
                leftover.unlink()
    fd, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        crash_point(f"{step}:temp-written")
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_dir(target.parent)
    crash_point(f"{step}:replaced")


def backup_file(path: str | Path, backup_dir: Path, *, step: str = "backup") -> tuple[Path, str]:
    """Copy `path` into `backup_dir` atomically; returns (backup path, sha256 of the content).

    The original's permission bits are recorded by the caller's undo entry, not copied: backups
    are readable by their owner only.
    """
    source = Path(path)
    data = source.read_bytes()
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = sha256_bytes(data)
    target = backup_dir / f"{digest[:12]}-{source.name}"
    if sha256_file(target) == digest:  # content-addressed: the same bytes are kept already
        return target, digest
    atomic_write(target, data, mode=0o600, step=step)  # a profile may hold secrets: owner-only
    return target, digest


def expand_home(raw: str, home: Path) -> str:
    """`~` and `~/…` against the user's HOME as the walk sees it (the context's, not this process's)."""
    return str(home) + raw[1:] if raw == "~" or raw.startswith("~/") else raw


def has_parent_reference(raw: str) -> bool:
    return ".." in Path(raw).parts


def confine(raw: str | Path, root: str | Path, *, allow_root: bool = False, follow_last: bool = True) -> Path:
    """The real path of `raw` (relative paths are taken inside `root`), refused unless inside `root`.

    Refuses `..` components outright (even ones that would stay inside), then compares real
    paths, so a symlink anywhere in the chain that leads out of the root is refused too.
    `follow_last=False` checks the parent's real path and keeps the last component as is
    (for acting on a symlink itself, or on a name that does not exist yet).
    """
    text = str(raw)
    if not text or "\0" in text:
        raise PathRefused(f"empty or invalid path {text!r}")
    if has_parent_reference(text):
        raise PathRefused(f"{text}: '..' is not allowed in a path a fix touches")
    real_root = Path(os.path.realpath(root))
    candidate = Path(text) if os.path.isabs(text) else real_root / text
    if follow_last:
        real = Path(os.path.realpath(candidate))
    else:
        real = Path(os.path.realpath(candidate.parent)) / candidate.name
    if real == real_root:
        if allow_root:
            return real
        raise PathRefused(f"{text}: is the root {real_root} itself")
    if real_root not in real.parents:
        raise PathRefused(f"{text}: resolves to {real}, outside {real_root}")
    return real
