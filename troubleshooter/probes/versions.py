"""Installed versions and version-dependent settings, read without importing heavy packages.

Whether a variable is an error or a no-op depends on the installed release: HF_HUB_ENABLE_HF_TRANSFER
broke every download before huggingface_hub 1.0 when hf_transfer was missing and is ignored
since; TRANSFORMERS_CACHE decided where transformers 4 stored files and means nothing to
transformers 5. Versions come from package metadata; a module importable without metadata (a
vendored or stand-in copy) is asked for its `__version__` in a short-lived child process, so
this process never imports transformers or torch.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from importlib import metadata
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.env import truthy

# distribution name -> importable module name
TRACKED = {
    "huggingface_hub": "huggingface_hub",
    "hf_xet": "hf_xet",
    "filelock": "filelock",
    "transformers": "transformers",
    "hf_transfer": "hf_transfer",
    "datasets": "datasets",
}
TIMEOUT_VARIABLES = ("HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT")
DEFAULT_TIMEOUT_S = 10
MIN_SENSIBLE_TIMEOUT_S = 5


def version_tuple(version: str | None) -> tuple[int, ...] | None:
    """(major, minor, patch) from a version string such as `5.0.0rc1` or `0.20.1`."""
    if not version:
        return None
    numbers = re.findall(r"\d+", version.split("+")[0])[:3]
    return tuple(int(n) for n in numbers) if numbers else None


def _version_from_child(module: str, ctx: ProbeContext, budget_s: float) -> str | None:
    """Import `module` in a child Python with the user's environment and print its version."""
    code = f"import {module} as m; print(getattr(m, '__version__', ''))"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=dict(ctx.env),
            capture_output=True,
            text=True,
            timeout=max(0.2, budget_s),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip().splitlines()
    return text[-1] if done.returncode == 0 and text and text[-1] else None


def module_version(ctx: ProbeContext, dist: str, module: str | None = None) -> tuple[str | None, str]:
    """(version, how it was found): `metadata`, `module` (child import), `absent`, `unknown`."""
    try:
        return metadata.version(dist), "metadata"
    except metadata.PackageNotFoundError:
        pass
    name = module or TRACKED.get(dist, dist)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None and ctx.env.get("PYTHONPATH") == os.environ.get("PYTHONPATH"):
        return None, "absent"
    found = _version_from_child(name, ctx, min(3.0, ctx.time_left() - 0.3))
    if found:
        return found, "module"
    return None, "absent" if spec is None else "unknown"


@probe(
    "versions.installed",
    facts={
        "versions": "installed version of each tracked package (null: absent)",
        "huggingface_hub": "installed huggingface_hub version",
        "transformers": "installed transformers version (null: not installed)",
        "transformers_major": "major version of transformers",
    },
)
def installed_versions(ctx: ProbeContext) -> ProbeResult:
    """List the versions of the libraries whose behaviour the cache and download checks depend on.

    Read from package metadata, so nothing heavy is imported; a module without metadata (a
    vendored or stand-in copy on PYTHONPATH) is asked in a child process.
    """
    versions: dict[str, str | None] = {}
    found_by: dict[str, str] = {}
    for dist, module in TRACKED.items():
        versions[dist], found_by[dist] = module_version(ctx, dist, module)
    major = version_tuple(versions.get("transformers"))
    facts: dict[str, Any] = {
        "versions": versions,
        "found_by": found_by,
        "huggingface_hub": versions.get("huggingface_hub"),
        "transformers": versions.get("transformers"),
        "transformers_major": major[0] if major else None,
    }
    shown = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    return passed(f"installed: {shown or 'none of the tracked packages'}", **facts)


@probe(
    "versions.hf_transfer",
    facts={
        "enabled": "HF_HUB_ENABLE_HF_TRANSFER is truthy",
        "huggingface_hub": "installed huggingface_hub version",
        "hf_transfer": "installed hf_transfer version (null: not installed)",
        "effect": "none | error-missing-package | ignored-deprecated | fast-path",
    },
)
def hf_transfer_setting(ctx: ProbeContext) -> ProbeResult:
    """Check HF_HUB_ENABLE_HF_TRANSFER against the installed huggingface_hub release.

    Before huggingface_hub 1.0 the variable switched downloads to the hf_transfer package and
    every download failed at once when that package was missing (and with it, an hf_transfer
    stall had no progress or timeout). Since 1.0 the variable is ignored with a FutureWarning.
    """
    value = ctx.env.get("HF_HUB_ENABLE_HF_TRANSFER")
    enabled = truthy(value)
    hub_version, _ = module_version(ctx, "huggingface_hub")
    facts: dict[str, Any] = {"enabled": enabled, "value": value, "huggingface_hub": hub_version}
    if not enabled:
        return passed("HF_HUB_ENABLE_HF_TRANSFER is not set", effect="none", hf_transfer=None, **facts)
    transfer_version, _ = module_version(ctx, "hf_transfer")
    facts["hf_transfer"] = transfer_version
    hub = version_tuple(hub_version)
    if hub is not None and hub >= (1, 0):
        return warned(
            f"HF_HUB_ENABLE_HF_TRANSFER is set but huggingface_hub {hub_version} ignores it "
            "(deprecated since 1.0; HF_XET_HIGH_PERFORMANCE replaces it)",
            effect="ignored-deprecated",
            **facts,
        )
    if transfer_version is None:
        return failed(
            f"HF_HUB_ENABLE_HF_TRANSFER={value} with huggingface_hub {hub_version}, but hf_transfer is not "
            "installed: every download fails",
            effect="error-missing-package",
            **facts,
        )
    return warned(
        f"downloads go through hf_transfer {transfer_version}, which shows no byte progress and can stall "
        "without a timeout",
        effect="fast-path",
        **facts,
    )


