"""The playbook format, written down once: every key, what kind of value it takes, every enum.

The loader checks files against these tables and `engine.schema` turns the same tables into
the JSON Schema editors use, so the two cannot drift apart. Value kinds are small names
(`text`, `id`, `condition`, ...) that `engine.schema` maps to JSON Schema fragments.
"""

from __future__ import annotations

STATUSES = ("pass", "fail", "warn", "unknown", "timeout", "skipped", "error")
# Condition tests and the kind of value each takes.
TEST_VALUES: dict[str, str] = {
    "equals": "any",
    "not_equals": "any",
    "in": "list",
    "exists": "boolean",
    "lt": "number",
    "le": "number",
    "gt": "number",
    "ge": "number",
    "matches": "regex",
    "truthy": "boolean",
}
TESTS = tuple(TEST_VALUES)
VERDICTS = ("problem", "healthy", "inconclusive")
INPUT_KINDS = ("text", "repo-id", "path")
SEVERITIES = ("info", "warning", "error", "critical")
APPLICABILITY = ("display-only", "safe", "unsafe")
NODE_TYPES = ("check", "question", "diagnosis")

# Top-level keys of a playbook file. `checklist`, `conditions` and `diagnoses` are shorthand that
# `engine.expand` rewrites into plain `nodes` before the model is built.
TOP: dict[str, str] = {
    "id": "id",
    "title": "text",
    "summary": "text",
    "symptoms": "text-list",
    "tags": "string-list",
    "inputs": "inputs",
    "start": "id",
    "checklist": "checklist",
    "nodes": "nodes",
    "diagnoses": "diagnoses",
    "conditions": "conditions",
    "remediations": "remediations",
    "schema": "string",
}

_FLOW = {"branches": "branches", "otherwise": "id"}
NODE: dict[str, dict[str, str]] = {
    "check": {"type": "node-type", "title": "text", "probe": "string", "args": "args", "description": "text", **_FLOW},
    "question": {
        "type": "node-type",
        "title": "text",
        "key": "id",
        "prompt": "text",
        "choices": "choices",
        "default": "string",
        **_FLOW,
    },
    "diagnosis": {
        "type": "node-type",
        "title": "text",
        "verdict": "verdict",
        "cause": "id",
        "severity": "severity",
        "explanation": "text",
        "remediations": "id-list",
        "references": "references",
        "verified_on": "string",
        "add": "additions",
    },
}
# What a diagnosis may take from its cause in the library, and what `add:` appends to.
DIAGNOSIS_DEFAULTS = ("title", "explanation", "severity", "verdict", "remediations", "references", "verified_on")
ADDITIONS: dict[str, str] = {"explanation": "text", "remediations": "id-list", "references": "references"}
BRANCH: dict[str, str] = {"when": "condition", "next": "id", "why": "text"}
CHOICE: dict[str, str] = {"value": "string", "label": "text"}
REFERENCE: dict[str, str] = {"title": "text", "url": "url", "verified_on": "string"}
INPUT: dict[str, str] = {
    "default": "string",
    "description": "text",
    "required": "boolean",
    "choices": "string-list",
    "kind": "input-kind",
}
REMEDIATION: dict[str, str] = {
    "title": "text",
    "applicability": "applicability",
    "steps": "text-list",
    "commands": "string-list",
    "action": "string",
    "args": "args",
}
# A named condition: the condition itself, or {when: CONDITION, why: TEXT} to share the why too.
NAMED_CONDITION: dict[str, str] = {"when": "condition", "why": "text"}

# The cause library (troubleshooter/causes/*.yaml): one home per cause.
LIBRARY_TOP: dict[str, str] = {
    "playbook": "id",
    "causes": "causes",
    "remediations": "remediations",
    "conditions": "conditions",
    "schema": "string",
}
DIAGNOSIS_DEFAULT_KEYS: dict[str, str] = {k: NODE["diagnosis"][k] for k in DIAGNOSIS_DEFAULTS}
# A cause is written once: what every diagnosis of it shows (title, explanation, remediations,
# references, severity), plus the vocabulary's short `name` (default: the title), what the
# probes look at (`evidence`) and an optional one-line `meaning` (default: the explanation).
CAUSE: dict[str, str] = {
    "name": "text",
    "meaning": "text",
    "evidence": "text",
    "playbook": "id",
    **{k: v for k, v in DIAGNOSIS_DEFAULT_KEYS.items() if k != "verdict"},
}

# A fixture for `troubleshooter test` (playbooks/tests/<id>/*.yaml).
# `answers` are inputs given up front (like --answer); `asked` answers a question only when the
# walk reaches it (like the TUI), for branches that depend on the question not being answered yet.
FIXTURE: dict[str, str] = {"description": "text", "answers": "args", "asked": "args", "facts": "args", "expect": "id"}
