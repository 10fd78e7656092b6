"""In-kernel probes: what the running notebook kernel's huggingface_hub actually uses.

huggingface_hub reads its variables once, when `huggingface_hub.constants` is first
imported, and records its Colab secret lookup in module globals. None of that is visible to a
child process (`!troubleshooter ...`), so these probes only run in notebook mode
(`troubleshooter.diagnose`, `%troubleshoot`), where `ctx.in_kernel` is true; headless they
return `skipped` with the reason. They read `sys.modules` and never import huggingface_hub
themselves: a module nobody imported yet holds no stale state, and importing it here would
freeze the current variables for the user.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from troubleshooter.distinfo import installed_version
from troubleshooter.model.result import ProbeResult, failed, passed, skipped, warned
from troubleshooter.probes import probe
from troubleshooter.probes._kernelstacks import scan_download_threads
from troubleshooter.probes.context import ProbeContext

HEADLESS_REASON = (
    "runs only inside the notebook kernel (troubleshooter.diagnose or %troubleshoot); "
    "a separate process cannot see the kernel's imported huggingface_hub"
)
DEADLOCK_VERSIONS = {"0.20.0", "0.20.1"}
TRUE_VALUES = {"1", "ON", "YES", "TRUE"}
DEFAULT_ENDPOINT = "https://huggingface.co"
STAGING_ENDPOINT = "https://hub-ci.huggingface.co"
DEFAULT_TIMEOUT_S = 10


def _is_true(value: str | None) -> bool:
    return value is not None and value.upper() in TRUE_VALUES


def _as_int(value: str | None) -> int | None:
    """huggingface_hub's `_as_int`: an empty or zero value falls back to the default."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _path(value: str) -> str:
    return os.path.expandvars(os.path.expanduser(value))


def expected_constants(env: Mapping[str, str]) -> dict[str, Any]:
    """The constants huggingface_hub would compute if it were imported now, with `env`.

    Mirrors huggingface_hub 2.4.0's `constants.py` for the variables users set in notebooks
    (endpoint, cache paths, offline mode, Xet, timeouts, token path). Kept explicit rather
    than re-executing the library's module so that the comparison is deterministic and never
    runs library code.
    """
    home = _path(
        env.get("HF_HOME")
        or os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    )
    endpoint = (env.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    if _is_true(env.get("HUGGINGFACE_CO_STAGING")):
        endpoint = STAGING_ENDPOINT
    return {
        "ENDPOINT": endpoint,
        "HF_HOME": home,
        "HF_HUB_CACHE": _path(env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE") or os.path.join(home, "hub")),
        "HF_TOKEN_PATH": _path(env.get("HF_TOKEN_PATH") or os.path.join(home, "token")),
        "HF_XET_CACHE": env.get("HF_XET_CACHE") or os.path.join(home, "xet"),
        "HF_HUB_OFFLINE": _is_true(env.get("HF_HUB_OFFLINE") or env.get("TRANSFORMERS_OFFLINE")),
        "HF_HUB_DISABLE_XET": _is_true(env.get("HF_HUB_DISABLE_XET")),
        "HF_HUB_ETAG_TIMEOUT": _as_int(env.get("HF_HUB_ETAG_TIMEOUT")) or DEFAULT_TIMEOUT_S,
        "HF_HUB_DOWNLOAD_TIMEOUT": _as_int(env.get("HF_HUB_DOWNLOAD_TIMEOUT")) or DEFAULT_TIMEOUT_S,
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": _is_true(env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")),
        "HF_HUB_DISABLE_SYMLINKS": _is_true(env.get("HF_HUB_DISABLE_SYMLINKS")),
    }


# Which variables feed each constant (what the user would have set), for the evidence line.
SOURCES: dict[str, tuple[str, ...]] = {
    "ENDPOINT": ("HF_ENDPOINT", "HUGGINGFACE_CO_STAGING"),
    "HF_HOME": ("HF_HOME", "XDG_CACHE_HOME"),
    "HF_HUB_CACHE": ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME"),
    "HF_TOKEN_PATH": ("HF_TOKEN_PATH", "HF_HOME"),
    "HF_XET_CACHE": ("HF_XET_CACHE", "HF_HOME"),
    "HF_HUB_OFFLINE": ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"),
    "HF_HUB_DISABLE_XET": ("HF_HUB_DISABLE_XET",),
    "HF_HUB_ETAG_TIMEOUT": ("HF_HUB_ETAG_TIMEOUT",),
    "HF_HUB_DOWNLOAD_TIMEOUT": ("HF_HUB_DOWNLOAD_TIMEOUT",),
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": ("HF_HUB_DISABLE_IMPLICIT_TOKEN",),
    "HF_HUB_DISABLE_SYMLINKS": ("HF_HUB_DISABLE_SYMLINKS",),
}


