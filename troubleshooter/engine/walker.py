"""The pure walker: (session, result) -> session. No I/O, no clocks, no probes.

The TUI and the headless runner both drive these functions, so they can never disagree
about which branch a result leads to. Sessions are immutable; `back` is just popping a step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from troubleshooter.engine.conditions import MISSING, evaluate, lookup
from troubleshooter.model.playbook import Branch, CheckNode, DiagnosisNode, Playbook, QuestionNode, Verdict
from troubleshooter.model.result import ProbeResult, Status, Step

REF = re.compile(r"\$\{([A-Za-z0-9_.-]+)\}")  # any case: `${legacy.legacy.TRANSFORMERS_CACHE}`


@dataclass(frozen=True)
class ProbeRequest:
    """The walk is waiting for this probe to run at this node."""

    node: CheckNode
    probe: str
    args: dict[str, Any]


@dataclass(frozen=True)
class QuestionRequest:
    """The walk is waiting for an answer to this question."""

    node: QuestionNode
    default: str | None


@dataclass(frozen=True)
class Session:
    playbook: Playbook
    inputs: Mapping[str, str | None]
    steps: tuple[Step, ...] = ()
    current: str | None = None
    outcome: str | None = None  # diagnosis node id
    verdict: str | None = None  # a Verdict (the runner may still hand over its plain word)
    missing: str | None = None  # input key a needs-input walk waits for
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def done(self) -> bool:
        return self.verdict is not None

    @property
    def diagnosis(self) -> DiagnosisNode | None:
        node = self.playbook.nodes.get(self.outcome or "")
        return node if isinstance(node, DiagnosisNode) else None

    def step_facts(self) -> dict[str, Mapping[str, Any]]:
        return {s.node: (s.result.facts if s.result else {}) for s in self.steps}

    def step_status(self) -> dict[str, str]:
        return {s.node: (s.result.status.value if s.result else "pass") for s in self.steps}


def _substitute(value: Any, inputs: Mapping[str, Any], facts: Mapping[str, Mapping[str, Any]]) -> Any:
    """Replace `${key}` (an input) or `${node.fact}` references; never evaluates anything."""
    if isinstance(value, dict):
        return {k: _substitute(v, inputs, facts) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, inputs, facts) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def resolve(name: str) -> Any:
        if name in inputs:
            return inputs[name]
        node, _, path = name.partition(".")
        if node in facts and path:
            found = lookup(facts[node], path)
            return None if found is MISSING else found
        return None

    whole = REF.fullmatch(value)
    if whole:
        return resolve(whole.group(1))
    return REF.sub(lambda m: "" if resolve(m.group(1)) is None else str(resolve(m.group(1))), value)


HUB_URL = re.compile(
    r"^(?:https?://)?[^/\s]+/(?:(?P<kind>spaces|datasets|models)/)?(?P<repo>[\w.-]+/[\w.-]+)"
    r"(?:/(?:tree|blob|resolve|discussions|settings|logs)\b.*)?/?$"
)


def fill_known(text: str, session: Session, unknown: str | None = None) -> str:
    """`text` with its `${...}` references filled from this walk.

    Commands and steps shown to people carry the values the walk already has (`--index-url
    https://…/cu118`, the Space id). A reference the walk cannot fill makes a command stay as
    written (never a line with an empty hole); in prose (`unknown` given) it reads `unknown`.
    """
    if "${" not in text:
        return text
    facts = session.step_facts()

    def value_of(name: str) -> str | None:
        value = _substitute("${" + name + "}", session.inputs, facts)
        if value is None or value == "" or isinstance(value, dict | list):
            return None
        return str(value)

    values = {name: value_of(name) for name in REF.findall(text)}
    if unknown is None and any(v is None for v in values.values()):
        return text
    return REF.sub(lambda m: values.get(m.group(1)) or str(unknown), text)


def parse_repo_ref(value: str) -> tuple[str, str | None]:
    """(`owner/name`, repo type named by the URL or None) from what people paste: an id or a page URL."""
    text = value.strip()
    if "://" not in text and not text.startswith(("huggingface.co/", "hf.co/")):
        return text, None
    match = HUB_URL.match(text)
    if not match:
        return text, None
    kind = match.group("kind")
    return match.group("repo"), kind[:-1] if kind in ("datasets", "spaces") else None


def repo_id_of(value: str) -> str:
    """`owner/name` from a repo id or its Hub page URL (any endpoint)."""
    return parse_repo_ref(value)[0]


def resolve_inputs(playbook: Playbook, answers: Mapping[str, str]) -> dict[str, str | None]:
    """Answers override defaults; defaults may refer to other inputs (`${drive_root}/MyDrive`)."""
    values: dict[str, str | None] = {k: spec.default for k, spec in playbook.inputs.items()}
    values.update(answers)
    for key, spec in playbook.inputs.items():
        if spec.kind == "repo-id" and values.get(key):
            values[key], kind = parse_repo_ref(str(values[key]))
            if kind and "repo_type" in playbook.inputs and "repo_type" not in answers:
                values["repo_type"] = kind  # a dataset's page URL says it is a dataset
    for _ in range(3):  # defaults referring to defaults, a few levels deep
        values = {k: (_substitute(v, values, {}) if isinstance(v, str) else v) for k, v in values.items()}
    return values


def begin(playbook: Playbook, answers: Mapping[str, str]) -> Session:
    """A new walk at the start node (or needs-input when a required input is missing)."""
    inputs = resolve_inputs(playbook, answers)
    for key, spec in playbook.inputs.items():
        if spec.required and not inputs.get(key):
            return Session(playbook, inputs, verdict=Verdict.NEEDS_INPUT, missing=key)
    return _land(Session(playbook, inputs), playbook.start)


def _land(session: Session, node_id: str) -> Session:
    node = session.playbook.nodes.get(node_id)
    if node is None:
        return replace(
            session, current=None, verdict=Verdict.INCONCLUSIVE, notes=(*session.notes, f"unknown node {node_id}")
        )
    if isinstance(node, DiagnosisNode):
        return replace(session, current=None, outcome=node_id, verdict=node.verdict)
    return replace(session, current=node_id)


def pending(session: Session) -> ProbeRequest | QuestionRequest | None:
    """What the walk needs next, or None when it is finished."""
    if session.done or session.current is None:
        return None
    node = session.playbook.nodes[session.current]
    if isinstance(node, CheckNode):
        args = _substitute(dict(node.args), session.inputs, session.step_facts())
        return ProbeRequest(node, node.probe, args)
    if isinstance(node, QuestionNode):
        return QuestionRequest(node, node.default)
    return None


def choose(session: Session, result: ProbeResult | None, answer: str | None = None) -> tuple[str | None, Branch | None]:
    """The branch the current node's result leads to (first match wins, then `otherwise`)."""
    node = session.playbook.nodes[session.current or ""]
    assert isinstance(node, CheckNode | QuestionNode)
    inputs = dict(session.inputs)
    facts: Mapping[str, Any] = result.facts if result else {}
    status = result.status.value if result else Status.PASS.value
    if isinstance(node, QuestionNode):
        inputs[node.key] = answer
        facts = {node.key: answer, "answer": answer}
    for branch in node.branches:
        if evaluate(
            branch.when,
            status=status,
            facts=facts,
            inputs=inputs,
            step_status=session.step_status(),
            step_facts=session.step_facts(),
        ):
            return branch.next, branch
    return node.otherwise, None


