"""Reading a file the user named without hanging or swallowing the disk.

A FIFO named `x.yaml` blocks `open()` forever; `/dev/zero` named as `--facts` grows until
memory runs out. Every file the tool reads on a user's say-so goes through `read_bounded`:
opened non-blocking, accepted only when it is a regular file, and read to at most `limit`
bytes, with a message a person can act on otherwise.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")


class BoundedReadError(OSError):
    """A file that is not a regular file, too large, or unreadable; `reason` says which."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))
        self.reason = reason


FS_DEADLINE_S = 10.0  # a user-named file on a hung mount (NFS, sshfs, a frozen FUSE daemon) costs this much


def start_worker(func: Callable[[], Any], name: str) -> tuple[threading.Thread, dict[str, Any]]:
    """Start `func` in a daemon thread; its value or exception lands in the returned box.

    A call blocked in the kernel (a hung mount) cannot be interrupted, only abandoned: every
    bounded call of the tool (file reads, probes' filesystem steps, fix steps) waits on one of these.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread, box


def within_deadline(func: Callable[[], T], path: str | Path, seconds: float = FS_DEADLINE_S) -> T:
    """`func()` in a daemon thread; a file system that does not answer in `seconds` is an error.

    An open() or write() on a hung mount blocks in the kernel and cannot be interrupted, so the
    call is abandoned (the process exits past it) and the caller gets a clear error instead.
    """
    thread, box = start_worker(func, f"fs:{path}")
    thread.join(seconds)
    if thread.is_alive():
        raise BoundedReadError(path, f"the file system did not answer within {seconds:g} s (a hung mount?)")
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or a BoundedReadError (within a deadline)."""
    return within_deadline(lambda: _read_bounded(path, limit), path)


def _read_bounded(path: str | Path, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise BoundedReadError(path, "file not found") from None
    except OSError as exc:
        raise BoundedReadError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or a device?)"
            raise BoundedReadError(path, f"{kind}; expected a file")
        if info.st_size > limit:
            raise BoundedReadError(path, f"larger than {limit} bytes")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise BoundedReadError(path, f"larger than {limit} bytes")
        return b"".join(chunks)
    except BoundedReadError:
        raise
    except OSError as exc:
        raise BoundedReadError(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text_bounded(path: str | Path, limit: int) -> str:
    """UTF-8 text of a bounded regular file; undecodable bytes are an error the caller reports."""
    return read_bounded(path, limit).decode("utf-8")
