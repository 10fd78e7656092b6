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
from troubleshooter.words import word

TEMPLATES = Path(__file__).parent / "templates"
VERDICT_WORDS: dict[str, str] = {v: word(f"report.verdict.{v.value}", "en") for v in Verdict}


def verdict_words(lang: str) -> dict[str, str]:
    """The verdicts as a report in `lang` words them."""
    return {v: word(f"report.verdict.{v.value}", lang) for v in Verdict}


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
    return env


def _words(report: dict[str, Any]) -> dict[str, Any]:
    """What the templates need to speak the report's language: `w(name)` and the verdict words."""
    lang = str(report.get("lang") or "en")
    return {"w": lambda name, **values: word(f"report.{name}", lang, **values), "verdict_words": verdict_words(lang)}


def render_markdown(report: dict[str, Any]) -> str:
    return _env(False).get_template("report.md.j2").render(r=report, **_words(report))


def render_html(report: dict[str, Any], *, fragment: bool = False) -> str:
    return _env(True).get_template("report.html.j2").render(r=report, fragment=fragment, **_words(report))


def render_json(report: dict[str, Any]) -> str:
    return dumps(report)


def render_text(report: dict[str, Any]) -> str:
    """A readable summary for a terminal (what `--playbook X` prints without --json)."""
    lang = str(report.get("lang") or "en")

    def w(name: str, **values: object) -> str:
        return word(f"report.{name}", lang, **values)

    lines = [f"{report['playbook_title']} ({report['playbook']})"]
    target = report.get("target")
    if target:
        found = ", ".join(f"{name} {version}" for name, version in (target.get("versions") or {}).items() if version)
        where = target.get("python") or w("none_found")
        lines.append(f"{w('target')}: {where} ({w('chosen_by', how=target.get('chosen_by'))})")
        lines.append(f"  {found or w('none_tracked')}")
        if target.get("problem"):
            lines.append(f"  {w('problem')}: {target['problem']}")
    lines.append("")
    for step in report["steps"]:
        status = step.get("status") or "-"
        probe = step.get("probe") or "question"
        lines.append(f"  [{status:>7}] {step['node']:<22} {probe:<18} {step.get('evidence', '')}")
    lines.append("")
    verdict = report["verdict"]
    diag = report.get("diagnosis")
    lines.append(f"{w('verdict')}: {verdict_words(lang).get(verdict, verdict)}")
    if diag:
        lines.append(f"{w('cause')}:   {diag['cause']} — {diag['title']} ({diag['severity']})")
        if diag.get("explanation"):
            lines.append("")
            lines.append("  " + diag["explanation"])
    elif report.get("outcome"):
        lines.append(f"         {report['outcome']['title']}")
    if report.get("missing_input"):
        lines.append(f"{w('missing')}: {w('missing_hint', key=report['missing_input'])}")
    if report.get("timed_out"):
        deadline = w("deadline_each", seconds=report["timeout_s"])
        lines.append(f"{w('timed_out')}: {', '.join(report['timed_out'])} ({deadline})")
    for rem in report.get("remediations", []):
        lines.append("")
        lines.append(f"{w('fix')} [{rem['applicability']}]: {rem['title']}")
        for step_text in rem.get("steps", []):
            lines.append(f"  - {step_text}")
        for cmd in rem.get("commands", []):
            lines.append(f"    $ {cmd}")
    if diag and diag.get("references"):
        lines.append("")
        lines.append(f"{w('references')}:")
        for ref in diag["references"]:
            lines.append(f"  - {ref['title']}: {ref['url']}")
    return "\n".join(lines) + "\n"
