"""Where the Hugging Face cache really is, where each path came from, and whether it persists.

huggingface_hub resolves HF_HOME, HF_HUB_CACHE and the token path once, at import, from
variables with a precedence few people remember (HF_HUB_CACHE, then the legacy
HUGGINGFACE_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache). The effective
values here are the library's own constants; the sources are worked out from the context's
environment, and a disagreement between the two is reported (a variable changed after import).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import MountInfo, Timeout, bounded, covering_mount, read_mounts
from troubleshooter.probes.versions import module_version, version_tuple

LEGACY_TRANSFORMERS_VARS = ("TRANSFORMERS_CACHE", "PYTORCH_TRANSFORMERS_CACHE", "PYTORCH_PRETRAINED_BERT_CACHE")
EPHEMERAL_FSTYPES = ("tmpfs", "ramfs", "overlay", "aufs", "fuse.fuse-overlayfs")


def _expand(value: str, env: dict[str, str] | Any) -> str:
    """expanduser + expandvars against the context's environment (as huggingface_hub does)."""
    home = env.get("HOME") or os.path.expanduser("~")
    if value == "~" or value.startswith("~/"):
        value = home + value[1:]
    for name, val in sorted(env.items(), key=lambda item: -len(item[0])):
        value = value.replace("${" + name + "}", val).replace("$" + name, val)
    return value


def expected_paths(env: Any) -> dict[str, tuple[str, str]]:
    """{name: (path, source)} as huggingface_hub would resolve them from `env`."""
    home_dir = env.get("HOME") or os.path.expanduser("~")
    if env.get("HF_HOME") is not None:
        hf_home, home_src = _expand(env["HF_HOME"], env), "env:HF_HOME"
    elif env.get("XDG_CACHE_HOME"):
        hf_home, home_src = os.path.join(_expand(env["XDG_CACHE_HOME"], env), "huggingface"), "env:XDG_CACHE_HOME"
    else:
        hf_home, home_src = os.path.join(home_dir, ".cache", "huggingface"), "default:~/.cache/huggingface"
    if env.get("HF_HUB_CACHE") is not None:
        hub, hub_src = _expand(env["HF_HUB_CACHE"], env), "env:HF_HUB_CACHE"
    elif env.get("HUGGINGFACE_HUB_CACHE") is not None:
        hub, hub_src = _expand(env["HUGGINGFACE_HUB_CACHE"], env), "env:HUGGINGFACE_HUB_CACHE (legacy name)"
    else:
        hub, hub_src = os.path.join(hf_home, "hub"), f"HF_HOME/hub ({home_src})"
    if env.get("HF_TOKEN_PATH") is not None:
        token, token_src = _expand(env["HF_TOKEN_PATH"], env), "env:HF_TOKEN_PATH"
    else:
        token, token_src = os.path.join(hf_home, "token"), f"HF_HOME/token ({home_src})"
    if env.get("HF_DATASETS_CACHE"):
        datasets, datasets_src = _expand(env["HF_DATASETS_CACHE"], env), "env:HF_DATASETS_CACHE"
    else:
        datasets, datasets_src = os.path.join(hf_home, "datasets"), f"HF_HOME/datasets ({home_src})"
    return {
        "hf_home": (hf_home, home_src),
        "hub_cache": (hub, hub_src),
        "token_path": (token, token_src),
        "datasets_cache": (datasets, datasets_src),
    }


def effective_paths(ctx: ProbeContext) -> dict[str, Any]:
    """huggingface_hub's own resolution (its constants) plus where each value came from."""
    from huggingface_hub import constants

    expected = expected_paths(ctx.env)
    actual = {
        "hf_home": constants.HF_HOME,
        "hub_cache": constants.HF_HUB_CACHE,
        "token_path": constants.HF_TOKEN_PATH,
        "datasets_cache": expected["datasets_cache"][0],
    }
    facts: dict[str, Any] = {}
    differs: list[str] = []
    for key, value in actual.items():
        want, source = expected[key]
        facts[key] = str(value)
        facts[f"{key}_source"] = source
        if os.path.normpath(str(value)) != os.path.normpath(want):
            differs.append(key)
    facts["xet_cache"] = str(getattr(constants, "HF_XET_CACHE", os.path.join(constants.HF_HOME, "xet")))
    facts["differs_from_env"] = differs
    return facts