def advance(
    session: Session,
    result: ProbeResult,
    *,
    duration_s: float = 0.0,
    source: str = "live",
    override: str | None = None,
    args: Mapping[str, Any] | None = None,
) -> Session:
    """Record the current check's result and move along its branch (or the user's override)."""
    node = session.playbook.nodes[session.current or ""]
    assert isinstance(node, CheckNode)
    recommended, _ = choose(session, result)
    target = override or recommended
    step = Step(
        node=node.id,
        kind="check",
        probe=node.probe,
        args=dict(args or {}),
        result=result,
        duration_s=duration_s,
        next=target,
        recommended=recommended if override else None,
        overridden=bool(override and override != recommended),
        source=source,
    )
    inputs = dict(session.inputs)
    inferred = result.facts.get("inferred")
    if isinstance(inferred, Mapping):
        for key, value in inferred.items():
            if key in session.playbook.inputs and not inputs.get(key) and value:
                inputs[key] = str(value)
    moved = replace(session, steps=(*session.steps, step), inputs=inputs)
    if target is None:
        return replace(
            moved, current=None, verdict=Verdict.INCONCLUSIVE, notes=(*session.notes, f"no branch of {node.id} matched")
        )
    return _land(moved, target)


def answer(session: Session, value: str, *, source: str = "answer", override: str | None = None) -> Session:
    """Record an answer to the current question and follow the matching branch."""
    node = session.playbook.nodes[session.current or ""]
    assert isinstance(node, QuestionNode)
    recommended, _ = choose(session, None, value)
    target = override or recommended
    step = Step(
        node=node.id,
        kind="question",
        answer=value,
        next=target,
        source=source,
        result=ProbeResult(Status.PASS, {node.key: value}, f"{node.key} = {value}"),
        recommended=recommended if override else None,
        overridden=bool(override and override != recommended),
    )
    inputs = {**session.inputs, node.key: value}
    moved = replace(session, steps=(*session.steps, step), inputs=inputs)
    if target is None:
        return replace(
            moved, current=None, verdict=Verdict.INCONCLUSIVE, notes=(*session.notes, f"no branch of {node.id} matched")
        )
    return _land(moved, target)


def needs_input(session: Session, key: str) -> Session:
    """Stop the walk: a question has no answer and no default (never block on stdin)."""
    return replace(session, verdict=Verdict.NEEDS_INPUT, missing=key)


def back(session: Session) -> Session:
    """Undo the last step: the walk returns to that node with the result forgotten."""
    if not session.steps:
        return session
    last = session.steps[-1]
    inputs = dict(session.inputs)
    node = session.playbook.nodes.get(last.node)
    if isinstance(node, QuestionNode):
        inputs.pop(node.key, None)
    return replace(
        session, steps=session.steps[:-1], current=last.node, outcome=None, verdict=None, missing=None, inputs=inputs
    )
