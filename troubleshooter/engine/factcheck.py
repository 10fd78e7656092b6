"""Lint that knows the probes: fact names, allowed values and `${...}` references.

Probes declare their facts in `@probe(facts={...})`; a description that is a list of words
separated by ` | ` (`"ok | refused | dns"`, optionally with a `label:` before it, a `: note`
after it, or a `(note)` on one value) also declares the fact's closed set of values. A list
with `…` or a `<placeholder>` in it stays open. Rules TS101-TS104 (see engine.rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from troubleshooter import probes
from troubleshooter.engine.walker import REF
from troubleshooter.errors import PlaybookError, SourceRef
from troubleshooter.model.playbook import CheckNode, Condition, Node, Playbook, QuestionNode

# Facts the runner itself sets when a probe times out or raises (any probe may carry them).
RUNNER_FACTS = frozenset({"probe", "deadline_s", "exception", "message", "inferred"})
_VALUE = re.compile(r"^[A-Za-z0-9_.:~/+-]+$")
Declared = dict[str, frozenset[str] | None]  # fact -> allowed values (None: any)


def values_of(description: str) -> frozenset[str] | None:
    """The closed value set a fact description declares, or None when it declares none."""
    if "|" not in description or "…" in description or "..." in description or "<" in description:
        return None
    parts = [p.strip() for p in description.split("|")]
    if ": " in parts[0]:
        parts[0] = parts[0].rsplit(": ", 1)[1]
    if ": " in parts[-1]:
        parts[-1] = parts[-1].split(": ", 1)[0]
    values = [re.sub(r"\s*\([^)]*\)$", "", p).strip() for p in parts]
    return frozenset(values) if all(_VALUE.match(v) for v in values) else None


def declared_facts(node: Node | None) -> Declared | None:
    """What a node's result may contain; None when unknown (an unregistered probe, no declaration)."""
    if isinstance(node, QuestionNode):
        choices = frozenset(c.value for c in node.choices) or None
        return {node.key: choices, "answer": choices}
    if isinstance(node, CheckNode):
        spec = probes.registry().get(node.probe)
        if spec is None or not spec.facts:
            return None
        return {name: values_of(text) for name, text in spec.facts.items()}
    return None


def _walk(cond: Condition) -> Iterable[Condition]:
    yield cond
    for child in cond.children:
        yield from _walk(child)


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _condition_errors(pb: Playbook, node: Node, cond: Condition, keys: set[str]) -> list[PlaybookError]:
    where = cond.ref or node.ref
    if cond.op == "input" and cond.subject and cond.subject not in keys:
        return [
            PlaybookError(
                where, f"condition reads input {cond.subject!r}, which no input or question sets", code="TS104"
            )
        ]
    if cond.op != "fact" or not cond.subject:
        return []
    owner = pb.nodes.get(cond.of) if cond.of else node
    facts = declared_facts(owner)
    if facts is None or owner is None:
        return []
    head = cond.subject.split(".", 1)[0]
    what = f"probe {owner.probe!r}" if isinstance(owner, CheckNode) else f"question {owner.id!r}"
    if head not in facts and head not in RUNNER_FACTS:
        known = ", ".join(sorted(facts))
        return [PlaybookError(where, f"unknown fact {cond.subject!r}: {what} returns {known}", code="TS101")]
    allowed = facts.get(head)
    if allowed is None or cond.subject != head or cond.test not in ("equals", "not_equals", "in"):
        return []
    given = cond.value if isinstance(cond.value, list | tuple) else [cond.value]
    return [
        PlaybookError(
            where,
            f"value {_plain(v)!r} is not one {what} returns for {head!r} ({' | '.join(sorted(allowed))})",
            code="TS102",
        )
        for v in given
        if v is not None and _plain(v) not in allowed
    ]


def answer_keys(pb: Playbook) -> set[str]:
    """Everything `${key}` and `{input: key}` may name: inputs and question keys."""
    return set(pb.inputs) | {n.key for n in pb.nodes.values() if isinstance(n, QuestionNode)}


def fact_errors(pb: Playbook) -> list[PlaybookError]:
    """TS101, TS102 and TS104 over every branch condition of the playbook."""
    keys = answer_keys(pb)
    errors: list[PlaybookError] = []
    for node in pb.nodes.values():
        if isinstance(node, CheckNode | QuestionNode):
            for branch in node.branches:
                for cond in _walk(branch.when):
                    errors.extend(_condition_errors(pb, node, cond, keys))
    return errors


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def reference_errors(pb: Playbook, where: SourceRef, value: object) -> list[PlaybookError]:
    """TS103: every `${...}` in `value` must resolve: an input, a question key or NODE.FACT."""
    keys = answer_keys(pb)
    errors: list[PlaybookError] = []
    for text in _strings(value):
        for name in REF.findall(text):
            if not _resolves(pb, name, keys):
                message = f"reference ${{{name}}} names no input and no check node's fact"
                errors.append(PlaybookError(where, message, code="TS103"))
        if "${" in REF.sub("", text):  # `${broken ref}`, `${}` or an unclosed `${`
            message = f"malformed reference in {text!r} (write ${{input}} or ${{node.fact}})"
            errors.append(PlaybookError(where, message, code="TS103"))
    return errors


def _resolves(pb: Playbook, name: str, keys: set[str]) -> bool:
    if name in keys:
        return True
    node_id, _, path = name.partition(".")
    node = pb.nodes.get(node_id)
    if not path or not isinstance(node, CheckNode):
        return False
    facts = declared_facts(node)
    return facts is None or path.split(".", 1)[0] in facts or path.split(".", 1)[0] in RUNNER_FACTS
