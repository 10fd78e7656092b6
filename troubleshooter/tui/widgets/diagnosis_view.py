"""The end of a walk: the cause in plain words, the fixes with their applicability, commands
ready to copy and the upstream threads that explain the problem.

Selecting a fix posts `DiagnosisView.FixChosen`; the walk screen decides what happens (a
dry-run, the consent modal, applying). This widget only shows.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from troubleshooter.causes import vocabulary
from troubleshooter.engine.walker import Session, fill_known
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Applicability, Remediation, Verdict
from troubleshooter.tui.strings import tr

APPLICABILITY_STYLE: dict[str, str] = {
    Applicability.DISPLAY_ONLY: "bold blue",
    Applicability.SAFE: "bold green",
    Applicability.UNSAFE: "bold red",
}
VERDICT_STYLE: dict[str, str] = {
    Verdict.PROBLEM: "bold red",
    Verdict.HEALTHY: "bold green",
    Verdict.INCONCLUSIVE: "bold yellow",
    Verdict.NEEDS_INPUT: "bold yellow",
}


class DiagnosisView(Vertical):
    """Cause, explanation, fixes (an OptionList), the highlighted fix's steps and references."""

    DEFAULT_CSS = """
    DiagnosisView { height: auto; }
    DiagnosisView > #remediations { height: auto; max-height: 8; }
    DiagnosisView > Static { height: auto; }
    """

    class FixChosen(Message):
        """The user pressed Enter on a fix."""

        def __init__(self, remediation: Remediation) -> None:
            super().__init__()
            self.remediation = remediation

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: Session | None = None
        self.lang = "en"
        self.applied: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="diag-head")
        yield Static(id="fixes-label", classes="section")
        yield OptionList(id="remediations")
        yield Static(id="fix-detail")
        yield Static(id="references")

    def show(self, session: Session, lang: str, applied: dict[str, dict[str, Any]]) -> None:
        """Fill every part from a finished session."""
        self.session, self.lang, self.applied = session, lang, applied
        diag = session.diagnosis
        head = Text()
        head.append(f"{tr('diag.verdict', lang)}: ", "bold")
        verdict = session.verdict or Verdict.INCONCLUSIVE
        head.append(tr(f"verdict.{verdict}", lang) + "\n", VERDICT_STYLE.get(verdict, "bold"))
        if diag is not None:
            head.append(pick(diag.title, lang) + "\n", "bold underline")
            if diag.cause:
                cause = vocabulary().get(diag.cause)
                head.append(f"{tr('diag.cause', lang)}: ", "bold")
                head.append(diag.cause, "bold magenta")
                if cause is not None:
                    head.append(f" — {pick(cause.title, lang)}")
                head.append("\n")
            if diag.explanation:
                explanation = fill_known(pick(diag.explanation, lang), session, "?")
                head.append("\n" + explanation.strip() + "\n")
        else:
            message = (
                tr("walk.needs_input", lang, key=session.missing) if session.missing else tr("walk.inconclusive", lang)
            )
            head.append(message + "\n")
            head.append_text(Text("\n".join(session.notes), style="dim"))
        self.query_one("#diag-head", Static).update(head)
        fixes = self.remediations()
        options = self.query_one("#remediations", OptionList)
        options.clear_options()
        for rem in fixes:
            prompt = Text.assemble(
                (f"[{rem.applicability.value}] ", APPLICABILITY_STYLE[rem.applicability.value]), pick(rem.title, lang)
            )
            if rem.id in applied:
                prompt.append("  ✔" if applied[rem.id].get("applied") else "  ✘", "bold")
            options.add_option(Option(prompt, id=rem.id))
        options.display = bool(fixes)
        self.query_one("#fixes-label", Static).update(tr("diag.remediations", lang) if fixes else "")
        if fixes:
            options.highlighted = 0
        self._show_fix(fixes[0] if fixes else None)
        refs = Text()
        if diag is not None and diag.references:
            refs.append(tr("diag.references", lang) + "\n", "bold")
            for ref in diag.references:
                refs.append("• " + pick(ref.title, lang) + "\n  ")
                refs.append(ref.url, f"underline link {ref.url}")
                refs.append("\n")
        self.query_one("#references", Static).update(refs)

    def remediations(self) -> list[Remediation]:
        if self.session is None or self.session.diagnosis is None:
            return []
        book = self.session.playbook.remediations
        return [book[r] for r in self.session.diagnosis.remediations if r in book]

    def highlighted(self) -> Remediation | None:
        options = self.query_one("#remediations", OptionList)
        fixes = {r.id: r for r in self.remediations()}
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return fixes.get(option.id or "")

    def _show_fix(self, rem: Remediation | None) -> None:
        detail = Text()
        if rem is not None:
            session = self.session

            def known(text: str) -> str:
                return fill_known(text, session) if session is not None else text

            for number, step in enumerate(rem.steps, 1):
                text = pick(step, self.lang)
                detail.append(f"{number}. {fill_known(text, session, '?') if session is not None else text}\n")
            if rem.commands:
                detail.append(tr("diag.commands", self.lang) + "\n", "bold")
                for command in rem.commands:
                    detail.append(f"  $ {known(command)}\n", "bold cyan")
            record = self.applied.get(rem.id)
            if record:
                detail.append(self._record_text(rem, record))
        self.query_one("#fix-detail", Static).update(detail)

    def _record_text(self, rem: Remediation, record: dict[str, Any]) -> Text:
        lang = self.lang
        key = "diag.applied" if record.get("applied") else "diag.not_applied"
        text = Text(tr(key, lang, rem=rem.id, message=record.get("message", "")) + "\n", "bold")
        verify = record.get("verify") or {}
        if verify:
            text.append(
                tr(
                    "diag.verify",
                    lang,
                    probe=verify.get("probe", "?"),
                    before=verify.get("before", "?"),
                    after=verify.get("after", "?"),
                )
                + "\n"
            )
        return text

    @on(OptionList.OptionHighlighted, "#remediations")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_fix({r.id: r for r in self.remediations()}.get(event.option_id or ""))

    @on(OptionList.OptionSelected, "#remediations")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        rem = {r.id: r for r in self.remediations()}.get(event.option_id or "")
        if rem is not None:
            self.post_message(self.FixChosen(rem))
