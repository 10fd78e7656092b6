"""The walk screen: the playbook tree beside the current step, driven by the pure walker.

Flow: a check's probe runs in a thread worker that posts `ProbeFinished`; a watchdog timer
posts `ProbeTimedOut` if even the runner's own deadline failed. The handler records the
result and shows the branches with the recommended one highlighted; Enter confirms it,
picking another is an override (`walker.advance(..., override=...)`, recorded in the report).
Questions are answered from a list or a text field. At a diagnosis the fixes are listed;
choosing one previews it and asks for consent (see `FixesScreen`).

| Key | Action |
| :- | :- |
| enter | confirm the highlighted branch / answer |
| b | back one step (its result is kept to re-decide) |
| r | re-run the current probe |
| ctrl+r | restart the walk |
| a | auto-confirm recommended branches |
| e | export the report |
| c | copy the highlighted fix's commands |
| escape | back to the list of playbooks |
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from troubleshooter.agent.wiring import target_report
from troubleshooter.engine import walker
from troubleshooter.errors import TroubleshooterError
from troubleshooter.model.playbook import CheckNode, Playbook
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import scrub
from troubleshooter.report.build import build_report
from troubleshooter.report.document import Report, write_report
from troubleshooter.tui.messages import ProbeFinished, ProbeTimedOut, ReportExported
from troubleshooter.tui.screens.export import ExportScreen
from troubleshooter.tui.screens.fixes import FixesScreen
from troubleshooter.tui.strings import tr
from troubleshooter.tui.widgets.diagnosis_view import DiagnosisView
from troubleshooter.tui.widgets.inputs_form import InputsForm
from troubleshooter.tui.widgets.playbook_tree import PlaybookTree
from troubleshooter.tui.widgets.step_view import StepView

WATCHDOG_GRACE_S = 0.5  # past the runner's own deadline + grace: the screen gives up itself
WORKER_POLL_S = 0.05  # how often a waiting worker checks whether it was cancelled


@dataclass(frozen=True)
class Decided:
    """A finished probe waiting for the user to confirm or override its branch."""

    result: ProbeResult
    duration_s: float


class WalkScreen(FixesScreen):
    """One walk of one playbook."""

    BINDINGS = [  # noqa: RUF012 - Textual reads a class-level list
        Binding("b", "back", "Back"),
        Binding("r", "rerun", "Re-run"),
        Binding("ctrl+r", "restart", "Restart"),
        Binding("a", "toggle_auto", "Auto", show=False),
        Binding("e", "export", "Export"),
        Binding("c", "copy_commands", "Copy", show=False),
        Binding("escape", "home", "Playbooks"),
        Binding("ctrl+s", "start_walk", "Start", show=False),
    ]

    def __init__(self, playbook: Playbook, answers: dict[str, str], ask_inputs: bool = False) -> None:
        super().__init__()
        self.playbook = playbook
        self.answers = dict(answers)
        self.ask_inputs = ask_inputs and bool(playbook.inputs)
        self.session: walker.Session = walker.begin(playbook, self.answers)
        self.decided: Decided | None = None
        self.run_id = 0
        self.auto = False
        self.applied: dict[str, dict[str, Any]] = {}
        self.ctx = ProbeContext()  # replaced by the app's context factory on mount
        self._watchdog: Timer | None = None

    def app_context(self) -> ProbeContext:
        factory = getattr(self.app, "context_factory", None)
        return factory() if factory else ProbeContext()

    @property
    def timeout_s(self) -> float:
        return float(getattr(self.app, "timeout_s", 5.0))

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="walk-body"):
            yield PlaybookTree(self.playbook, id="tree")
            with VerticalScroll(id="detail"):
                if self.ask_inputs:
                    yield InputsForm(self.playbook, self.answers, self.lang, id="inputs")
                yield StepView(id="step")
                yield DiagnosisView(id="diagnosis")
        yield Footer()

    def on_mount(self) -> None:
        self.ctx = self.app_context()
        python = self.ctx.target_python
        self.sub_title = f"{self.playbook.id} · diagnosing {python}" if python else self.playbook.id
        if self.ask_inputs:
            self.query_one(StepView).display = False
            self.query_one(DiagnosisView).display = False
            self.query_one(PlaybookTree).show(self.session, self.lang)
        else:
            self.render_walk()

    # ---- rendering -------------------------------------------------------------------------

    def render_walk(self) -> None:
        """Show the session: tree, then the current step, a running probe or the diagnosis."""
        lang = self.lang
        self.query_one(PlaybookTree).show(self.session, lang)
        step, diagnosis = self.query_one(StepView), self.query_one(DiagnosisView)
        request = walker.pending(self.session)
        if request is None:
            step.display = False
            diagnosis.display = True
            diagnosis.show(self.session, lang, self.applied)
            self.query_one("#remediations").focus()
            return
        step.display, diagnosis.display = True, False
        step.show_node(self.playbook, request.node, lang)
        if isinstance(request, walker.QuestionRequest):
            given = self.session.inputs.get(request.node.key)
            step.status.clear_status()
            step.show_question(request.node, given or request.default, lang)
        elif self.decided is not None:
            self._show_decided(request.node)
        else:
            self.start_probe(request)

    def _show_decided(self, node: CheckNode) -> None:
        assert self.decided is not None
        step = self.query_one(StepView)
        step.status.finish(node.probe, self.decided.result.status.value, self.decided.duration_s)
        step.show_result(self.decided.result, self.lang)
        _, branch = walker.choose(self.session, self.decided.result)
        step.show_branches(self.playbook, node, branch, self.lang)

    def refresh_language(self) -> None:
        if self.ask_inputs:
            return
        if walker.pending(self.session) is None or self.decided is not None:
            self.render_walk()
        else:  # a probe is running: only relabel, never restart it
            self.query_one(PlaybookTree).show(self.session, self.lang)
            step = self.query_one(StepView)
            step.status.lang = self.lang

    # ---- probes ----------------------------------------------------------------------------

    def start_probe(self, request: walker.ProbeRequest) -> None:
        self.run_id += 1
        self.decided = None
        deadline = self.timeout_s
        self.query_one(StepView).status.start(request.probe, deadline, self.lang)
        self.ctx.inputs = {k: v for k, v in self.session.inputs.items() if v is not None}
        if self._watchdog is not None:
            self._watchdog.stop()
        run_id, node_id = self.run_id, request.node.id
        self._watchdog = self.set_timer(
            deadline + WATCHDOG_GRACE_S + 0.25, lambda: self.post_message(ProbeTimedOut(run_id, node_id, deadline))
        )
        self.run_probe(run_id, node_id, request.probe, dict(request.args), deadline)

    @work(thread=True, exclusive=True, exit_on_error=False, group="probe")
    def run_probe(self, run_id: int, node_id: str, probe: str, args: dict[str, Any], deadline: float) -> None:
        """Runs in a worker thread: call the probe runner and post what it returned.

        The runner itself runs in a daemon thread this worker only watches, so a cancelled
        worker (re-run, back, restart, quit) lets go within a tick instead of keeping the app
        from exiting until the probe's deadline. Touches no widget.
        """
        runner = self.app.probe_runner  # type: ignore[attr-defined]
        box: dict[str, tuple[ProbeResult, float]] = {}
        done = threading.Event()

        def call() -> None:
            try:
                box["result"] = runner(probe, self.ctx, args, deadline)
            except Exception as exc:  # the runner itself failed: a verdict for this step, not a crash
                failure = ProbeResult(
                    Status.ERROR, {"exception": type(exc).__name__}, scrub(f"probe runner failed: {exc}")[:300]
                )
                box["result"] = (failure, 0.0)
            finally:
                done.set()

        threading.Thread(target=call, name=f"tui-probe:{probe}", daemon=True).start()
        worker = get_current_worker()
        while not done.wait(WORKER_POLL_S):
            if worker.is_cancelled:
                return
        result, duration = box["result"]
        self.post_message(ProbeFinished(run_id, node_id, result, duration))

    @on(ProbeFinished)
    def _probe_finished(self, message: ProbeFinished) -> None:
        if message.run_id != self.run_id or self.decided is not None:
            return  # stale: the user went back, restarted, or the watchdog already decided
        self._decide(message.result, message.duration_s)

    @on(ProbeTimedOut)
    def _probe_timed_out(self, message: ProbeTimedOut) -> None:
        if message.run_id != self.run_id or self.decided is not None:
            return
        probe = self.playbook.nodes[message.node_id]
        name = probe.probe if isinstance(probe, CheckNode) else message.node_id
        evidence = tr("walk.timeout", "en", probe=name, deadline=message.deadline_s)
        result = ProbeResult(Status.TIMEOUT, {"probe": name, "deadline_s": message.deadline_s}, evidence)
        self._decide(result, self.query_one(StepView).status.elapsed())

    def _decide(self, result: ProbeResult, duration_s: float) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
        self.decided = Decided(result, duration_s)
        request = walker.pending(self.session)
        if not isinstance(request, walker.ProbeRequest):
            return
        self._show_decided(request.node)
        if self.auto:
            target, _ = walker.choose(self.session, result)
            if target:
                self._go(target)

    # ---- choices ---------------------------------------------------------------------------

    @on(StepView.BranchChosen)
    def _branch_chosen(self, message: StepView.BranchChosen) -> None:
        self._go(message.target)

    def _go(self, target: str) -> None:
        request = walker.pending(self.session)
        if self.decided is None or not isinstance(request, walker.ProbeRequest):
            return
        recommended, _ = walker.choose(self.session, self.decided.result)
        override = target if target != recommended else None
        self.session = walker.advance(
            self.session, self.decided.result, duration_s=self.decided.duration_s, override=override, args=request.args
        )
        if override:
            self.notify(
                tr("walk.overridden", self.lang, node=request.node.id, target=target, recommended=recommended),
                severity="warning",
            )
        self.decided = None
        self.render_walk()

    @on(StepView.Answered)
    def _answered(self, message: StepView.Answered) -> None:
        if isinstance(walker.pending(self.session), walker.QuestionRequest):
            self.session = walker.answer(self.session, message.value)
            self.render_walk()

    @on(InputsForm.Submitted)
    def _inputs_submitted(self, message: InputsForm.Submitted) -> None:
        missing = [k for k, spec in self.playbook.inputs.items() if spec.required and not message.values.get(k)]
        if missing:
            self.notify(tr("walk.missing", self.lang, key=missing[0]), severity="error")
            return
        self.answers = message.values
        self.ask_inputs = False
        self.query_one(InputsForm).remove()
        self.restart()

    # ---- actions ---------------------------------------------------------------------------

    def restart(self) -> None:
        self.run_id += 1
        self.decided = None
        self.applied = {}
        self.ctx = self.app_context()
        self.session = walker.begin(self.playbook, self.answers)
        self.render_walk()

    def action_start_walk(self) -> None:
        if self.ask_inputs:
            form = self.query_one(InputsForm)
            form.post_message(InputsForm.Submitted(form.collect()))

    def action_restart(self) -> None:
        if not self.ask_inputs:
            self.restart()

    def action_back(self) -> None:
        self.jump_back(1)

    def jump_back(self, count: int) -> None:
        """Undo `count` steps; the last undone check's result is shown again to re-decide."""
        if self.ask_inputs or not self.session.steps:
            return
        self.run_id += 1
        popped = None
        for _ in range(count):
            if not self.session.steps:
                break
            popped = self.session.steps[-1]
            self.session = walker.back(self.session)
        self.decided = (
            Decided(popped.result, popped.duration_s) if popped and popped.kind == "check" and popped.result else None
        )
        self.render_walk()

    def jump_to(self, node_id: str) -> None:
        """Go back to a visited node (the command palette offers these)."""
        visited = [s.node for s in self.session.steps]
        if node_id in visited:
            self.jump_back(len(visited) - visited.index(node_id))

    def action_rerun(self) -> None:
        request = walker.pending(self.session)
        if isinstance(request, walker.ProbeRequest):
            self.decided = None
            self.start_probe(request)

    def action_toggle_auto(self) -> None:
        self.auto = not self.auto
        self.notify(f"auto-confirm: {'on' if self.auto else 'off'}")

    def action_home(self) -> None:
        self.run_id += 1
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.action_open_home()  # type: ignore[attr-defined]

    def report(self) -> Report:
        steps = [step.to_dict() for step in self.session.steps]
        target = target_report(self.ctx, steps) if self.ctx.agent is not None else None
        return Report(
            build_report(
                self.session,
                lang=self.lang,
                timeout_s=self.timeout_s,
                mode="live",
                applied=self.applied or None,
                target=target,
            )
        )

    def action_export(self) -> None:
        default = str(Path.cwd() / f"troubleshooter-{self.playbook.id}.md")
        self.app.push_screen(ExportScreen(default, self.lang), self.export_to)

    def export_to(self, path: str | None) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        try:
            write_report(self.report(), target)
        except TroubleshooterError as exc:
            self.notify(tr("export.failed", self.lang, error=exc.render()), severity="error", timeout=8)
            return
        self.notify(tr("export.done", self.lang, path=target), timeout=8)
        self.post_message(ReportExported(str(target)))
