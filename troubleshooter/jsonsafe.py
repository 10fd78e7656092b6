"""Make data strictly JSON-serialisable, once, before it is printed or written.

`json.dumps` happily prints `NaN` and `Infinity` (not JSON: `jq` and browsers refuse them),
and a file name that is not UTF-8 reaches Python as a lone surrogate (`\\udcff`) that cannot be
encoded at all. Every output goes through `dumps`, which turns such values into plain ones:
non-finite numbers become null, undecodable bytes become visible `\\xff` escapes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 200


def clean_text(text: str) -> str:
    """A string with OS bytes that are not UTF-8 (surrogate escapes) shown as `\\xNN`."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else None
        if raw is not None:
            return raw.decode("utf-8", "backslashreplace")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _only_escapes(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


def clean(value: Any, depth: int = 0) -> Any:
    """A copy of `value` that `json.dumps(..., allow_nan=False)` always accepts."""
    if depth > MAX_DEPTH:
        return "<nested too deep>"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [clean(v, depth + 1) for v in value]
    return clean_text(str(value))


def dumps(value: Any, *, indent: int | None = 2, ascii_only: bool = False, sort_keys: bool = False) -> str:
    """The one serialiser: strict JSON text of already-redacted data."""
    return json.dumps(clean(value), indent=indent, ensure_ascii=ascii_only, allow_nan=False, sort_keys=sort_keys)
