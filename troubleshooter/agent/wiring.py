"""Build a walk's context around its target, and describe that target for the report.

Every face gets its probe context here (the CLI and the TUI with an agent in the user's
interpreter, the notebook in-process), so all of them diagnose the same Python by the same rule.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any

from troubleshooter.agent.client import AgentClient
from troubleshooter.agent.server import describe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.target import Target, choose, kernel


def live_context(env: Mapping[str, str], timeout_s: float, python: str | None = None) -> ProbeContext:
    """A context whose target-side probes run in the interpreter the contract's rule picks.

    The agent starts in the background right away, so the interpreter's start-up overlaps with
    loading the playbook and the first tool-side probes.
    """
    target = choose(env, python)
    agent = AgentClient(target, env, startup_s=timeout_s)
    threading.Thread(target=agent.start_locked, daemon=True, name="agent-start").start()
    return ProbeContext(env=dict(env), timeout_s=timeout_s, target_python=target.python, agent=agent)


def kernel_context(env: Mapping[str, str], timeout_s: float) -> ProbeContext:
    """Notebook mode: the kernel is the target, so every probe runs in this process."""
    return ProbeContext(env=dict(env), timeout_s=timeout_s, in_kernel=True, target_python=kernel().python)


def _torch_facts(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """What the walk learned about the target's torch (gpu.torch, gpu.arch), when it asked."""
    out: dict[str, Any] = {}
    for step in steps:
        facts = step.get("facts") or {}
        if step.get("probe") == "gpu.torch" and facts.get("installed"):
            out.update(
                version=facts.get("version"), cuda_build=facts.get("cuda"), cuda_available=facts.get("available")
            )
        elif step.get("probe") == "gpu.arch" and facts.get("arch_list") is not None:
            out["arch_list"] = facts.get("arch_list")
    return out


def target_report(ctx: ProbeContext, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report's `target`: which interpreter, chosen how, and its versions."""
    agent: AgentClient | None = ctx.agent
    if agent is None:
        info: dict[str, Any] = describe() if ctx.in_kernel else {}
        chosen_by = "notebook-kernel" if ctx.in_kernel else "this-process"
        target = Target(ctx.target_python or sys.executable, chosen_by, in_process=True)
    else:
        target = agent.target
        agent.start_locked()
        info = dict(agent.described or {})
    out: dict[str, Any] = {
        "python": target.python,
        "chosen_by": target.chosen_by,
        "in_process": target.in_process,
        "python_version": info.get("python_version"),
        "versions": info.get("versions") or {},
    }
    if info.get("torch_cuda"):
        out["torch_cuda"] = info["torch_cuda"]
    torch = _torch_facts(steps or [])
    if torch:
        out["torch"] = torch
    if agent is not None and agent.failure:
        out["problem"] = agent.failure
    return out
