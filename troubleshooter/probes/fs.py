"""The cache's filesystem: can it be written, is there room, what kind is it, does it hold symlinks.

Every call that touches the path is bounded (a stat under a hung network or FUSE mount blocks
in the kernel), and the filesystem type comes from the mount table without touching the path.
Tests write a scratch file or link next to the cache and remove it at once; nothing else in
the cache is changed. A cache directory that does not exist yet is judged by its nearest
existing parent, since huggingface_hub creates it there on first download.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.cache import existing_ancestor, hub_cache_dir, is_ephemeral, resolved_mount
from troubleshooter.probes.cachescan import repo_folder
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.env import truthy
from troubleshooter.probes.locks import flock_supported
from troubleshooter.probes.mounts import NETWORK_TYPES, MountInfo, Timeout, bounded

MIB = 1 << 20
NO_REPO_FAIL_BYTES = 100 * MIB  # without a repo, less than this fits no real model …
NO_REPO_FULL_SHARE = 0.9  # … when the filesystem is also this full (a small, mostly empty tmpfs is not full)
NO_REPO_WARN_BYTES = 1024 * MIB
LOCAL_FUSE = ("fuse.fuse-overlayfs", "fuseblk", "fuse.lxcfs", "fuse.portal")


def _write_test(directory: str) -> tuple[bool, str | None]:
    """Create and remove a scratch file in `directory`: (writable, errno name on failure)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".troubleshooter-write-", dir=directory)
    except OSError as exc:
        return False, errno.errorcode.get(exc.errno or 0, str(exc.errno))
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return True, None


def _budget(ctx: ProbeContext, share: float = 0.8) -> float:
    return max(0.1, (ctx.time_left() - 0.2) * share)


@probe(
    "fs.cache_writable",
    facts={
        "hub_cache": "the effective hub cache",
        "tested_dir": "the directory written to (the cache, or its nearest existing parent)",
        "writable": "a scratch file could be created and removed",
        "error": "errno name of the failed write (EROFS, EACCES, ENOSPC …)",
        "read_only_mount": "the covering mount is read-only",
        "uid": "user id of this process",
    },
)
def cache_writable(ctx: ProbeContext, cache_dir: str | None = None) -> ProbeResult:
    """Write a scratch file in the hub cache (and its .locks/) to prove downloads can be stored.

    A read-only mount, a directory owned by another user, or a HOME that does not exist in a
    container (HOME=/ or /nonexistent) all make the first write of a download fail.
    """
    cache = hub_cache_dir(ctx, cache_dir)
    _, mount = resolved_mount(ctx, cache)
    facts: dict[str, Any] = {
        "hub_cache": cache,
        "uid": os.getuid(),
        "home": ctx.env.get("HOME"),
        "read_only_mount": bool(mount and mount.read_only),
        "mount_point": mount.mount_point if mount else None,
        "fstype": mount.fstype if mount else None,
    }
    tested = existing_ancestor(ctx, cache)
    if tested is None:
        return unknown(f"could not reach {cache} in time (hung filesystem?)", writable=None, **facts)
    targets = [tested]
    locks_dir = Path(cache) / ".locks"
    if tested == cache and locks_dir.is_dir():  # lock files are the first thing a download writes
        targets.append(str(locks_dir))
    facts["tested_dir"] = tested
    for target in targets:
        try:
            ok, error = bounded(functools.partial(_write_test, target), _budget(ctx, 0.5), "write-test")
        except Timeout:
            return unknown(f"writing in {target} did not return in time", writable=None, **facts)
        if not ok:
            why = (
                "the filesystem is mounted read-only"
                if error == "EROFS" or facts["read_only_mount"]
                else ("permission denied" if error in ("EACCES", "EPERM") else error)
            )
            return failed(f"cannot write in {target}: {why}", writable=False, error=error, failed_dir=target, **facts)
    return passed(f"{tested} is writable", writable=True, error=None, **facts)


def _cached_blob_bytes(cache: str, repo: str | None, repo_type: str) -> int:
    if not repo:
        return 0
    blobs = Path(cache) / repo_folder(repo, repo_type) / "blobs"
    total = 0
    if blobs.is_dir():
        for path in blobs.iterdir():
            if not path.name.endswith(".incomplete") and path.is_file():
                total += path.stat().st_size
    return total


