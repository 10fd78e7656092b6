"""The fix flow, the same for the TUI and headless: preview -> consent -> apply -> verify -> record.

`preview` plans a remediation's action against the machine as it is now and returns the exact
changes (nothing is touched). `apply_remediation` applies only with consent, journals what it
changed and how to undo it, then verifies: it re-runs the probe that led to the diagnosis, in
the environment a new process would see, and records before/after. `apply_from_cli` is the
headless policy: `--apply safe|unsafe`, `--yes` for unsafe fixes, one fix per run (a
diagnosis's fixes are often alternatives), and a fresh walk afterwards so a verified fix ends
`healthy`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from troubleshooter.model.playbook import Applicability, Remediation
from troubleshooter.redact import scrub
from troubleshooter.remediation import actions
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused
from troubleshooter.remediation.fileops import PathRefused
from troubleshooter.remediation.journal import Journal
from troubleshooter.remediation.verify import verify

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session
    from troubleshooter.probes.context import ProbeContext

LEVELS = {"safe": 1, "unsafe": 2}


def json_safe(value: Any) -> Any:
    """A deep copy that JSON can write (the journal and report hold these records)."""
    return json.loads(json.dumps(value, default=str))


@dataclass
class Preview:
    """A dry-run: `available` when the fix can be applied here, `changes` the exact effect."""

    remediation: str
    applicability: str
    action: str | None
    available: bool
    changes: list[str] = field(default_factory=list)
    reason: str = ""
    noop: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class ApplyRecord:
    """What happened to one remediation: the report's `fixes` entry and the journal's."""

    remediation: str
    action: str | None
    applicability: str
    applied: bool = False
    printed: bool = False
    noop: bool = False
    message: str = ""
    preview: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    undo: list[dict[str, Any]] = field(default_factory=list)
    verify: dict[str, Any] | None = None
    run_id: str = ""
    journal: str | None = None
    env_overlay: dict[str, str | None] = field(default_factory=dict)
    session_after: Session | None = field(default=None, repr=False, compare=False)  # the walk after the fix

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "session_after"}
        data = json_safe(data)
        data["message"] = scrub(self.message)
        return data


def action_context(session: Session, ctx: ProbeContext, run_id: str | None = None) -> ActionContext:
    return ActionContext(
        probe=ctx,
        inputs={k: v for k, v in session.inputs.items() if v is not None},
        run_id=run_id or actions.new_run_id(),
        state_dir=actions.default_state_dir(ctx.env),
        timeout_s=ctx.timeout_s,
    )


def plan_for(rem: Remediation, session: Session, actx: ActionContext) -> Plan:
    """Plan `rem`'s action with its `${...}` arguments resolved from the walk (raises Refused)."""
    from troubleshooter.engine.walker import _substitute

    if rem.applicability is Applicability.DISPLAY_ONLY or not rem.action:
        raise Refused("this fix is done by hand (follow the steps)")
    spec = actions.get(rem.action)
    if spec is None:
        raise Refused(f"unknown action {rem.action!r}")
    args = _substitute(dict(rem.action_args), session.inputs, session.step_facts())
    problems = actions.arg_errors(spec, args)
    if problems:
        raise Refused("; ".join(problems))
    try:
        return actions.make_plan(spec, actx, args)
    except PathRefused as exc:
        raise Refused(str(exc)) from None


def preview(rem: Remediation, session: Session, ctx: ProbeContext) -> Preview:
    """The exact change `rem` would make now; never changes anything."""
    base = Preview(rem.id, rem.applicability.value, rem.action, available=False)
    try:
        plan = plan_for(rem, session, action_context(session, ctx))
    except (Refused, OSError) as exc:
        base.reason = scrub(str(exc))
        return base
    base.changes = [scrub(line) for line in plan.lines]
    base.noop, base.reason = plan.noop, plan.reason
    base.available = not plan.noop and plan.run is not None
    return base


