"""Safe YAML reading that remembers where every value came from.

PyYAML's composer gives nodes with marks; we convert them ourselves into `Located` values so
the loader can report `file:line:col` for any mistake. Only the standard YAML tags are
accepted (no `!!python/...`), and node count, depth and file size are capped so alias bombs,
deep nesting and huge inputs end in a clean error instead of memory exhaustion or a
RecursionError traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from troubleshooter.errors import PlaybookError, SourceRef

# The C loader composes the same nodes with the same marks, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 64
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


@dataclass(frozen=True)
class Located:
    """A YAML value plus where it started in the file."""

    value: Any  # str | int | float | bool | None | dict[str, Located] | list[Located]
    ref: SourceRef

    def plain(self) -> Any:
        """The value with positions stripped (for args and free-form data)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _ref(path: str, mark: Any) -> SourceRef:
    if mark is None:
        return SourceRef(path, 1, 1)
    return SourceRef(path, mark.line + 1, mark.column + 1)


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, depth: int) -> Located:
        ref = _ref(self.path, node.start_mark)
        self.count += 1
        if self.count > MAX_NODES:
            raise PlaybookError(ref, f"document too large: more than {MAX_NODES} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise PlaybookError(ref, f"nesting deeper than {MAX_DEPTH} levels")
        if node.tag not in _ALLOWED_TAGS:
            raise PlaybookError(ref, f"YAML tag {node.tag!r} is not allowed (only plain data)")
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Located] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, depth + 1)
                if not isinstance(key.value, str | int | float | bool):
                    raise PlaybookError(key.ref, "mapping keys must be plain scalars")
                name = str(key.value)
                if name in out:
                    raise PlaybookError(key.ref, f"duplicate key {name!r}")
                out[name] = self.convert(value_node, depth + 1)
            return Located(out, ref)
        if isinstance(node, yaml.SequenceNode):
            return Located([self.convert(child, depth + 1) for child in node.value], ref)
        value = self.constructor.construct_object(node, deep=True)
        if isinstance(value, date):
            value = value.isoformat()
        return Located(value, ref)


def load_located(text: str, path: str) -> Located:
    """Parse one YAML document into `Located` values or raise a positioned PlaybookError."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise PlaybookError(SourceRef(path), f"file larger than {MAX_BYTES} bytes")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise PlaybookError(_ref(path, mark), f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise PlaybookError(SourceRef(path), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise PlaybookError(SourceRef(path), "invalid YAML: nesting too deep") from None
    if node is None:
        raise PlaybookError(SourceRef(path), "empty playbook")
    try:
        return _Converter(path).convert(node, 0)
    except RecursionError:
        raise PlaybookError(SourceRef(path), "nesting too deep") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise PlaybookError(_ref(path, getattr(node, "start_mark", None)), f"invalid value: {exc}") from None
