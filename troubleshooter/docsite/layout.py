"""Lay a playbook's decision graph out as a tidy tree, for the inline SVG on its docs page.

Playbooks are directed acyclic graphs (lint rejects cycles) whose merges are nearly all
diagnoses reached from several checks. Drawing such a diagnosis once under each check that
leads there (every copy links to the same node) leaves an almost pure tree, which reads best
as one: longest-path layers, each node hung under its deepest parent, subtrees packed side by
side as closely as their contours allow (Reingold-Tilford), the continuing branch kept under
its parent and the ends split to either side. It is pure geometry: the template draws it, so
every text goes through Jinja's autoescaping, and no external renderer is involved.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from troubleshooter.engine.conditions import describe
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import CheckNode, DiagnosisNode, Playbook, QuestionNode

BOX_W = 200.0
BOX_H = 58.0
H_GAP = 26.0
V_GAP = 46.0
MARGIN = 16.0
LINE_UNITS = 28  # text width per line, in half-width character units (CJK counts 2)
MAX_LINES = 3


@dataclass(frozen=True)
class GraphNode:
    """A node to place: `kind` decides the colour (check, question, problem, healthy, inconclusive)."""

    id: str
    label: str
    kind: str
    anchor: str = ""  # the playbook node a box links to (copies of a shared diagnosis share it)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    label: str
    otherwise: bool = False


@dataclass(frozen=True)
class Box:
    id: str
    anchor: str
    kind: str
    label: str
    lines: tuple[str, ...]
    x: float  # left
    y: float  # top
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass(frozen=True)
class Route:
    source: str
    target: str
    label: str
    otherwise: bool
    points: tuple[tuple[float, float], ...]

    @property
    def path(self) -> str:
        """An SVG path: vertical-tangent cubic curves through every point."""
        (x0, y0), rest = self.points[0], self.points[1:]
        parts = [f"M{x0:.1f},{y0:.1f}"]
        for x1, y1 in rest:
            mid = (y0 + y1) / 2
            parts.append(f"C{x0:.1f},{mid:.1f} {x1:.1f},{mid:.1f} {x1:.1f},{y1:.1f}")
            x0, y0 = x1, y1
        return " ".join(parts)


@dataclass(frozen=True)
class TreeLayout:
    boxes: tuple[Box, ...]
    routes: tuple[Route, ...]
    width: float
    height: float


def _units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap_label(text: str, units: int = LINE_UNITS, max_lines: int = MAX_LINES) -> tuple[str, ...]:
    """Break a title into at most `max_lines` lines that fit a box; CJK text breaks anywhere."""
    tokens: list[str] = []
    for word in text.split():
        if any(_units(c) == 2 for c in word):
            tokens.extend(word)  # CJK: every character is a break opportunity
        else:
            tokens.append(word)
    lines: list[str] = []
    current = ""
    for token in tokens:
        joiner = "" if not current or (_units(token[0]) == 2 or _units(current[-1]) == 2) else " "
        candidate = current + joiner + token
        if sum(map(_units, candidate)) <= units or not current:
            current = candidate
        else:
            lines.append(current)
            current = token
    if current:
        lines.append(current)
    lines = [_clip(line, units) for line in lines]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _clip(lines[max_lines - 1] + " …", units, force=True)]
    return tuple(lines)


def _clip(line: str, units: int, force: bool = False) -> str:
    if sum(map(_units, line)) <= units and not force:
        return line
    out, used = "", 0
    for char in line:
        if used + _units(char) > units - 1:
            break
        out += char
        used += _units(char)
    return out.rstrip(" …") + "…"


def _layers(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], start: str) -> dict[str, int]:
    """Longest-path layering from `start`; back edges (never in a linted playbook) are ignored."""
    succ: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        succ[edge.source].append(edge.target)
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(root: str) -> None:
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            children = succ.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                order.append(node)

    ids = [n.id for n in nodes]
    for root in [start, *ids]:
        if root in set(ids) and root not in state:
            visit(root)
    position = {node: i for i, node in enumerate(reversed(order))}
    layer = dict.fromkeys(ids, 0)
    for node in reversed(order):
        for child in succ.get(node, []):
            if child in position and position[child] > position[node]:
                layer[child] = max(layer[child], layer[node] + 1)
    return layer


def _spanning_tree(edges: Sequence[GraphEdge], layer: dict[str, int]) -> dict[str, list[str]]:
    """Children per node: each node hangs under its deepest parent, so it sits below all of them."""
    parents: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if layer[edge.target] > layer[edge.source]:
            parents[edge.target].append(edge.source)
    children: dict[str, list[str]] = defaultdict(list)
    for edge in edges:  # edges are in branch order, so children keep the playbook's order
        options = parents.get(edge.target, [])
        if options and edge.source == max(options, key=lambda p: layer[p]) and edge.target not in children[edge.source]:
            children[edge.source].append(edge.target)
    return children


def _arrange(kids: list[str], children: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Ends go half left, half right of the node's continuing branches (the tree's spine stays straight)."""
    inner = [k for k in kids if children.get(k)]
    ends = [k for k in kids if not children.get(k)]
    if not inner:
        return ends, ends
    half = len(ends) // 2
    return [*ends[:half], *inner, *ends[half:]], inner


Contour = dict[int, tuple[float, float]]


