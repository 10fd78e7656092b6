"""The file path of a download: resolve metadata, the data plane it redirects to, and Xet.

A mirror (HF_ENDPOINT) can answer metadata yet send the bytes to a host nobody can reach,
and Xet-backed files are fetched from a CAS host named only in the Hub's token answer. Both
stall "Fetching N files: 0%" with a healthy-looking endpoint, so we follow the Hub's own
answers to those hosts, and only to those hosts.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown
from troubleshooter.probes import probe
from troubleshooter.probes._hubhttp import (
    call_supported,
    classify,
    effective_endpoint,
    install_bounded_client,
    sample_bytes,
    xet_cas_url,
)
from troubleshooter.probes.colab import installed_version
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.env import truthy
from troubleshooter.probes.hub import download_token
from troubleshooter.probes.net import STATE_WORDS, dead_endpoint, first_answer, proxy_for


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reach(ctx: ProbeContext, url: str, budget: float) -> dict[str, Any]:
    """Does the host serving the bytes at `url` answer? Through the proxy the environment selects.

    One HEAD (or TLS handshake) that must get an answer: a storage host that accepts the
    connection and stays silent stalls the download just like one that refuses it.
    """
    proxy, _ = proxy_for(url, ctx.env)
    result = first_answer(url, budget, proxy=proxy)
    result["via_proxy"] = bool(proxy)
    result["host"] = urlsplit(url).hostname
    return result


@probe(
    "hub.file",
    network=True,
    facts={
        "filename": "the file whose metadata was resolved",
        "kind": "ok | not-hub | data-plane-unreachable | xet-blocked | rate-limited | gated | repo-not-found | …",
        "commit": "X-Repo-Commit of the answer (missing on non-Hub servers)",
        "size": "size announced for the file",
        "redirect_host": "host the bytes are served from, when it differs from the endpoint",
        "xet": "the file is stored in Xet (X-Xet-Hash)",
        "xet_enabled": "hf_xet installed and HF_HUB_DISABLE_XET not set",
        "cas_host": "Xet storage host named by the Hub's xet read-token answer",
        "elapsed_s": "seconds the metadata request took",
        "transfer": "a sample of the file's first bytes: state, bytes, first_byte_s, rate_bps, window_s",
        "hf_xet_version": "installed hf_xet version (null: not installed)",
        "hf_xet_known_bad": "this hf_xet release could hang on poor networks (before 1.5.2)",
        "xet_flow": "the Xet reconstruction request timed over a short window: state, bytes, window_s",
    },
)
def file_probe(
    ctx: ProbeContext,
    repo: str | None = None,
    filename: str | None = None,
    repo_type: str = "model",
    revision: str = "main",
) -> ProbeResult:
    """Resolve one file the way a download does and check the hosts its bytes come from."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    if not repo:
        return skipped("no repo given", kind=None)
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    filename = filename or "config.json"
    endpoint = effective_endpoint()
    token, _ = download_token(ctx)
    install_bounded_client(max(0.2, ctx.time_left() - 0.3))
    url = hf_hub_url(repo, filename, repo_type=repo_type, revision=revision, endpoint=endpoint)
    facts: dict[str, Any] = {"repo": repo, "filename": filename, "endpoint": endpoint}
    start = time.monotonic()
    try:
        meta = call_supported(
            get_hf_file_metadata, url, token=token or False, timeout=max(0.2, ctx.time_left() - 0.5), endpoint=endpoint
        )
    except Exception as exc:
        facts.update(classify(exc))
        kind = facts["kind"]
        if kind == "not-hub":
            return failed(f"{endpoint} answered the file request without Hub headers (X-Repo-Commit/ETag)", **facts)
        if kind == "rate-limited":
            return failed(f"resolving {filename} answered 429: rate limited", **facts)
        if kind in ("gated", "repo-not-found", "invalid-token", "entry-not-found", "not-found"):
            return failed(f"resolving {filename} was refused ({facts.get('status_code')} {kind})", **facts)
        return unknown(f"could not resolve {filename}: {facts['exception']}", **facts)
    facts.update(
        kind="ok",
        commit=meta.commit_hash,
        etag_present=bool(meta.etag),
        size=meta.size,
        elapsed_s=round(time.monotonic() - start, 3),
    )
    if not meta.commit_hash or not meta.etag:
        facts["kind"] = "not-hub"
        return failed(f"{endpoint} answered the file request without X-Repo-Commit/ETag: not a Hub", **facts)
    xet = getattr(meta, "xet_file_data", None) is not None
    xet_enabled = xet and not truthy(ctx.env.get("HF_HUB_DISABLE_XET")) and installed_version("hf_xet") is not None
    facts.update(xet=xet, xet_enabled=xet_enabled, hf_xet_version=installed_version("hf_xet"))
    if xet_enabled:
        return _check_xet(ctx, meta, token, facts)
    location = meta.location or url
    if _origin(location) != _origin(url):
        facts["redirect_host"] = urlsplit(location).hostname
        reach = _reach(ctx, location, min(3.0, max(0.2, ctx.time_left() - 0.2)))
        facts["data_plane"] = reach
        if reach["state"] != "ok":
            facts["kind"] = "data-plane-unreachable"
            return failed(
                f"metadata comes from {endpoint} but the bytes are served by {facts['redirect_host']}, "
                f"which {STATE_WORDS.get(reach['state'], reach['state'])}",
                **facts,
            )
    facts["transfer"] = _transfer_sample(ctx, url, token)
    return passed(f"{filename} resolves at commit {str(meta.commit_hash)[:12]} and its bytes are reachable", **facts)