def hub_repo_size(ctx: ProbeContext, repo: str, repo_type: str) -> int | None:
    """Bytes of all files of `repo` from the Hub's file list (bounded; None when not reachable)."""
    from troubleshooter.probes.hub import _api, repo_size_key, walk_token
    from troubleshooter.probes.net import dead_endpoint

    if dead_endpoint(ctx) is not None:
        return None
    known = ctx.recall(repo_size_key(repo, repo_type))
    if known:  # hub.repo read the same file list earlier in this walk
        return int(known)
    token, _ = walk_token(ctx)
    try:
        entries = _api(ctx).list_repo_tree(repo, repo_type=repo_type, recursive=True, token=token or False)
        return sum(int(getattr(e, "size", 0) or 0) for e in entries if type(e).__name__ == "RepoFile") or None
    except Exception:  # any failure here only means "size unknown"; the network checks judge the Hub
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@probe(
    "fs.free_space",
    network=True,
    facts={
        "free_bytes": "bytes free for this user on the cache's filesystem",
        "needed_bytes": "size of the repo's files (from the Hub's file list)",
        "needed_source": "where the size came from: argument | hub-file-list | unknown",
        "cached_bytes": "bytes of that repo already in the cache",
        "missing_bytes": "what still has to be downloaded",
        "checked_dir": "the directory whose filesystem was measured",
    },
)
def free_space(
    ctx: ProbeContext,
    cache_dir: str | None = None,
    needed: Any = None,
    repo: str | None = None,
    repo_type: str = "model",
) -> ProbeResult:
    """Compare the free space of the cache's filesystem with what the download still needs.

    huggingface_hub only warns when space is short and then fails mid-file with "No space
    left on device" (the partial file lives next to the blob, on the same filesystem).
    Without a repo size, a filesystem at least 90% used with less than 100 MiB free is full.
    """
    cache = hub_cache_dir(ctx, cache_dir)
    checked = existing_ancestor(ctx, cache)
    if checked is None:
        return unknown(f"could not reach {cache} in time", hub_cache=cache)
    try:
        stats = bounded(lambda: os.statvfs(checked), _budget(ctx, 0.4), "statvfs")
        cached = bounded(lambda: _cached_blob_bytes(cache, repo, repo_type), _budget(ctx, 0.5), "cached-bytes")
    except Timeout:
        return unknown(f"measuring {checked} did not return in time", hub_cache=cache)
    except OSError as exc:
        return unknown(f"cannot measure {checked}: {exc.strerror}", hub_cache=cache)
    free = stats.f_bavail * stats.f_frsize
    total_needed, needed_source = _as_int(needed), "argument"
    if total_needed is None and repo and ctx.time_left() > 0.5:
        total_needed, needed_source = hub_repo_size(ctx, repo, repo_type), "hub-file-list"
    if total_needed is None:
        needed_source = "unknown"
    missing = max(0, total_needed - cached) if total_needed is not None else None
    facts = {
        "hub_cache": cache,
        "checked_dir": checked,
        "free_bytes": free,
        "needed_bytes": total_needed,
        "needed_source": needed_source,
        "cached_bytes": cached,
        "missing_bytes": missing,
        "total_bytes": stats.f_blocks * stats.f_frsize,
    }
    free_mib = free / MIB
    if missing is not None:
        if free < missing:
            return failed(
                f"{checked} has {free_mib:.1f} MiB free but the download still needs {missing / MIB:.1f} MiB", **facts
            )
        return passed(f"{free_mib:.0f} MiB free, {missing / MIB:.1f} MiB still to download", **facts)
    total = stats.f_blocks * stats.f_frsize
    if free < NO_REPO_FAIL_BYTES and total and (total - free) / total >= NO_REPO_FULL_SHARE:
        return failed(f"only {free_mib:.1f} MiB free on the filesystem of {checked}: too little for a model", **facts)
    if free < NO_REPO_WARN_BYTES:
        return warned(f"only {free_mib:.0f} MiB free on the filesystem of {checked}", **facts)
    return passed(f"{free_mib:.0f} MiB free on the filesystem of {checked}", **facts)


def classify_mount(mount: MountInfo | None) -> str:
    """local | network | fuse | ephemeral | unknown, for the cache's covering mount."""
    if mount is None:
        return "unknown"
    if mount.fstype in NETWORK_TYPES or mount.fstype.startswith(("nfs", "fuse.sshfs", "fuse.s3", "fuse.gcsfuse")):
        return "network"
    if is_ephemeral(mount):
        return "ephemeral"
    if (mount.fstype == "fuse" or mount.fstype.startswith("fuse.")) and mount.fstype not in LOCAL_FUSE:
        return "fuse"
    return "local"


@probe(
    "fs.cache_filesystem",
    facts={
        "fstype": "filesystem type under the hub cache (nfs4, fuse.drive, ext4 …)",
        "mount_point": "the covering mount point",
        "kind": "local | network | fuse | ephemeral | unknown",
        "read_only": "the mount is read-only",
        "flock_supported": "flock works in the cache (false: filelock falls back to soft lock markers)",
    },
)
def cache_filesystem(ctx: ProbeContext, cache_dir: str | None = None) -> ProbeResult:
    """Find the filesystem type under the hub cache and whether flock works on it.

    On NFS, SMB and FUSE filesystems (Google Drive, sshfs, s3fs, gcsfuse) flock is missing or
    unreliable, symlinks may not work, and metadata calls can block: downloads hang on locks,
    leave soft lock markers behind, or duplicate files.
    """
    cache = hub_cache_dir(ctx, cache_dir)
    real, mount = resolved_mount(ctx, cache)
    kind = classify_mount(mount)
    facts: dict[str, Any] = {
        "hub_cache": cache,
        "real_path": real,
        "kind": kind,
        "fstype": mount.fstype if mount else None,
        "mount_point": mount.mount_point if mount else None,
        "source": mount.source if mount else None,
        "read_only": bool(mount and mount.read_only),
    }
    flock_ok: bool | None = None
    if kind != "network" or ctx.time_left() > 1.0:  # a network mount may hang: test only with time to spare
        target = existing_ancestor(ctx, cache)
        if target is not None and not facts["read_only"]:
            try:
                flock_ok = bounded(lambda: flock_supported(target), _budget(ctx, 0.5), "flock-test")
            except (Timeout, OSError):
                flock_ok = None
    facts["flock_supported"] = flock_ok
    where = f"{real} is on {facts['fstype']} ({kind}) at {facts['mount_point']}"
    if kind in ("network", "fuse"):
        return failed(f"{where}: locks and symlinks are unreliable there", **facts)
    if flock_ok is False:
        return failed(f"{where} and flock does not work there", **facts)
    return passed(where, **facts)


