"""Space probes: runtime stage and the job message a training Space leaves behind.

All calls go through huggingface_hub's own client with the bounded factory (the client has no
timeout of its own), to the endpoint the user's environment names, with the token this walk
uses (never shown). A dead endpoint is remembered in the walk's memo so the next probe does
not wait on it again: a silent Hub costs one deadline, not one per probe.
"""

from __future__ import annotations

from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes._hubhttp import effective_endpoint
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.hub import walk_token
from troubleshooter.probes.net import dead_endpoint
from troubleshooter.probes.spaceapi import NETWORK_KINDS, hub_api, hub_error, repo_url
from troubleshooter.probes.spacelogs import read_space_log
from troubleshooter.probes.spacetext import job_outcome_of_title, repo_in_url_text, runtime_error_kind, stage_group
from troubleshooter.redact import scrub

MAX_DISCUSSIONS = 30  # newest first; the job message is among the latest few
MAX_ERROR_CHARS = 400  # of the runtime's errorMessage, cut only after secrets are scrubbed


@probe(
    "space.runtime",
    network=True,
    facts={
        "space": "the Space id checked",
        "kind": "ok | repo-not-found | needs-token | invalid-token | <network kinds>",
        "stage": "the stage string the Hub reports (any string, e.g. SLEEPING)",
        "stage_group": "running | starting | sleeping | paused | build-error | deleting | unknown",
        "hardware": "hardware in use (null unless running)",
        "requested_hardware": "hardware the Space asks for",
        "sleep_time": "seconds of inactivity before a sleep (gcTimeout)",
        "log_source": "which logs explain this stage: build or run",
        "error_message": "the Hub's error message for a failed build or start (secrets scrubbed, then cut)",
        "error_kind": "scheduling (no hardware could be given: capacity, quota, policy) | app | null (no message)",
        "hardware_unassigned": "hardware was requested but none is assigned",
    },
)
def runtime_probe(ctx: ProbeContext, space: str) -> ProbeResult:
    """Read the Space's runtime: its stage (an open set of strings) and its hardware.

    huggingface_hub 2.4.0 keeps the stage as the Hub's raw string; its SpaceStage enum has no
    SLEEPING member, so stages are sorted into groups here and unknown ones are kept as-is.
    """
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    token, source = walk_token(ctx)
    base: dict[str, Any] = {"space": space, "token_source": source, "url": repo_url(space, "space")}
    try:
        runtime = hub_api(ctx).get_space_runtime(space, token=token or False)
    except Exception as exc:
        facts = {**base, **hub_error(ctx, exc)}
        kind, status = facts["kind"], facts.get("status_code")
        if kind in ("repo-not-found", "not-found") or (kind == "unauthorized" and not token):
            facts["kind"] = "needs-token" if status == 401 and not token else "repo-not-found"
            return failed(f"Space {space} does not exist or is private to another account ({status})", **facts)
        if kind == "invalid-token":
            return failed(f"the Hub rejects the token from {source} (401)", **facts)
        if kind in NETWORK_KINDS:
            return unknown(f"{effective_endpoint()} did not answer the runtime request ({kind})", **facts)
        return unknown(
            f"could not read the runtime of {space}: {facts['exception']} {facts.get('status_code') or ''}".strip(),
            **facts,
        )
    raw = getattr(runtime, "raw", None) or {}
    stage = str(runtime.stage)
    group = stage_group(stage)
    message = scrub(str(raw.get("errorMessage") or "")).strip()[:MAX_ERROR_CHARS] or None
    facts = {
        **base,
        "kind": "ok",
        "stage": stage,
        "stage_group": group,
        "hardware": runtime.hardware,
        "requested_hardware": runtime.requested_hardware,
        "sleep_time": runtime.sleep_time,
        "error_message": message,
        "error_kind": runtime_error_kind(message),
        "hardware_unassigned": bool(runtime.requested_hardware) and not runtime.hardware,
        "log_source": "build" if stage.upper() in ("BUILD_ERROR", "CONFIG_ERROR", "NO_APP_FILE") else "run",
    }
    line = (
        f"Space {space} is {stage} (hardware {runtime.hardware or '-'}, requested {runtime.requested_hardware or '-'})"
    )
    if group in ("running", "starting"):
        return passed(line, **facts)
    if message:
        line += f": {message}"
    if group == "build-error":
        return failed(line, **facts)
    return warned(line, **facts)