def hub_cache_dir(ctx: ProbeContext, cache_dir: str | None = None) -> str:
    """The hub cache a probe should look at: an explicit one, else huggingface_hub's HF_HUB_CACHE."""
    if cache_dir:
        return os.path.abspath(os.path.expanduser(cache_dir))
    from huggingface_hub import constants

    return os.path.abspath(str(constants.HF_HUB_CACHE))


def library_cache_dir(ctx: ProbeContext, cache_dir: str | None = None) -> tuple[str, str]:
    """(the cache from_pretrained really uses, why): transformers 4 still reads TRANSFORMERS_CACHE.

    transformers 4.x takes `TRANSFORMERS_CACHE`, then `PYTORCH_TRANSFORMERS_CACHE`, then
    `PYTORCH_PRETRAINED_BERT_CACHE`, then huggingface_hub's HF_HUB_CACHE as its default
    `cache_dir`; transformers 5 dropped them. Asked in the target, so it is the user's release.
    """
    if cache_dir:
        return hub_cache_dir(ctx, cache_dir), "cache_dir"
    legacy = next((name for name in LEGACY_TRANSFORMERS_VARS if ctx.env.get(name)), None)
    if legacy:
        major = version_tuple(module_version(ctx, "transformers")[0])
        if major is not None and major[0] < 5:
            return os.path.abspath(_expand(ctx.env[legacy], ctx.env)), f"env:{legacy} (transformers {major[0]}.x)"
    return hub_cache_dir(ctx), "HF_HUB_CACHE"


def resolved_mount(ctx: ProbeContext, path: str, mounts: list[MountInfo] | None = None) -> tuple[str, MountInfo | None]:
    """(real path, covering mount): symlinks resolved with a bounded realpath, the mount found lexically."""
    try:
        real = bounded(lambda: os.path.realpath(path), max(0.1, min(1.0, ctx.time_left() / 4)), "realpath")
    except (Timeout, OSError):
        real = os.path.abspath(path)
    return real, covering_mount(real, mounts if mounts is not None else read_mounts(ctx.proc_root))


def is_ephemeral(mount: MountInfo | None) -> bool:
    """tmpfs/ramfs (RAM) or an overlay layer (a container's writable layer): gone after a restart."""
    return mount is not None and mount.fstype in EPHEMERAL_FSTYPES


@probe(
    "cache.paths",
    facts={
        "hf_home": "effective HF_HOME (huggingface_hub.constants)",
        "hf_home_source": "env:HF_HOME | env:XDG_CACHE_HOME | default:~/.cache/huggingface",
        "hub_cache": "effective HF_HUB_CACHE, where downloads are stored",
        "hub_cache_source": "env:HF_HUB_CACHE | env:HUGGINGFACE_HUB_CACHE | HF_HOME/hub (…)",
        "token_path": "where huggingface_hub reads the token file",
        "datasets_cache": "where datasets keeps its processed (Arrow) files",
        "differs_from_env": "paths whose effective value differs from what the environment now says",
    },
)
def cache_paths(ctx: ProbeContext) -> ProbeResult:
    """Find the effective cache paths huggingface_hub uses and which variable (or default) set each.

    The values are the library's constants, read once at its import; when the current
    environment would give another value, the variable was changed after the import (in a
    notebook) and the change has no effect until the kernel restarts.
    """
    facts = effective_paths(ctx)
    summary = f"hub cache {facts['hub_cache']} (from {facts['hub_cache_source']})"
    if facts["differs_from_env"]:
        return warned(
            f"{summary}; the environment now says otherwise for {', '.join(facts['differs_from_env'])} "
            "(changed after huggingface_hub was imported)",
            **facts,
        )
    return passed(summary, **facts)


def _same_dir(a: str, b: str) -> bool:
    """The same folder, even under two names (a symlink, a bind mount): same path, else same inode."""
    if os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b)):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): they cannot be the same folder now
        return False


