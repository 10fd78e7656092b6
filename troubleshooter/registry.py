"""A named registry filled by decorators in modules that are imported on first use.

Probes and fix actions register themselves with a decorator; importing every implementation
module up front would cost start-up time for commands that need none (`--list`), so the
registry imports them the first time anyone looks something up.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

Spec = TypeVar("Spec")


class Registry(Generic[Spec]):
    """`add` from decorators; `get` and `all` load the implementation modules once, lazily."""

    def __init__(self, kind: str, modules: Callable[[], Iterable[str]]) -> None:
        self.kind = kind
        self._modules = modules
        self._items: dict[str, Spec] = {}
        self._loaded = False

    def add(self, name: str, spec: Spec, *, same: Callable[[Spec], bool]) -> None:
        """Register `spec`; a second, different registration of `name` is a bug in the package."""
        if name in self._items and not same(self._items[name]):
            raise ValueError(f"{self.kind} {name!r} registered twice")
        self._items[name] = spec

    def _load(self) -> None:
        if not self._loaded:
            for module in self._modules():
                importlib.import_module(module)
            self._loaded = True

    def all(self) -> dict[str, Spec]:
        self._load()
        return dict(self._items)

    def get(self, name: str) -> Spec | None:
        self._load()
        return self._items.get(name)


def summary_of(doc: str) -> str:
    """The first paragraph of a docstring on one line: what the docs and `--list` show."""
    return doc.split("\n\n", maxsplit=1)[0].replace("\n", " ").strip()


def parameters_of(func: Callable[..., object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every argument a playbook may pass, the required ones), skipping the injected context."""
    params = [
        p
        for p in list(inspect.signature(func).parameters.values())[1:]
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return tuple(p.name for p in params), tuple(p.name for p in params if p.default is inspect.Parameter.empty)
