"""Colab probes: runtime markers and the notebook-secrets token lookup, without popping dialogs.

huggingface_hub consults Colab's secret vault only inside the notebook kernel and only when
neither HF_TOKEN nor a token file gives a token. From a shell (`!troubleshooter`) we ask the
vault ourselves, bounded by the probe deadline, and only in that same situation; inside the
kernel (notebook mode) we never ask, we read what huggingface_hub already recorded.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from troubleshooter.distinfo import installed_version
from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import clip, register_secret

DEADLOCK_VERSIONS = {"0.20.0", "0.20.1"}


def colab_markers(ctx: ProbeContext) -> list[str]:
    """Signs that this is a Colab runtime (variables and files Colab itself uses)."""
    found = [name for name in ("COLAB_RELEASE_TAG", "COLAB_BACKEND_VERSION", "COLAB_GPU") if ctx.env.get(name)]
    if os.path.exists("/var/colab/hostname"):
        found.append("/var/colab/hostname")
    return found


def _token_from_env_or_file(ctx: ProbeContext) -> str | None:
    from troubleshooter.probes.hub import local_token

    token, _ = local_token(ctx)
    return token


@probe(
    "colab.runtime",
    facts={
        "in_colab": "Colab markers were found",
        "markers": "which markers (COLAB_RELEASE_TAG, /var/colab/hostname …)",
        "colab_enterprise": "VERTEX_PRODUCT=COLAB_ENTERPRISE (huggingface_hub skips the vault there)",
        "huggingface_hub_version": "installed huggingface_hub version",
        "vault_deadlock_version": "true for huggingface_hub 0.20.0/0.20.1 (concurrent vault lookups deadlock)",
    },
)
def colab_runtime(ctx: ProbeContext) -> ProbeResult:
    """Detect a Colab runtime and the huggingface_hub versions whose vault lookups deadlock."""
    markers = colab_markers(ctx)
    version = installed_version("huggingface_hub")
    facts: dict[str, Any] = {
        "in_colab": bool(markers),
        "markers": markers,
        "colab_enterprise": ctx.env.get("VERTEX_PRODUCT") == "COLAB_ENTERPRISE",
        "google_colab_importable": importlib.util.find_spec("google.colab") is not None
        if importlib.util.find_spec("google") is not None
        else False,
        "huggingface_hub_version": version,
        "vault_deadlock_version": version in DEADLOCK_VERSIONS,
    }
    if not markers:
        return passed("not a Colab runtime", **facts)
    if facts["vault_deadlock_version"]:
        return failed(
            f"Colab runtime with huggingface_hub {version}: its concurrent secret lookups deadlock downloads", **facts
        )
    return passed(f"Colab runtime ({', '.join(markers)}), huggingface_hub {version}", **facts)


@probe(
    "colab.secret",
    facts={
        "state": "not-colab | enterprise | token-elsewhere | value | missing | denied | timeout | unavailable"
        " | kernel-state",
        "consulted": "whether the vault was actually asked",
    },
)
def colab_secret(ctx: ProbeContext, key: str = "HF_TOKEN") -> ProbeResult:
    """Find out what Colab's notebook secrets would give huggingface_hub for HF_TOKEN.

    Only asked when it matters (Colab, no token in the environment or token file). The
    lookup is bounded by the probe deadline: a prompt nobody answers becomes `timeout`,
    which the playbook reports as `colab-secret-prompt`. In notebook mode the vault is never
    asked; huggingface_hub's own record of its lookup is read instead.
    """
    if not colab_markers(ctx):
        return skipped(
            "not a Colab runtime: huggingface_hub never consults notebook secrets", state="not-colab", consulted=False
        )
    if ctx.env.get("VERTEX_PRODUCT") == "COLAB_ENTERPRISE":  # huggingface_hub's is_colab_enterprise()
        return skipped(
            "Colab Enterprise (VERTEX_PRODUCT): huggingface_hub never consults notebook secrets there",
            state="enterprise",
            consulted=False,
        )
    if _token_from_env_or_file(ctx):
        return skipped(
            "a token comes from HF_TOKEN or the token file; the vault is not consulted",
            state="token-elsewhere",
            consulted=False,
        )
    if ctx.in_kernel:
        return _kernel_state()
    try:
        from google.colab import userdata
    except ImportError:
        return unknown(
            "google.colab is not importable here: cannot tell what the vault holds",
            state="unavailable",
            consulted=False,
        )
    try:
        value = userdata.get(key)
    except Exception as exc:
        name = type(exc).__name__
        message = clip(exc, 300)
        if "Timeout" in name or "timed out" in message.lower():
            return failed(
                f"asking Colab secrets for {key} timed out: {message}",
                state="timeout",
                consulted=True,
                exception=name,
                message=message,
            )
        if "NotebookAccess" in name:
            return warned(
                f"this notebook was denied access to the {key} secret", state="denied", consulted=True, exception=name
            )
        if "SecretNotFound" in name:
            return warned(
                f"no {key} secret exists in this notebook's secrets", state="missing", consulted=True, exception=name
            )
        return unknown(f"the secret lookup failed: {name}: {message}", state="error", consulted=True, exception=name)
    if value:
        register_secret(str(value))
        ctx.secrets["colab_token"] = str(value)
        return passed(f"the {key} secret is readable (value hidden)", state="value", consulted=True, token_present=True)
    return warned(f"the {key} secret is empty", state="missing", consulted=True)


def _kernel_state() -> ProbeResult:
    """Read huggingface_hub's own record of the vault lookup, without triggering one."""
    import sys

    auth = sys.modules.get("huggingface_hub.utils._auth")
    if auth is None:
        return skipped(
            "huggingface_hub has not looked up a token in this kernel yet",
            state="kernel-state",
            consulted=False,
            checked=False,
        )
    checked = bool(getattr(auth, "_IS_GOOGLE_COLAB_CHECKED", False))
    secret = getattr(auth, "_GOOGLE_COLAB_SECRET", None)
    if secret:
        register_secret(str(secret))
    facts = {"state": "kernel-state", "consulted": False, "checked": checked, "token_present": bool(secret)}
    if checked and not secret:
        return warned(
            "huggingface_hub asked the vault in this kernel and got no token (denied, missing or timed out)", **facts
        )
    return passed("huggingface_hub's vault state read without a lookup", **facts)
