"""Render a report dict as Markdown, HTML or terminal text.

Jinja2 with autoescape for HTML (playbook text may contain markup; it must come out inert);
Markdown escapes table pipes and backticks itself. Nothing is scrubbed here: the report data
was redacted when it was built, and a regex run over rendered text can break the document
(an `authorization="x"` inside a JSON string lost its closing quote that way).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from troubleshooter.jsonsafe import dumps
from troubleshooter.model.playbook import Verdict

TEMPLATES = Path(__file__).parent / "templates"
VERDICT_WORDS: dict[str, str] = {
    Verdict.HEALTHY: "Healthy — nothing found wrong",
    Verdict.PROBLEM: "Problem found",
    Verdict.INCONCLUSIVE: "Inconclusive",
    Verdict.NEEDS_INPUT: "Needs input",
}


def _md(value: Any) -> str:
    """Make a value safe inside a Markdown table cell or inline text."""
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _facts_json(facts: Any) -> str:
    return dumps(facts, indent=None, sort_keys=True)


@cache
def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["facts_json"] = _facts_json
    env.globals["verdict_words"] = VERDICT_WORDS
    return env


def render_markdown(report: dict[str, Any]) -> str:
    return _env(False).get_template("report.md.j2").render(r=report)


def render_html(report: dict[str, Any], *, fragment: bool = False) -> str:
    return _env(True).get_template("report.html.j2").render(r=report, fragment=fragment)


def render_json(report: dict[str, Any]) -> str:
    return dumps(report)


def render_text(report: dict[str, Any]) -> str:
    """A readable summary for a terminal (what `--playbook X` prints without --json)."""
    lines = [f"{report['playbook_title']} ({report['playbook']})"]
    target = report.get("target")
    if target:
        found = ", ".join(f"{name} {version}" for name, version in (target.get("versions") or {}).items() if version)
        lines.append(f"Diagnosed Python: {target.get('python') or 'none found'} (chosen by {target.get('chosen_by')})")
        lines.append(f"  {found or 'none of the tracked packages installed'}")
        if target.get("problem"):
            lines.append(f"  problem: {target['problem']}")
    lines.append("")
    for step in report["steps"]:
        status = step.get("status") or "-"
        probe = step.get("probe") or "question"
        lines.append(f"  [{status:>7}] {step['node']:<22} {probe:<18} {step.get('evidence', '')}")
    lines.append("")
    verdict = report["verdict"]
    diag = report.get("diagnosis")
    lines.append(f"Verdict: {VERDICT_WORDS.get(verdict, verdict)}")
    if diag:
        lines.append(f"Cause:   {diag['cause']} — {diag['title']} ({diag['severity']})")
        if diag.get("explanation"):
            lines.append("")
            lines.append("  " + diag["explanation"])
    elif report.get("outcome"):
        lines.append(f"         {report['outcome']['title']}")
    if report.get("missing_input"):
        lines.append(f"Missing: pass --answer {report['missing_input']}=VALUE")
    if report.get("timed_out"):
        lines.append(f"Timed out: {', '.join(report['timed_out'])} (deadline {report['timeout_s']} s)")
    for rem in report.get("remediations", []):
        lines.append("")
        lines.append(f"Fix [{rem['applicability']}]: {rem['title']}")
        for step_text in rem.get("steps", []):
            lines.append(f"  - {step_text}")
        for cmd in rem.get("commands", []):
            lines.append(f"    $ {cmd}")
    if diag and diag.get("references"):
        lines.append("")
        lines.append("References:")
        for ref in diag["references"]:
            lines.append(f"  - {ref['title']}: {ref['url']}")
    return "\n".join(lines) + "\n"
