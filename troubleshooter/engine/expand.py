"""Rewrite the shorthand of a playbook file into plain `nodes`, before the model is built.

Playbooks are cheap to write when a list of checks wires itself, a condition is written once
and a cause's text lives in one place. This module turns those forms into exactly the nodes a
hand-wired file would have (same ids), so the walker, reports and the docs see no difference:

- `checklist:` a list of steps (`{id: ..., probe: ...}`); a step without `otherwise` goes to
  the next step, and the first step is the default `start`;
- `diagnoses:` `id: cause-slug`, `id: ~` (the cause is the id) or `id: {cause: ..., ...}`;
- `conditions:` named conditions (`name: CONDITION` or `name: {when: CONDITION, why: TEXT}`),
  used as `when: name`, inside `all`/`any`/`not`, or `when: [a, b]` (all of them);
- a diagnosis written in the short form (under `diagnoses:` or as a checklist step) that names a
  cause takes the library's title, explanation, severity, remediations and references for what
  it does not say itself, `add:` appends to them, and remediations it names that the playbook
  does not define come from the library. Nodes under `nodes:` are taken as written, so files in
  the plain form load exactly as they always did.
Values keep their `Located` positions, so errors still point at the line that caused them.
"""

from __future__ import annotations

from troubleshooter.engine.library import Library, shipped
from troubleshooter.engine.shape import Errors, ident, list_of, mapping
from troubleshooter.engine.yamlsrc import Located

SHORTHAND = ("checklist", "diagnoses", "conditions")


def _infer_type(body: dict[str, Located], ref: Located) -> dict[str, Located]:
    """`probe` makes a check, `key` a question, anything else a diagnosis."""
    if "type" in body:
        return body
    kind = "check" if "probe" in body else "question" if "key" in body else "diagnosis"
    return {"type": Located(kind, ref.ref), **body}


def _checklist(raw: Located | None, nodes: dict[str, Located], errs: Errors) -> str | None:
    """Add the steps to `nodes`, each defaulting `otherwise` to the next; returns the first id."""
    steps: list[tuple[str, Located, dict[str, Located]]] = []
    for item in list_of(raw, "checklist", errs):
        body = mapping(item, "checklist step", errs)
        if body is None:
            continue
        if "id" not in body:
            errs.add(item.ref, "a checklist step needs an 'id'")
            continue
        node_id = ident(body["id"], "id", errs)
        if node_id:
            steps.append((node_id, item, {k: v for k, v in body.items() if k != "id"}))
    for index, (node_id, item, given) in enumerate(steps):
        body = _infer_type(given, item)
        is_flow = body["type"].value in ("check", "question")
        if is_flow and "otherwise" not in body and index + 1 < len(steps):
            body["otherwise"] = Located(steps[index + 1][0], item.ref)
        if node_id in nodes:
            errs.add(item.ref, f"node {node_id!r} is defined twice (also at {nodes[node_id].ref})", code="TS116")
            continue
        nodes[node_id] = Located(body, item.ref)
    return steps[0][0] if steps else None


def _diagnoses(raw: Located | None, nodes: dict[str, Located], errs: Errors) -> None:
    for node_id, item in (mapping(raw, "diagnoses", errs) or {}).items():
        if node_id in nodes:
            errs.add(item.ref, f"node {node_id!r} is defined twice (also at {nodes[node_id].ref})", code="TS116")
            continue
        kind = Located("diagnosis", item.ref)
        if item.value is None:
            body = {"type": kind, "cause": Located(node_id, item.ref)}
        elif isinstance(item.value, str):
            body = {"type": kind, "cause": item}
        else:
            found = mapping(item, f"diagnosis {node_id!r}", errs)
            if found is None:
                continue
            body = {"type": kind, **found}
            verdict = found.get("verdict")
            if verdict is None or verdict.value == "problem":
                body.setdefault("cause", Located(node_id, item.ref))
        nodes[node_id] = Located(body, item.ref)


class _Conditions:
    """Named conditions (the playbook's own over the library's), inlined where they are used."""

    def __init__(self, named: dict[str, Located], errs: Errors) -> None:
        self.named = named
        self.errs = errs

    def definition(self, name: Located) -> tuple[Located | None, Located | None]:
        found = self.named.get(str(name.value))
        if found is None:
            known = ", ".join(sorted(self.named)) or "none defined"
            self.errs.add(name.ref, f"unknown condition {name.value!r} (named conditions: {known})", code="TS115")
            return None, None
        if isinstance(found.value, dict) and "when" in found.value:
            return found.value["when"], found.value.get("why")
        return found, None

    def resolve(self, cond: Located, seen: tuple[str, ...] = ()) -> Located:
        if isinstance(cond.value, str):
            if cond.value in seen:
                self.errs.add(cond.ref, f"condition {cond.value!r} refers to itself", code="TS115")
                return Located({}, cond.ref)
            inner, _ = self.definition(cond)
            return self.resolve(inner, (*seen, cond.value)) if inner is not None else Located({}, cond.ref)
        if isinstance(cond.value, list):
            return Located({"all": Located([self.resolve(c, seen) for c in cond.value], cond.ref)}, cond.ref)
        if not isinstance(cond.value, dict):
            return cond
        out = dict(cond.value)
        for op in ("all", "any"):
            if op in out and isinstance(out[op].value, list):
                out[op] = Located([self.resolve(c, seen) for c in out[op].value], out[op].ref)
        if "not" in out:
            out["not"] = self.resolve(out["not"], seen)
        return Located(out, cond.ref)

    def branch(self, item: Located) -> Located:
        if not isinstance(item.value, dict) or "when" not in item.value:
            return item
        body = dict(item.value)
        when = body["when"]
        if isinstance(when.value, str):
            _, why = self.definition(when)
            if why is not None:
                body.setdefault("why", why)
        body["when"] = self.resolve(when)
        return Located(body, item.ref)


