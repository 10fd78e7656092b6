"""Folder fixes: `dir.create` and `folder.move-aside` (a rename with a timestamp, never a delete).

Moving aside is how a shadow Drive folder (files written to `/content/drive` before Drive was
mounted) is cleared without losing the only copy of a checkpoint: one `rename(2)`, atomic, on
the same filesystem. It refuses anything that is, or contains, a mount point — moving a live
mount would be a different and dangerous operation — and paths outside the allowed root.
Both check their place (`places.check_place`) when planning and again right before each
system call: never a system or top-level folder, never the home folder, never through a
symlink, never outside the declared root (`within`, or the folder's parent).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from troubleshooter.model.playbook import Applicability
from troubleshooter.probes.mounts import read_mounts
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused, action
from troubleshooter.remediation.fileops import crash_point, expand_home, fsync_dir, has_parent_reference
from troubleshooter.remediation.places import PlaceRefused, check_place, check_root

ASIDE_MARK = ".aside-"


def _absolute(actx: ActionContext, raw: str) -> Path:
    text = expand_home(str(raw or "").strip(), actx.probe.home)
    if not text or "\0" in text:
        raise Refused("an empty or invalid path")
    if has_parent_reference(text):
        raise Refused(f"{text}: '..' is not allowed in a path a fix touches")
    if not os.path.isabs(text):
        raise Refused(f"{text}: give an absolute path")
    return Path(text)


def placed(actx: ActionContext, path: Path, root: Path, *, missing_ok: bool = True) -> Path:
    """`path` checked against its declared `root` (see `places`); Refused says which rule failed."""
    try:
        check_place(path, root, home=actx.probe.home, missing_ok=missing_ok)
        return check_root(root, actx.probe.home)
    except PlaceRefused as exc:
        raise Refused(str(exc)) from None


def mounts_at_or_under(actx: ActionContext, path: Path) -> list[str]:
    """Mount points at `path` or inside it (from the real mount table; never stats the path)."""
    text = str(path).rstrip("/") or "/"
    points = [m.mount_point for m in read_mounts(actx.probe.proc_root)]
    return [p for p in points if p == text or p.startswith(text + "/")]


@action("dir.create", touches=("the named directory and missing parents",), applicability=Applicability.SAFE)
def create_directory(actx: ActionContext, path: str, mode: str = "0755") -> Plan:
    """Create a directory (and missing parents); undo removes only what it created, if still empty."""
    target = _absolute(actx, path)
    if target.is_dir():
        return Plan([f"{target} already exists"], noop=True, reason=f"{target} already exists")
    if target.exists() or target.is_symlink():
        raise Refused(f"{target} exists and is not a directory")
    missing = []
    probe = target
    while not probe.exists() and not probe.is_symlink():
        missing.append(probe)
        probe = probe.parent
    root = placed(actx, target, probe)
    if not os.access(probe, os.W_OK):
        raise Refused(f"{probe} is not writable by this user")
    perm = int(mode, 8)

    def run() -> Outcome:
        outcome = Outcome(message=f"created {target}")
        for folder in reversed(missing):
            placed(actx, folder, root)  # again, right before the mkdir
            actx.will_undo({"kind": "remove-empty-dir", "path": str(folder), "root": str(root)})
            try:
                os.mkdir(folder, perm)
            except FileExistsError:
                continue
            fsync_dir(folder.parent)
            outcome.changes.append({"kind": "create-dir", "path": str(folder)})
            outcome.undo.insert(0, {"kind": "remove-empty-dir", "path": str(folder), "root": str(root)})
            crash_point("dir:created")
        return outcome

    return Plan([f"mkdir -p {target} (mode {mode})"], run, places=[str(root)])


@action("folder.move-aside", touches=("the named folder (renamed, never deleted)",), applicability=Applicability.UNSAFE)
def move_aside(actx: ActionContext, path: str, within: str | None = None) -> Plan:
    """Rename a folder to `<name>.aside-<timestamp>` beside it, keeping every file.

    `within` is the folder it must lie in (default: its parent). Refused for mount points, a
    folder with a mount inside, a symlink, or the user's home.
    """
    real = _absolute(actx, path)
    root = placed(actx, real, _absolute(actx, within) if within else real.parent)
    if not real.exists() and not real.is_symlink():
        asides = sorted(str(p) for p in real.parent.glob(real.name + ASIDE_MARK + "*"))
        why = f"nothing at {real} to move" + (f" (moved before: {asides[-1]})" if asides else "")
        return Plan([why], noop=True, reason=why)
    if real.is_symlink() or not real.is_dir():
        raise Refused(f"{real} is not a plain folder")
    mounted = mounts_at_or_under(actx, real)
    if mounted:
        raise Refused(f"{real} is or contains a mount point ({', '.join(mounted[:3])}); unmount it first")
    destination = real.with_name(real.name + ASIDE_MARK + time.strftime("%Y%m%d-%H%M%S"))
    if destination.exists():
        raise Refused(f"{destination} already exists; try again in a second")
    st = os.lstat(real)

    def run() -> Outcome:
        placed(actx, real, root, missing_ok=False)  # again, right before the rename
        placed(actx, destination, root)
        now = os.lstat(real)
        if (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev) or destination.exists():
            raise Refused(f"{real} was replaced since the preview; nothing was moved")
        undo: dict[str, Any] = {"kind": "rename", "from": str(destination), "to": str(real), "root": str(root)}
        actx.will_undo(undo)
        os.rename(real, destination)  # atomic: the folder is either here or there, whole
        fsync_dir(real.parent)
        crash_point("aside:renamed")
        change: dict[str, Any] = {"kind": "rename", "from": str(real), "to": str(destination)}
        return Outcome([change], [undo], message=f"moved {real} to {destination}")

    return Plan([f"rename {real} -> {destination} (nothing is deleted)"], run, places=[str(root)])
