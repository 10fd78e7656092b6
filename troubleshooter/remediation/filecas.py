"""Replacing a user's file without losing anyone's edit: a lock, compare-and-swap, metadata kept.

The previous replace checked "changed since the preview" and renamed 10-27 ms later; an edit
saved in between was dropped, and two concurrent applies lost an update while both reported
success. Now:

- `apply_lock` serialises applies and undos of this user (an `flock` on `<state dir>/apply.lock`,
  waited for up to the deadline);
- `swap_in` writes the new bytes to a temporary file with the old file's mode, owner and group,
  then *exchanges* it with the target in one `renameat2(RENAME_EXCHANGE)` and checks what came
  out: if it is not the very file (inode and bytes) that was checked, someone saved in between,
  so the two are exchanged back and the change is refused (the caller may plan again). Where
  the filesystem cannot exchange, the check runs right before a plain rename (a window of
  microseconds instead of milliseconds).
- a file with hard links is written in place (after the caller's backup): a rename would
  split it from its other names.
- a file that did not exist is created with `link(2)`, which fails if the name appeared meanwhile.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from troubleshooter.remediation.fileops import TEMP_MARK, crash_point, fsync_dir

RENAME_EXCHANGE = 2
AT_FDCWD = -100
LOCK_FILE = "apply.lock"


class Changed(Exception):
    """The file changed between the check and the replace; nothing of ours was left in place."""


class Busy(Exception):
    """Another apply or undo holds the lock past the deadline."""


@contextlib.contextmanager
def apply_lock(state_dir: Path, deadline_s: float) -> Iterator[None]:
    """Hold this user's apply lock (flock on a file in the state folder) for the block."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        stop = time.monotonic() + deadline_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if time.monotonic() >= stop:
                    held = state_dir / LOCK_FILE
                    raise Busy(f"another troubleshooter apply or undo is running (lock {held})") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)


def _exchange(a: str, b: str) -> bool:
    """Swap two names atomically; False where the system or filesystem cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return False
    if func(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), b)


def _read_fd(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _temp_with(path: Path, data: bytes, st: os.stat_result | None) -> str:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_MARK}", suffix=".tmp", dir=path.parent)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        if st is not None:
            if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                os.fchown(fd, st.st_uid, st.st_gid)  # EPERM for a normal user: refused below
            os.fchmod(fd, st.st_mode & 0o7777)
        else:
            os.fchmod(fd, 0o644 & ~_umask())
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    os.close(fd)
    crash_point("env:write:temp-written")
    return temp


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def swap_in(path: Path, expected: bytes | None, new: bytes) -> None:
    """Replace `path` (whose content must still be `expected`; None: must not exist) with `new`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        if expected is not None:
            raise Changed(f"{path} was removed since the check") from None
        _create(path, new)
        return
    try:
        st = os.fstat(fd)
        if expected is None or _read_fd(fd) != expected:
            raise Changed(f"{path} changed since the check")
        if st.st_nlink > 1:
            _in_place(path, st, expected, new)
            return
        try:
            temp = _temp_with(path, new, st)
        except PermissionError:
            raise Changed(f"{path}: cannot keep its owner and group; edit it as its owner") from None
        try:
            if _exchange(temp, str(path)):
                out = os.lstat(temp)
                if out.st_ino != st.st_ino or out.st_dev != st.st_dev or _read_fd(fd) != expected:
                    _exchange(temp, str(path))  # theirs back in place; ours goes
                    raise Changed(f"{path} was saved by something else while writing; kept theirs")
            else:
                now = os.stat(path, follow_symlinks=False)
                if now.st_ino != st.st_ino or _read_fd(fd) != expected:
                    raise Changed(f"{path} was saved by something else while writing; kept theirs")
                os.replace(temp, path)
                temp = ""
        finally:
            if temp:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        fsync_dir(path.parent)
        crash_point("env:write:replaced")
    finally:
        os.close(fd)


def _in_place(path: Path, st: os.stat_result, expected: bytes, new: bytes) -> None:
    """Write a hard-linked file through its inode, so every name sees the change."""
    fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if os.fstat(fd).st_ino != st.st_ino or _read_fd(fd) != expected:
            raise Changed(f"{path} changed since the check")
        crash_point("env:write:temp-written")
        os.pwrite(fd, new, 0)
        os.ftruncate(fd, len(new))
        os.fsync(fd)
    finally:
        os.close(fd)
    crash_point("env:write:replaced")


def _create(path: Path, new: bytes) -> None:
    temp = _temp_with(path, new, None)
    try:
        os.link(temp, path)  # fails if the name appeared since the check
    except FileExistsError:
        raise Changed(f"{path} was created by something else meanwhile; kept it") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    fsync_dir(path.parent)
    crash_point("env:write:replaced")
