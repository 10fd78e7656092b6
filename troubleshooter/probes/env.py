"""Environment probes: variables that change what huggingface_hub does, read from the context."""

from __future__ import annotations

import sys

from troubleshooter.model.result import ProbeResult, failed, passed
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext

TRUE_VALUES = {"1", "ON", "YES", "TRUE"}


def truthy(value: str | None) -> bool:
    """huggingface_hub's reading of a boolean variable (1/ON/YES/TRUE, any case)."""
    return (value or "").upper() in TRUE_VALUES  # no strip: " 1" is false to the library too


@probe(
    "env.offline_mode",
    facts={
        "offline": "true when HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is truthy",
        "variables": "the offline variables that are set, with their values",
    },
)
def offline_mode(ctx: ProbeContext) -> ProbeResult:
    """Check HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, which stop every Hub request.

    huggingface_hub treats either variable as offline when it is 1, ON, YES or TRUE (any case);
    a forgotten export in a Dockerfile or notebook template then makes every uncached download
    fail or wait without ever contacting the Hub.
    """
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    present = {n: ctx.env[n] for n in names if n in ctx.env}
    # The library's own rule: HF_HUB_OFFLINE when it is non-empty (even "0"), else TRANSFORMERS_OFFLINE.
    deciding = "HF_HUB_OFFLINE" if ctx.env.get("HF_HUB_OFFLINE") else "TRANSFORMERS_OFFLINE"
    on = [deciding] if truthy(ctx.env.get(deciding)) else []
    if on:
        shown = ", ".join(f"{n}={present[n]}" for n in on)
        return failed(
            f"offline mode is on ({shown}): huggingface_hub makes no request",
            offline=True,
            variables=present,
            enabled_by=on,
        )
    if truthy(ctx.env.get("TRANSFORMERS_OFFLINE")):
        return passed(
            f"offline mode is off: HF_HUB_OFFLINE={ctx.env['HF_HUB_OFFLINE']} overrides TRANSFORMERS_OFFLINE",
            offline=False,
            variables=present,
            enabled_by=[],
        )
    return passed("offline mode is off", offline=False, variables=present, enabled_by=[])


@probe(
    "env.progress",
    facts={
        "bars_disabled": "HF_HUB_DISABLE_PROGRESS_BARS is truthy",
        "stdout_tty": "whether this process's stdout is a terminal (bars auto-hide otherwise)",
        "verbosity": "HF_HUB_VERBOSITY (lock waits are logged only at info)",
    },
)
def progress_settings(ctx: ProbeContext) -> ProbeResult:
    """Check whether download progress would be visible at all.

    Bars are disabled by HF_HUB_DISABLE_PROGRESS_BARS and hidden automatically when stdout is
    not a terminal (container logs, nohup, CI); lock waits are logged only at info verbosity.
    """
    disabled = truthy(ctx.env.get("HF_HUB_DISABLE_PROGRESS_BARS"))
    tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    facts = {"bars_disabled": disabled, "stdout_tty": tty, "verbosity": ctx.env.get("HF_HUB_VERBOSITY")}
    if disabled:
        return failed("progress bars are disabled by HF_HUB_DISABLE_PROGRESS_BARS", **facts)
    return passed("progress bars are enabled", **facts)
