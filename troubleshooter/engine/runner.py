"""Run probes with real deadlines and drive the walker to an outcome.

A thread blocked in a socket read or in a stat() on a hung FUSE mount cannot be cancelled,
so each probe runs in a daemon thread that the walk abandons at its deadline: the step gets
status `timeout` and names the probe. The process records abandoned probes so the CLI can
exit without waiting for them. An exception inside a probe becomes status `error`.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from troubleshooter import probes
from troubleshooter.engine import walker
from troubleshooter.model.playbook import Playbook
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import clip

GRACE_S = 0.25
ABANDONED: list[str] = []  # probes still running in abandoned threads (the CLI exits past them)
_ABANDONED_LOCK = threading.Lock()

Progress = Callable[[str], None]


@dataclass
class RunOptions:
    """How a walk gets its probe results: live, injected (`--facts`) or replayed."""

    timeout_s: float = 5.0
    injected: Mapping[str, ProbeResult] = field(default_factory=dict)  # by node id or probe name
    replay: bool = False  # True: never run live probes
    progress: Progress | None = None


def run_probe(name: str, ctx: ProbeContext, args: Mapping[str, object], timeout_s: float) -> tuple[ProbeResult, float]:
    """Run one registered probe in a daemon thread, bounded by `timeout_s`."""
    spec = probes.get(name)
    if spec is None:
        return ProbeResult(Status.ERROR, {"probe": name}, f"unknown probe {name}"), 0.0
    if spec.deadline_s is not None:
        timeout_s = min(timeout_s, spec.deadline_s)
    if ctx.agent is not None and spec.side == "target":
        result, duration = ctx.agent.call(name, args, timeout_s, inputs=ctx.inputs, memo=ctx.memo)
        return result, duration
    probe_ctx = ctx.for_probe()
    probe_ctx.timeout_s = timeout_s
    box: dict[str, ProbeResult] = {}

    def target() -> None:
        try:
            box["result"] = probes.call(spec, probe_ctx, dict(args))
        except Exception as exc:  # a bug or an unexpected library error: a verdict, not a crash
            tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            box["result"] = ProbeResult(
                Status.ERROR,
                {"exception": type(exc).__name__, "message": clip(exc, 500)},
                f"probe {name} raised {clip(tail, 300)}",
            )

    start = ctx.clock()
    thread = threading.Thread(target=target, name=f"probe:{name}", daemon=True)
    thread.start()
    thread.join(timeout_s + GRACE_S)
    duration = ctx.clock() - start
    if thread.is_alive():
        with _ABANDONED_LOCK:
            ABANDONED.append(name)
        return ProbeResult(
            Status.TIMEOUT,
            {"probe": name, "deadline_s": timeout_s},
            f"probe {name} did not finish within its {timeout_s:g} s deadline",
        ), duration
    result = box.get("result") or ProbeResult(Status.ERROR, {}, f"probe {name} returned nothing")
    if not isinstance(result, ProbeResult):
        result = ProbeResult(Status.ERROR, {}, f"probe {name} returned {type(result).__name__}, not a ProbeResult")
    return result, duration


def step(session: walker.Session, ctx: ProbeContext, options: RunOptions) -> walker.Session:
    """Advance the walk by one node: run (or look up) a probe, or answer a question."""
    request = walker.pending(session)
    if request is None:
        return session
    if isinstance(request, walker.QuestionRequest):
        key = request.node.key
        given = session.inputs.get(key)
        if given not in (None, ""):
            return walker.answer(session, str(given), source="answer")
        if request.default is not None:
            return walker.answer(session, request.default, source="default")
        return walker.needs_input(session, key)
    node, name = request.node, request.probe
    injected = options.injected.get(node.id) or options.injected.get(name)
    if injected is not None:
        return walker.advance(session, injected, source="replay" if options.replay else "injected", args=request.args)
    if options.replay:
        missing = ProbeResult(Status.UNKNOWN, {}, f"no recorded result for {node.id} ({name}) in the replayed report")
        return walker.advance(session, missing, source="replay", args=request.args)
    if options.progress:
        options.progress(f"[{node.id}] {name} …")
    ctx.inputs = {k: v for k, v in session.inputs.items() if v is not None}
    result, duration = run_probe(name, ctx, request.args, options.timeout_s)
    if options.progress:
        options.progress(f"[{node.id}] {name}: {result.status.value} ({duration:.2f} s) {result.evidence}")
    return walker.advance(session, result, duration_s=duration, args=request.args)


def walk(playbook: Playbook, answers: Mapping[str, str], ctx: ProbeContext, options: RunOptions) -> walker.Session:
    """Walk a playbook to its end. Bounded: at most one visit per node (lint forbids cycles)."""
    session = walker.begin(playbook, answers)
    for _ in range(len(playbook.nodes) + 1):
        if session.done:
            return session
        session = step(session, ctx, options)
    if not session.done:
        session = replace(session, verdict="inconclusive", notes=(*session.notes, "walk did not end (cycle?)"))
    return session
