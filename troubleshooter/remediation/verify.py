"""Verifying a fix: walk the playbook again, the way the user's next run will see the machine.

Libraries read their variables once, at import (huggingface_hub's constants), so the re-check
runs in a new interpreter with the changed environment, and its recorded results are replayed
through the same pure walker — the Session that comes back is what a live walk would give. In a
notebook kernel (whose own state is the point) or with injected stand-ins, it walks in-process.

A fix is *verified* only when the probe that diagnosed the cause now passes **and** no check
that passed before the fix fails after it. A check the fix broke makes the result "made
worse" (the caller prints the undo); a walk that now ends at another problem, with nothing
broken, moved on to one that was already there ("fixed X; next: Y").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from troubleshooter.redact import scrub
from troubleshooter.remediation.actions import Refused

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session
    from troubleshooter.model.result import Step
    from troubleshooter.probes.context import ProbeContext

MAX_REWALK_S = 180.0


def overlay_env(env: Mapping[str, str], overlay: Mapping[str, str | None]) -> dict[str, str]:
    merged = dict(env)
    for name, value in overlay.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def fresh_context(ctx: ProbeContext, overlay: Mapping[str, str | None]) -> ProbeContext:
    """A context for re-checking: the environment a new process would see, no remembered dead ends."""
    return ctx.renewed(overlay_env(ctx.env, overlay))


def diagnosing_step(session: Session) -> Step | None:
    """The last check of the walk: the probe whose result led to the diagnosis."""
    return next((s for s in reversed(session.steps) if s.kind == "check" and s.probe), None)


def _answers(session: Session) -> dict[str, str]:
    return {k: str(v) for k, v in session.inputs.items() if v not in (None, "")}


def _walk_in_new_process(session: Session, ctx: ProbeContext, overlay: Mapping[str, str | None]) -> Session:
    """Walk again in a fresh interpreter that sees the changed environment, then replay its results.

    Libraries read their variables once, at import (huggingface_hub's constants), so only a new
    process sees what the next run of the user's program will see. Its recorded results are
    replayed through the same pure walker, which yields a Session like a live walk's.
    """
    import subprocess
    import sys

    from troubleshooter.engine.loader import shipped_dir
    from troubleshooter.engine.runner import RunOptions, walk
    from troubleshooter.model.playbook import CheckNode
    from troubleshooter.model.result import ProbeResult

    pb = session.playbook
    argv = [sys.executable, "-m", "troubleshooter", "--playbook", pb.id, "--json", "--timeout", f"{ctx.timeout_s:g}"]
    folder = Path(pb.path).resolve().parent
    if folder != shipped_dir().resolve():
        argv += ["--playbook-dir", str(folder)]
    for key, value in _answers(session).items():
        argv += ["--answer", f"{key}={value}"]
    env = overlay_env(ctx.env, overlay)
    checks = sum(1 for n in pb.nodes.values() if isinstance(n, CheckNode))
    limit = min(MAX_REWALK_S, 15.0 + checks * (ctx.timeout_s + 0.5))
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=limit, check=False, stdin=subprocess.DEVNULL
        )
        data = json.loads(done.stdout)
    except subprocess.TimeoutExpired:
        raise Refused(f"the re-check did not finish within {limit:g} s") from None
    except (OSError, ValueError) as exc:
        raise Refused(f"the re-check failed: {exc}") from None
    results = {
        str(s["node"]): ProbeResult.from_dict(s)
        for s in data.get("steps") or []
        if isinstance(s, dict) and s.get("node") and s.get("kind", "check") == "check"
    }
    return walk(pb, _answers(session), ctx, RunOptions(timeout_s=ctx.timeout_s, injected=results, replay=True))


def rewalk(session: Session, ctx: ProbeContext, overlay: Mapping[str, str | None]) -> Session:
    """The walk as it comes out after a fix: in a new process, or in this one when it must be
    (notebook mode reads this kernel's state; tests inject stand-in modules)."""
    from troubleshooter.engine.runner import RunOptions, walk

    if ctx.in_kernel or ctx.modules or ctx.proc_root != Path("/proc"):
        return walk(session.playbook, _answers(session), fresh_context(ctx, overlay), RunOptions(ctx.timeout_s))
    return _walk_in_new_process(session, ctx, overlay)


def _statuses(session: Session) -> dict[str, tuple[str, str | None, str]]:
    """Each check of a walk: node -> (status, probe, evidence)."""
    return {
        s.node: (s.result.status.value, s.probe, s.result.evidence)
        for s in session.steps
        if s.kind == "check" and s.result is not None
    }


def broken_checks(before: Session, after: Session) -> list[dict[str, Any]]:
    """Checks that passed before the fix and fail after it: what the fix broke."""
    old, new = _statuses(before), _statuses(after)
    return [
        {"node": node, "probe": probe, "before": status, "after": new[node][0], "evidence_after": new[node][2]}
        for node, (status, probe, _) in old.items()
        if status == "pass" and node in new and new[node][0] == "fail"
    ]


def verify(
    session: Session, ctx: ProbeContext, overlay: Mapping[str, str | None]
) -> tuple[dict[str, Any], Session | None]:
    """Walk again after a fix and judge it: verified, made worse, or not fixed (see the module doc).

    Records the diagnosing probe's status before and after, where the new walk ends, and the
    checks the fix broke.
    """
    step = diagnosing_step(session)
    facts: dict[str, Any] = {
        "node": step.node if step else None,
        "probe": step.probe if step else None,
        "before": step.result.status.value if step and step.result else None,
        "evidence_before": step.result.evidence if step and step.result else "",
        "diagnosis_before": session.outcome,
        "cause_before": session.diagnosis.cause if session.diagnosis else None,
    }
    started = ctx.clock()
    try:
        after = rewalk(session, ctx, overlay)
    except Refused as exc:
        facts.update(
            after="unknown", verified=False, worse=False, broken=[], outcome="not checked", error=scrub(str(exc))
        )
        return facts, None
    again = next((s for s in after.steps if step and s.node == step.node and s.result), None)
    now = again.result.status.value if again and again.result else "not reached"
    moved = after.outcome != session.outcome and after.verdict in ("healthy", "problem")
    passes = now == "pass" or (now == "not reached" and moved)
    broken = broken_checks(session, after)
    verified = passes and moved and not broken
    outcome = "made worse" if broken else ("verified" if verified else "not fixed")
    facts.update(
        after=now,
        evidence_after=again.result.evidence if again and again.result else "",
        verdict_after=after.verdict,
        diagnosis_after=after.outcome,
        cause_after=after.diagnosis.cause if after.diagnosis else None,
        verified=verified,
        worse=bool(broken),
        broken=broken,
        outcome=outcome,
        next=after.diagnosis.cause if verified and after.verdict == "problem" and after.diagnosis else None,
        duration_s=round(ctx.clock() - started, 3),
    )
    return facts, after
