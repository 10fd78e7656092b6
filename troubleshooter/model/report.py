"""The report: one JSON-able document per walk, the source of every output format.

Built from a finished walker Session. `schema_version` 1 follows the headless contract;
extra keys (environment, inputs, timed_out, overrides) are additions the contract allows.
"""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from troubleshooter import __version__
from troubleshooter.i18n import pick
from troubleshooter.jsonsafe import clean, dumps
from troubleshooter.redact import redact_data

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session

SCHEMA_VERSION = 1
VERSIONED = ("huggingface_hub", "hf_xet", "filelock", "transformers", "torch", "nvidia-ml-py", "textual")


def installed_versions() -> dict[str, str | None]:
    """Versions of the packages that matter, read from metadata (nothing is imported)."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for dist in VERSIONED:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def environment_info() -> dict[str, Any]:
    return {
        "tool_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "executable": sys.executable,
        "versions": installed_versions(),
    }


def build_report(
    session: Session,
    *,
    lang: str = "en",
    timeout_s: float = 5.0,
    mode: str = "live",
    environment: dict[str, Any] | None = None,
    generated_at: str | None = None,
    applied: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report dict for a finished (or stopped) walk, in the contract's shape."""
    pb = session.playbook
    diag = session.diagnosis
    diagnosis = None
    remediations: list[dict[str, Any]] = []
    if diag is not None and session.verdict in ("problem", "healthy", "inconclusive"):
        if session.verdict == "problem":
            diagnosis = {
                "node": diag.id,
                "cause": diag.cause,
                "title": pick(diag.title, lang),
                "severity": diag.severity.value,
                "explanation": pick(diag.explanation, lang),
                "references": [
                    {"title": pick(r.title, lang), "url": r.url, "verified_on": r.verified_on} for r in diag.references
                ],
            }
        for rem_id in diag.remediations:
            rem = pb.remediations.get(rem_id)
            if rem is None:
                continue
            done = (applied or {}).get(rem_id)
            remediations.append(
                {
                    "id": rem.id,
                    "title": pick(rem.title, lang),
                    "applicability": rem.applicability.value,
                    "steps": [pick(s, lang) for s in rem.steps],
                    "commands": list(rem.commands),
                    "action": rem.action,
                    "applied": bool(done and done.get("applied")),
                    **({"apply": done} if done else {}),
                }
            )
    steps = [s.to_dict() for s in session.steps]
    timed_out = [s["probe"] for s in steps if s.get("status") == "timeout"]
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "playbook": pb.id,
        "playbook_title": pick(pb.title, lang),
        "verdict": session.verdict or "inconclusive",
        "diagnosis": diagnosis,
        "outcome": {"node": diag.id, "title": pick(diag.title, lang), "explanation": pick(diag.explanation, lang)}
        if diag
        else None,
        "steps": steps,
        "remediations": remediations,
        "timed_out": timed_out,
        "overrides": [
            {"node": s["node"], "recommended": s.get("recommended"), "chosen": s["next"]}
            for s in steps
            if s.get("overridden")
        ],
        **({"fixes": list(applied.values())} if applied else {}),
        "missing_input": session.missing,
        "inputs": {k: v for k, v in session.inputs.items() if v not in (None, "")},
        "notes": list(session.notes),
        "mode": mode,
        "timeout_s": timeout_s,
        "lang": lang,
        "generated_at": generated_at or datetime.now(UTC).replace(microsecond=0).isoformat(),
        "environment": environment if environment is not None else environment_info(),
    }
    # Redacted as data (never as serialised text) and made strictly JSON-safe, once, here.
    return clean(redact_data(report))


class Report:
    """A finished walk's report, with the renderings a notebook or script wants."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    @property
    def cause(self) -> str | None:
        diag = self.data.get("diagnosis")
        return diag.get("cause") if diag else None

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.data, indent=indent)

    def to_markdown(self) -> str:
        from troubleshooter.report.render import render_markdown

        return render_markdown(self.data)

    def to_html(self) -> str:
        from troubleshooter.report.render import render_html

        return render_html(self.data)

    def to_text(self) -> str:
        from troubleshooter.report.render import render_text

        return render_text(self.data)

    def _repr_html_(self) -> str:
        from troubleshooter.report.render import render_html

        return render_html(self.data, fragment=True)

    def __rich__(self) -> Any:
        """`rich.print(report)` (and rich-aware notebooks) show a panel with verdict, fix and path."""
        from troubleshooter.notebook import rich_renderable

        return rich_renderable(self.data)

    def __repr__(self) -> str:
        return f"<Report {self.data['playbook']}: {self.verdict} {self.cause or ''}>".replace(" >", ">")
