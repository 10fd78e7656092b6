"""Where a fix may act: every change names its place, and the place is checked right before acting.

A fix's path comes from a playbook argument, an answer the user typed, or the environment, and
any of those can be wrong (`drive_root=/usr`, a slip like `/content`) or hostile (a journal
from someone else). So every action declares the *root* it works in (the hub cache's `.locks`,
the folder that holds the chosen env file, the Drive root, the nearest existing parent of a
new folder) and `check_place` is called on the exact path at plan time *and again just before
the system call*, because the machine can change in between (a folder swapped for a symlink).

The rules, in the order they are checked, each refusal saying which one failed:

- an absolute path without `..` or NUL;
- never a protected place: `/`, a top-level folder (`/usr`, `/content`, anything with fewer
  than `MIN_DEPTH` components), anything inside a system tree (`/usr/...`, `/etc/...`, `/proc`),
  the user's home itself or a folder that contains it;
- strictly inside its declared root (at least one component below it);
- never through a symlink: no component from `/` down to the path is a symbolic link (the
  plan resolved links already, so a link here means the path changed since the plan).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

MIN_DEPTH = 2  # components below "/": /content/drive may be acted on, /content never
SYSTEM_TREES = (  # nothing inside these belongs to the user's ML setup
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/usr",
    "/snap",
    "/var/lib/dpkg",
    "/var/lib/apt",
    "/var/log",
)
TOP_LEVEL = frozenset(
    {
        "/",
        "/bin",
        "/boot",
        "/content",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/var",
        "/workspace",
        "/data",
        "/snap",
        "/nix",
        "/kaggle",
    }
)


class PlaceRefused(Exception):
    """A path a fix must not touch; the message names the path and the rule it breaks."""


def _is_under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def protected_reason(path: str, home: str | None) -> str | None:
    """Why `path` (absolute, normalised) is never a fix's to change, or None when it may be."""
    if path in TOP_LEVEL or len(Path(path).parts) - 1 < MIN_DEPTH:
        return "a system or top-level folder"
    tree = next((t for t in SYSTEM_TREES if _is_under(path, t)), None)
    if tree is not None:
        return f"inside the system folder {tree}"
    if home:
        home_n = os.path.normpath(home)
        if path == home_n:
            return "the home folder itself"
        if _is_under(home_n, path):
            return f"a folder that contains the home folder {home_n}"
    return None


def _symlink_on_the_way(path: str, *, missing_ok: bool) -> str | None:
    """The first component of `path` that is a symlink (lstat, never following), or None."""
    current = "/"
    for part in Path(path).parts[1:]:
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            if missing_ok:
                return None
            raise
        if stat.S_ISLNK(st.st_mode):
            return current
    return None


def check_place(path: str | Path, root: str | Path, *, home: str | Path | None, missing_ok: bool = True) -> Path:
    """`path` as given when a fix may act on it inside `root`; raises PlaceRefused saying why not.

    `missing_ok`: the path (or its last components) may not exist yet (a file or folder about
    to be created). Call it at plan time and again right before the change.
    """
    text, root_text = str(path), str(root)
    if not text or "\0" in text or not os.path.isabs(text):
        raise PlaceRefused(f"{text!r}: a fix acts only on an absolute path")
    if ".." in Path(text).parts or ".." in Path(root_text).parts:
        raise PlaceRefused(f"{text}: '..' is not allowed in a path a fix touches")
    norm, root_n = os.path.normpath(text), os.path.normpath(root_text)
    why = protected_reason(norm, str(home) if home else None)
    if why:
        raise PlaceRefused(f"{norm}: refused, {why}")
    if norm == root_n or not _is_under(norm, root_n):
        raise PlaceRefused(f"{norm}: outside the place this fix declared ({root_n})")
    try:
        link = _symlink_on_the_way(norm, missing_ok=missing_ok)
    except FileNotFoundError:
        raise PlaceRefused(f"{norm}: does not exist") from None
    if link is not None:
        raise PlaceRefused(f"{norm}: refused, {link} is a symbolic link (a fix never acts through one)")
    return Path(norm)


def check_root(root: str | Path, home: str | Path | None) -> Path:
    """A declared root itself: absolute, no `..`, not a system tree and no symlink on the way.

    A root may be a top-level folder (`/content` holds the Drive root) but never `/` or a system tree.
    """
    text = os.path.normpath(str(root))
    if not os.path.isabs(text) or ".." in Path(str(root)).parts:
        raise PlaceRefused(f"{root}: a fix's place must be an absolute path")
    if text == "/":
        raise PlaceRefused("/: refused, a fix never declares the whole filesystem as its place")
    tree = next((t for t in SYSTEM_TREES if _is_under(text, t)), None)
    if tree is not None:
        raise PlaceRefused(f"{text}: refused, inside the system folder {tree}")
    link = _symlink_on_the_way(text, missing_ok=True)
    if link is not None:
        raise PlaceRefused(f"{text}: refused, {link} is a symbolic link (a fix never acts through one)")
    del home  # the home folder may be a root (a profile lives in it), never a target
    return Path(text)


def inside_any(path: str, roots: Iterable[str]) -> bool:
    norm = os.path.normpath(path)
    return any(norm != os.path.normpath(r) and _is_under(norm, os.path.normpath(r)) for r in roots)
