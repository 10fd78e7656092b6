"""The playbook model: frozen types built by the loader and read by the walker, TUI and docs.

Every object keeps the `SourceRef` it came from so lint errors, docs and reports can point
at `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from troubleshooter.errors import SourceRef
from troubleshooter.exit_codes import ExitCode
from troubleshooter.i18n import Text


class Applicability(StrEnum):
    """How readily a fix may be applied, ordered like ruff's: display-only < unsafe < safe.

    `display-only` is never applied by the tool (the steps are for a person), `unsafe` changes
    the machine and needs explicit consent, `safe` cannot lose data. The order is the one
    definition every comparison uses: `--apply LEVEL` means "every fix at LEVEL or above", and
    a playbook may not rank a fix above what its action declares.
    """

    DISPLAY_ONLY = "display-only"
    UNSAFE = "unsafe"
    SAFE = "safe"

    @property
    def rank(self) -> int:
        """Position in the order (display-only 0, unsafe 1, safe 2)."""
        return _APPLICABILITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Applicability):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Applicability):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Applicability):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Applicability):
            return NotImplemented
        return self.rank >= other.rank


_APPLICABILITY_RANK = {member: rank for rank, member in enumerate(Applicability)}


class Verdict(StrEnum):
    """How a walk ends; each verdict knows the exit code the headless contract promises for it.

    A str enum, so a verdict still equals its word ("healthy") in reports, JSON and replays.
    """

    PROBLEM = "problem"
    HEALTHY = "healthy"
    INCONCLUSIVE = "inconclusive"
    NEEDS_INPUT = "needs-input"  # the walk stopped at an input nobody supplied

    @property
    def exit_code(self) -> ExitCode:
        return _VERDICT_EXIT[self]

    @classmethod
    def of(cls, word: str | None) -> Verdict:
        """The verdict a word names; a missing or unknown word is inconclusive, never a crash."""
        try:
            return cls(word or cls.INCONCLUSIVE)
        except ValueError:
            return cls.INCONCLUSIVE


_VERDICT_EXIT = {
    Verdict.HEALTHY: ExitCode.HEALTHY,
    Verdict.PROBLEM: ExitCode.PROBLEM,
    Verdict.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
    Verdict.NEEDS_INPUT: ExitCode.INCONCLUSIVE,
}
DIAGNOSIS_VERDICTS = (Verdict.PROBLEM, Verdict.HEALTHY, Verdict.INCONCLUSIVE)  # what a diagnosis node may declare


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Condition:
    """A closed predicate over statuses, facts and inputs (see engine.conditions)."""

    op: str  # status | fact | input | all | any | not | always
    subject: str | None = None  # fact path or input key
    of: str | None = None  # node id whose facts are read (default: the current node)
    test: str | None = None  # equals | in | exists | lt | le | gt | ge | matches | truthy
    value: Any = None
    children: tuple[Condition, ...] = ()
    ref: SourceRef | None = None


@dataclass(frozen=True)
class Branch:
    when: Condition
    next: str
    why: Text | None = None
    ref: SourceRef | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text | None = None


@dataclass(frozen=True)
class InputSpec:
    key: str
    description: Text | None = None
    default: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    kind: str = "text"  # text | repo-id (a Hub URL is reduced to owner/name) | path
    ref: SourceRef | None = None


@dataclass(frozen=True)
class Reference:
    title: Text
    url: str
    verified_on: str | None = None


@dataclass(frozen=True)
class Remediation:
    id: str
    title: Text
    applicability: Applicability
    steps: tuple[Text, ...] = ()
    commands: tuple[str, ...] = ()
    action: str | None = None  # a registered action (remediation issue)
    action_args: dict[str, Any] = field(default_factory=dict)
    ref: SourceRef | None = None


@dataclass(frozen=True)
class Node:
    """Base for the three node kinds; `id` is stable and used in reports and answers."""

    id: str
    title: Text
    ref: SourceRef


@dataclass(frozen=True)
class CheckNode(Node):
    probe: str
    args: dict[str, Any] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()
    otherwise: str | None = None
    description: Text | None = None
    probe_ref: SourceRef | None = None  # where the probe name is written (lint points there)


@dataclass(frozen=True)
class QuestionNode(Node):
    key: str
    prompt: Text | None = None
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    branches: tuple[Branch, ...] = ()
    otherwise: str | None = None


@dataclass(frozen=True)
class DiagnosisNode(Node):
    verdict: Verdict  # one of DIAGNOSIS_VERDICTS
    cause: str | None = None
    severity: Severity = Severity.ERROR
    explanation: Text | None = None
    remediations: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    verified_on: str | None = None


@dataclass(frozen=True)
class Playbook:
    id: str
    title: Text
    summary: Text | None
    symptoms: tuple[Text, ...]
    inputs: dict[str, InputSpec]
    start: str
    nodes: dict[str, Node]
    remediations: dict[str, Remediation]
    path: str
    ref: SourceRef
    tags: tuple[str, ...] = ()

    def edges(self, node_id: str) -> list[str]:
        """Ids a node can lead to, in branch order (otherwise last)."""
        node = self.nodes[node_id]
        if isinstance(node, CheckNode | QuestionNode):
            targets = [b.next for b in node.branches]
            if node.otherwise:
                targets.append(node.otherwise)
            return targets
        return []