@probe(
    "space.job_message",
    network=True,
    facts={
        "outcome": "finished | failed | none: what the newest job message says",
        "kind": "when the Hub call failed, what failed: refused | dns | connect-timeout | … (see _hubhttp.classify)",
        "title": "title of the newest job message",
        "num": "its discussion number",
        "created_at": "when it was posted",
        "discussions": "how many discussions were read (newest first)",
        "titles": "the newest few titles",
        "inferred": "output_repo named in the message, when it names one",
    },
)
def job_message_probe(ctx: ProbeContext, space: str) -> ProbeResult:
    """Find the newest message a training job posted on the Space's discussions.

    AutoTrain opens a discussion "Your training has finished successfully ✅" or "Your
    training has failed ❌" just before it pauses the Space, so the newest one says why the
    Space stopped. A success message links the model repo, which fills `output_repo`.
    """
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    token, _ = walk_token(ctx)
    api = hub_api(ctx)
    titles: list[str] = []
    found: Any = None
    try:
        for index, discussion in enumerate(api.get_repo_discussions(space, repo_type="space", token=token or False)):
            titles.append(discussion.title)
            if job_outcome_of_title(discussion.title):
                found = discussion
                break
            if index + 1 >= MAX_DISCUSSIONS or ctx.time_left() < 0.5:
                break
    except Exception as exc:
        facts = {**hub_error(ctx, exc), "space": space, "discussions": len(titles)}
        return unknown(f"could not read the discussions of {space}: {facts['exception']}", **facts)
    base: dict[str, Any] = {"space": space, "discussions": len(titles), "titles": titles[:5]}
    if found is None:
        return passed(
            f"no job message among the {len(titles)} newest discussions" if titles else "no discussions",
            **base,
            outcome="none",
        )
    outcome = job_outcome_of_title(found.title)
    facts = {
        **base,
        "outcome": outcome,
        "title": found.title,
        "num": found.num,
        "created_at": found.created_at.isoformat() if getattr(found, "created_at", None) else None,
    }
    if not (ctx.inputs.get("output_repo")) and ctx.time_left() > 0.5:
        repo = _repo_in_first_comment(ctx, api, space, found.num, token)
        if repo:
            facts["inferred"] = {"output_repo": repo}
    line = f"newest job message (#{found.num}): {found.title}"
    return (warned if outcome == "failed" else passed)(line, **facts)


def _repo_in_first_comment(ctx: ProbeContext, api: Any, space: str, num: int, token: str | None) -> str | None:
    """The model repo a job message links to (AutoTrain: "Check out your trained model here")."""
    try:
        details = api.get_discussion_details(space, num, repo_type="space", token=token or False)
    except Exception as exc:
        hub_error(ctx, exc)
        return None
    for event in details.events[:3]:
        content = getattr(event, "content", None)
        if content and (repo := repo_in_url_text(str(content))) and repo != space:
            return repo
    return None


@probe(
    "space.logs",
    network=True,
    facts={
        "source": "run or build logs",
        "kind": "when the Hub call failed, what failed: refused | dns | connect-timeout | … (see _hubhttp.classify)",
        "lines": "log lines read (bounded)",
        "error_kind": "gated | token-not-write | oom | cuda | data | crash | none",
        "error_line": "the line that names the error",
        "outcome": "failed | finished | unknown: what the log says about the job",
        "paused_by_job": "the job itself logged that it pauses the Space",
        "inferred": "base_model / output_repo named in the log",
    },
)
def logs_probe(ctx: ProbeContext, space: str, source: str = "run") -> ProbeResult:
    """Read the Space's run (or build) log and find the exception that ended the job.

    Uses huggingface_hub's `fetch_space_logs` (server-sent events); reading stops after a
    bounded number of lines or before the deadline, whichever comes first.
    """
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    return read_space_log(ctx, space, build=(source == "build"))
