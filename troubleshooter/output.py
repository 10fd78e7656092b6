"""Getting results out whatever the terminal, pipe or disk does: one place for stdout and files.

The promises: stdout carries one valid document in any locale (ASCII or Latin-1 terminals get
JSON's own `\\uXXXX` escapes and text with `\\x` escapes instead of a UnicodeEncodeError);
a reader that closes the pipe early (`| head`) is not a crash; and a report file is written
to a temporary name and renamed, so it is either complete or absent, never 0 bytes or half.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from troubleshooter.jsonsafe import dumps

_closed = False  # set once stdout's reader went away; later writes are dropped


def configure_streams() -> None:
    """Never fail on a character the output encoding lacks: escape it instead."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


def _can_encode(text: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def json_document(data: Any) -> str:
    """Strict JSON for stdout: non-ASCII kept when the stream can carry it, else escaped."""
    text = dumps(data)
    return text if _can_encode(text) else dumps(data, ascii_only=True)


def stdout_closed() -> bool:
    return _closed


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    global _closed
    _closed = True
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def emit(text: str) -> bool:
    """Write to stdout and flush; False when the reader has gone (EPIPE), which is not a bug."""
    if _closed:
        return False
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        return True
    except BrokenPipeError:
        _drop_stdout()
        return False
    except OSError:
        _drop_stdout()
        return False


def error_document(kind: str, message: str) -> str:
    """The contract's error object, for `--json` runs that end without a report."""
    return json_document({"schema_version": 1, "error": {"kind": kind, "message": message}}) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` completely or not at all, within the file-system deadline."""
    from troubleshooter.boundedio import within_deadline

    within_deadline(lambda: _write_atomic(path, text), path)


def _write_atomic(path: Path, text: str) -> None:
    """Temporary file in the same folder, then rename: a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
