"""Turn a YAML playbook into the frozen model, reporting every schema mistake with its position.

The loader checks shape (keys, types, enums); cross-references (unknown probes, nodes, causes,
cycles, reachability) are the linter's job so both can report several errors in one pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from troubleshooter.boundedio import BoundedReadError, read_text_bounded
from troubleshooter.engine import spec
from troubleshooter.engine.expand import expand
from troubleshooter.engine.saferegex import unsafe_reason
from troubleshooter.engine.shape import ID_RE
from troubleshooter.engine.shape import Errors as _Errors
from troubleshooter.engine.shape import ident as _ident
from troubleshooter.engine.shape import list_of as _list
from troubleshooter.engine.shape import mapping as _mapping
from troubleshooter.engine.shape import string as _string
from troubleshooter.engine.shape import text as _text
from troubleshooter.engine.shape import unknown_keys as _unknown_keys
from troubleshooter.engine.yamlsrc import MAX_BYTES, Located, load_located
from troubleshooter.errors import PlaybookError, PlaybookErrors, SourceRef
from troubleshooter.model.playbook import (
    DIAGNOSIS_VERDICTS,
    Applicability,
    Branch,
    CheckNode,
    Choice,
    Condition,
    DiagnosisNode,
    InputSpec,
    Node,
    Playbook,
    QuestionNode,
    Reference,
    Remediation,
    Severity,
    Verdict,
)

TESTS = spec.TESTS
INPUT_KINDS = spec.INPUT_KINDS

# Shorthand keys (checklist, conditions, diagnoses, add) are gone once engine.expand has run.
TOP_KEYS = set(spec.TOP) - {"checklist", "conditions", "diagnoses"}
NODE_KEYS = {kind: set(keys) - {"add"} for kind, keys in spec.NODE.items()}
REMEDIATION_KEYS = set(spec.REMEDIATION)
INPUT_KEYS = set(spec.INPUT)


def shipped_dir() -> Path:
    """The playbooks that ship inside the package (found the same way from a wheel)."""
    return Path(__file__).resolve().parent.parent / "playbooks"


def _condition(node: Located, errs: _Errors) -> Condition | None:
    body = _mapping(node, "condition", errs)
    if body is None:
        return None
    for op in ("all", "any"):
        if op in body:
            _unknown_keys(node, {op}, f"'{op}' condition", errs)
            kids = [_condition(c, errs) for c in _list(body[op], op, errs)]
            if not kids:
                errs.add(node.ref, f"'{op}' needs at least one condition")
            return Condition(op=op, children=tuple(k for k in kids if k), ref=node.ref)
    if "not" in body:
        _unknown_keys(node, {"not"}, "'not' condition", errs)
        inner = _condition(body["not"], errs)
        return Condition(op="not", children=(inner,) if inner else (), ref=node.ref)
    if "status" in body:
        _unknown_keys(node, {"status", "of"}, "'status' condition", errs)
        raw = body["status"].plain()
        values = raw if isinstance(raw, list) else [raw]
        valid = set(spec.STATUSES)
        for v in values:
            if v not in valid:
                errs.add(body["status"].ref, f"unknown status {v!r} (one of {', '.join(sorted(valid))})")
        of = _string(body.get("of"), "of", errs)
        return Condition(op="status", test="in", value=tuple(str(v) for v in values), of=of, ref=node.ref)
    for op in ("fact", "input"):
        if op in body:
            _unknown_keys(node, {op, "of", *TESTS}, f"'{op}' condition", errs)
            subject = _string(body[op], op, errs)
            tests = [t for t in TESTS if t in body]
            if len(tests) != 1:
                errs.add(node.ref, f"a '{op}' condition needs exactly one test: {', '.join(TESTS)}")
                return None
            test = tests[0]
            value = body[test].plain()
            if test == "in" and not isinstance(value, list):
                errs.add(body[test].ref, "'in' needs a list")
            if test in ("lt", "le", "gt", "ge") and (isinstance(value, bool) or not isinstance(value, int | float)):
                errs.add(body[test].ref, f"'{test}' needs a number")
            if test == "matches":
                problem = unsafe_reason(str(value))  # a pattern that can backtrack forever never loads
                if problem:
                    errs.add(body[test].ref, f"regular expression {str(value)!r} refused: {problem}")
            if test in ("exists", "truthy") and not isinstance(value, bool):
                errs.add(body[test].ref, f"'{test}' needs true or false")
            of = _string(body.get("of"), "of", errs) if op == "fact" else None
            return Condition(op=op, subject=subject, test=test, value=value, of=of, ref=node.ref)
    errs.add(node.ref, "condition must use one of: status, fact, input, all, any, not")
    return None


def _branches(body: dict[str, Located], errs: _Errors) -> tuple[Branch, ...]:
    out: list[Branch] = []
    for item in _list(body.get("branches"), "branches", errs):
        entry = _mapping(item, "branch", errs)
        if entry is None:
            continue
        _unknown_keys(item, spec.BRANCH, "branch", errs)
        if "when" not in entry or "next" not in entry:
            errs.add(item.ref, "a branch needs 'when' and 'next'")
            continue
        cond = _condition(entry["when"], errs)
        target = _ident(entry["next"], "next", errs)
        if cond and target:
            out.append(Branch(cond, target, _text(entry.get("why"), "why", errs), entry["next"].ref))
    return tuple(out)


def _node(node_id: str, raw: Located, errs: _Errors) -> Node | None:
    body = _mapping(raw, f"node {node_id!r}", errs)
    if body is None:
        return None
    kind = _string(body.get("type"), "type", errs)
    if kind not in NODE_KEYS:
        errs.add((body.get("type") or raw).ref, f"node {node_id!r}: type must be check, question or diagnosis")
        return None
    _unknown_keys(raw, NODE_KEYS[kind], f"{kind} node {node_id!r}", errs)
    title = _text(body.get("title"), "title", errs) or node_id
    if kind == "check":
        probe = _string(body.get("probe"), "probe", errs)
        if not probe:
            errs.add(raw.ref, f"check node {node_id!r} needs a 'probe'")
            return None
        args = _mapping(body.get("args"), "args", errs) or {}
        return CheckNode(
            id=node_id,
            title=title,
            ref=raw.ref,
            probe=probe,
            args={k: v.plain() for k, v in args.items()},
            branches=_branches(body, errs),
            otherwise=_ident(body.get("otherwise"), "otherwise", errs),
            description=_text(body.get("description"), "description", errs),
            probe_ref=body["probe"].ref,
        )
    if kind == "question":
        key = _ident(body.get("key"), "key", errs)
        if not key:
            errs.add(raw.ref, f"question node {node_id!r} needs a 'key'")
            return None
        choices: list[Choice] = []
        for item in _list(body.get("choices"), "choices", errs):
            if isinstance(item.value, dict):
                _unknown_keys(item, spec.CHOICE, "choice", errs)
                value = _string(item.value.get("value"), "value", errs)
                if value is None:
                    errs.add(item.ref, "a choice needs a 'value'")
                    continue
                choices.append(Choice(value, _text(item.value.get("label"), "label", errs)))
            else:
                value = _string(item, "choice", errs)
                if value is not None:
                    choices.append(Choice(value))
        return QuestionNode(
            id=node_id,
            title=title,
            ref=raw.ref,
            key=key,
            prompt=_text(body.get("prompt"), "prompt", errs),
            choices=tuple(choices),
            default=_string(body.get("default"), "default", errs),
            branches=_branches(body, errs),
            otherwise=_ident(body.get("otherwise"), "otherwise", errs),
        )
    verdict_raw = _string(body.get("verdict"), "verdict", errs) or Verdict.PROBLEM
    verdict = Verdict.of(verdict_raw)
    if verdict_raw not in DIAGNOSIS_VERDICTS:
        errs.add(body["verdict"].ref, f"verdict must be one of {', '.join(DIAGNOSIS_VERDICTS)}")
    cause = _string(body.get("cause"), "cause", errs)
    if verdict is Verdict.PROBLEM and not cause:
        errs.add(raw.ref, f"diagnosis {node_id!r} with verdict problem needs a 'cause'")
    severity_raw = _string(body.get("severity"), "severity", errs) or (
        "info" if verdict is not Verdict.PROBLEM else "error"
    )
    try:
        severity = Severity(severity_raw)
    except ValueError:
        errs.add(body["severity"].ref, f"severity must be one of {', '.join(s.value for s in Severity)}")
        severity = Severity.ERROR
    refs: list[Reference] = []
    for item in _list(body.get("references"), "references", errs):
        entry = _mapping(item, "reference", errs)
        if entry is None:
            continue
        _unknown_keys(item, spec.REFERENCE, "reference", errs)
        url = _string(entry.get("url"), "url", errs)
        if not url or not re.match(r"^https?://", url):
            errs.add(item.ref, "a reference needs an http(s) 'url'")
            continue
        refs.append(
            Reference(
                _text(entry.get("title"), "title", errs) or url,
                url,
                _string(entry.get("verified_on"), "verified_on", errs),
            )
        )
    return DiagnosisNode(
        id=node_id,
        title=title,
        ref=raw.ref,
        verdict=verdict,
        cause=cause,
        severity=severity,
        explanation=_text(body.get("explanation"), "explanation", errs),
        remediations=tuple(
            r
            for r in (_ident(i, "remediation id", errs) for i in _list(body.get("remediations"), "remediations", errs))
            if r
        ),
        references=tuple(refs),
        verified_on=_string(body.get("verified_on"), "verified_on", errs),
    )


def _remediation(rem_id: str, raw: Located, errs: _Errors) -> Remediation | None:
    body = _mapping(raw, f"remediation {rem_id!r}", errs)
    if body is None:
        return None
    _unknown_keys(raw, REMEDIATION_KEYS, f"remediation {rem_id!r}", errs)
    app_raw = _string(body.get("applicability"), "applicability", errs)
    try:
        applicability = Applicability(app_raw or "")
    except ValueError:
        errs.add((body.get("applicability") or raw).ref, "applicability must be display-only, safe or unsafe")
        return None
    steps = tuple(t for t in (_text(s, "step", errs) for s in _list(body.get("steps"), "steps", errs)) if t)
    commands = tuple(
        c for c in (_string(s, "command", errs) for s in _list(body.get("commands"), "commands", errs)) if c
    )
    args = _mapping(body.get("args"), "args", errs) or {}
    return Remediation(
        id=rem_id,
        title=_text(body.get("title"), "title", errs) or rem_id,
        applicability=applicability,
        steps=steps,
        commands=commands,
        action=_string(body.get("action"), "action", errs),
        action_args={k: v.plain() for k, v in args.items()},
        ref=raw.ref,
    )


def _inputs(raw: Located | None, errs: _Errors) -> dict[str, InputSpec]:
    body = _mapping(raw, "inputs", errs) or {}
    out: dict[str, InputSpec] = {}
    for key, item in body.items():
        if not ID_RE.match(key):
            errs.add(item.ref, f"input key {key!r} must be lowercase letters, digits, '-' or '_'")
            continue
        fields = _mapping(item, f"input {key!r}", errs) if item.value is not None else {}
        if fields is None:
            continue
        if fields:
            _unknown_keys(item, INPUT_KEYS, f"input {key!r}", errs)
        kind = _string(fields.get("kind"), "kind", errs) or "text"
        if kind not in INPUT_KINDS:
            errs.add(fields["kind"].ref, f"input kind {kind!r} is not one of: {', '.join(INPUT_KINDS)}")
        required = fields.get("required")
        if required is not None and not isinstance(required.value, bool):
            errs.add(required.ref, "required must be true or false")
        out[key] = InputSpec(
            key=key,
            description=_text(fields.get("description"), "description", errs),
            default=_string(fields.get("default"), "default", errs),
            required=bool(required.value) if required is not None else False,
            choices=tuple(str(c.value) for c in _list(fields.get("choices"), "choices", errs)),
            kind=kind,
            ref=item.ref,
        )
    return out


def parse_playbook(text: str, path: str) -> Playbook:
    """Parse playbook text; raise PlaybookErrors listing every shape problem with its position."""
    errs = _Errors()
    root = expand(load_located(text, path), errs)
    body = _mapping(root, "playbook", errs)
    if body is None:
        raise PlaybookErrors(errs.items)
    _unknown_keys(root, TOP_KEYS, "playbook", errs)
    for required in ("id", "title", "start", "nodes"):
        if required not in body:
            errs.add(root.ref, f"playbook needs '{required}'")
    pb_id = _ident(body.get("id"), "id", errs) or Path(path).stem
    nodes: dict[str, Node] = {}
    for node_id, raw in (_mapping(body.get("nodes"), "nodes", errs) or {}).items():
        if not ID_RE.match(node_id):
            errs.add(raw.ref, f"node id {node_id!r} must be lowercase letters, digits, '-', '_' or '.'")
            continue
        node = _node(node_id, raw, errs)
        if node is not None:
            nodes[node_id] = node
    remediations: dict[str, Remediation] = {}
    for rem_id, raw in (_mapping(body.get("remediations"), "remediations", errs) or {}).items():
        rem = _remediation(rem_id, raw, errs)
        if rem is not None:
            remediations[rem_id] = rem
    symptoms = tuple(t for t in (_text(s, "symptom", errs) for s in _list(body.get("symptoms"), "symptoms", errs)) if t)
    playbook = Playbook(
        id=pb_id,
        title=_text(body.get("title"), "title", errs) or pb_id,
        summary=_text(body.get("summary"), "summary", errs),
        symptoms=symptoms,
        inputs=_inputs(body.get("inputs"), errs),
        start=_ident(body.get("start"), "start", errs) or "",
        nodes=nodes,
        remediations=remediations,
        path=path,
        ref=root.ref,
        tags=tuple(str(t.value) for t in _list(body.get("tags"), "tags", errs)),
    )
    if errs.items:
        raise PlaybookErrors(errs.items)
    return playbook


def read_playbook(path: Path, display: str | None = None) -> Playbook:
    """Read and parse one file; I/O problems become positioned errors too."""
    shown = display or str(path)
    try:
        # Bounded and regular files only: a FIFO named *.yaml would block open() forever,
        # /dev/zero would grow until memory runs out.
        text = read_text_bounded(path, MAX_BYTES)
    except UnicodeDecodeError as exc:
        raise PlaybookErrors([PlaybookError(SourceRef(shown), f"not UTF-8 text: {exc.reason}")]) from None
    except BoundedReadError as exc:
        raise PlaybookErrors([PlaybookError(SourceRef(shown), exc.reason)]) from None
    try:
        return parse_playbook(text, shown)
    except PlaybookError as exc:
        raise PlaybookErrors([exc]) from None


def plain_args(args: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy, so callers never mutate the frozen model's dicts."""
    return dict(args)
