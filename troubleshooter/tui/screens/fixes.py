"""Fixes at the end of a walk: preview (dry-run), consent, apply, and show the re-check.

The mechanics live in `troubleshooter.remediation.flow` (`preview`, `apply_remediation`);
this screen base only sequences them through workers and the consent modal. While that module is
missing (or the app was given none), every fix degrades to a dry-run: its steps and commands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.screen import Screen

from troubleshooter.model.playbook import Applicability, Remediation
from troubleshooter.redact import scrub
from troubleshooter.tui.messages import RemediationApplied, RemediationPreviewed
from troubleshooter.tui.screens.consent import ConsentScreen
from troubleshooter.tui.strings import tr
from troubleshooter.tui.widgets.diagnosis_view import DiagnosisView

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session
    from troubleshooter.probes.context import ProbeContext

UNAVAILABLE = object()


def load_flow(app: Any) -> tuple[Any | None, str | None]:
    """The app's injected remediation flow, else the real module, else (None, why)."""
    injected = getattr(app, "remediation_flow", UNAVAILABLE)
    if injected is not UNAVAILABLE and injected is not None:
        return injected, None
    try:
        return importlib.import_module("troubleshooter.remediation.flow"), None
    except ImportError as exc:
        return None, str(exc)


class FixesScreen(Screen[None]):
    """The walk screen's base: handlers for `DiagnosisView.FixChosen` and what follows."""

    session: Session
    ctx: ProbeContext
    applied: dict[str, dict[str, Any]]

    @property
    def lang(self) -> str:
        return str(getattr(self.app, "lang", "en"))

    @on(DiagnosisView.FixChosen)
    def _fix_chosen(self, message: DiagnosisView.FixChosen) -> None:
        rem = message.remediation
        if rem.applicability is Applicability.DISPLAY_ONLY:
            self.notify(tr("diag.display_only", self.lang))
            return
        self.preview_fix(rem)

    @work(thread=True, exclusive=True, exit_on_error=False, group="remediation")
    def preview_fix(self, rem: Remediation) -> None:
        """Runs in a thread: ask the flow for the dry-run (it may read files or the network)."""
        flow, why = load_flow(self.app)
        if flow is None:
            self.post_message(RemediationPreviewed(rem.id, None, why))
            return
        try:
            preview = flow.preview(rem, self.session, self.ctx)
        except Exception as exc:  # a broken preview must not hide the commands
            self.post_message(RemediationPreviewed(rem.id, None, scrub(f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(RemediationPreviewed(rem.id, preview))

    @on(RemediationPreviewed)
    def _previewed(self, message: RemediationPreviewed) -> None:
        rem = self.session.playbook.remediations.get(message.remediation_id)
        if rem is None:
            return

        def answered(consent: bool | None) -> None:
            if consent:
                self.apply_fix(rem)

        self.app.push_screen(ConsentScreen(rem, message.preview, self.lang, message.error), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="remediation")
    def apply_fix(self, rem: Remediation) -> None:
        """Runs in a thread: apply with consent; the flow re-runs the probe to verify."""
        flow, why = load_flow(self.app)
        if flow is None:
            self.post_message(RemediationApplied(rem.id, None, why))
            return
        try:
            record = flow.apply_remediation(rem, self.session, self.ctx, consent=True)
        except Exception as exc:  # report it on screen; nothing is retried behind the user's back
            self.post_message(RemediationApplied(rem.id, None, scrub(f"{type(exc).__name__}: {exc}")))
            return
        self.post_message(RemediationApplied(rem.id, record))

    @on(RemediationApplied)
    def _applied(self, message: RemediationApplied) -> None:
        record = message.record
        if record is None:
            entry: dict[str, Any] = {"applied": False, "message": message.error or ""}
        else:
            entry = record.to_dict() if hasattr(record, "to_dict") else dict(record)
            entry.setdefault("applied", bool(getattr(record, "applied", False)))
        self.applied[message.remediation_id] = entry
        key = "diag.applied" if entry.get("applied") else "diag.not_applied"
        self.notify(
            tr(key, self.lang, rem=message.remediation_id, message=entry.get("message", "")),
            severity="information" if entry.get("applied") else "warning",
            timeout=8,
        )
        view = self.query_one(DiagnosisView)
        view.show(self.session, self.lang, self.applied)

    def action_copy_commands(self) -> None:
        rem = self.query_one(DiagnosisView).highlighted() if self.session.done else None
        if rem is None or not rem.commands:
            self.notify(tr("diag.nothing_to_copy", self.lang), severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(rem.commands))
        self.notify(tr("diag.copied", self.lang))
