"""Small past-tense messages that workers post; only handlers on the screen touch state.

Workers run probes and remediations in threads and never touch widgets: they post one of
these and return. Each probe run carries a `run_id` so a result that arrives after the user
went back, restarted or the deadline passed is recognised as stale and dropped.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from troubleshooter.model.result import ProbeResult


class ProbeFinished(Message, bubble=False):
    """A probe returned (or the runner gave up on it at its deadline)."""

    def __init__(self, run_id: int, node_id: str, result: ProbeResult, duration_s: float) -> None:
        super().__init__()
        self.run_id = run_id
        self.node_id = node_id
        self.result = result
        self.duration_s = duration_s


class ProbeTimedOut(Message, bubble=False):
    """The screen's own watchdog saw a probe outlive its deadline; the worker is abandoned."""

    def __init__(self, run_id: int, node_id: str, deadline_s: float) -> None:
        super().__init__()
        self.run_id = run_id
        self.node_id = node_id
        self.deadline_s = deadline_s


class RemediationPreviewed(Message, bubble=False):
    """The remediation flow produced a dry-run (or is unavailable: `preview` is None)."""

    def __init__(self, remediation_id: str, preview: Any | None, error: str | None = None) -> None:
        super().__init__()
        self.remediation_id = remediation_id
        self.preview = preview
        self.error = error


class RemediationApplied(Message, bubble=False):
    """A remediation ran with consent; `record` holds its changes, undo and verification."""

    def __init__(self, remediation_id: str, record: Any | None, error: str | None = None) -> None:
        super().__init__()
        self.remediation_id = remediation_id
        self.record = record
        self.error = error


class ReportExported(Message, bubble=False):
    """The export dialog wrote the report to `path`."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
