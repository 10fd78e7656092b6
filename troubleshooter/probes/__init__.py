"""The probe registry: every probe is a small function of a context that returns data.

Probe modules in this package register themselves with `@probe(...)`. They import heavy
SDKs (huggingface_hub, pynvml, psutil) inside the function body only, so loading the registry
(for lint, docs or `--list`) stays cheap. Modules are discovered automatically: adding a file
here with decorated functions is all it takes.
"""

from __future__ import annotations

import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from troubleshooter.registry import Registry, parameters_of, summary_of

if TYPE_CHECKING:
    from troubleshooter.model.result import ProbeResult
    from troubleshooter.probes.context import ProbeContext

ProbeFunc = Callable[..., "ProbeResult"]


@dataclass(frozen=True)
class ProbeSpec:
    """A registered probe: what it checks, which facts it returns, how long it may take."""

    name: str
    func: ProbeFunc
    summary: str
    doc: str
    facts: dict[str, str] = field(default_factory=dict)
    params: tuple[str, ...] = ()
    required_params: tuple[str, ...] = ()
    network: bool = False
    deadline_s: float | None = None  # None: the run's --timeout
    in_kernel_only: bool = False
    side: str = "tool"  # "target": runs in the user's interpreter (see TARGET_MODULES)


# Probe modules whose answers depend on the user's libraries (huggingface_hub's constants, token
# resolution and client, package versions, Colab's userdata): they run inside the target
# interpreter through the agent. NVML (driver-level), mounts, Drive and checkpoint files are
# the same from any interpreter and stay in the tool; gpu.torch asks the target's torch itself.
TARGET_MODULES = frozenset(
    {
        "hub",
        "hubfile",
        "net",
        "space",
        "spacelogs",
        "spacerepo",
        "cache",
        "cachescan",
        "fs",
        "locks",
        "versions",
        "colab",
        "skew",
    }
)


def _probe_modules() -> list[str]:
    return [
        f"{__name__}.{info.name}"
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_") and info.name != "context"
    ]


_REGISTRY: Registry[ProbeSpec] = Registry("probe", _probe_modules)


def probe(
    name: str,
    *,
    facts: dict[str, str] | None = None,
    network: bool = False,
    deadline_s: float | None = None,
    in_kernel_only: bool = False,
) -> Callable[[ProbeFunc], ProbeFunc]:
    """Register `func(ctx, **args) -> ProbeResult` under `name` (dotted, e.g. `hub.whoami`)."""

    def decorate(func: ProbeFunc) -> ProbeFunc:
        doc = inspect.getdoc(func) or ""
        params, required = parameters_of(func)
        spec = ProbeSpec(
            name=name,
            func=func,
            summary=summary_of(doc),
            doc=doc,
            facts=dict(facts or {}),
            params=params,
            required_params=required,
            network=network,
            deadline_s=deadline_s,
            in_kernel_only=in_kernel_only,
            side="target" if func.__module__.rsplit(".", 1)[-1] in TARGET_MODULES else "tool",
        )
        _REGISTRY.add(name, spec, same=lambda known: known.func is func)
        return func

    return decorate


def registry() -> dict[str, ProbeSpec]:
    """All probes, by name (importing every probe module once)."""
    return _REGISTRY.all()


def get(name: str) -> ProbeSpec | None:
    return _REGISTRY.get(name)


def call(spec: ProbeSpec, ctx: ProbeContext, args: dict[str, Any]) -> ProbeResult:
    """Invoke a probe with only the arguments it declares (extra keys were rejected by lint)."""
    accepted = {k: v for k, v in args.items() if k in spec.params}
    return spec.func(ctx, **accepted)
