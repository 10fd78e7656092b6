"""The playbook as a tree, with the walked path highlighted and every node's status.

The top level is the main line: the walked path, then the `otherwise` chain ahead. Each of
those nodes nests its other branches. A playbook is a graph in which several checks share a
diagnosis, so each node is expanded once (on the main line if it is there, else where a
depth-first pass meets it first); later mentions are leaves that say "↪ node-id". The tree can be read back as plain
data (`as_data`) so tests assert its structure instead of pixels.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from troubleshooter.engine.walker import Session
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import CheckNode, DiagnosisNode, Playbook, QuestionNode, Verdict

STATUS_MARK = {
    "pass": "✔",
    "fail": "✘",
    "warn": "!",
    "unknown": "?",
    "timeout": "⏱",
    "skipped": "–",
    "error": "✘",
}
VERDICT_MARK: dict[str, str] = {Verdict.PROBLEM: "●", Verdict.HEALTHY: "✔", Verdict.INCONCLUSIVE: "?"}


def _kind(node: Any) -> str:
    if isinstance(node, CheckNode):
        return "check"
    if isinstance(node, QuestionNode):
        return "question"
    return "diagnosis"


class PlaybookTree(Tree[str]):
    """The playbook's nodes; `show(session)` rebuilds it around the walk so far.

    | Key | Action |
    | :- | :- |
    | enter / space | fold or unfold a node |
    """

    def __init__(self, playbook: Playbook, **kwargs: Any) -> None:
        super().__init__(playbook.id, **kwargs)
        self.playbook = playbook
        self.show_root = False
        self.guide_depth = 2
        self.lang = "en"

    def show(self, session: Session, lang: str) -> None:
        """Labels read `mark node-id  title`: ◆ current, ✔/✘/!/?/⏱ a step's status, · not yet
        visited, ● the diagnosis reached, ◇ another diagnosis, ↪ a node expanded elsewhere.

        Rebuild from the playbook and the session: path marked, current node selected."""
        self.lang = lang
        self.clear()
        path = [s.node for s in session.steps]
        if session.current:
            path.append(session.current)
        if session.outcome:
            path.append(session.outcome)
        path_parent = {step.next: step.node for step in session.steps if step.next}
        statuses = {s.node: (s.result.status.value if s.result else "pass") for s in session.steps}
        on_path = set(path)
        placed: set[str] = set()
        cursor: TreeNode[str] | None = None

        def label(node_id: str, reference: bool = False) -> Text:
            node = self.playbook.nodes[node_id]
            title = pick(node.title, lang)
            if reference:
                return Text(f"↪ {node_id}", style="dim")
            if isinstance(node, DiagnosisNode):
                mark = VERDICT_MARK.get(node.verdict, "●") if node_id == session.outcome else "◇"
            elif node_id == session.current:
                mark = "◆"
            else:
                mark = STATUS_MARK.get(statuses[node_id], "·") if node_id in statuses else "·"
            text = Text(f"{mark} {node_id}")
            if node_id in on_path:
                text.stylize("bold reverse" if node_id in (session.current, session.outcome) else "bold")
            else:
                text.stylize("dim")
            text.append(f"  {title}", "dim italic")
            return text

        spine = self._spine(session, statuses, path_parent)
        reserved = set(spine) | on_path

        def add(parent: TreeNode[str], node_id: str, children: list[str]) -> TreeNode[str]:
            nonlocal cursor
            placed.add(node_id)
            here = parent.add(label(node_id), data=node_id, expand=node_id in on_path, allow_expand=bool(children))
            if node_id in (session.current, session.outcome):
                cursor = here
            return here

        def place(parent: TreeNode[str], node_id: str) -> None:
            children = self.playbook.edges(node_id)
            here = add(parent, node_id, children)
            for child in children:
                walked_here = path_parent.get(child) == node_id
                if child in placed or (child in reserved and not walked_here) or child not in self.playbook.nodes:
                    here.add_leaf(label(child, reference=True), data=child)
                else:
                    place(here, child)

        for index, node_id in enumerate(spine):
            following = spine[index + 1] if index + 1 < len(spine) else None
            children = [c for c in self.playbook.edges(node_id) if c != following]
            here = add(self.root, node_id, children)
            for child in children:
                if child in placed or child in reserved or child not in self.playbook.nodes:
                    here.add_leaf(label(child, reference=True), data=child)
                else:
                    place(here, child)
        self.root.expand()
        if cursor is not None:
            target = cursor
            self.call_after_refresh(self._move_to, target)

    def _spine(self, session: Session, statuses: dict[str, str], path_parent: dict[str, str]) -> list[str]:
        """The top level: the walked path, then the `otherwise` chain ahead of the current node.

        Listing the main line flat (instead of nesting every next check one level deeper)
        keeps the tree readable at 80 columns; each spine node's other branches nest under it.
        """
        spine: list[str] = []
        node_id: str | None = self.playbook.start
        while node_id and node_id in self.playbook.nodes and node_id not in spine:
            spine.append(node_id)
            edges = self.playbook.edges(node_id)
            if node_id in statuses:
                node_id = next((c for c in edges if path_parent.get(c) == node_id), None)
            else:
                node = self.playbook.nodes[node_id]
                node_id = node.otherwise if isinstance(node, CheckNode | QuestionNode) else None
        return spine

    def _move_to(self, node: TreeNode[str]) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)


def as_data(node: TreeNode[str]) -> dict[str, Any]:
    """A tree node and its children as plain data: id, label text, expanded, children."""
    return {
        "id": node.data,
        "label": str(node.label),
        "expanded": node.is_expanded,
        "children": [as_data(child) for child in node.children],
    }


def node_kind(playbook: Playbook, node_id: str) -> str:
    return _kind(playbook.nodes[node_id])