def _symlink_test(directory: str) -> tuple[bool, str | None]:
    """Create a scratch folder holding a relative symlink, as huggingface_hub's own check does."""
    try:
        scratch = tempfile.mkdtemp(prefix=".troubleshooter-symlink-", dir=directory)
    except OSError as exc:
        return False, errno.errorcode.get(exc.errno or 0, "write-failed")
    try:
        Path(scratch, "target").touch()
        os.symlink("target", os.path.join(scratch, "link"))
        return True, None
    except OSError as exc:
        return False, errno.errorcode.get(exc.errno or 0, str(exc.errno))
    finally:
        for name in ("link", "target"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(scratch, name))
        with contextlib.suppress(OSError):
            os.rmdir(scratch)


def _copied_snapshot_files(cache: str, repo: str | None, repo_type: str) -> list[str]:
    """Regular files (not links into blobs/) inside snapshots/: what a cache without symlinks holds."""
    folders = [Path(cache) / repo_folder(repo, repo_type)] if repo else sorted(Path(cache).glob("*--*"))[:200]
    copies: list[str] = []
    for folder in folders:
        snapshots = folder / "snapshots"
        if not snapshots.is_dir():
            continue
        for path in snapshots.rglob("*"):
            if path.is_file() and not path.is_symlink():
                copies.append(str(path.relative_to(cache)))
                if len(copies) >= 20:
                    return copies
    return copies


@probe(
    "fs.cache_symlinks",
    facts={
        "symlinks_supported": "a symlink could be created in the cache",
        "disabled_by_env": "HF_HUB_DISABLE_SYMLINKS is truthy (copies by choice)",
        "copied_files": "regular files in snapshots/ (the cache was written without symlinks)",
        "state": "ok | unsupported | copies | disabled",
    },
)
def cache_symlinks(
    ctx: ProbeContext, cache_dir: str | None = None, repo: str | None = None, repo_type: str = "model"
) -> ProbeResult:
    """Check that the cache can hold symlinks, and whether snapshots contain copies instead.

    The cache stores each file once in blobs/ and links to it from snapshots/<commit>/. On a
    filesystem without symlinks huggingface_hub falls back to a degraded mode: files are
    moved into the snapshot, blobs are not kept, and any other revision downloads again.
    """
    cache = hub_cache_dir(ctx, cache_dir)
    disabled = truthy(ctx.env.get("HF_HUB_DISABLE_SYMLINKS"))
    target = existing_ancestor(ctx, cache)
    if target is None:
        return unknown(f"could not reach {cache} in time", hub_cache=cache)
    try:
        supported, error = bounded(lambda: _symlink_test(target), _budget(ctx, 0.4), "symlink-test")
        copies = bounded(lambda: _copied_snapshot_files(cache, repo, repo_type), _budget(ctx, 0.6), "snapshot-copies")
    except Timeout:
        return unknown(f"checking symlinks in {target} did not return in time", hub_cache=cache)
    except OSError as exc:
        return unknown(f"cannot check symlinks in {target}: {exc.strerror}", hub_cache=cache)
    facts = {
        "hub_cache": cache,
        "tested_dir": target,
        "symlinks_supported": supported,
        "error": error,
        "disabled_by_env": disabled,
        "copied_files": copies,
    }
    if not supported and error in ("EPERM", "EOPNOTSUPP", "ENOSYS", "EINVAL"):
        return failed(
            f"{target} cannot hold symlinks ({error}): the cache runs in degraded mode, copying files",
            state="unsupported",
            **facts,
        )
    if not supported:
        return unknown(f"the symlink test in {target} could not run ({error})", state="untested", **facts)
    if copies and disabled:
        return warned("snapshots hold copies because HF_HUB_DISABLE_SYMLINKS is set", state="disabled", **facts)
    if copies:
        return failed(
            f"snapshots hold {len(copies)} copied file(s) instead of links (e.g. {copies[0]}): the cache "
            "was written where symlinks did not work",
            state="copies",
            **facts,
        )
    return passed("the cache can hold symlinks", state="ok", **facts)
