"""The Textual app: thin. It holds the catalog, the language, the theme and what to inject
(the probe runner and the probe context), and offers the app-wide keys and palette commands.
Screens own their flows; the engine owns the logic.

| Key | Action |
| :- | :- |
| ? / f1 | help |
| l | switch English / 中文 |
| d | dark / light theme |
| ctrl+p | command palette (export, restart, jump to a visited step, language) |
| q | quit |
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Playbook
from troubleshooter.model.result import ProbeResult
from troubleshooter.probes.context import ProbeContext
from troubleshooter.tui.screens.help import HelpScreen
from troubleshooter.tui.screens.home import HomeScreen
from troubleshooter.tui.screens.walk import WalkScreen
from troubleshooter.tui.strings import tr

ProbeRunner = Callable[[str, ProbeContext, Mapping[str, object], float], tuple[ProbeResult, float]]
DARK, LIGHT = "textual-dark", "textual-light"


class TroubleshooterApp(App[int]):
    """Home screen or a walk, with injectable probes so tests never touch the machine."""

    CSS_PATH = "app.tcss"
    TITLE = "Troubleshooter"
    BINDINGS = [  # noqa: RUF012 - Textual reads a class-level list
        Binding("question_mark,f1", "help", "Help"),
        Binding("l", "toggle_lang", "中文/EN"),
        Binding("d", "toggle_theme", "Theme"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        playbooks: dict[str, Playbook],
        *,
        playbook: str | None = None,
        answers: dict[str, str] | None = None,
        timeout_s: float = 5.0,
        lang: str = "en",
        probe_runner: ProbeRunner | None = None,
        context_factory: Callable[[], ProbeContext] | None = None,
        remediation_flow: Any | None = None,
    ) -> None:
        super().__init__()
        self.playbooks = playbooks
        self.start_playbook = playbook
        self.answers = dict(answers or {})
        self.timeout_s = timeout_s
        self.lang = lang
        if probe_runner is None:
            from troubleshooter.engine.runner import run_probe

            probe_runner = run_probe
        self.probe_runner: ProbeRunner = probe_runner
        self.context_factory = context_factory or (lambda: ProbeContext(env=dict(os.environ), timeout_s=timeout_s))
        self.remediation_flow = remediation_flow
        self.theme = DARK

    def on_mount(self) -> None:
        self.title = tr("app.title", self.lang)
        self.push_screen(HomeScreen(self.playbooks))
        if self.start_playbook in self.playbooks:
            book = self.playbooks[self.start_playbook]
            missing = [k for k, s in book.inputs.items() if s.required and not self.answers.get(k)]
            self.push_screen(WalkScreen(book, self.answers, ask_inputs=bool(missing)))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.lang))

    def action_toggle_lang(self) -> None:
        self.lang = "zh" if self.lang == "en" else "en"
        self.title = tr("app.title", self.lang)
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_language", None)
            if refresh is not None:
                refresh()
        self.notify(tr("lang.switched", self.lang))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_open_home(self) -> None:
        """Back to the symptom list from a walk that was opened directly."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            self.switch_screen(HomeScreen(self.playbooks))

    def walk_screen(self) -> WalkScreen | None:
        return self.screen if isinstance(self.screen, WalkScreen) else None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        lang = self.lang
        if isinstance(screen, WalkScreen):
            yield SystemCommand(tr("cmd.export", lang), tr("cmd.export.help", lang), screen.action_export)
            yield SystemCommand(tr("cmd.restart", lang), tr("cmd.restart.help", lang), screen.action_restart)
            for step in screen.session.steps:
                title = pick(screen.playbook.nodes[step.node].title, lang)
                yield SystemCommand(
                    tr("cmd.jump", lang, node=f"{step.node} — {title}"),
                    tr("cmd.jump.help", lang),
                    lambda node=step.node: screen.jump_to(node),
                )
            yield SystemCommand(tr("cmd.home", lang), tr("cmd.home.help", lang), screen.action_home)
        yield SystemCommand(tr("cmd.lang", lang), tr("cmd.lang.help", lang), self.action_toggle_lang)
        yield SystemCommand(tr("cmd.theme", lang), tr("cmd.theme.help", lang), self.action_toggle_theme)
        yield from super().get_system_commands(screen)


def run_tui(
    playbook: str | None,
    answers: dict[str, str],
    timeout_s: float,
    lang: str,
    extra_dirs: list[str],
    *,
    python: str | None = None,
) -> int:
    """Open the TUI (called by cli.py in a terminal); returns the exit code."""
    from troubleshooter.catalog import discover

    playbooks = discover([Path(d) for d in extra_dirs])
    if playbook is not None and playbook not in playbooks:
        import sys

        sys.stderr.write(f"unknown playbook {playbook!r}; known: {', '.join(sorted(playbooks))}\n")
        return 2
    from troubleshooter.agent.wiring import live_context

    app = TroubleshooterApp(
        playbooks,
        playbook=playbook,
        answers=answers,
        timeout_s=timeout_s,
        lang=lang,
        context_factory=lambda: live_context(os.environ, timeout_s, python),  # the user's Python
    )
    app.run()
    _exit_past_abandoned_probes(app.return_code or 0)
    return app.return_code or 0


def _exit_past_abandoned_probes(code: int) -> None:
    """A probe stuck in the kernel (hung mount, dead socket) must not keep the process alive."""
    from troubleshooter.engine.runner import ABANDONED

    if ABANDONED:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
