"""A report as a Rich renderable: what `rich.print(report)` shows in a terminal or a notebook.

Rich is imported inside `rich_renderable` only: a report is built on every walk, but drawn
with Rich only when someone asks, and the headless CLI must not pay for Rich at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from troubleshooter.model.playbook import Verdict
from troubleshooter.report.render import VERDICT_WORDS

STATUS_STYLES: Mapping[str, str] = {
    "pass": "green",
    "fail": "red",
    "error": "red",
    "warn": "yellow",
    "timeout": "yellow",
    "unknown": "magenta",
    "skipped": "dim",
}
VERDICT_STYLES: Mapping[str, str] = {
    Verdict.HEALTHY: "green",
    Verdict.PROBLEM: "red",
    Verdict.INCONCLUSIVE: "yellow",
    Verdict.NEEDS_INPUT: "yellow",
}


def rich_renderable(data: Mapping[str, Any]) -> Any:
    """A rich renderable of a report (what `rich.print(report)` shows in a terminal or notebook)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    verdict = str(data.get("verdict"))
    diagnosis = data.get("diagnosis")
    head = Text(VERDICT_WORDS.get(verdict, verdict), style=f"bold {VERDICT_STYLES.get(verdict, '')}")
    if diagnosis:
        head.append(f": {diagnosis['cause']} — {diagnosis['title']}")
    body: list[Any] = [head]
    if diagnosis and diagnosis.get("explanation"):
        body.append(Text(str(diagnosis["explanation"])))
    for rem in data.get("remediations") or []:
        lines = [f"• {step}" for step in rem.get("steps", [])] + [f"  $ {cmd}" for cmd in rem.get("commands", [])]
        title = Text(f"Fix [{rem['applicability']}]: {rem['title']}")
        body.append(Panel(Text("\n".join(lines) or "-"), title=title, title_align="left"))
    table = Table("node", "probe", "status", "evidence", title="Path walked", expand=True)
    for step in data.get("steps") or []:
        status = str(step.get("status") or "")
        table.add_row(
            str(step["node"]),
            str(step.get("probe") or "question"),
            Text(status, style=STATUS_STYLES.get(status, "")),
            str(step.get("evidence") or ""),
        )
    body.append(table)
    return Panel(Group(*body), title=Text(f"{data.get('playbook_title')} ({data.get('playbook')})"), title_align="left")
