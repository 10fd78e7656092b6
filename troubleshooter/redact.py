"""Secret scrubbing, applied once, when a value enters the tool (a fact, an evidence line, an answer).

Three layers, because any one alone leaks: values of variables whose *names* look secret
(`*TOKEN*`, `*SECRET*`, `*KEY*`, `*PASSWORD*`, `Authorization`), strings whose *shape* is a
credential (`hf_…` and `hf_oauth_…` tokens, `Bearer …`, URL userinfo of any form, secret
query parameters, `NAME_TOKEN=value` assignments, `--hub_token value` flags), and the exact
values of secrets the process has seen, even inside a longer message such as an exception.

Scrubbing happens on *data*, never on serialised output: a regex run over JSON text can eat a
quote and break the document. And text is scrubbed *before* it is cut (`clip`), so a cut can
never leave the head of a token that no longer matches its shape. Exact values are only
remembered when they look like a secret, so a token that happens to be `verdict` cannot erase
every `verdict` key of a report.
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
# Words that say something about a secret without being one (`token=None`, `HF_TOKEN=set`).
_PLACEHOLDERS = {"", "none", "null", "true", "false", "set", "unset", "empty", "yes", "no", "redacted", "***"}
_SECRET_WORD = r"(?:token|secret|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)"
_VALUE = r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s'",;&}\])]+)"""


def _keep_placeholder(prefix: str, value: str, min_len: int = 0) -> str:
    bare = value.strip("'\"")
    if len(bare) < min_len or bare.lower() in _PLACEHOLDERS or REDACTED in bare:
        return prefix + value
    quote = value[0] if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1 else ""
    return f"{prefix}{quote}{REDACTED}{quote}"


def _sub_value(match: re.Match[str]) -> str:
    return _keep_placeholder(match.group(1), match.group(2))


def _sub_assigned(match: re.Match[str]) -> str:
    """`NAME_TOKEN=1` or `token=None` says nothing secret; six characters and more may be one."""
    return _keep_placeholder(match.group(1), match.group(2), min_len=6)


_SHAPES: list[tuple[re.Pattern[str], Any]] = [
    # Hub tokens (user, OAuth, org API) anywhere, even glued to other text; hf_transfer is not one.
    (re.compile(r"hf_(?:oauth_)?[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"api_org_[A-Za-z0-9]{8,}"), REDACTED),
    # URL userinfo of every form: user:pass@, KEY@, KEY:@ (greedy up to the authority's last @).
    (re.compile(r"(?i)([a-z][a-z0-9+.-]{0,20}://)[^/\s?#'\"<>]*@"), None),
    # Secret-looking query parameters: ?token=, &access_token=, sig=, X-Amz-Signature=, api_key=...
    (
        re.compile(
            r"(?i)([?&;](?:[a-z0-9_.-]*(?:token|secret|passw|pwd|sig|signature|key|auth|credential|session|code)"
            r"[a-z0-9_.-]*)=)([^&#\s'\"<>]+)"
        ),
        _sub_value,
    ),
    # Authorization headers in any quoting: `Authorization: Bearer x`, authorization="x", {'authorization': 'x'}.
    (
        re.compile(
            r"""(?i)(authorization['"]?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|(?:(?:bearer|basic|token|digest)\s+)?[^\s'",;}]+)"""
        ),
        _sub_value,
    ),
    (re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]{6,})"), _sub_value),
    # Environment-style assignments: HF_TOKEN=..., AWS_SECRET_ACCESS_KEY: ..., "hub_token": "...".
    (
        re.compile(
            r"""(?<![A-Za-z0-9])([A-Z0-9_]*(?:TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIALS?)[A-Z0-9_]*['"]?\s*[=:]\s*)"""
            + f"({_VALUE})"
        ),
        _sub_assigned,
    ),
    (
        re.compile(
            rf"""(?i)(?<![a-z0-9])([a-z0-9_-]*{_SECRET_WORD}[a-z0-9_-]*(?:\s*=|['"]\s*:)\s*)({_VALUE})""",
        ),
        _sub_assigned,
    ),
    # Command-line flags: --hub_token VALUE, --api-key=VALUE, --password VALUE.
    (re.compile(rf"(?i)(--[a-z0-9_-]*(?:{_SECRET_WORD}|key)[a-z0-9_-]*(?:=|\s+))({_VALUE})"), _sub_assigned),
]

_known: set[str] = set()
_lock = threading.Lock()


def looks_secret(value: str) -> bool:
    """True when a value could be a credential: a token shape, or long and mixed enough.

    Plain words (`verdict`, `status`, `inconclusive`) are never remembered as secrets, because
    replacing every occurrence of a common word would damage the output more than it protects.
    """
    value = value.strip()
    if len(value) < 8 or value.lower() in _PLACEHOLDERS:
        return False
    if re.fullmatch(r"(?:hf_|api_org_)\S+", value):
        return True
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if len(value) >= 16 and not re.fullmatch(r"[a-z]+(?:[ _-][a-z]+)*", value):
        return True
    return has_digit and has_alpha and len(value) >= 10


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is scrubbed wherever it later appears (if it looks like one)."""
    if value and looks_secret(value):
        with _lock:
            _known.add(value.strip())


def register_env(env: Mapping[str, str]) -> None:
    """Remember the values of secret-named variables (HF_TOKEN, WANDB_API_KEY, …) of an environment."""
    for name, value in env.items():
        if is_secret_name(name) and value:
            register_secret(value)


def is_secret_name(name: str) -> bool:
    """True for variable or field names whose values must never be shown."""
    return bool(_SECRET_NAME.search(name)) and not name.lower().endswith(_SAFE_SUFFIXES)


def _userinfo(match: re.Match[str]) -> str:
    return f"{match.group(1)}{REDACTED}@"


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
        text = pattern.sub(_userinfo if replacement is None else replacement, text)
    return text


def clip(text: object, limit: int) -> str:
    """Scrub, then cut to `limit` characters: the only safe order (a cut token no longer matches)."""
    clean = scrub(str(text))
    return clean if len(clean) <= limit else clean[: max(0, limit - 1)] + "…"


def redact_value(key: str, value: Any) -> Any:
    """Redact one fact: by its key's name first, then by content, recursively."""
    if is_secret_name(key) and isinstance(value, str) and value:
        return REDACTED
    return redact_data(value)


def redact_data(value: Any) -> Any:
    """Return a copy of JSON-like data with secrets removed at every depth (keys included)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {scrub(str(k)): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of an environment mapping with secret-named values replaced."""
    return {k: (REDACTED if is_secret_name(k) and v else scrub(v)) for k, v in env.items()}
