"""One line that says what is running: a spinner, the probe, elapsed time and its deadline.

It only reads a clock and redraws on a timer; it never waits for the probe, so the screen
stays responsive however long the probe takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from troubleshooter.tui.strings import tr

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATUS_STYLE = {
    "pass": "bold green",
    "fail": "bold red",
    "error": "bold red",
    "warn": "bold yellow",
    "timeout": "bold magenta",
    "unknown": "bold yellow",
    "skipped": "dim",
}


class ProbeStatus(Static):
    """Spinner + `running hub.whoami  1.2 s / deadline 5 s`, then the final status."""

    DEFAULT_CSS = """
    ProbeStatus { height: auto; }
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self.probe: str | None = None
        self.deadline_s = 0.0
        self.started = 0.0
        self.frame = 0
        self.lang = "en"
        self.final: Text | None = None
        self._ticker: Timer | None = None

    def start(self, probe: str, deadline_s: float, lang: str) -> None:
        """Show the probe as running from now on."""
        self.probe, self.deadline_s, self.lang = probe, deadline_s, lang
        self.started = self.clock()
        self.final = None
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        else:
            self._ticker.resume()
        self._tick()

    @property
    def running(self) -> bool:
        return self.probe is not None and self.final is None

    def elapsed(self) -> float:
        return self.clock() - self.started

    def finish(self, probe: str, status: str, duration_s: float) -> None:
        """Stop the spinner and show the outcome."""
        self.final = Text.assemble(
            (f"{status.upper():8}", STATUS_STYLE.get(status, "bold")), f" {probe}  {duration_s:.2f} s"
        )
        if self._ticker is not None:
            self._ticker.pause()
        self.update(self.final)

    def clear_status(self) -> None:
        self.probe = None
        self.final = None
        if self._ticker is not None:
            self._ticker.pause()
        self.update("")

    def _tick(self) -> None:
        if not self.running:
            return
        self.frame = (self.frame + 1) % len(SPINNER)
        self.update(
            Text.assemble(
                (SPINNER[self.frame] + " ", "bold cyan"),
                tr("walk.running", self.lang, probe=self.probe),
                f"  {self.elapsed():.1f} s / {tr('walk.deadline', self.lang)} {self.deadline_s:g} s",
            )
        )
