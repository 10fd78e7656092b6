"""The headless policy for `--apply safe|unsafe [--yes] [--fix ID]`.

Consent means what the docs say: `--apply safe` applies a safe fix; `--apply unsafe` without
`--yes` shows the plan and applies nothing at all (not even a safe fix); with `--yes` it may
apply an unsafe one. One fix per run (a diagnosis's fixes are often alternatives), and a fresh
walk afterwards so a verified fix ends `healthy`. The "undo with" line is printed as soon as
a journal exists, however the run ends (an interrupt included), and a fix that made things
worse says what it broke and prints the undo command.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from troubleshooter.model.playbook import Applicability, Remediation
from troubleshooter.remediation import actions
from troubleshooter.remediation.flow import ApplyRecord, apply_remediation, preview
from troubleshooter.remediation.journal import Journal

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session
    from troubleshooter.probes.context import ProbeContext

LEVELS = {"safe": 1, "unsafe": 2}


def candidates(session: Session, level: str, only: str | None = None) -> list[Remediation]:
    """The diagnosis's machine fixes up to `level`, in the playbook's order (or just `only`)."""
    diag = session.diagnosis
    if diag is None:
        return []
    out = []
    for rem_id in diag.remediations:
        rem = session.playbook.remediations.get(rem_id)
        if rem is None or not rem.action or rem.applicability is Applicability.DISPLAY_ONLY:
            continue
        if only is not None and rem.id != only:
            continue
        if actions.APPLICABILITY_ORDER[rem.applicability] <= LEVELS[level]:
            out.append(rem)
    return out


def _verify_lines(v: dict[str, Any], rem: Remediation) -> list[str]:
    ending = v.get("cause_after") or v.get("verdict_after") or v.get("error")
    lines = [f"re-check {v['probe']}: {v['before']} -> {v['after']}; the walk now ends: {ending} ({v['outcome']})"]
    if v.get("broken"):
        broke = ", ".join(f"{b['node']} ({b['probe']}: {b['before']} -> {b['after']})" for b in v["broken"])
        lines.append(f"made worse: {rem.id} broke {broke}")
    elif v.get("next"):
        lines.append(f"fixed {v['cause_before']}; next: {v['next']}")
    return lines


def apply_from_cli(
    session: Session,
    level: str,
    yes: bool,
    ctx: ProbeContext,
    *,
    err: Callable[[str], None],
    only: str | None = None,
) -> tuple[dict[str, Any] | None, Session]:
    """Headless policy. Returns (records by remediation id, the session to report)."""
    if session.verdict != "problem" or session.diagnosis is None:
        err(f"--apply: nothing to fix (verdict {session.verdict}); nothing was changed")
        return None, session
    chosen = candidates(session, level, only)
    if not chosen:
        wanted = f"fix {only!r}" if only else f"fix up to '{level}'"
        err(f"--apply: this diagnosis has no machine {wanted}; follow the steps shown; nothing was changed")
        return None, session
    records: dict[str, Any] = {}
    rem = chosen[0]
    shown = preview(rem, session, ctx)
    err(f"fix {rem.id} [{rem.applicability.value}]{': ' + shown.reason if shown.reason else ''}")
    for line in shown.changes:
        err(f"  {line}")
    if shown.timed_out:  # the same place would block the apply again: one deadline is the cost
        record = ApplyRecord(rem.id, rem.action, rem.applicability.value)
        record.message = f"not applied: {shown.reason}"
        records[rem.id] = record.to_dict()
        err(f"{rem.id}: {record.message}")
        return records, session
    if level == "unsafe" and not yes:
        err(f"--apply unsafe: this is the plan for {rem.id}; add --yes to consent. Nothing was changed.")
        record = ApplyRecord(rem.id, rem.action, rem.applicability.value, preview=shown.changes)
        record.message = "not applied: no consent (--yes missing)"
        records[rem.id] = record.to_dict()
        return records, session
    journal = Journal(actions.default_state_dir(ctx.env), actions.new_run_id(), session.playbook.id)
    try:
        record = apply_remediation(rem, session, ctx, consent=True, journal=journal, out=err)
    finally:
        if journal.path.exists():  # however the run ended: an interrupt leaves this line too
            err(f"undo with: troubleshooter undo {journal.path}")
    err(f"{rem.id}: {record.message}")
    for line in _verify_lines(record.verify, rem) if record.verify else []:
        err(line)
    records[rem.id] = record.to_dict()
    after = record.session_after
    if not record.applied or after is None:
        return records, session
    note = f"after applying {rem.id} the playbook was walked again in a new process: {after.verdict}"
    if after.diagnosis is not None and after.verdict == "problem":
        note += f" ({after.diagnosis.cause})"
    if record.verify and record.verify.get("broken"):
        note += f"; the fix made things worse (undo with: troubleshooter undo {journal.path})"
    records[rem.id]["diagnosis_before"] = {"node": session.outcome, "cause": session.diagnosis.cause}
    return records, dataclasses.replace(after, notes=(*after.notes, note))