def _tidy(node: str, children: dict[str, list[str]], layer: dict[str, int], offset: dict[str, float]) -> Contour:
    """Reingold-Tilford-style: place subtrees side by side as close as their contours allow.

    Returns the subtree's contour (per layer: leftmost and rightmost box edge) relative to
    `node`'s centre and records each child's x offset from its parent in `offset`.
    """
    half = BOX_W / 2
    own: Contour = {layer[node]: (-half, half)}
    kids, anchors = _arrange(children.get(node, []), children)
    if not kids:
        return own
    placed: Contour = {}
    positions: dict[str, float] = {}
    for kid in kids:
        contour = _tidy(kid, children, layer, offset)
        shift = max(positions.values(), default=0.0)  # never left of the previous sibling
        for depth, (left, _right) in contour.items():
            if depth in placed:
                shift = max(shift, placed[depth][1] + H_GAP - left)
        positions[kid] = shift
        for depth, (left, right) in contour.items():
            lo, hi = placed.get(depth, (left + shift, right + shift))
            placed[depth] = (min(lo, left + shift), max(hi, right + shift))
    centre = (positions[anchors[0]] + positions[anchors[-1]]) / 2
    for kid in kids:
        offset[kid] = positions[kid] - centre
    for depth, (left, right) in placed.items():
        lo, hi = own.get(depth, (left - centre, right - centre))
        own[depth] = (min(lo, left - centre), max(hi, right - centre))
    return own


def layout_graph(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], start: str) -> TreeLayout:
    """Place boxes as a tidy tree and route every edge; parallel edges between a pair are drawn once."""
    known = {n.id for n in nodes}
    merged: dict[tuple[str, str], GraphEdge] = {}
    for edge in edges:
        if edge.source not in known or edge.target not in known or edge.source == edge.target:
            continue
        key = (edge.source, edge.target)
        if key in merged:
            old = merged[key]
            merged[key] = GraphEdge(
                old.source, old.target, f"{old.label}; {edge.label}", old.otherwise and edge.otherwise
            )
        else:
            merged[key] = edge
    ids = [n.id for n in nodes]
    layer = _layers(nodes, list(merged.values()), start)
    children = _spanning_tree(list(merged.values()), layer)
    has_parent = {kid for kids in children.values() for kid in kids}
    roots = [start] if start in known else []
    roots += [i for i in ids if i not in has_parent and i not in roots]
    x: dict[str, float] = {}
    left_edge = 0.0
    for root in roots:
        offset: dict[str, float] = {}
        contour = _tidy(root, children, layer, offset)
        base = left_edge - min(lo for lo, _ in contour.values())
        stack = [(root, base)]
        while stack:
            node, value = stack.pop()
            x[node] = value
            stack += [(kid, value + offset[kid]) for kid in children.get(node, [])]
        left_edge = base + max(hi for _, hi in contour.values()) + H_GAP * 2
    lowest = min((v - BOX_W / 2 for v in x.values()), default=0.0)
    x = {n: v - lowest + MARGIN for n, v in x.items()}
    y = {n: MARGIN + layer[n] * (BOX_H + V_GAP) for n in ids}
    boxes = tuple(
        Box(n.id, n.anchor or n.id, n.kind, n.label, wrap_label(n.label), x[n.id] - BOX_W / 2, y[n.id], BOX_W, BOX_H)
        for n in nodes
    )
    routes = []
    for (source, target), edge in merged.items():
        start_point = (x[source], y[source] + BOX_H)
        if y[target] > y[source]:
            points = (start_point, (x[target], y[target]))
        else:  # never in a linted playbook: a back edge, drawn into the target's bottom
            points = (start_point, (x[target], y[target] + BOX_H))
        routes.append(Route(source, target, edge.label, edge.otherwise, points))
    total_w = max((v + BOX_W / 2 for v in x.values()), default=0.0) + MARGIN
    total_h = MARGIN + (max(layer.values(), default=0) + 1) * (BOX_H + V_GAP) - V_GAP + MARGIN
    return TreeLayout(boxes, tuple(routes), round(total_w, 1), round(total_h, 1))


def node_kind(node: object) -> str:
    if isinstance(node, CheckNode):
        return "check"
    if isinstance(node, QuestionNode):
        return "question"
    if isinstance(node, DiagnosisNode):
        return node.verdict
    return "check"


def layout_playbook(playbook: Playbook, lang: str) -> TreeLayout:
    """The playbook's nodes and branches, labelled in `lang`, laid out from its start node.

    A diagnosis reached from several checks is drawn once under each of them (all copies link
    to the same node): it keeps every end next to the check that leads there, instead of long
    edges converging on one box from all over the tree.
    """
    edges: list[GraphEdge] = []
    for node_id, node in playbook.nodes.items():
        if isinstance(node, CheckNode | QuestionNode):
            edges += [GraphEdge(node_id, b.next, describe(b.when, lang)) for b in node.branches]
            if node.otherwise:
                edges.append(GraphEdge(node_id, node.otherwise, "otherwise" if lang != "zh" else "其他情况", True))
    parents: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        parents[edge.target].add(edge.source)
    shared = {
        node_id
        for node_id, node in playbook.nodes.items()
        if isinstance(node, DiagnosisNode) and len(parents[node_id]) > 1 and node_id != playbook.start
    }
    nodes: list[GraphNode] = []
    for node_id, node in playbook.nodes.items():
        label, kind = pick(node.title, lang), node_kind(node)
        if node_id in shared:
            nodes += [GraphNode(f"{node_id}@{p}", label, kind, node_id) for p in sorted(parents[node_id])]
        else:
            nodes.append(GraphNode(node_id, label, kind, node_id))
    edges = [
        GraphEdge(e.source, f"{e.target}@{e.source}", e.label, e.otherwise) if e.target in shared else e for e in edges
    ]
    return layout_graph(nodes, edges, playbook.start)
