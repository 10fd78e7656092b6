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
from pathlib import Path


class BoundedReadError(OSError):
    """A file that is not a regular file, too large, or unreadable; `reason` says which."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))
        self.reason = reason


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or a BoundedReadError."""
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