def apply_remediation(
    rem: Remediation,
    session: Session,
    ctx: ProbeContext,
    *,
    consent: bool,
    journal: Journal | None = None,
    out: Callable[[str], None] | None = None,
) -> ApplyRecord:
    """Apply `rem` if consented: plan again (the machine may have changed), run, journal, verify."""
    actx = action_context(session, ctx, journal.data["run_id"] if journal else None)
    actx.out = out
    record = ApplyRecord(rem.id, rem.action, rem.applicability.value, run_id=actx.run_id)
    if not consent:
        record.message = "not applied: no consent"
        return record
    try:
        plan = plan_for(rem, session, actx)
    except (Refused, OSError) as exc:
        record.message = scrub(f"not applied: {exc}")
        return record
    record.preview = [scrub(line) for line in plan.lines]
    if plan.noop or plan.run is None:
        record.noop = True
        record.message = f"nothing to do: {plan.reason}"
        return record
    if journal is None and plan.changes_machine:
        journal = Journal(actx.state_dir, actx.run_id, session.playbook.id)
    if journal is not None:
        record.journal = str(journal.path)
        journal.record({**record.to_dict(), "status": "applying"})
        actx.journal_undo = _undo_journaler(journal, record)
    try:
        outcome: Outcome = plan.run()
    except Refused as exc:
        change = getattr(exc, "change", None)
        record.changes = [change] if change else []
        record.message = scrub(f"not applied: {exc}")
        _note(journal, record, "failed")
        return record
    except OSError as exc:
        record.message = scrub(f"failed: {exc}")
        _note(journal, record, "failed")
        return record
    record.changes, record.undo = outcome.changes, outcome.undo
    record.env_overlay = {**plan.env_overlay, **outcome.env_overlay}
    record.applied = bool(outcome.changes)
    record.printed = not outcome.changes and bool(record.env_overlay)
    record.message = scrub(outcome.message)
    status = "applied" if record.applied else "printed"
    _note(journal, record, status)
    record.verify, record.session_after = verify(session, ctx, record.env_overlay)
    _note(journal, record, status)
    return record


def _undo_journaler(journal: Journal, record: ApplyRecord) -> Callable[[dict[str, Any]], None]:
    """Journal each undo step as the action announces it, before its change happens."""
    pending: list[dict[str, Any]] = []

    def add(entry: dict[str, Any]) -> None:
        pending.append(entry)
        journal.record({**record.to_dict(), "undo": list(pending), "status": "applying"})

    return add


def _note(journal: Journal | None, record: ApplyRecord, status: str) -> None:
    if journal is not None:
        journal.record({**record.to_dict(), "status": status})


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
    needs_yes = rem.applicability is Applicability.UNSAFE
    if needs_yes and not yes:
        err(f"--apply unsafe: {rem.id} changes this machine; add --yes to consent. Nothing was changed.")
        records[rem.id] = {
            **ApplyRecord(
                rem.id,
                rem.action,
                rem.applicability.value,
                preview=shown.changes,
                message="not applied: no consent (--yes missing)",
            ).to_dict()
        }
        return records, session
    record = apply_remediation(rem, session, ctx, consent=True, out=err)
    err(f"{rem.id}: {record.message}")
    if record.verify:
        v = record.verify
        ending = v.get("cause_after") or v.get("verdict_after") or v.get("error")
        err(
            f"re-check {v['probe']}: {v['before']} -> {v['after']}; the walk now ends: {ending} "
            f"({'verified' if v['verified'] else 'not fixed'})"
        )
    if record.journal:
        err(f"undo with: troubleshooter undo {record.journal}")
    records[rem.id] = record.to_dict()
    after = record.session_after
    if not record.applied or after is None:
        return records, session
    note = f"after applying {rem.id} the playbook was walked again in a new process: {after.verdict}"
    if after.diagnosis is not None and after.verdict == "problem":
        note += f" ({after.diagnosis.cause})"
    records[rem.id]["diagnosis_before"] = {"node": session.outcome, "cause": session.diagnosis.cause}
    return records, dataclasses.replace(after, notes=(*after.notes, note))
