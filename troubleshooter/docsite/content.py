"""Turn playbooks, the probe registry and the cause vocabulary into plain view data for the templates.

Everything a page shows is computed here from the same objects the walker executes, so the
site cannot drift from the tool. Values stay plain strings: escaping is the templates' job
(Jinja autoescape), never done by hand here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troubleshooter.causes import Cause
from troubleshooter.engine.conditions import describe
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import Branch, CheckNode, DiagnosisNode, Node, Playbook, QuestionNode
from troubleshooter.probes import ProbeSpec


@dataclass
class Catalog:
    """The sources of one site: playbooks by id, probes by name, causes by slug."""

    playbooks: Mapping[str, Playbook]
    probes: Mapping[str, ProbeSpec]
    causes: Mapping[str, Cause]
    docs: Mapping[str, Path] = field(default_factory=dict)  # slug -> markdown file

    def sorted_playbooks(self) -> list[Playbook]:
        return sorted(self.playbooks.values(), key=lambda pb: pb.id)


def walk_order(playbook: Playbook) -> list[str]:
    """Node ids breadth-first from the start, then any node the walk cannot reach (file order)."""
    seen: list[str] = []
    queue = deque([playbook.start])
    while queue:
        node_id = queue.popleft()
        if node_id in seen or node_id not in playbook.nodes:
            continue
        seen.append(node_id)
        queue.extend(playbook.edges(node_id))
    return seen + [n for n in playbook.nodes if n not in seen]


def probe_file(name: str) -> str:
    return f"probes/{name}.html"


def cause_file(slug: str) -> str:
    return f"causes/{slug}.html"


def playbook_file(playbook_id: str) -> str:
    return f"playbooks/{playbook_id}.html"


def _target(playbook: Playbook, node_id: str, lang: str) -> dict[str, str]:
    node = playbook.nodes.get(node_id)
    return {"id": node_id, "title": pick(node.title, lang) if node else node_id}


def _branches(playbook: Playbook, branches: tuple[Branch, ...], lang: str) -> list[dict[str, Any]]:
    return [
        {"condition": describe(b.when, lang), "why": pick(b.why, lang), **_target(playbook, b.next, lang)}
        for b in branches
    ]


def _diagnosis(playbook: Playbook, node: DiagnosisNode, catalog: Catalog, lang: str) -> dict[str, Any]:
    named = None if node.verdict == "healthy" and node.cause == "healthy" else node.cause  # lint allows this pair
    cause = catalog.causes.get(named or "")
    remediations = []
    for rem_id in node.remediations:
        rem = playbook.remediations.get(rem_id)
        if rem is None:
            continue
        remediations.append(
            {
                "id": rem.id,
                "title": pick(rem.title, lang),
                "applicability": str(rem.applicability),
                "steps": [pick(s, lang) for s in rem.steps],
                "commands": list(rem.commands),
                "action": rem.action,
            }
        )
    return {
        "verdict": node.verdict,
        "cause": named,
        "cause_known": cause is not None,
        "cause_title": pick(cause.title, lang) if cause else "",
        "severity": str(node.severity),
        "explanation": pick(node.explanation, lang),
        "remediations": remediations,
        "references": [
            {
                "title": pick(r.title, lang),
                "url": r.url if r.url.startswith(("https://", "http://")) else "",
                "verified_on": r.verified_on or node.verified_on or "",
            }
            for r in node.references
        ],
        "verified_on": node.verified_on or "",
    }


def _node_view(playbook: Playbook, node: Node, catalog: Catalog, lang: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": node.id,
        "title": pick(node.title, lang),
        "line": node.ref.line,
        "start": node.id == playbook.start,
    }
    if isinstance(node, CheckNode):
        view.update(
            kind="check",
            probe=node.probe,
            probe_known=node.probe in catalog.probes,
            probe_summary=catalog.probes[node.probe].summary if node.probe in catalog.probes else "",
            args=[(key, str(value)) for key, value in sorted(node.args.items())],
            description=pick(node.description, lang),
            branches=_branches(playbook, node.branches, lang),
            otherwise=_target(playbook, node.otherwise, lang) if node.otherwise else None,
        )
    elif isinstance(node, QuestionNode):
        view.update(
            kind="question",
            key=node.key,
            prompt=pick(node.prompt, lang),
            choices=[(c.value, pick(c.label, lang)) for c in node.choices],
            default=node.default,
            branches=_branches(playbook, node.branches, lang),
            otherwise=_target(playbook, node.otherwise, lang) if node.otherwise else None,
        )
    elif isinstance(node, DiagnosisNode):
        view.update(kind="diagnosis", **_diagnosis(playbook, node, catalog, lang))
    return view


def playbook_view(playbook: Playbook, catalog: Catalog, lang: str) -> dict[str, Any]:
    parents: dict[str, list[dict[str, str]]] = {}
    for node_id in playbook.nodes:
        for target in dict.fromkeys(playbook.edges(node_id)):
            parents.setdefault(target, []).append(_target(playbook, node_id, lang))
    nodes = []
    for node_id in walk_order(playbook):
        view = _node_view(playbook, playbook.nodes[node_id], catalog, lang)
        view["parents"] = parents.get(node_id, [])
        nodes.append(view)
    return {
        "id": playbook.id,
        "title": pick(playbook.title, lang),
        "summary": pick(playbook.summary, lang),
        "symptoms": [pick(s, lang) for s in playbook.symptoms],
        "tags": list(playbook.tags),
        "source": Path(playbook.path).name,
        "inputs": [
            {
                "key": spec.key,
                "description": pick(spec.description, lang),
                "default": spec.default,
                "required": spec.required,
                "choices": list(spec.choices),
            }
            for spec in playbook.inputs.values()
        ],
        "nodes": nodes,
    }


def diagnoses_by_cause(catalog: Catalog, lang: str) -> dict[str, list[dict[str, str]]]:
    """For each cause slug, the diagnosis nodes (in any playbook) that name it."""
    found: dict[str, list[dict[str, str]]] = {}
    for playbook in catalog.sorted_playbooks():
        for node_id in walk_order(playbook):
            node = playbook.nodes[node_id]
            if isinstance(node, DiagnosisNode) and node.cause:
                found.setdefault(node.cause, []).append(
                    {
                        "playbook": playbook.id,
                        "playbook_title": pick(playbook.title, lang),
                        "node": node_id,
                        "title": pick(node.title, lang),
                        "severity": str(node.severity),
                    }
                )
    return found


def cause_view(cause: Cause, catalog: Catalog, lang: str, named_by: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "slug": cause.slug,
        "title": pick(cause.title, lang),
        "meaning": pick(cause.meaning, lang),
        "evidence": pick(cause.evidence, lang),
        "family": cause.playbook,
        "family_known": cause.playbook in catalog.playbooks,
        "diagnoses": named_by,
    }


def probe_users(catalog: Catalog, lang: str) -> dict[str, list[dict[str, str]]]:
    users: dict[str, list[dict[str, str]]] = {}
    for playbook in catalog.sorted_playbooks():
        for node_id in walk_order(playbook):
            node = playbook.nodes[node_id]
            if isinstance(node, CheckNode):
                users.setdefault(node.probe, []).append(
                    {"playbook": playbook.id, "node": node_id, "title": pick(node.title, lang)}
                )
    return users


def probe_view(spec: ProbeSpec, used_by: list[dict[str, str]]) -> dict[str, Any]:
    paragraphs = [p.strip() for p in spec.doc.split("\n\n") if p.strip()]
    return {
        "name": spec.name,
        "summary": spec.summary,
        "details": paragraphs[1:],
        "facts": sorted(spec.facts.items()),
        "params": [{"name": p, "required": p in spec.required_params} for p in spec.params],
        "network": spec.network,
        "deadline_s": spec.deadline_s,
        "in_kernel_only": spec.in_kernel_only,
        "module": getattr(spec.func, "__module__", ""),
        "used_by": used_by,
    }


def search_entries(catalog: Catalog, lang: str, doc_titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """The client-side search index: title, page, and the words a person would type."""
    entries: list[dict[str, Any]] = []
    for playbook in catalog.sorted_playbooks():
        entries.append(
            {
                "kind": "playbook",
                "title": pick(playbook.title, lang),
                "url": playbook_file(playbook.id),
                "lines": [pick(s, lang) for s in playbook.symptoms],
                "text": " ".join([playbook.id, pick(playbook.summary, lang), *playbook.tags]),
            }
        )
    for slug, cause in sorted(catalog.causes.items()):
        entries.append(
            {
                "kind": "cause",
                "title": pick(cause.title, lang),
                "url": cause_file(slug),
                "lines": [pick(cause.meaning, lang)],
                "text": " ".join([slug, pick(cause.evidence, lang)]),
            }
        )
    for name, spec in sorted(catalog.probes.items()):
        entries.append(
            {
                "kind": "probe",
                "title": name,
                "url": probe_file(name),
                "lines": [spec.summary],
                "text": " ".join(spec.facts),
            }
        )
    for slug, title in sorted(doc_titles.items()):
        entries.append({"kind": "doc", "title": title, "url": f"docs/{slug}.html", "lines": [], "text": slug})
    return entries
