"""Cross-reference checks that turn a well-formed playbook into a walkable one.

Rules: unknown probe or probe argument, unknown node, unknown remediation, unknown cause,
unreachable node, cycle, dead end (a check or question without `otherwise`), a problem
diagnosis without remediation, and `${...}` references to nothing. Each finding is a
positioned PlaybookError; `troubleshooter lint` prints them as file:line:col and exits 2.

Lint checks a playbook against every registry (probes, causes, fix actions), so it sits above
the engine and the remediation layer, not inside the engine: the engine never needs to know
which fixes exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from troubleshooter import causes, probes
from troubleshooter.engine.factcheck import fact_errors, reference_errors
from troubleshooter.engine.library import shipped
from troubleshooter.engine.loader import read_playbook
from troubleshooter.errors import PlaybookError, PlaybookErrors, SourceRef
from troubleshooter.model.playbook import (
    Applicability,
    Branch,
    CheckNode,
    Condition,
    DiagnosisNode,
    Playbook,
    QuestionNode,
    Verdict,
)
from troubleshooter.remediation import actions


def _conditions(cond: Condition) -> Iterable[Condition]:
    yield cond
    for child in cond.children:
        yield from _conditions(child)


def _check_refs(pb: Playbook, where: SourceRef, value: object, errors: list[PlaybookError]) -> None:
    errors.extend(reference_errors(pb, where, value))


def _unknown_probe(node: CheckNode) -> PlaybookError:
    return PlaybookError(node.probe_ref or node.ref, f"unknown probe {node.probe!r} in node {node.id!r}", code="TS105")


def unknown_probes(pb: Playbook) -> list[PlaybookError]:
    """Check nodes naming a probe this version does not have: such a playbook must not be walked,
    since every such step would end `error` and the walk could still reach a healthy verdict."""
    registry = probes.registry()
    return [_unknown_probe(n) for n in pb.nodes.values() if isinstance(n, CheckNode) and n.probe not in registry]


def lint_playbook(pb: Playbook) -> list[PlaybookError]:
    """Every cross-reference problem of one loaded playbook."""
    errors: list[PlaybookError] = []
    registry = probes.registry()
    vocabulary = causes.slugs()
    if pb.start not in pb.nodes:
        errors.append(PlaybookError(pb.ref, f"start node {pb.start!r} is not defined", code="TS107"))
    for inp in pb.inputs.values():
        if inp.default:
            _check_refs(pb, inp.ref or pb.ref, inp.default, errors)
    for node in pb.nodes.values():
        branches: tuple[Branch, ...] = ()
        if isinstance(node, CheckNode):
            spec = registry.get(node.probe)
            if spec is None:
                errors.append(_unknown_probe(node))
            else:
                for arg in node.args:
                    if arg not in spec.params:
                        errors.append(
                            PlaybookError(
                                node.ref,
                                f"probe {node.probe!r} takes no argument {arg!r} "
                                f"(takes: {', '.join(spec.params) or 'none'})",
                                code="TS106",
                            )
                        )
                for arg in spec.required_params:
                    if arg not in node.args:
                        errors.append(
                            PlaybookError(node.ref, f"probe {node.probe!r} needs argument {arg!r}", code="TS106")
                        )
            _check_refs(pb, node.ref, node.args, errors)
            branches = node.branches
        if isinstance(node, QuestionNode):
            branches = node.branches
        if isinstance(node, CheckNode | QuestionNode):
            for branch in branches:
                if branch.next not in pb.nodes:
                    errors.append(
                        PlaybookError(
                            branch.ref or node.ref,
                            f"unknown node {branch.next!r} (branch of {node.id!r})",
                            code="TS107",
                        )
                    )
                for cond in _conditions(branch.when):
                    if cond.of and cond.of not in pb.nodes:
                        errors.append(
                            PlaybookError(
                                cond.ref or node.ref, f"condition refers to unknown node {cond.of!r}", code="TS107"
                            )
                        )
            if node.otherwise is None:
                errors.append(
                    PlaybookError(
                        node.ref,
                        f"dead end: node {node.id!r} has no 'otherwise' for results no branch matches",
                        code="TS108",
                    )
                )
            elif node.otherwise not in pb.nodes:
                errors.append(
                    PlaybookError(
                        node.ref, f"unknown node {node.otherwise!r} ('otherwise' of {node.id!r})", code="TS107"
                    )
                )
        if isinstance(node, DiagnosisNode):
            if (
                node.cause
                and node.cause not in vocabulary
                and not (node.verdict == Verdict.HEALTHY and node.cause == "healthy")
            ):
                errors.append(
                    PlaybookError(node.ref, f"unknown cause {node.cause!r} (not in the cause vocabulary)", code="TS109")
                )
            if node.verdict == Verdict.PROBLEM and not node.remediations:
                errors.append(
                    PlaybookError(node.ref, f"problem diagnosis {node.id!r} has no remediation", code="TS110")
                )
            for rem in node.remediations:
                if rem not in pb.remediations:
                    errors.append(PlaybookError(node.ref, f"unknown remediation {rem!r} in {node.id!r}", code="TS111"))
    errors.extend(fact_errors(pb))
    errors.extend(_graph_errors(pb))
    errors.extend(_remediation_errors(pb))
    return errors


def _strings_in(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def _remediation_errors(pb: Playbook) -> list[PlaybookError]:
    """Actions must exist, take these arguments, stay inside their paths, and get enough consent."""
    errors: list[PlaybookError] = []
    for rem in pb.remediations.values():
        if not rem.action:
            continue
        where = rem.ref or pb.ref
        spec = actions.get(rem.action)
        if spec is None:
            errors.append(
                PlaybookError(where, f"unknown action {rem.action!r} in remediation {rem.id!r}", code="TS114")
            )
            continue
        if rem.applicability is Applicability.DISPLAY_ONLY:
            errors.append(
                PlaybookError(
                    where, f"remediation {rem.id!r} is display-only but names action {rem.action!r}", code="TS114"
                )
            )
        elif rem.applicability > spec.applicability:  # the playbook ranks the fix safer than its action
            errors.append(
                PlaybookError(
                    where,
                    f"action {rem.action!r} is at least {spec.applicability.value}; "
                    f"remediation {rem.id!r} says {rem.applicability.value}",
                    code="TS114",
                )
            )
        errors.extend(
            PlaybookError(where, f"{message} (remediation {rem.id!r})", code="TS114")
            for message in actions.arg_errors(spec, rem.action_args)
        )
        for text in _strings_in(rem.action_args):
            if ".." in Path(text).parts:
                errors.append(
                    PlaybookError(
                        where, f"path traversal ('..') in an argument of remediation {rem.id!r}", code="TS114"
                    )
                )
        _check_refs(pb, where, rem.action_args, errors)
    return errors


def _graph_errors(pb: Playbook) -> list[PlaybookError]:
    errors: list[PlaybookError] = []
    if pb.start not in pb.nodes:
        return errors
    seen: set[str] = set()
    stack = [pb.start]
    while stack:
        current = stack.pop()
        if current in seen or current not in pb.nodes:
            continue
        seen.add(current)
        stack.extend(pb.edges(current))
    for node_id, node in pb.nodes.items():
        if node_id not in seen:
            errors.append(PlaybookError(node.ref, f"unreachable node {node_id!r}", code="TS112"))
    # Cycle detection: iterative DFS with colours, reporting the edge that closes a loop.
    colour: dict[str, int] = {}
    for root in pb.nodes:
        if colour.get(root):
            continue
        stack2: list[tuple[str, int]] = [(root, 0)]
        colour[root] = 1
        while stack2:
            node_id, index = stack2[-1]
            targets = [t for t in pb.edges(node_id) if t in pb.nodes]
            if index < len(targets):
                stack2[-1] = (node_id, index + 1)
                nxt = targets[index]
                if colour.get(nxt) == 1:
                    errors.append(
                        PlaybookError(pb.nodes[node_id].ref, f"cycle: {node_id!r} leads back to {nxt!r}", code="TS113")
                    )
                elif not colour.get(nxt):
                    colour[nxt] = 1
                    stack2.append((nxt, 0))
            else:
                colour[node_id] = 2
                stack2.pop()
    return errors


def lint_paths(paths: Iterable[Path]) -> tuple[list[Playbook], list[PlaybookError]]:
    """Load and lint files (directories expand to their *.yaml); duplicate ids are errors too."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    good: list[Playbook] = []
    errors: list[PlaybookError] = list(shipped().errors)
    seen_ids: dict[str, str] = {}
    for file in files:
        try:
            pb = read_playbook(file)
        except PlaybookErrors as exc:
            errors.extend(exc.errors)
            continue
        found = lint_playbook(pb)
        if pb.id in seen_ids:
            found.append(
                PlaybookError(pb.ref, f"duplicate playbook id {pb.id!r} (also in {seen_ids[pb.id]})", code="TS116")
            )
        seen_ids[pb.id] = pb.path
        errors.extend(found)
        if not found:
            good.append(pb)
    errors.sort(key=lambda e: (e.ref.path, e.ref.line, e.ref.col))
    return good, errors
