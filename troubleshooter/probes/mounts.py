"""Mount-table reading and bounded filesystem calls, shared by cache, lock and Drive probes.

The covering mount of a path is found from /proc/self/mountinfo *without touching the path*
(a hung FUSE mount blocks any stat under it), and every call that does touch a path can be
bounded with `bounded()`, which abandons a thread stuck in the kernel at its deadline.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from troubleshooter.boundedio import start_worker
from troubleshooter.model.result import ProbeResult, failed, passed, unknown
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext

T = TypeVar("T")

NETWORK_TYPES = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "virtiofs", "ceph", "glusterfs", "lustre", "gpfs", "afs")
EPHEMERAL_TYPES = ("tmpfs", "ramfs", "overlay", "aufs", "devtmpfs")


@dataclass(frozen=True)
class MountInfo:
    """One line of /proc/self/mountinfo, decoded."""

    mount_point: str
    fstype: str
    source: str
    options: tuple[str, ...]
    super_options: tuple[str, ...]
    device: str

    @property
    def read_only(self) -> bool:
        return "ro" in self.options or "ro" in self.super_options

    @property
    def is_fuse(self) -> bool:
        return self.fstype == "fuse" or self.fstype.startswith("fuse.") or self.fstype == "fuseblk"

    @property
    def is_network(self) -> bool:
        return self.fstype in NETWORK_TYPES or self.fstype.startswith(("nfs", "fuse.sshfs", "fuse.s3", "fuse.gcsfuse"))

    @property
    def is_ephemeral(self) -> bool:
        return self.fstype in EPHEMERAL_TYPES

    def to_facts(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            options=list(self.options),
            super_options=list(self.super_options),
            read_only=self.read_only,
            fuse=self.is_fuse,
            network=self.is_network,
            ephemeral=self.is_ephemeral,
        )
        return data


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (\\040 …)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[MountInfo]:
    mounts: list[MountInfo] = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, rest = left.split(), right.split()
        if len(fields) < 6 or len(rest) < 2:
            continue
        mounts.append(
            MountInfo(
                mount_point=_unescape(fields[4]),
                fstype=rest[0],
                source=_unescape(rest[1]),
                options=tuple(fields[5].split(",")),
                super_options=tuple(rest[2].split(",")) if len(rest) > 2 else (),
                device=fields[2],
            )
        )
    return mounts


def read_mounts(proc_root: Path = Path("/proc")) -> list[MountInfo]:
    try:
        return parse_mountinfo((proc_root / "self" / "mountinfo").read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def covering_mount(path: str | os.PathLike[str], mounts: list[MountInfo] | None = None) -> MountInfo | None:
    """The mount whose mount point is the longest prefix of `path` (lexically: no stat)."""
    target = os.path.normpath(os.path.abspath(os.fspath(path)))
    best: MountInfo | None = None
    for mount in mounts if mounts is not None else read_mounts():
        point = mount.mount_point.rstrip("/") or "/"
        if (target == point or target.startswith(point + "/") or point == "/") and (
            best is None or len(point) >= len(best.mount_point.rstrip("/") or "/")
        ):
            best = mount
    return best


class Timeout(Exception):
    """A bounded call did not return in time (the thread is left behind, blocked)."""


def bounded(func: Callable[[], T], timeout_s: float, name: str = "fs-call") -> T:
    """Run `func` in a daemon thread; raise Timeout if it does not return within `timeout_s`.

    For calls that may block in the kernel (stat on a hung FUSE mount): such a thread
    cannot be interrupted, only abandoned; the process exits past it.
    """
    thread, box = start_worker(func, f"bounded:{name}")
    thread.join(max(0.01, timeout_s))
    if thread.is_alive():
        raise Timeout(f"{name} did not return within {timeout_s:.1f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


@probe(
    "fs.mount",
    facts={
        "path": "the path checked",
        "mount_point": "mount point covering it",
        "fstype": "filesystem type (tmpfs, overlay, nfs, fuse.drive …)",
        "read_only": "mounted read-only",
        "network": "a network filesystem",
        "fuse": "a FUSE filesystem",
        "ephemeral": "does not survive a restart (tmpfs, overlay layer)",
    },
)
def mount_probe(ctx: ProbeContext, path: str | None = None) -> ProbeResult:
    """Find the mount covering a path from the mount table, without touching the path."""
    if not path:
        return unknown("no path given", path=None)
    mount = covering_mount(path, read_mounts(ctx.proc_root))
    if mount is None:
        return unknown(f"no mount table entry covers {path}", path=path)
    facts = {"path": path, **mount.to_facts()}
    if mount.read_only:
        return failed(f"{path} is on a read-only {mount.fstype} mount at {mount.mount_point}", **facts)
    return passed(f"{path} is on {mount.fstype} mounted at {mount.mount_point}", **facts)