def _joined(base: Located | None, extra: Located) -> Located:
    """Two texts as one: each language of `extra` after the same language of `base`."""

    def langs(node: Located | None) -> dict[str, str]:
        if node is None or node.value is None:
            return {}
        if isinstance(node.value, dict):
            return {k: str(v.value) for k, v in node.value.items()}
        return {"en": str(node.value)}

    left, right = langs(base), langs(extra)
    out: dict[str, Located] = {}
    for lang in dict.fromkeys([*left, *right]):
        parts = [p for p in (left.get(lang, left.get("en")), right.get(lang, right.get("en"))) if p]
        out[lang] = Located("\n\n".join(parts), extra.ref)
    return Located(out, extra.ref)


def _with_cause(node: Located, lib: Library, errs: Errors) -> Located:
    """Fill a diagnosis from its cause's library entry, then apply its `add:`."""
    body = dict(node.value)
    cause = body.get("cause")
    if cause is not None and isinstance(cause.value, str):
        for key, value in lib.defaults(cause.value).items():
            body.setdefault(key, value)
    additions = body.pop("add", None)
    for key, extra in (mapping(additions, "add", errs) or {}).items():
        if key == "explanation":
            body[key] = _joined(body.get(key), extra)
        elif key in ("remediations", "references") and isinstance(extra.value, list):
            current = body.get(key)
            before = current.value if current is not None and isinstance(current.value, list) else []
            body[key] = Located([*before, *extra.value], extra.ref)
        else:
            errs.add(extra.ref, f"'add' takes explanation, remediations or references, not {key!r}")
    return Located(body, node.ref)


def expand(root: Located, errs: Errors, library: Library | None = None) -> Located:
    """The same document with every shorthand rewritten into plain nodes and remediations."""
    if not isinstance(root.value, dict):
        return root
    lib = library if library is not None else shipped()
    body = dict(root.value)
    nodes: dict[str, Located] = {}
    first = _checklist(body.pop("checklist", None), nodes, errs)
    plain_nodes = body.get("nodes")
    short = set(nodes)  # checklist steps and `diagnoses:` take the library's text; plain nodes are literal
    for node_id, raw in (mapping(plain_nodes, "nodes", errs) or {}).items():
        if node_id in nodes:
            errs.add(raw.ref, f"node {node_id!r} is defined twice (also at {nodes[node_id].ref})", code="TS116")
            continue
        nodes[node_id] = Located(_infer_type(raw.value, raw), raw.ref) if isinstance(raw.value, dict) else raw
    before = set(nodes)
    _diagnoses(body.pop("diagnoses", None), nodes, errs)
    short |= set(nodes) - before
    own = mapping(body.pop("conditions", None), "conditions", errs) or {}
    conditions = _Conditions({**lib.conditions, **own}, errs)
    remediations = dict(mapping(body.get("remediations"), "remediations", errs) or {})
    for node_id, raw in list(nodes.items()):
        if not isinstance(raw.value, dict):
            continue
        node = dict(raw.value)
        branches = node.get("branches")
        if branches is not None and isinstance(branches.value, list):
            node["branches"] = Located([conditions.branch(b) for b in branches.value], branches.ref)
        kind = node.get("type")
        if kind is not None and kind.value == "diagnosis" and node_id in short:
            filled = _with_cause(Located(node, raw.ref), lib, errs)
            node = filled.value
            wanted = node.get("remediations")
            for rem in wanted.value if wanted is not None and isinstance(wanted.value, list) else []:
                if isinstance(rem.value, str) and rem.value not in remediations and rem.value in lib.remediations:
                    remediations[rem.value] = lib.remediations[rem.value]
        nodes[node_id] = Located(node, raw.ref)
    if first is not None and "start" not in body:
        body["start"] = Located(first, root.ref)
    if nodes or plain_nodes is not None:
        body["nodes"] = Located(nodes, plain_nodes.ref if plain_nodes is not None else root.ref)
    if remediations:
        body["remediations"] = Located(remediations, body["remediations"].ref if "remediations" in body else root.ref)
    return Located(body, root.ref)