@dataclass(frozen=True)
class StaleConstant:
    """A constant whose imported value differs from what the current environment says."""

    constant: str
    effective: Any
    from_environment: Any
    variables: dict[str, str | None]

    def to_fact(self) -> dict[str, Any]:
        return {
            "constant": self.constant,
            "effective": self.effective,
            "from_environment": self.from_environment,
            "variables": self.variables,
        }


def stale_constants(constants: Any, env: Mapping[str, str]) -> list[StaleConstant]:
    """Compare an imported `huggingface_hub.constants` module with `env`."""
    stale: list[StaleConstant] = []
    for name, wanted in expected_constants(env).items():
        if not hasattr(constants, name):
            continue
        effective = getattr(constants, name)
        if isinstance(effective, os.PathLike):
            effective = os.fspath(effective)
        if effective != wanted:
            variables = {var: env.get(var) for var in SOURCES.get(name, ())}
            stale.append(StaleConstant(name, effective, wanted, variables))
    return stale


def _variables_to_fix(stale: list[StaleConstant]) -> list[str]:
    """The variables that are set now (the user's new values); all sources if one was deleted."""
    set_now = {var for item in stale for var, value in item.variables.items() if value is not None}
    return sorted(set_now or {var for item in stale for var in item.variables})


def _headless(ctx: ProbeContext) -> ProbeResult | None:
    if ctx.in_kernel:
        return None
    return skipped(HEADLESS_REASON, in_kernel=False)


@probe(
    "kernel.hub_constants",
    in_kernel_only=True,
    facts={
        "hub_imported": "huggingface_hub.constants is loaded in this kernel",
        "stale": "constants whose imported value differs from the current os.environ",
        "stale_variables": "the variables to set before import (or after a kernel restart)",
        "endpoint": "the endpoint huggingface_hub uses in this kernel",
        "hub_cache": "the cache folder huggingface_hub uses in this kernel",
    },
)
def hub_constants(ctx: ProbeContext) -> ProbeResult:
    """Compare huggingface_hub's effective constants with the kernel's current environment.

    huggingface_hub reads HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE,
    HF_HUB_DISABLE_XET, the timeouts and HF_TOKEN_PATH once, at import. A value set with
    `os.environ[...] = ...` in a later cell changes nothing until the kernel restarts.
    """
    if (result := _headless(ctx)) is not None:
        return result
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is None:
        return passed(
            "huggingface_hub is not imported in this kernel yet: it will read the current variables",
            hub_imported=False,
            stale=[],
            stale_variables=[],
        )
    stale = stale_constants(constants, ctx.env)
    facts: dict[str, Any] = {
        "hub_imported": True,
        "stale": [s.to_fact() for s in stale],
        "stale_variables": _variables_to_fix(stale),
        "endpoint": str(getattr(constants, "ENDPOINT", "")),
        "hub_cache": str(getattr(constants, "HF_HUB_CACHE", "")),
    }
    if not stale:
        return passed("huggingface_hub's constants match the current environment", **facts)
    parts = [f"{s.constant} is {s.effective!r} but the environment now says {s.from_environment!r}" for s in stale[:3]]
    more = f" (+{len(stale) - 3} more)" if len(stale) > 3 else ""
    return failed("set after huggingface_hub was imported, so ignored: " + "; ".join(parts) + more, **facts)


@probe(
    "kernel.hub_version",
    in_kernel_only=True,
    facts={
        "hub_imported": "huggingface_hub is loaded in this kernel",
        "imported_version": "the version the kernel runs",
        "installed_version": "the version installed on disk now",
        "imported_from": "the file the kernel imported it from",
        "restart_needed": "installed and imported versions differ (pip ran after import)",
        "imported_deadlock_version": "the kernel runs 0.20.0/0.20.1 (concurrent Colab secret lookups deadlock)",
        "hub_sees_colab": "huggingface_hub decided at import that it runs in Colab (it then may ask the vault)",
    },
)
def hub_version(ctx: ProbeContext) -> ProbeResult:
    """Compare the huggingface_hub version the kernel imported with the one installed now.

    `pip install -U huggingface_hub` in a running kernel changes the files on disk, not the
    code already imported: the old version keeps running until the kernel restarts.
    """
    if (result := _headless(ctx)) is not None:
        return result
    installed = installed_version("huggingface_hub")
    module = sys.modules.get("huggingface_hub")
    if module is None:
        return passed(
            f"huggingface_hub is not imported in this kernel (installed: {installed})",
            hub_imported=False,
            installed_version=installed,
            restart_needed=False,
            imported_deadlock_version=False,
            hub_sees_colab=False,
        )
    imported = str(getattr(module, "__version__", "") or "") or None
    runtime = sys.modules.get("huggingface_hub.utils._runtime")
    facts: dict[str, Any] = {
        "hub_imported": True,
        "imported_version": imported,
        "installed_version": installed,
        "imported_from": str(getattr(module, "__file__", "") or ""),
        "restart_needed": bool(imported and installed and imported != installed),
        "imported_deadlock_version": imported in DEADLOCK_VERSIONS,
        "hub_sees_colab": bool(getattr(runtime, "_is_google_colab", False)) if runtime is not None else False,
    }
    if facts["imported_deadlock_version"]:
        return failed(
            f"the kernel runs huggingface_hub {imported}, whose concurrent Colab secret lookups deadlock"
            + (f" (installed: {installed}; restart the kernel)" if facts["restart_needed"] else ""),
            **facts,
        )
    if facts["restart_needed"]:
        return warned(
            f"the kernel runs huggingface_hub {imported} but {installed} is installed: restart the kernel to use it",
            **facts,
        )
    return passed(f"the kernel runs huggingface_hub {imported}, the installed version", **facts)


