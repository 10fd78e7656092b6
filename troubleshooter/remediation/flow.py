"""The fix flow, the same for the TUI and headless: preview -> consent -> apply -> verify -> record.

`preview` plans a remediation's action against the machine as it is now and returns the exact
changes (nothing is touched). `apply_remediation` applies only with consent, journals what it
changed and how to undo it, then verifies: it re-runs the probe that led to the diagnosis, in
the environment a new process would see, and records before/after. `apply_from_cli` (in
`headless`) is the headless policy.

Applying is bounded and interruptible: planning and every filesystem step run under the
deadline in a worker thread (`deadline`), serialised with other applies by the state
folder's lock; Ctrl-C or the deadline cancels the worker before its next step (every step is
journaled before it happens), so the journal always holds the undo of whatever may have
changed, and its last status says how the run ended.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from troubleshooter.model.playbook import Applicability, Remediation
from troubleshooter.redact import scrub
from troubleshooter.remediation import actions
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused
from troubleshooter.remediation.deadline import TimedOut, cancellable, within
from troubleshooter.remediation.filecas import Busy, apply_lock
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
    timed_out: bool = False  # planning itself hit the deadline (a frozen mount): do not try again

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
    places: list[str] = field(default_factory=list)
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
    if any("${" in text for text in _strings(args)):
        raise Refused("an argument still holds an unfilled ${...} reference; nothing is changed")
    problems = actions.arg_errors(spec, args)
    if problems:
        raise Refused("; ".join(problems))
    try:
        return actions.make_plan(spec, actx, args)
    except PathRefused as exc:
        raise Refused(str(exc)) from None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def bounded_plan(rem: Remediation, session: Session, actx: ActionContext) -> Plan:
    """`plan_for` under the deadline (planning reads the env file, stats folders, asks the Hub)."""
    return within(lambda: plan_for(rem, session, actx), actx.timeout_s, f"plan {rem.id}")


def preview(rem: Remediation, session: Session, ctx: ProbeContext) -> Preview:
    """The exact change `rem` would make now; never changes anything."""
    base = Preview(rem.id, rem.applicability.value, rem.action, available=False)
    try:
        plan = bounded_plan(rem, session, action_context(session, ctx))
    except (Refused, OSError, TimedOut) as exc:
        base.reason = scrub(str(exc))
        base.timed_out = isinstance(exc, TimedOut)
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
        plan = bounded_plan(rem, session, actx)
    except (Refused, OSError, TimedOut) as exc:
        record.message = scrub(f"not applied: {exc}")
        return record
    record.preview = [scrub(line) for line in plan.lines]
    record.places = list(plan.places)
    if plan.noop or plan.run is None:
        record.noop = True
        record.message = f"nothing to do: {plan.reason}"
        return record
    if not plan.changes_machine:
        journal = None
    elif journal is None:
        journal = Journal(actx.state_dir, actx.run_id, session.playbook.id)
    deadline = plan.deadline_s or max(actx.timeout_s * 2, 5.0)
    try:
        if journal is not None:
            record.journal = str(journal.path)
            within(lambda: journal.record({**record.to_dict(), "status": "applying"}), actx.timeout_s, "journal")
            actx.journal_undo = _undo_journaler(journal, record)
        outcome: Outcome = cancellable(lambda: _locked_run(plan, actx), deadline, f"apply {rem.id}", actx.cancel)
    except KeyboardInterrupt:
        record.message = "interrupted: whatever was changed is journaled; undo it with the journal"
        _note(journal, record, "interrupted", actx)
        raise
    except (TimedOut, Busy) as exc:
        record.message = scrub(f"not finished: {exc}; whatever was changed is journaled")
        _note(journal, record, "timed-out", actx)
        return record
    except Refused as exc:
        change = getattr(exc, "change", None)
        record.changes = [change] if change else []
        record.message = scrub(f"not applied: {exc}")
        _note(journal, record, "failed", actx)
        return record
    except OSError as exc:
        record.message = scrub(f"failed: {exc}")
        _note(journal, record, "failed", actx)
        return record
    record.changes, record.undo = outcome.changes, outcome.undo
    record.env_overlay = {**plan.env_overlay, **outcome.env_overlay}
    record.applied = bool(outcome.changes)
    record.printed = not outcome.changes and bool(record.env_overlay)
    record.message = scrub(outcome.message)
    status = "applied" if record.applied else "printed"
    _note(journal, record, status, actx)
    try:
        record.verify, record.session_after = verify(session, ctx, record.env_overlay)
    except KeyboardInterrupt:
        record.message += " (the re-check was interrupted)"
        _note(journal, record, status, actx)
        raise
    _note(journal, record, status, actx)
    return record


def _locked_run(plan: Plan, actx: ActionContext) -> Outcome:
    """Run the plan holding this user's apply lock (print-only plans need no lock)."""
    assert plan.run is not None
    if not plan.changes_machine:
        return plan.run()
    with apply_lock(actx.state_dir, actx.timeout_s):
        return plan.run()


def _undo_journaler(journal: Journal, record: ApplyRecord) -> Callable[[dict[str, Any]], None]:
    """Journal each undo step as the action announces it, before its change happens; the steps
    stay on the record, so a run that fails, times out or is interrupted keeps them."""

    def add(entry: dict[str, Any]) -> None:
        record.undo.append(entry)
        journal.record({**record.to_dict(), "status": "applying"})

    return add


def _note(journal: Journal | None, record: ApplyRecord, status: str, actx: ActionContext) -> None:
    """Journal how the fix ended, under the deadline (best effort once the run timed out)."""
    if journal is None:
        return
    entry = {**record.to_dict(), "status": status}
    with contextlib.suppress(TimedOut):
        within(lambda: journal.record(entry), max(actx.timeout_s, 1.0), "journal")


__all__ = ["ApplyRecord", "Preview", "apply_remediation", "preview"]
