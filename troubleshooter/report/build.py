"""Building the report: one JSON-able document per walk, the source of every output format.

Built from a finished walker Session; it lives above the engine (it reads a Session) and below
the faces, so the CLI, the TUI and the notebook all build the same document. `schema_version`
1 follows the headless contract; extra keys (environment, inputs, timed_out, overrides) are
additions the contract allows.
"""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from troubleshooter._version import __version__
from troubleshooter.distinfo import installed_version
from troubleshooter.engine.walker import fill_known
from troubleshooter.i18n import pick
from troubleshooter.jsonsafe import clean
from troubleshooter.model.playbook import DIAGNOSIS_VERDICTS, Verdict
from troubleshooter.redact import redact_data

if TYPE_CHECKING:
    from troubleshooter.engine.walker import Session

SCHEMA_VERSION = 1
UNKNOWN = {"en": "(unknown)", "zh": "（未知）"}  # a value the walk did not learn, in prose
VERSIONED = ("huggingface_hub", "hf_xet", "filelock", "transformers", "torch", "nvidia-ml-py", "textual")


def installed_versions() -> dict[str, str | None]:
    """Versions of the packages that matter, read from metadata (nothing is imported)."""
    return {dist: installed_version(dist) for dist in VERSIONED}


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
    target: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report dict for a finished (or stopped) walk, in the contract's shape.

    `target` names the interpreter that was diagnosed (the contract's `target`: `python`,
    `chosen_by`, its versions); reports without one (replays of old reports) leave it out.
    """
    pb = session.playbook
    diag = session.diagnosis
    diagnosis = None
    remediations: list[dict[str, Any]] = []
    if diag is not None and session.verdict in DIAGNOSIS_VERDICTS:
        if session.verdict == Verdict.PROBLEM:
            diagnosis = {
                "node": diag.id,
                "cause": diag.cause,
                "title": pick(diag.title, lang),
                "severity": diag.severity.value,
                "explanation": fill_known(pick(diag.explanation, lang), session, UNKNOWN[lang]),
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
                    "steps": [fill_known(pick(s, lang), session, UNKNOWN[lang]) for s in rem.steps],
                    "commands": [fill_known(command, session) for command in rem.commands],
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
        "verdict": str(session.verdict or Verdict.INCONCLUSIVE),
        "diagnosis": diagnosis,
        "outcome": {
            "node": diag.id,
            "title": pick(diag.title, lang),
            "explanation": fill_known(pick(diag.explanation, lang), session, UNKNOWN[lang]),
        }
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
        **({"target": redact_data(target)} if target is not None else {}),
        "environment": environment if environment is not None else environment_info(),
    }
    # Redacted as data (never as serialised text) and made strictly JSON-safe, once, here.
    return clean(redact_data(report))
