"""What a probe returns and what a walk records: plain data, redacted and made JSON-safe at creation."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from troubleshooter.jsonsafe import clean, clean_text
from troubleshooter.redact import redact_data, scrub


class Status(StrEnum):
    """Outcome of one probe. Timeouts and unknowns are verdicts the tree routes on."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    UNKNOWN = "unknown"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class ProbeResult:
    """A probe's answer: status, JSON-able facts and one line of evidence for people.

    Facts and evidence are scrubbed of secrets here, when they are created, so no report,
    log or screen that shows them later can leak a token.
    """

    status: Status
    facts: dict[str, Any] = field(default_factory=dict)
    evidence: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "facts", clean(redact_data(dict(self.facts))))
        object.__setattr__(self, "evidence", clean_text(scrub(str(self.evidence))))

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "facts": self.facts, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeResult:
        """A result recorded in a report or written by hand (`--facts`); ValueError when malformed."""
        facts = data.get("facts") or {}
        if not isinstance(facts, dict):
            raise ValueError("'facts' must be an object")
        try:
            status = Status(str(data.get("status", "unknown")))
        except ValueError:
            raise ValueError(f"status must be one of {', '.join(s.value for s in Status)}") from None
        return cls(status=status, facts=facts, evidence=str(data.get("evidence") or ""))


def passed(evidence: str, **facts: Any) -> ProbeResult:
    return ProbeResult(Status.PASS, facts, evidence)


def failed(evidence: str, **facts: Any) -> ProbeResult:
    return ProbeResult(Status.FAIL, facts, evidence)


def warned(evidence: str, **facts: Any) -> ProbeResult:
    return ProbeResult(Status.WARN, facts, evidence)


def unknown(evidence: str, **facts: Any) -> ProbeResult:
    return ProbeResult(Status.UNKNOWN, facts, evidence)


def skipped(evidence: str, **facts: Any) -> ProbeResult:
    return ProbeResult(Status.SKIPPED, facts, evidence)


@dataclass(frozen=True)
class Step:
    """One visited node of a walk, as recorded in reports (node ids match headless answers)."""

    node: str
    kind: str  # check | question | diagnosis
    probe: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    result: ProbeResult | None = None
    answer: str | None = None
    duration_s: float = 0.0
    next: str | None = None
    recommended: str | None = None  # where the probe pointed, when the user overrode it
    overridden: bool = False
    source: str = "live"  # live | replay | injected | answer | default

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        data: dict[str, Any] = {
            "node": self.node,
            "kind": self.kind,
            "probe": self.probe,
            "status": result.status.value if result else "pass",
            "facts": result.facts if result else {},
            "evidence": result.evidence if result else "",
            "duration_s": round(self.duration_s, 3),
            "next": self.next,
        }
        if self.args:
            data["args"] = redact_data(self.args)
        if self.answer is not None:
            data["answer"] = scrub(self.answer)
        if self.overridden:
            data["overridden"] = True
            data["recommended"] = self.recommended
        if self.source != "live":
            data["source"] = self.source
        return data
