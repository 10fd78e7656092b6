"""JSON Schema for playbooks, the cause library and test fixtures, generated from engine.spec.

The loader reads the same tables, so the schema an editor validates against is the format the
loader accepts (the loader still checks more: cross-references, probes, facts). The shipped
copies (`troubleshooter/*.schema.json`) are written by `troubleshooter schema --write` and a
test keeps them current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from troubleshooter.engine import spec
from troubleshooter.engine.shape import ID_RE

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("playbook", "library", "fixture")


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _map(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": value}


def _object(fields: dict[str, str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": {key: _kind(kind) for key, kind in fields.items()},
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    return out


_SIMPLE: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "pattern": ID_RE.pattern},
    "string": {"type": ["string", "number"]},
    "boolean": {"type": "boolean"},
    "number": {"type": "number"},
    "regex": {"type": "string", "format": "regex"},
    "any": {},
    "list": {"type": "array"},
    "url": {"type": "string", "pattern": "^https?://"},
    "args": {"type": "object"},
    "node-type": {"enum": list(spec.NODE_TYPES)},
    "verdict": {"enum": list(spec.VERDICTS)},
    "severity": {"enum": list(spec.SEVERITIES)},
    "applicability": {"enum": list(spec.APPLICABILITY)},
    "input-kind": {"enum": list(spec.INPUT_KINDS)},
}


def _kind(kind: str) -> dict[str, Any]:
    """The schema fragment for one value kind of engine.spec."""
    if kind in _SIMPLE:
        return dict(_SIMPLE[kind])
    if kind.endswith("-list"):
        return _array(_kind(kind[: -len("-list")]))
    return _ref(kind)


def _condition() -> dict[str, Any]:
    tests = {name: _kind(kind) for name, kind in spec.TEST_VALUES.items()}
    status = {"anyOf": [{"enum": list(spec.STATUSES)}, _array({"enum": list(spec.STATUSES)})]}

    def subject(key: str, of: bool) -> dict[str, Any]:
        props: dict[str, Any] = {key: {"type": "string"}, **tests}
        if of:
            props["of"] = _kind("id")
        return {"type": "object", "properties": props, "required": [key], "additionalProperties": False}

    return {
        "description": "A branch condition, or the name of a named condition.",
        "anyOf": [
            {"type": "string", "description": "a named condition (conditions:)"},
            _array(_ref("condition")),
            *(
                {"type": "object", "properties": {op: _array(_ref("condition"))}, "required": [op]}
                for op in ("all", "any")
            ),
            {"type": "object", "properties": {"not": _ref("condition")}, "required": ["not"]},
            {
                "type": "object",
                "properties": {"status": status, "of": _kind("id")},
                "required": ["status"],
                "additionalProperties": False,
            },
            subject("fact", True),
            subject("input", False),
        ],
    }


def _defs() -> dict[str, Any]:
    langs = {"type": "object", "properties": {lang: {"type": "string"} for lang in ("en", "zh", "zh-CN")}}
    nodes = [_object(fields) for fields in spec.NODE.values()]
    step = {"allOf": [{"type": "object", "required": ["id"]}], "anyOf": [_with_id(n) for n in nodes]}
    return {
        "text": {"anyOf": [{"type": "string"}, {**langs, "required": ["en"], "additionalProperties": False}]},
        "condition": _condition(),
        "branches": _array(_object(spec.BRANCH, ("when", "next"))),
        "choices": _array({"anyOf": [_kind("string"), _object(spec.CHOICE, ("value",))]}),
        "references": _array(_object(spec.REFERENCE, ("url",))),
        "inputs": _map({"anyOf": [{"type": "null"}, _object(spec.INPUT)]}),
        "node": {"anyOf": nodes},
        "nodes": _map(_ref("node")),
        "checklist": _array(step),
        "diagnoses": _map({"anyOf": [{"type": "null"}, _kind("id"), _object(spec.NODE["diagnosis"])]}),
        "conditions": _map({"anyOf": [_object(spec.NAMED_CONDITION, ("when",)), _ref("condition")]}),
        "remediations": _map(_object(spec.REMEDIATION, ("title", "applicability"))),
        "additions": _object(spec.ADDITIONS),
        "diagnosis-defaults": _object(spec.DIAGNOSIS_DEFAULT_KEYS),
        "causes": _map(_object(spec.CAUSE)),
    }


def _with_id(node: dict[str, Any]) -> dict[str, Any]:
    return {**node, "properties": {"id": _kind("id"), **node["properties"]}}


def schema(kind: str = "playbook") -> dict[str, Any]:
    """The JSON Schema of one file kind: playbook, library (troubleshooter/causes/*.yaml) or fixture."""
    fields, required, title = {
        "playbook": (spec.TOP, ("id", "title"), "troubleshooter playbook"),
        "library": (spec.LIBRARY_TOP, (), "troubleshooter cause library"),
        "fixture": (spec.FIXTURE, ("expect",), "troubleshooter playbook test fixture"),
    }[kind]
    body = _object(fields, required)
    return {"$schema": SCHEMA_URI, "$id": f"{kind}.schema.json", "title": title, **body, "$defs": _defs()}


def shipped_path(kind: str) -> Path:
    """Where the package keeps the generated schema (editors point `$schema=` at it)."""
    return Path(__file__).resolve().parent.parent / f"{kind}.schema.json"


def render(kind: str) -> str:
    return json.dumps(schema(kind), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
