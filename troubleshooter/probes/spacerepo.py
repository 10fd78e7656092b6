"""Where a training Space's results went: the output model repo, its files, and write access.

AutoTrain creates a private model repo `{username}/{project_name}` when training starts and
uploads TensorBoard logs (`runs/`) into it; weights, `README.md` and `training_params.json`
are pushed only at the end. So "repo with weights" means the job finished, "repo with only
runs/" means it crashed mid-run, and "no repo" means it failed before training started.
"""

from __future__ import annotations

import json
import re
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.hub import WEIGHT_SUFFIXES, walk_token
from troubleshooter.probes.net import dead_endpoint
from troubleshooter.probes.spaceapi import hub_api, hub_error, repo_url

_AUTOTRAIN_SPACE = re.compile(r"^(?P<owner>[^/]+)/autotrain-(?P<project>[\w.-]+)$")
_LOG_FILE = re.compile(r"(^|/)runs/|tfevents|\.log$|(^|/)logs?/")
PARAMS_FILE = "training_params.json"
MAX_PARAMS_BYTES = 256 * 1024


def _weights(paths: list[str]) -> list[str]:
    return [p for p in paths if p.endswith(WEIGHT_SUFFIXES) and not _LOG_FILE.search(p) and "optimizer" not in p]


@probe(
    "space.output_repo",
    network=True,
    facts={
        "repo": "the output repo checked (given, inferred, or the AutoTrain project name)",
        "kind": "when the Hub call failed, what failed: refused | dns | connect-timeout | … (see _hubhttp.classify)",
        "exists": "the repo exists for this token",
        "private": "the repo is private",
        "url": "where the results are",
        "has_weights": "weight files are present (safetensors, bin, adapter …)",
        "weight_files": "a few of them",
        "logs_only": "only training logs (runs/, tfevents) and metadata are present",
        "writable": "the token may write to the repo (auth-check with write=True), null if unknown",
        "params_base_model": "the base model named in training_params.json",
        "inferred": "base_model / output_repo learned from the repo",
    },
)
def output_repo_probe(ctx: ProbeContext, output_repo: str | None = None, space: str | None = None) -> ProbeResult:
    """Check the output repo: does it exist, does it hold weights or only logs, may we write it.

    Without an output repo, an AutoTrain Space named `owner/autotrain-PROJECT` points at
    `owner/PROJECT`, used only if it exists. `training_params.json` there names the base model.
    """
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    token, _ = walk_token(ctx)
    api = hub_api(ctx)
    repo, guessed = output_repo, False
    if not repo:
        match = _AUTOTRAIN_SPACE.match(space or "")
        if not match:
            return skipped("no output repo given or inferred", exists=None, repo=None)
        repo, guessed = f"{match['owner']}/{match['project']}", True
    facts: dict[str, Any] = {"repo": repo, "url": repo_url(repo), "guessed": guessed}
    try:
        info = api.model_info(repo, token=token or False)
    except Exception as exc:
        err = hub_error(ctx, exc)
        facts.update(err)
        if err["kind"] in ("repo-not-found", "not-found", "unauthorized", "gated"):
            if guessed:  # a guess that names nothing says nothing: no repo, not a missing one
                facts.update(exists=None, repo=None, guess=repo)
                return skipped(f"no output repo given; the project-name guess {repo} does not exist", **facts)
            return failed(
                f"the output repo {repo} does not exist (or is not visible to this token)",
                **facts,
                exists=False,
                has_weights=False,
            )
        return unknown(f"could not check the output repo {repo}: {err['exception']}", **facts, exists=None)
    paths = sorted(s.rfilename for s in (info.siblings or []))
    weights = _weights(paths)
    logs = [p for p in paths if _LOG_FILE.search(p)]
    facts.update(
        exists=True,
        private=bool(getattr(info, "private", False)),
        files=len(paths),
        has_weights=bool(weights),
        weight_files=weights[:5],
        logs_only=bool(logs) and not weights,
        has_params=PARAMS_FILE in paths,
    )
    if guessed:
        facts["inferred"] = {"output_repo": repo}
    if PARAMS_FILE in paths and ctx.time_left() > 0.6:
        params = _training_params(ctx, repo, token)
        if params.get("model"):
            facts["params_base_model"] = str(params["model"])
            facts.setdefault("inferred", {})["base_model"] = str(params["model"])
    facts.update(_write_access(ctx, api, repo, token))
    where = f"{repo} ({facts['url']})"
    if weights:
        return passed(f"{where} holds {len(weights)} weight file(s): {', '.join(weights[:3])}", **facts)
    if logs:
        return warned(f"{where} holds only training logs, no weights: {', '.join(paths[:6])}", **facts)
    return warned(f"{where} holds no weights ({len(paths)} files)", **facts)


def _training_params(ctx: ProbeContext, repo: str, token: str | None) -> dict[str, Any]:
    """The job's saved parameters (AutoTrain strips the token before uploading them)."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    from troubleshooter.probes._hubhttp import effective_endpoint, session_get

    url = hf_hub_url(repo, PARAMS_FILE, endpoint=effective_endpoint())
    try:
        response = session_get(
            url,
            headers=build_hf_headers(token=token or False),
            timeout=max(0.2, ctx.time_left() - 0.4),
        )
        if response.status_code != 200 or len(response.content) > MAX_PARAMS_BYTES:
            return {}
        data = json.loads(response.content)
    except Exception as exc:
        hub_error(ctx, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _write_access(ctx: ProbeContext, api: Any, repo: str, token: str | None) -> dict[str, Any]:
    if not token:
        return {"writable": False, "write_kind": "no-token"}
    if ctx.time_left() < 0.4:
        return {"writable": None, "write_kind": "no-time"}
    if not hasattr(api, "auth_check"):  # huggingface_hub before 0.24 cannot ask
        return {"writable": None, "write_kind": "not-supported"}
    try:
        api.auth_check(repo, token=token, write=True)
    except Exception as exc:
        err = hub_error(ctx, exc)
        status = err.get("status_code")
        if status in (401, 403):
            return {"writable": False, "write_kind": err["kind"], "write_status": status}
        return {"writable": None, "write_kind": err["kind"], "write_status": status}
    return {"writable": True, "write_kind": "ok"}
