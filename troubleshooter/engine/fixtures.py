"""Playbook tests without Python: recorded facts in, expected diagnosis out, branch coverage.

A fixture (`playbooks/tests/<playbook-id>/<name>.yaml`, next to the playbook) injects probe
results exactly like `--facts` does (by node id or probe name), gives answers (`answers` up
front like `--answer`, `asked` only when a question is reached, like the TUI), and names the
node, cause or verdict the walk must end at. Walks are replays: a check with no recorded result
gets status `unknown`, never a live probe. Coverage counts branches: every `when` of every check
and question, and every `otherwise`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troubleshooter.boundedio import BoundedReadError, read_text_bounded
from troubleshooter.engine import runner, spec, walker
from troubleshooter.engine.shape import Errors, ident, mapping, unknown_keys
from troubleshooter.engine.yamlsrc import MAX_BYTES, Located, load_located
from troubleshooter.errors import PlaybookError, SourceRef
from troubleshooter.model.playbook import CheckNode, Playbook, QuestionNode
from troubleshooter.model.result import ProbeResult
from troubleshooter.probes.context import ProbeContext

OTHERWISE = -1
Edge = tuple[str, int]  # (node id, branch index or OTHERWISE)
_RESULT_KEYS = {"status", "facts", "evidence"}


@dataclass(frozen=True)
class Fixture:
    name: str
    ref: SourceRef
    expect: str
    answers: dict[str, str] = field(default_factory=dict)
    injected: dict[str, ProbeResult] = field(default_factory=dict)
    asked: dict[str, str] = field(default_factory=dict)  # by question key or node id, answered on arrival


@dataclass(frozen=True)
class Outcome:
    fixture: Fixture
    reached: str | None  # diagnosis node id (None: the walk did not end at one)
    verdict: str | None
    cause: str | None
    taken: frozenset[Edge]

    @property
    def ok(self) -> bool:
        expect = self.fixture.expect
        return expect in (self.reached, self.cause) or (self.reached is None and expect == self.verdict)


def fixtures_dir(pb: Playbook) -> Path:
    return Path(pb.path).parent / "tests" / pb.id


def _result(raw: Located, errs: Errors) -> ProbeResult | None:
    """`timeout` (a status), `{facts...}` (status pass) or `{status, facts, evidence}`."""
    value = raw.plain()
    if isinstance(value, str):
        value = {"status": value}
    if not isinstance(value, dict):
        errs.add(raw.ref, "a recorded result is a status or a mapping")
        return None
    if not value or not set(value) <= _RESULT_KEYS:
        value = {"status": "pass", "facts": value}
    try:
        return ProbeResult.from_dict(value)
    except ValueError:
        errs.add(raw.ref, f"unknown status {value.get('status')!r} (one of {', '.join(spec.STATUSES)})")
        return None


def read_fixture(path: Path) -> Fixture:
    """One fixture file, or PlaybookError(s) naming the line that is wrong."""
    from troubleshooter.errors import PlaybookErrors

    errs = Errors()
    try:
        text = read_text_bounded(path, MAX_BYTES)  # a FIFO or /dev/zero named *.yaml never hangs the run
    except (BoundedReadError, UnicodeDecodeError) as exc:
        raise PlaybookError(SourceRef(str(path)), getattr(exc, "reason", str(exc))) from None
    root = load_located(text, str(path))
    body = mapping(root, "fixture", errs) or {}
    if body:
        unknown_keys(root, spec.FIXTURE, "fixture", errs)
    expect = ident(body.get("expect"), "expect", errs)
    if not expect:
        errs.add(root.ref, "a fixture needs 'expect': the diagnosis node, cause or verdict the walk ends at")
    answers = {k: str(v.value) for k, v in (mapping(body.get("answers"), "answers", errs) or {}).items()}
    asked = {k: str(v.value) for k, v in (mapping(body.get("asked"), "asked", errs) or {}).items()}
    injected: dict[str, ProbeResult] = {}
    for key, raw in (mapping(body.get("facts"), "facts", errs) or {}).items():
        found = _result(raw, errs)
        if found is not None:
            injected[key] = found
    if errs.items:
        raise PlaybookErrors(errs.items)
    return Fixture(path.name, root.ref, expect or "", answers, injected, asked)


def read_fixtures(pb: Playbook) -> tuple[list[Fixture], list[PlaybookError]]:
    from troubleshooter.errors import PlaybookErrors

    fixtures: list[Fixture] = []
    errors: list[PlaybookError] = []
    for path in sorted(fixtures_dir(pb).glob("*.yaml")):
        try:
            fixtures.append(read_fixture(path))
        except PlaybookErrors as exc:
            errors.extend(exc.errors)
        except PlaybookError as exc:
            errors.append(exc)
    return fixtures, errors


def run_fixture(pb: Playbook, fixture: Fixture) -> Outcome:
    """Walk with the recorded results only, noting which branch each step took."""
    options = runner.RunOptions(injected=fixture.injected, replay=True)
    ctx = ProbeContext(env={})
    session = walker.begin(pb, fixture.answers)
    taken: set[Edge] = set()
    for _ in range(len(pb.nodes) + 1):
        if session.done:
            break
        before = session
        request = walker.pending(before)
        question = request.node if isinstance(request, walker.QuestionRequest) else None
        late = question and fixture.asked.get(question.key, fixture.asked.get(question.id))
        session = walker.answer(before, late) if late else runner.step(before, ctx, options)
        if len(session.steps) > len(before.steps):
            last = session.steps[-1]
            node = pb.nodes[last.node]
            result: Any = last.result if isinstance(node, CheckNode) else None
            _, branch = walker.choose(before, result, last.answer)
            branches = node.branches if isinstance(node, CheckNode | QuestionNode) else ()
            taken.add((last.node, next((i for i, b in enumerate(branches) if b is branch), OTHERWISE)))
    diagnosis = session.diagnosis
    return Outcome(fixture, session.outcome, session.verdict, diagnosis.cause if diagnosis else None, frozenset(taken))


def all_edges(pb: Playbook) -> list[Edge]:
    """Every branch of the playbook, in file order."""
    edges: list[Edge] = []
    for node in pb.nodes.values():
        if isinstance(node, CheckNode | QuestionNode):
            edges.extend((node.id, i) for i in range(len(node.branches)))
            if node.otherwise:
                edges.append((node.id, OTHERWISE))
    return edges


def target(pb: Playbook, edge: Edge) -> str:
    node = pb.nodes[edge[0]]
    assert isinstance(node, CheckNode | QuestionNode)
    return (node.otherwise or "") if edge[1] == OTHERWISE else node.branches[edge[1]].next


@dataclass(frozen=True)
class Coverage:
    covered: int
    total: int
    missing: tuple[Edge, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def coverage(pb: Playbook, outcomes: list[Outcome]) -> Coverage:
    taken = set().union(*(o.taken for o in outcomes)) if outcomes else set()
    edges = all_edges(pb)
    missing = tuple(e for e in edges if e not in taken)
    return Coverage(len(edges) - len(missing), len(edges), missing)
