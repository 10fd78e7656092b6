"""Evaluate and describe branch conditions: a closed set of predicates, no eval.

The same Condition objects are evaluated by the walker, checked by the linter and rendered
in words by the docs site and the TUI, so all three always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from troubleshooter.engine import saferegex
from troubleshooter.model.playbook import Condition

MISSING = object()


def lookup(facts: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path (`proxy.state`, `files.0.size`) through dicts and lists."""
    current: Any = facts
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return MISSING
    return current


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _test(test: str | None, actual: Any, expected: Any) -> bool:
    present = actual is not MISSING and actual is not None
    if test == "exists":
        return present == bool(expected)
    if test == "truthy":
        return (present and bool(actual)) == bool(expected)
    if not present and test != "not_equals":
        return False
    if test == "equals":
        return bool(actual == expected)
    if test == "not_equals":
        return not present or bool(actual != expected)
    if test == "in":
        return isinstance(expected, list | tuple) and actual in expected
    if test == "matches":
        return saferegex.search(str(expected), str(actual))
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        return False
    return {"lt": left < right, "le": left <= right, "gt": left > right, "ge": left >= right}.get(test or "", False)


def evaluate(
    cond: Condition,
    *,
    status: str | None,
    facts: Mapping[str, Any],
    inputs: Mapping[str, Any],
    step_status: Mapping[str, str],
    step_facts: Mapping[str, Mapping[str, Any]],
) -> bool:
    """True when `cond` holds for the current node's result and the walk so far."""
    if cond.op == "all":
        return all(
            evaluate(c, status=status, facts=facts, inputs=inputs, step_status=step_status, step_facts=step_facts)
            for c in cond.children
        )
    if cond.op == "any":
        return any(
            evaluate(c, status=status, facts=facts, inputs=inputs, step_status=step_status, step_facts=step_facts)
            for c in cond.children
        )
    if cond.op == "not":
        return not all(
            evaluate(c, status=status, facts=facts, inputs=inputs, step_status=step_status, step_facts=step_facts)
            for c in cond.children
        )
    if cond.op == "status":
        actual = step_status.get(cond.of) if cond.of else status
        return actual in (cond.value or ())
    if cond.op == "fact":
        source = step_facts.get(cond.of, {}) if cond.of else facts
        return _test(cond.test, lookup(source, cond.subject or ""), cond.value)
    if cond.op == "input":
        value = inputs.get(cond.subject or "", MISSING)
        if value == "":
            value = MISSING
        return _test(cond.test, value, cond.value)
    return False


_TEST_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "in": "is one of",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "matches": "matches",
}
_TEST_WORDS_ZH = {
    "equals": "等于",
    "not_equals": "不等于",
    "in": "属于",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "matches": "匹配",
}


def describe(cond: Condition, lang: str = "en") -> str:
    """The condition in words, for docs and the TUI's "why this branch" line."""
    zh = lang == "zh"
    if cond.op in ("all", "any"):
        joiner = (" 且 " if cond.op == "all" else " 或 ") if zh else (" and " if cond.op == "all" else " or ")
        return "(" + joiner.join(describe(c, lang) for c in cond.children) + ")"
    if cond.op == "not":
        inner = describe(cond.children[0], lang) if cond.children else "?"
        return f"非 {inner}" if zh else f"not {inner}"
    if cond.op == "status":
        values = " / ".join(cond.value or ())
        where = f" ({cond.of})" if cond.of else ""
        return f"状态{where}为 {values}" if zh else f"status{where} is {values}"
    subject = f"{cond.of}.{cond.subject}" if cond.of else str(cond.subject)
    label = ("输入 " if zh else "input ") + subject if cond.op == "input" else subject
    if cond.test == "exists":
        if zh:
            return f"{label} {'存在' if cond.value else '不存在'}"
        return f"{label} {'is set' if cond.value else 'is not set'}"
    if cond.test == "truthy":
        if zh:
            return f"{label} {'为真' if cond.value else '为假'}"
        return f"{label} {'is true' if cond.value else 'is false'}"
    words = (_TEST_WORDS_ZH if zh else _TEST_WORDS).get(cond.test or "", cond.test or "")
    value = ", ".join(map(str, cond.value)) if isinstance(cond.value, list) else str(cond.value)
    return f"{label} {words} {value}"
