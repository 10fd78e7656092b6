"""Fake probe results chosen from a playbook's own branch conditions, and a fake runner.

`plan_walk` walks a playbook with the pure walker, building for each check a result that
satisfies the branch a strategy picks (first satisfiable branch, or none: `otherwise`), so the
TUI tests can drive every shipped playbook — including ones written after these tests — to a
diagnosis without any real probe.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from troubleshooter.engine import walker
from troubleshooter.model.playbook import Condition, Playbook
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes.context import ProbeContext


def _set(facts: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        facts = facts.setdefault(part, {})
    facts[parts[-1]] = value


def satisfy(cond: Condition, status: list[str], facts: dict[str, Any]) -> bool:
    """Fill `status`/`facts` so `cond` holds for the current node; False when we cannot."""
    if cond.op == "all":
        return all(satisfy(c, status, facts) for c in cond.children)
    if cond.op == "any":
        return any(satisfy(c, status, facts) for c in cond.children[:1])
    if cond.op == "status" and not cond.of:
        status[:] = [cond.value[0]]
        return True
    if cond.op != "fact" or cond.of or not cond.subject:
        return False  # inputs, other nodes' facts and negations are not ours to choose
    value: Any
    if cond.test in ("equals", "ge", "le"):
        value = cond.value
    elif cond.test == "in":
        value = cond.value[0]
    elif cond.test == "exists":
        if not cond.value:
            return True
        value = "present"
    elif cond.test == "truthy":
        value = bool(cond.value)
    elif cond.test == "lt":
        value = cond.value - 1
    elif cond.test == "gt":
        value = cond.value + 1
    else:
        return False
    _set(facts, cond.subject, value)
    return True


def result_for(session: walker.Session, strategy: str) -> ProbeResult:
    """A result that leads to the strategy's branch (verified with the walker itself).

    first/last: the first (last) branch a result can satisfy; otherwise: a plain pass.
    """
    request = walker.pending(session)
    assert isinstance(request, walker.ProbeRequest)
    if strategy in ("first", "last"):
        branches = request.node.branches if strategy == "first" else tuple(reversed(request.node.branches))
        for branch in branches:
            status, facts = ["pass"], dict[str, Any]()
            if satisfy(branch.when, status, facts):
                result = ProbeResult(Status(status[0]), facts, f"fake result for {branch.next}")
                if walker.choose(session, result)[0] == branch.next:
                    return result
    return ProbeResult(Status.PASS, {}, "fake: nothing unusual")


@dataclass
class PlannedWalk:
    results: list[ProbeResult]
    answers: list[str]
    session: walker.Session  # the headless walk's end, for comparison


def plan_walk(playbook: Playbook, answers: Mapping[str, str], strategy: str) -> PlannedWalk:
    """The headless walk a strategy leads to; "midway" follows `otherwise` for half of the
    all-pass path, then takes the first branch it can satisfy (a problem deep in the tree)."""
    diverge_at = -1
    if strategy == "midway":
        diverge_at = len(plan_walk(playbook, answers, "otherwise").results) // 2
    session = walker.begin(playbook, answers)
    results: list[ProbeResult] = []
    given: list[str] = []
    for _ in range(len(playbook.nodes) + 1):
        request = walker.pending(session)
        if request is None:
            break
        if isinstance(request, walker.ProbeRequest):
            step_strategy = strategy
            if strategy == "midway":
                step_strategy = "first" if len(results) >= diverge_at else "otherwise"
            result = result_for(session, step_strategy)
            results.append(result)
            session = walker.advance(session, result, args=request.args)
        else:
            value = session.inputs.get(request.node.key) or request.default
            if not value:
                value = request.node.choices[0].value if request.node.choices else "anything"
            given.append(value)
            session = walker.answer(session, value)
    return PlannedWalk(results, given, session)


def required_answers(playbook: Playbook) -> dict[str, str]:
    return {k: f"example/{k}" for k, spec in playbook.inputs.items() if spec.required}


@dataclass
class FakeProbes:
    """A probe runner with run_probe's signature: scripted results, every call recorded.

    `script` is consumed in call order; `by_probe` answers by probe name; anything else is a
    plain pass. `gate`, when set, blocks every call until it is set (a hung probe).
    """

    script: list[ProbeResult] = field(default_factory=list)
    by_probe: dict[str, ProbeResult] = field(default_factory=dict)
    gate: threading.Event | None = None
    calls: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    contexts: list[ProbeContext] = field(default_factory=list)

    def __call__(
        self, name: str, ctx: ProbeContext, args: Mapping[str, object], timeout_s: float
    ) -> tuple[ProbeResult, float]:
        self.calls.append((name, dict(args), timeout_s))
        self.contexts.append(ctx)
        if self.gate is not None:
            self.gate.wait(30)
        if self.script:
            return self.script.pop(0), 0.01
        return self.by_probe.get(name, ProbeResult(Status.PASS, {}, f"{name}: fine")), 0.01