@probe(
    "kernel.colab_vault",
    in_kernel_only=True,
    facts={
        "hub_sees_colab": "huggingface_hub decided at import that it runs in Colab",
        "colab_enterprise": "VERTEX_PRODUCT=COLAB_ENTERPRISE (the vault is never asked there)",
        "vault_checked": "huggingface_hub already asked the vault in this kernel (it asks once)",
        "vault_token_present": "that lookup returned a token (the value is never shown)",
        "lookup_in_progress": "a thread is inside the vault lookup right now (its lock is held)",
    },
)
def colab_vault(ctx: ProbeContext) -> ProbeResult:
    """Read the Colab secret-store state huggingface_hub recorded, without asking the vault.

    huggingface_hub asks `google.colab.userdata.get("HF_TOKEN")` at most once per kernel and
    keeps the answer in module globals; a held lookup lock means a thread waits on the
    access prompt right now. Nothing here calls the vault, so no dialog can pop up.
    """
    if (result := _headless(ctx)) is not None:
        return result
    runtime = sys.modules.get("huggingface_hub.utils._runtime")
    auth = sys.modules.get("huggingface_hub.utils._auth")
    lock = getattr(auth, "_GOOGLE_COLAB_SECRET_LOCK", None) if auth is not None else None
    facts: dict[str, Any] = {
        "hub_sees_colab": bool(getattr(runtime, "_is_google_colab", False)) if runtime is not None else False,
        "colab_enterprise": ctx.env.get("VERTEX_PRODUCT") == "COLAB_ENTERPRISE",
        "vault_checked": bool(getattr(auth, "_IS_GOOGLE_COLAB_CHECKED", False)) if auth is not None else False,
        "vault_token_present": bool(getattr(auth, "_GOOGLE_COLAB_SECRET", None)) if auth is not None else False,
        "lookup_in_progress": bool(lock.locked()) if lock is not None and hasattr(lock, "locked") else False,
    }
    if not facts["hub_sees_colab"] or facts["colab_enterprise"]:
        return passed("huggingface_hub does not consult Colab secrets in this kernel", **facts)
    if facts["lookup_in_progress"]:
        return failed(
            "a Colab secret lookup for HF_TOKEN is waiting right now (an access prompt nobody answered?)", **facts
        )
    if not facts["vault_checked"]:
        return passed(
            "huggingface_hub has not asked Colab secrets yet (it will, once, if no other token exists)", **facts
        )
    if facts["vault_token_present"]:
        return passed("huggingface_hub got a token from Colab secrets (value hidden)", **facts)
    return warned(
        "huggingface_hub asked Colab secrets and got no token (missing, denied or timed out); "
        "it will not ask again until the kernel restarts",
        **facts,
    )


@probe(
    "kernel.download_threads",
    in_kernel_only=True,
    facts={
        "threads": "threads of this kernel inside huggingface_hub downloads: name, waiting_on, where, seconds",
        "waiting_on": "most telling wait: colab-secret | colab-secret-lock | file-lock | network | xet | other | none",
        "lock_file": "the lock file a thread waits for (file-lock)",
        "longest_wait_s": "how long the longest measurable wait has lasted",
    },
)
def download_threads(ctx: ProbeContext) -> ProbeResult:
    """Find the kernel's own threads that sit inside a huggingface_hub download, and on what.

    Reads the stacks of the current process (`sys._current_frames()`): a thread waiting in
    huggingface_hub's file lock, in Colab's secret lookup or on the network. The probe's own
    threads (and ones abandoned by earlier runs) are left out.
    """
    if (result := _headless(ctx)) is not None:
        return result
    sample_s = min(0.5, max(0.0, ctx.time_left() / 4))
    scan = scan_download_threads(sample_s=sample_s, clock=ctx.clock)
    facts: dict[str, Any] = scan.facts()
    if not scan.threads:
        return passed("no thread of this kernel is inside a huggingface_hub download", **facts)
    summary = scan.summary()
    if scan.waiting_on in ("colab-secret", "colab-secret-lock", "file-lock"):
        return failed(summary, **facts)
    return warned(summary, **facts)
