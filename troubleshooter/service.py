"""The one way a face runs a walk: `diagnose(playbook, answers, options)`.

The CLI and the notebook used to assemble context, runner options, walk and report by hand,
each a little differently; the TUI drives the same walker step by step through the same probe
context (`agent.wiring`). Here the pipeline is written once: pick the target and its context,
walk, optionally apply a fix (a callback the CLI passes, so this module needs no policy), and
build the report with the diagnosed interpreter named.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from troubleshooter.agent.wiring import kernel_context, live_context, target_report
from troubleshooter.engine.runner import RunOptions, walk
from troubleshooter.engine.walker import Session
from troubleshooter.model.playbook import Playbook
from troubleshooter.model.result import ProbeResult
from troubleshooter.probes.context import ProbeContext
from troubleshooter.report.build import build_report
from troubleshooter.report.document import Report

Apply = Callable[[Session, ProbeContext], tuple[dict[str, Any] | None, Session]]


@dataclass(frozen=True)
class DiagnoseOptions:
    """How to walk: deadline, language, which Python, and where probe results come from.

    `mode` is `live` (probes run), `injected` (`--facts`: given results win, the rest run),
    `replay` (recorded results only, nothing runs) or `notebook` (the kernel is the target and
    probes run in this process).
    """

    timeout_s: float = 5.0
    lang: str = "en"
    python: str | None = None
    mode: str = "live"
    injected: Mapping[str, ProbeResult] = field(default_factory=dict)
    recorded_target: dict[str, Any] | None = None  # a replayed report's target, shown as it was
    progress: Callable[[str], None] | None = None
    env: Mapping[str, str] | None = None  # default: this process's environment (the user's)


def _context(options: DiagnoseOptions) -> ProbeContext:
    env = dict(options.env if options.env is not None else os.environ)
    if options.mode == "notebook":
        return kernel_context(env, options.timeout_s)
    if options.mode == "replay":
        return ProbeContext(env=env, timeout_s=options.timeout_s)  # nothing runs: no agent
    return live_context(env, options.timeout_s, options.python)


def diagnose(
    playbook: Playbook, answers: Mapping[str, str], options: DiagnoseOptions, *, apply: Apply | None = None
) -> Report:
    """Walk `playbook` with `answers` and return its report; `apply` may change the machine in between."""
    ctx = _context(options)
    run = RunOptions(
        timeout_s=options.timeout_s,
        injected=options.injected,
        replay=options.mode == "replay",
        progress=options.progress,
    )
    applied: dict[str, Any] | None = None
    try:
        # stdout is data: anything a library prints while probes run (huggingface_hub prints
        # import errors for malformed variables) goes to stderr, never into the JSON stream.
        with contextlib.redirect_stdout(sys.stderr):
            session = walk(playbook, answers, ctx, run)
            if apply is not None:
                applied, session = apply(session, ctx)
        if options.mode == "replay":
            target = options.recorded_target
        else:
            target = target_report(ctx, [step.to_dict() for step in session.steps])
    finally:
        if ctx.agent is not None:
            ctx.agent.close()
    data = build_report(
        session, lang=options.lang, timeout_s=options.timeout_s, mode=options.mode, applied=applied, target=target
    )
    return Report(data)
