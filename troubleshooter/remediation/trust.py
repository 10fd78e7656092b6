"""A per-machine secret that tells this tool's own run records from anything else.

Reports are meant to be shared, and a journal is a JSON file anyone can write; `undo` carries
out what a record says (restore a file, rename a folder, reinstall a package, call the Hub),
so it must only ever act on records this machine wrote. Every journal entry carries an HMAC
(SHA-256) over its canonical JSON, keyed by 32 random bytes kept in `<state dir>/key`, created
0600 with O_EXCL and refused when it is not a plain file owned by this user with no group or
other access. A forged or edited entry, or a record copied from another machine, fails the
check; an attacker who can read the key can already act as the user, so it needs no more.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

KEY_FILE = "key"
MAC_FIELD = "mac"


class Untrusted(Exception):
    """A record this machine did not write (or one changed since); the message says why."""


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
            raise Untrusted(f"{path}: the key must be a file of this user with mode 0600; refusing to trust it")
        data = os.read(fd, 64)
    finally:
        os.close(fd)
    if len(data) != 32:
        raise Untrusted(f"{path}: not a key written by troubleshooter")
    return data


def machine_key(state_dir: Path, *, create: bool = True) -> bytes:
    """This machine's secret (created on first use when `create`); raises Untrusted if unusable."""
    path = state_dir / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            raise Untrusted(f"no key in {state_dir}: this machine has recorded no fixes") from None
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another run made it first: use theirs
        return _read_key(path)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return data


def _canonical(entry: dict[str, Any], context: str) -> bytes:
    body = {k: v for k, v in entry.items() if k != MAC_FIELD}
    return (context + "\n" + json.dumps(body, sort_keys=True, ensure_ascii=True, default=str)).encode()


def sign(key: bytes, entry: dict[str, Any], context: str) -> dict[str, Any]:
    """`entry` with its MAC; `context` binds it to one journal (its run id)."""
    mac = hmac.new(key, _canonical(entry, context), hashlib.sha256).hexdigest()
    return {**{k: v for k, v in entry.items() if k != MAC_FIELD}, MAC_FIELD: mac}


def verify(key: bytes, entry: dict[str, Any], context: str) -> None:
    """Raise Untrusted unless `entry` carries this machine's MAC for exactly this content."""
    given = entry.get(MAC_FIELD)
    expected = hmac.new(key, _canonical(entry, context), hashlib.sha256).hexdigest()
    if not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise Untrusted("not recorded by this machine (its signature does not match); refused")


def is_inside(path: Path, folder: Path) -> bool:
    """True when `path`'s real location lies inside `folder`'s (both resolved)."""
    with contextlib.suppress(OSError):
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    return False
