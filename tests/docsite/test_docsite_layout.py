"""The decision-tree layout: every node drawn, no overlapping boxes, edges pointing down the tree."""

from __future__ import annotations

import pytest

from troubleshooter.catalog import discover
from troubleshooter.docsite.layout import BOX_W, GraphEdge, GraphNode, layout_graph, layout_playbook, wrap_label

PLAYBOOKS = sorted(discover())


@pytest.mark.parametrize("playbook_id", PLAYBOOKS)
def test_shipped_playbooks_lay_out_without_overlaps(playbook_id: str) -> None:
    pb = discover()[playbook_id]
    tree = layout_playbook(pb, "en")
    assert {b.anchor for b in tree.boxes} == set(pb.nodes)
    for i, a in enumerate(tree.boxes):
        assert a.x >= 0 and a.x + a.w <= tree.width
        assert a.y >= 0 and a.y + a.h <= tree.height
        for b in tree.boxes[i + 1 :]:
            if a.y == b.y:
                assert abs(a.cx - b.cx) >= BOX_W, (a.id, b.id)
    y_of = {b.id: b.y for b in tree.boxes}
    for route in tree.routes:
        assert y_of[route.target] > y_of[route.source], (route.source, route.target)


def test_a_diagnosis_reached_from_two_checks_is_drawn_under_each() -> None:
    nodes = [
        GraphNode("a", "first check", "check"),
        GraphNode("b", "second check", "check"),
        GraphNode("end@a", "shared end", "problem", "end"),
        GraphNode("end@b", "shared end", "problem", "end"),
        GraphNode("ok", "fine", "healthy"),
    ]
    edges = [
        GraphEdge("a", "end@a", "x"),
        GraphEdge("a", "b", "otherwise", True),
        GraphEdge("b", "end@b", "y"),
        GraphEdge("b", "ok", "otherwise", True),
    ]
    tree = layout_graph(nodes, edges, "a")
    boxes = {b.id: b for b in tree.boxes}
    assert boxes["end@a"].y == boxes["b"].y
    assert boxes["end@b"].y == boxes["ok"].y > boxes["b"].y
    assert boxes["end@a"].anchor == boxes["end@b"].anchor == "end"
    assert abs(boxes["a"].cx - boxes["b"].cx) < 1  # the continuing branch stays under its parent


def test_parallel_branches_to_the_same_node_are_one_edge_with_both_conditions() -> None:
    nodes = [GraphNode("a", "check", "check"), GraphNode("z", "end", "problem")]
    tree = layout_graph(nodes, [GraphEdge("a", "z", "status is timeout"), GraphEdge("a", "z", "kind is dns")], "a")
    assert len(tree.routes) == 1
    assert tree.routes[0].label == "status is timeout; kind is dns"


def test_labels_wrap_by_display_width_and_are_clipped_to_three_lines() -> None:
    assert wrap_label("Does the endpoint answer like a Hub?") == ("Does the endpoint answer", "like a Hub?")
    chinese = wrap_label("端点是否像 Hub 一样应答并且返回正确的响应头以及提交哈希值和文件大小信息呢")
    assert all(sum(2 if ord(c) > 0x2E80 else 1 for c in line) <= 28 for line in chinese)
    long = wrap_label("word " * 40)
    assert len(long) == 3 and long[-1].endswith("…")
