"""locks.held against real lock holders: separate processes taking flocks and soft markers.

The helpers here start the same kind of holder a real download is: a process with an
exclusive flock on `<cache>/.locks/<repo folder>/<etag>.lock` that appends to the blob's
`.incomplete` file, or a filelock SoftFileLock marker whose process is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from troubleshooter.model.result import Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.locks import locks_probe, parse_proc_locks

ETAG = "a" * 64
REPO = "acme/locked-model"
REPO_DIR = "models--acme--locked-model"

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o664)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
while True:
    if len(sys.argv) > 2:
        with open(sys.argv[2], "ab") as partial:
            partial.write(b"\\0" * 65536)
    time.sleep(0.2)
"""

SOFT = """
import os, sys, filelock
lock = filelock.SoftFileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
if sys.argv[2] == "die":
    os._exit(0)  # killed mid-download: the marker stays behind
sys.stdin.read()
"""


def _script(cache: Path, name: str, code: str) -> Path:
    """Worker scripts live next to the cache, not in it (the cache scan would see them)."""
    folder = cache.parent / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(code)
    return folder / name


def lock_path(cache: Path, repo_dir: str = REPO_DIR, etag: str = ETAG) -> Path:
    path = cache / ".locks" / repo_dir / f"{etag}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def flock_holder(cache: Path, *, grow: bool = True, repo_dir: str = REPO_DIR) -> Iterator[subprocess.Popen[str]]:
    """A separate process holding the download lock, optionally writing the partial blob."""
    lock = lock_path(cache, repo_dir)
    script = _script(cache, "download_worker.py", HOLDER)
    args = [sys.executable, str(script), str(lock)]
    if grow:
        blobs = cache / repo_dir / "blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        args.append(str(blobs / f"{ETAG}.1a2b3c4d.incomplete"))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def soft_marker(cache: Path, *, alive: bool, repo_dir: str = REPO_DIR) -> tuple[Path, subprocess.Popen[str]]:
    """A SoftFileLock marker written by a real process that is still running or already gone."""
    lock = lock_path(cache, repo_dir)
    script = _script(cache, "soft_worker.py", SOFT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(lock), "live" if alive else "die"],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    if not alive:
        proc.wait(timeout=10)
    return lock, proc


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "hub"


def _ctx(timeout: float = 4.0) -> ProbeContext:
    return ProbeContext(env=dict(os.environ), timeout_s=timeout).for_probe()


def test_live_flock_holder_is_named_with_pid_and_command(cache: Path) -> None:
    with flock_holder(cache) as holder:
        result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache))
    assert result.status is Status.FAIL
    assert result.facts["state"] == "held"
    assert result.facts["holder_pid"] == holder.pid
    assert result.facts["holder_command"].split()[1:3] == [
        str(cache.parent / "workers" / "download_worker.py"),
        str(lock_path(cache)),
    ]
    assert result.facts["growing"] is True and result.facts["bytes_per_s"] > 0
    assert f"pid {holder.pid}" in result.evidence


def test_holder_that_writes_nothing_is_still_held_but_not_growing(cache: Path) -> None:
    with flock_holder(cache, grow=False) as holder:
        result = locks_probe(_ctx(), cache_dir=str(cache))  # no repo: every lock in the cache
    assert result.facts["state"] == "held" and result.facts["holder_pid"] == holder.pid
    assert result.facts["growing"] is False


def test_lock_of_another_repo_is_not_blamed_when_a_repo_is_given(cache: Path) -> None:
    with flock_holder(cache, grow=False, repo_dir="models--other--model"):
        result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache))
    assert result.status is Status.PASS and result.facts["state"] == "none"


def test_lock_file_left_after_a_finished_download_is_free(cache: Path) -> None:
    with flock_holder(cache, grow=False):
        pass  # the holder exits; flock's lock file stays behind, empty, as after every download
    result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache))
    assert result.status is Status.PASS
    assert result.facts["state"] == "free" and result.facts["lock_files"] == 1
    assert result.facts["flock_supported"] is True


def test_soft_marker_of_a_dead_process_is_stale(cache: Path) -> None:
    lock, proc = soft_marker(cache, alive=False)
    assert lock.read_text().startswith(f"{proc.pid}\n")
    result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache))
    assert result.status is Status.WARN and result.facts["state"] == "stale"
    assert result.facts["stale"][0]["owner_pid"] == proc.pid
    assert "gone" in result.facts["stale"][0]["reason"]


def test_soft_marker_of_a_live_process_is_held(cache: Path) -> None:
    _, proc = soft_marker(cache, alive=True)
    try:
        result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache))
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert result.facts["state"] == "held" and result.facts["holder_pid"] == proc.pid
    assert result.facts["holders"][0]["lock_type"] == "soft"


def test_no_cache_at_all_has_no_locks(cache: Path) -> None:
    result = locks_probe(_ctx(), repo=REPO, cache_dir=str(cache / "missing"))
    assert result.status is Status.PASS and result.facts["state"] == "none"


def test_proc_locks_lines_are_parsed_with_hex_devices_and_waiters() -> None:
    text = (
        "1: FLOCK  ADVISORY  WRITE 4242 fd:01:123456 0 EOF\n"
        "1: -> FLOCK  ADVISORY  WRITE 4243 fd:01:123456 0 EOF\n"
        "2: POSIX  ADVISORY  READ 17 00:1a:99 0 EOF\n"
        "garbage\n"
    )
    held, waiter, posix = parse_proc_locks(text)
    assert (held.pid, held.major, held.minor, held.inode, held.waiting) == (4242, 0xFD, 1, 123456, False)
    assert waiter.waiting and waiter.pid == 4243
    assert posix.kind == "POSIX" and posix.minor == 0x1A