def _parse_timeout(raw: str | None) -> tuple[int | None, str]:
    """huggingface_hub reads these with int(): a float or a word fails its import."""
    if raw is None:
        return None, "unset"
    try:
        return int(raw), "ok"
    except ValueError:
        return None, "not-an-integer"


SLOW_RATE_BPS = 50 * 1024


def _measured_against(
    details: dict[str, dict[str, Any]], metadata_s: Any, transfer: dict[str, Any] | None
) -> dict[str, str]:
    """Timeout variables that the measured link would trip: {variable: why}."""
    out: dict[str, str] = {}
    etag = details["HF_HUB_ETAG_TIMEOUT"]["seconds"]
    download = details["HF_HUB_DOWNLOAD_TIMEOUT"]["seconds"]
    try:
        meta = float(metadata_s) if metadata_s not in (None, "") else None
    except (TypeError, ValueError):
        meta = None
    if meta is not None and etag and meta >= etag:
        out["HF_HUB_ETAG_TIMEOUT"] = f"the metadata request took {meta:.1f} s, HF_HUB_ETAG_TIMEOUT is {etag} s"
    if transfer and download:
        first = transfer.get("first_byte_s")
        waited = (
            first if first is not None else (transfer.get("window_s") if transfer.get("state") == "timed-out" else None)
        )
        if waited is not None and float(waited) >= download:
            out["HF_HUB_DOWNLOAD_TIMEOUT"] = (
                f"the first file bytes took {float(waited):.1f} s or more, HF_HUB_DOWNLOAD_TIMEOUT is {download} s"
            )
    return out


@probe(
    "env.timeouts",
    facts={
        "timeouts": "each timeout variable: raw value, parsed seconds, state (unset | ok | too-low | not-an-integer)",
        "problems": "variables that are too low or not integers",
        "unparsable": "a variable is not an integer: importing huggingface_hub raises ValueError",
        "min_sensible_s": "below this many seconds a slow but healthy link times out",
        "measured": "timeout variables the measured link (metadata latency, first file bytes) would trip",
        "slow_link": "file bytes arrived slower than 50 KiB/s in the sample",
    },
)
def timeout_settings(
    ctx: ProbeContext, metadata_s: float | None = None, transfer: dict[str, Any] | None = None
) -> ProbeResult:
    """Check HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT for values that break slow links.

    Both default to 10 s (per metadata request, and per read of a file). A value of a few
    seconds turns a slow link into ReadTimeout/retries that look like a stall, and a value
    that is not an integer (`30s`, `60.0`) makes `import huggingface_hub` itself raise.
    """
    details: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for name in TIMEOUT_VARIABLES:
        raw = ctx.env.get(name)
        seconds, state = _parse_timeout(raw)
        if state == "ok" and seconds is not None and 0 < seconds < MIN_SENSIBLE_TIMEOUT_S:
            state = "too-low"
        effective = (seconds or DEFAULT_TIMEOUT_S) if state != "not-an-integer" else None  # 0 means the default
        details[name] = {"raw": raw, "seconds": effective, "state": state}
        if state in ("too-low", "not-an-integer"):
            problems.append(name)
    measured = _measured_against(details, metadata_s, transfer)
    problems.extend(name for name in measured if name not in problems)
    unparsable = any(details[n]["state"] == "not-an-integer" for n in problems)
    facts = {
        "timeouts": details,
        "problems": problems,
        "unparsable": unparsable,
        "min_sensible_s": MIN_SENSIBLE_TIMEOUT_S,
    }
    facts["measured"] = measured
    facts["slow_link"] = bool(transfer and 0 < float(transfer.get("rate_bps") or 0) < SLOW_RATE_BPS)
    if measured:
        shown = "; ".join(measured.values())
        return failed(f"the link is slower than the download timeouts allow: {shown}", **facts)
    if problems:
        shown = ", ".join(f"{n}={details[n]['raw']!r} ({details[n]['state']})" for n in problems)
        return failed(f"download timeouts are misconfigured: {shown}", **facts)
    if facts["slow_link"] and transfer:
        rate = float(transfer["rate_bps"]) / 1024
        return warned(f"bytes arrive at {rate:.0f} KiB/s: large files take long, but within the timeouts", **facts)
    return passed("download timeouts are the defaults or sensible values", **facts)