@probe(
    "cache.legacy_vars",
    facts={
        "legacy": "legacy cache variables that are set, with their values",
        "ignored": "those that no longer decide where files go",
        "transformers": "installed transformers version (null: not installed)",
        "hub_cache": "the effective hub cache files actually go to",
        "state": "none | consistent | ignored | deprecated",
    },
)
def legacy_cache_vars(ctx: ProbeContext) -> ProbeResult:
    """Check TRANSFORMERS_CACHE and its older names against the installed transformers.

    transformers 4 still honoured these variables (with a deprecation warning); transformers 5
    removed them, so files go to huggingface_hub's cache (HF_HUB_CACHE, by default under
    HF_HOME) and a volume named only by TRANSFORMERS_CACHE is never used again. Without
    transformers the variables never meant anything to huggingface_hub.
    """
    hub_cache = hub_cache_dir(ctx)
    legacy = {name: ctx.env[name] for name in LEGACY_TRANSFORMERS_VARS if ctx.env.get(name)}
    facts: dict[str, Any] = {"legacy": legacy, "hub_cache": hub_cache, "ignored": [], "transformers": None}
    if not legacy:
        return passed("no legacy cache variable is set", state="none", **facts)
    differing = {n: v for n, v in legacy.items() if not _same_dir(_expand(v, ctx.env), hub_cache)}
    if not differing:
        return passed("legacy cache variables point at the effective hub cache", state="consistent", **facts)
    version, _ = module_version(ctx, "transformers")
    major = version_tuple(version)
    facts["transformers"] = version
    shown = ", ".join(f"{n}={v}" for n, v in differing.items())
    if major is not None and major[0] < 5:
        facts["ignored"] = []
        return warned(
            f"{shown} still works with transformers {version} but is deprecated and removed in "
            f"transformers 5; other tools already use {hub_cache}",
            state="deprecated",
            **facts,
        )
    facts["ignored"] = list(differing)
    why = f"transformers {version} removed it" if version else "transformers is not installed"
    return failed(f"{shown} is ignored ({why}): files go to {hub_cache}", state="ignored", **facts)


@probe(
    "cache.persistence",
    facts={
        "hub_cache": "the effective hub cache",
        "fstype": "filesystem type under the hub cache",
        "mount_point": "mount point covering the hub cache",
        "ephemeral": "the hub cache is lost on restart (tmpfs, ramfs, overlay/container layer)",
        "datasets_cache": "HF_DATASETS_CACHE when set",
        "datasets_persistent": "the datasets cache is on a persistent filesystem",
        "state": "persistent | ephemeral | only-datasets-persisted",
    },
)
def cache_persistence(ctx: ProbeContext, cache_dir: str | None = None) -> ProbeResult:
    """Check whether the hub cache sits on a filesystem that survives a restart.

    A tmpfs lives in RAM and an overlay mount is a container's writable layer: both are gone
    when the machine or container restarts, so every start downloads again. HF_DATASETS_CACHE
    only holds datasets' processed files; raw downloads always go to the hub cache.
    """
    hub = hub_cache_dir(ctx, cache_dir)
    mounts = read_mounts(ctx.proc_root)
    real, mount = resolved_mount(ctx, hub, mounts)
    facts: dict[str, Any] = {
        "hub_cache": hub,
        "real_path": real,
        "fstype": mount.fstype if mount else None,
        "mount_point": mount.mount_point if mount else None,
        "ephemeral": is_ephemeral(mount),
    }
    datasets = ctx.env.get("HF_DATASETS_CACHE")
    if datasets:
        _, dmount = resolved_mount(ctx, _expand(datasets, ctx.env), mounts)
        facts.update(
            datasets_cache=datasets,
            datasets_fstype=dmount.fstype if dmount else None,
            datasets_persistent=dmount is not None and not is_ephemeral(dmount),
        )
    if mount is None:
        return warned(f"no mount table entry covers {real}", state="unknown", **facts)
    where = f"{real} is on {mount.fstype} mounted at {mount.mount_point}"
    if not facts["ephemeral"]:
        return passed(f"{where}: persistent", state="persistent", **facts)
    if facts.get("datasets_persistent"):
        return failed(
            f"{where}, lost on restart, while HF_DATASETS_CACHE ({datasets}) is persistent",
            state="only-datasets-persisted",
            **facts,
        )
    return failed(f"{where}: lost on every restart", state="ephemeral", **facts)


def existing_ancestor(ctx: ProbeContext, path: str) -> str | None:
    """The nearest existing directory at or above `path` (bounded: a hung mount blocks stat)."""

    def find() -> str:
        current = Path(path)
        while not current.exists() and current != current.parent:
            current = current.parent
        return str(current)

    try:
        return bounded(find, max(0.1, min(1.5, ctx.time_left() / 3)), "exists")
    except (Timeout, OSError):
        return None
