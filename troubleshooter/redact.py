"""Secret scrubbing, applied when a fact or an evidence string is created.

Three layers, because any one alone leaks: values of variables whose *names* look secret
(`*TOKEN*`, `*SECRET*`, `*KEY*`, `*PASSWORD*`, `Authorization`), strings whose *shape* is a
credential (`hf_…` tokens, `Bearer …` headers, `user:pass@` in URLs), and the exact values of
secrets the process has seen (registered by the probes that read them), even inside a longer
message such as an exception text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|PASSWD|AUTHORIZATION|CREDENTIAL|COOKIE", re.I)
# Fact keys that describe a secret without holding it (presence, origin, role, paths).
_SAFE_SUFFIXES = (
    "_present",
    "_source",
    "_sources",
    "_path",
    "_kind",
    "_role",
    "_state",
    "_set",
    "_length",
    "_status",
    "_found",
    "_valid",
    "_file",
    "_type",
    "_names",
    "_count",
)
_SHAPES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}"), REDACTED),  # tokens are hf_ + 34; hf_transfer is not one
    (re.compile(r"\bapi_org_[A-Za-z0-9]{8,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"), r"\g<1>" + REDACTED),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?!<redacted>)[^'\",}\s]+"), r"\g<1>" + REDACTED),
    (re.compile(r"(?i)(://[^/\s:@]+:)[^@/\s]+(@)"), r"\g<1>" + REDACTED + r"\g<2>"),
]

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is scrubbed wherever it later appears."""
    if value and len(value.strip()) >= 6:
        with _lock:
            _known.add(value.strip())


def is_secret_name(name: str) -> bool:
    """True for variable or field names whose values must never be shown."""
    return bool(_SECRET_NAME.search(name)) and not name.lower().endswith(_SAFE_SUFFIXES)


def scrub(text: str) -> str:
    """Remove every known secret and every credential-shaped substring from `text`."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """Redact one fact: by its key's name first, then by content, recursively."""
    if is_secret_name(key) and isinstance(value, str) and value:
        return REDACTED
    return redact_data(value)


def redact_data(value: Any) -> Any:
    """Return a copy of JSON-like data with secrets removed at every depth."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of an environment mapping with secret-named values replaced."""
    return {k: (REDACTED if is_secret_name(k) and v else scrub(v)) for k, v in env.items()}
