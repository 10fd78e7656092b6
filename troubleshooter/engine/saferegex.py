"""Playbook regular expressions that cannot hang a walk.

Python's `re` backtracks: `^(a+)+$` against forty `a`s and a `b` runs for hours, and a thread
cannot stop it. Two guards, because neither alone is enough: the loader refuses patterns with
the shapes that backtrack exponentially (a quantifier inside a quantifier, or overlapping
alternatives under a quantifier), and `search` cuts the subject to MAX_SUBJECT characters and,
in the main thread, stops a match that runs past a time limit (treated as no match).
"""

from __future__ import annotations

import importlib
import re
import signal
import threading
from typing import Any

# Python 3.11+: the parser is private but stable; sre_parse is its deprecated alias.
sre_parse: Any = importlib.import_module("re._parser")

MAX_SUBJECT = 10_000
TIME_LIMIT_S = 0.5
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_ANY = "any"


class _TooSlow(Exception):
    pass


def _first(items: list[tuple[Any, Any]]) -> set[Any] | str:
    """The characters a sub-pattern can start with, or 'any' when that is not simple to say."""
    if not items:
        return _ANY
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return {arg}
    if name == "IN":
        out: set[Any] = set()
        for kind, value in arg:
            if str(kind) == "LITERAL":
                out.add(value)
            elif str(kind) == "RANGE" and value[1] - value[0] < 256:
                out.update(range(value[0], value[1] + 1))
            else:
                return _ANY
        return out
    if name == "SUBPATTERN":
        return _first(list(arg[-1]))
    return _ANY


def _problem(items: Any, in_repeat: bool) -> str | None:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            _low, high, body = arg
            repeats = high is sre_parse.MAXREPEAT or high > 1
            if repeats and in_repeat:
                return "a repeated group inside a repeated group (nested quantifiers backtrack exponentially)"
            found = _problem(body, in_repeat or repeats)
            if found:
                return found
            if repeats:
                found = _overlap(body)
                if found:
                    return found
        elif name == "SUBPATTERN":
            found = _problem(arg[-1], in_repeat)
            if found:
                return found
        elif name == "BRANCH":
            for alternative in arg[1]:
                found = _problem(alternative, in_repeat)
                if found:
                    return found
        elif name in ("ASSERT", "ASSERT_NOT"):
            found = _problem(arg[1], in_repeat)
            if found:
                return found
        elif name == "GROUPREF_EXISTS":
            for part in arg[1:]:
                if part is not None:
                    found = _problem(part, in_repeat)
                    if found:
                        return found
    return None


def _overlap(body: Any) -> str | None:
    """A repeated alternation whose alternatives can start alike: `(a|aa)+`, `(x|.)*`."""
    items = list(body)
    while len(items) == 1 and str(items[0][0]) == "SUBPATTERN":
        items = list(items[0][1][-1])
    for op, arg in items:
        if str(op) != "BRANCH":
            continue
        seen: set[Any] = set()
        for alternative in arg[1]:
            first = _first(list(alternative))
            if isinstance(first, str) or seen & first:
                return "a repeated alternation whose alternatives overlap (backtracks exponentially)"
            seen |= first
    return None


def unsafe_reason(pattern: str) -> str | None:
    """Why `pattern` may backtrack without bound, or None when it is safe to run."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"bad regular expression: {exc}"
    return _problem(parsed, False)


def _raise(*_: Any) -> None:
    raise _TooSlow


def search(pattern: str, subject: str) -> bool:
    """`re.search`, bounded: a long subject is cut and a slow match counts as no match."""
    text = subject[:MAX_SUBJECT]
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0  # someone else's alarm is pending: leave it alone
    ):
        return re.search(pattern, text) is not None
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    try:
        return re.search(pattern, text) is not None
    except _TooSlow:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