def _transfer_sample(ctx: ProbeContext, url: str, token: str | None) -> dict[str, Any]:
    """How fast the file's first bytes arrive through the user's client (download-timeout evidence)."""
    from huggingface_hub.utils import build_hf_headers

    window = min(2.0, ctx.time_left() - 0.4)
    if window < 0.3:
        return {"state": "not-measured", "why": "no time left"}
    try:
        sample = sample_bytes(url, headers=build_hf_headers(token=token or False), window_s=window)
    except Exception as exc:
        err = classify(exc)
        return {
            "state": "timed-out" if err["kind"] == "read-timeout" else "failed",
            "kind": err["kind"],
            "window_s": window,
        }
    sample["state"] = "ok" if sample["status"] < 400 else "refused"
    sample["window_s"] = round(window, 2)
    return sample


def _check_xet(ctx: ProbeContext, meta: Any, token: str | None, facts: dict[str, Any]) -> ProbeResult:
    """Ask the Hub for the Xet CAS host (as hf_xet would) and try to reach it."""
    try:
        cas, access = xet_cas_url(meta, token, max(0.2, ctx.time_left() - 0.5))
    except Exception as exc:
        err = classify(exc) if not isinstance(exc, ValueError) else {"kind": "other", "exception": "ValueError"}
        facts.update(xet_token_error=err)
        facts["kind"] = "xet-blocked"
        return failed(
            f"the file is stored in Xet but the Hub's xet read-token request failed ({err['exception']})", **facts
        )
    facts["cas_host"] = urlsplit(cas).hostname
    reach = _reach(ctx, cas, min(3.0, max(0.2, ctx.time_left() - 0.2)))
    facts["cas_reach"] = reach
    if reach["state"] != "ok":
        facts["kind"] = "xet-blocked"
        return failed(
            f"the file is stored in Xet and its storage host {facts['cas_host']} "
            f"{STATE_WORDS.get(reach['state'], reach['state'])}",
            **facts,
        )
    return _check_xet_flow(ctx, meta, cas, access, facts)


def _check_xet_flow(ctx: ProbeContext, meta: Any, cas: str, access: str | None, facts: dict[str, Any]) -> ProbeResult:
    """The CAS host answers: does a transfer from it keep moving (hf_xet has no stall timeout)?"""
    from troubleshooter.probes.xetflow import known_bad_hf_xet, measure

    facts["hf_xet_known_bad"] = known_bad_hf_xet(facts.get("hf_xet_version"))
    file_hash = str(getattr(getattr(meta, "xet_file_data", None), "file_hash", "") or "")
    proxy, _ = proxy_for(cas, ctx.env)
    window = min(2.0, max(0.3, ctx.time_left() - 0.5))
    if not file_hash or proxy:
        return passed(f"Xet storage host {facts['cas_host']} answers", **facts)
    flow = measure(cas, file_hash, access, window)
    facts["xet_flow"] = flow
    if flow["state"] == "stalled":
        facts["kind"] = "xet-stalled"
        return failed(
            f"the Xet transfer from {facts['cas_host']} starts and then stalls: {flow['bytes']} bytes in "
            f"{flow['window_s']} s after the answer began"
            + (f" of {flow['declared_bytes']} announced" if flow.get("declared_bytes") else ""),
            **facts,
        )
    if flow["state"] == "silent":
        facts["kind"] = "xet-blocked"
        return failed(f"Xet storage host {facts['cas_host']} accepts the request but never answers", **facts)
    return passed(f"Xet storage host {facts['cas_host']} answers and data flows", **facts)
