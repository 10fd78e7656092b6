"""Bounded reading of a Space's logs through huggingface_hub's `fetch_space_logs`.

`HfApi.fetch_space_logs(repo_id, build=False, follow=False)` streams server-sent events from
`/api/spaces/{id}/logs/{run|build}`. Without `follow` it stops at the first read timeout and
returns what it got, silently: a Hub that never answers would look like an empty log. So the
reader keeps its own clock, stops after MAX_LINES or before the deadline, and tells "empty"
from "nothing arrived before the deadline".
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes._hubhttp import effective_endpoint
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.hub import walk_token
from troubleshooter.probes.net import DEAD_ENDPOINT
from troubleshooter.probes.spaceapi import hub_api, hub_error
from troubleshooter.probes.spacetext import read_log

MAX_LINES = 5000  # a training log can be long; the ending exception is near the end
KEEP_LINES = 400  # lines kept for analysis: the head (params) and the tail (the error)

_WORDS = {
    "gated": "the job could not download a gated model",
    "token-not-write": "the job's token was refused when it wrote to the Hub",
    "oom": "the job ran out of memory",
    "cuda": "the job hit a CUDA error",
    "data": "the job failed on the training data",
    "crash": "the job crashed",
}


def read_space_log(ctx: ProbeContext, space: str, *, build: bool) -> ProbeResult:
    """Fetch and read one Space log within this probe's deadline (see module docstring)."""
    source = "build" if build else "run"
    token, _ = walk_token(ctx)
    budget = max(0.2, ctx.time_left() - 0.4)
    api = hub_api(ctx, reserve_s=0.4)
    head: list[str] = []
    tail: deque[str] = deque(maxlen=KEEP_LINES // 2)
    count = 0
    stopped_early = False
    start = time.monotonic()
    if not hasattr(api, "fetch_space_logs"):
        return unknown(
            "this huggingface_hub release cannot read Space logs (fetch_space_logs arrived in 1.0)",
            kind="not-supported",
            source=source,
        )
    stream = iter(api.fetch_space_logs(space, build=build, follow=False, token=token or False))
    try:
        for line in stream:
            count += 1
            (head if len(head) < KEEP_LINES // 2 else tail).append(str(line))
            if count >= MAX_LINES or ctx.time_left() < 0.3:
                stopped_early = True
                break
    except Exception as exc:
        err = {**hub_error(ctx, exc), "space": space, "source": source, "lines": count}
        if err["kind"] in ("repo-not-found", "not-found", "entry-not-found"):
            return unknown(
                f"no {source} log for {space} ({err.get('status_code')})",
                **err,
                available=False,
            )
        return unknown(f"could not read the {source} log of {space}: {err['exception']}", **err)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    elapsed = time.monotonic() - start
    if count == 0 and elapsed >= budget * 0.9:
        # fetch_space_logs swallows the read timeout: the endpoint sent nothing at all.
        ctx.remember(DEAD_ENDPOINT, {"endpoint": effective_endpoint(), "kind": "read-timeout"})
        return unknown(
            f"the {source} log of {space} sent nothing within {elapsed:.1f} s",
            space=space,
            source=source,
            lines=0,
            kind="read-timeout",
            available=None,
        )
    reading = read_log([*head, *tail])
    reading.lines = count
    facts: dict[str, Any] = {
        "space": space,
        "source": source,
        "available": True,
        "kind": "ok",
        "truncated": stopped_early,
        **reading.facts(),
    }
    if count == 0:
        return passed(f"the {source} log of {space} is empty", **facts)
    if reading.error_kind != "none":
        return failed(f"{_WORDS[reading.error_kind]}: {reading.error_line}", **facts)
    if reading.outcome == "finished":
        return passed(f"the {source} log shows the job finished and pushed its model ({count} lines)", **facts)
    return (
        warned(f"{count} {source} log lines, no error found", **facts)
        if reading.paused_by_job
        else passed(f"{count} {source} log lines, no error found", **facts)
    )
