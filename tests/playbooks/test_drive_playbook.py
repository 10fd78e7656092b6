"""drive-not-syncing end to end: the real CLI against real folders and real FUSE Drive mounts.

A Drive mount here is bindfs with `-o subtype=drive`, so the mount table shows `fuse.drive`
as Colab's does; freezing the bindfs daemon (SIGSTOP) makes every stat under it block in the
kernel, which is what a hung Drive mount does. Those tests need root, bindfs and /dev/fuse,
and are skipped with the reason where any is missing; the shadow-folder and not-mounted
cases need none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import CANARY, CliResult, base_env, run_cli

needs_fuse = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("bindfs") or not os.path.exists("/dev/fuse"),
    reason="needs root, bindfs and /dev/fuse to make a fuse.drive mount (apt-get install bindfs)",
)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small tmpfs")


def safetensors_bytes(count: int = 1024) -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [count], "data_offsets": [0, count * 4]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * (count * 4)


def _mounted(point: Path) -> bool:
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        return any(line.split()[4] == str(point) for line in table)


@contextmanager
def drive_mount(point: Path, backing: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A bindfs mirror of `backing` at `point` that the mount table calls fuse.drive."""
    point.mkdir(parents=True, exist_ok=True)
    backing.mkdir(parents=True, exist_ok=True)
    options = "subtype=drive,fsname=drive,attr_timeout=0,entry_timeout=0,negative_timeout=0"
    daemon = subprocess.Popen(
        ["bindfs", "-f", "-o", options, str(backing), str(point)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not _mounted(point):
            assert daemon.poll() is None and time.monotonic() < deadline, "bindfs did not mount"
            time.sleep(0.02)
        yield daemon
    finally:
        if daemon.poll() is None:
            os.kill(daemon.pid, signal.SIGCONT)
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)
        if daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=10)


def walk(home: Path, *answers: str, timeout: float = 3) -> CliResult:
    args = ["--playbook", "drive-not-syncing", "--json", "--timeout", str(timeout)]
    for answer in answers:
        args += ["--answer", answer]
    return run_cli(args, base_env(home))


def assert_cause(result: CliResult, cause: str) -> None:
    data = result.json
    assert data["verdict"] == "problem", (data, result.stderr)
    assert result.cause == cause, json.dumps(data["steps"], indent=1)[:3000]
    assert result.code == 1
    assert CANARY not in result.stdout + result.stderr


def test_files_saved_before_mounting_are_a_shadow_dir_and_are_kept(tmp_path: Path, home: Path) -> None:
    root = tmp_path / "content" / "drive"
    saved = root / "MyDrive" / "checkpoints" / "checkpoint-500" / "model.safetensors"
    saved.parent.mkdir(parents=True)
    saved.write_bytes(safetensors_bytes())
    result = walk(home, f"drive_root={root}")
    assert_cause(result, "drive-shadow-dir")
    fixes = {r["id"]: r for r in result.json["remediations"]}
    assert "move-shadow-aside" in fixes and not any("rm " in c for c in fixes["move-shadow-aside"]["commands"])
    assert saved.exists()


def test_absent_drive_root_is_not_mounted(tmp_path: Path, home: Path) -> None:
    result = walk(home, f"drive_root={tmp_path / 'content' / 'drive'}")
    assert_cause(result, "drive-not-mounted")
    assert [s["node"] for s in result.json["steps"]] == ["mount"]


@needs_fuse
def test_mounted_drive_with_intact_checkpoint_means_flush_before_leaving(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    with drive_mount(point, tmp_path / "backing"):
        (point / "MyDrive" / "ckpt").mkdir(parents=True)
        (point / "MyDrive" / "ckpt" / "model.safetensors").write_bytes(safetensors_bytes())
        logs = home / ".config" / "Google" / "DriveFS" / "Logs"
        logs.mkdir(parents=True)
        (logs / "drive_fs.txt").write_text(f"I 1 [env] HF_TOKEN={CANARY}\nI 2 [cloud_sync] Queued upload\n")
        result = walk(home, f"drive_root={point}")  # checkpoint_dir defaults to <drive_root>/MyDrive
    assert_cause(result, "drive-unflushed")
    checkpoints = next(s for s in result.json["steps"] if s["node"] == "checkpoints")
    assert checkpoints["args"]["path"] == f"{point}/MyDrive"
    assert checkpoints["facts"]["checked"] == 1
    assert {r["id"] for r in result.json["remediations"]} >= {"flush-and-unmount", "push-to-hub"}


@needs_fuse
def test_truncated_checkpoint_on_drive_names_the_file(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    with drive_mount(point, tmp_path / "backing"):
        run = point / "MyDrive" / "runs" / "exp" / "checkpoint-1000"
        run.mkdir(parents=True)
        (run / "model.safetensors").write_bytes(safetensors_bytes(8192)[:-4096])
        result = walk(home, f"drive_root={point}", f"checkpoint_dir={point}/MyDrive/runs/exp")
    assert_cause(result, "checkpoint-corrupt")
    step = next(s for s in result.json["steps"] if s["node"] == "checkpoints")
    assert step["facts"]["first_bad"] == str(run / "model.safetensors")
    assert "truncated" in step["evidence"]


@needs_fuse
def test_quota_exceeded_in_the_drivefs_log(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    with drive_mount(point, tmp_path / "backing"):
        (point / "MyDrive").mkdir()
        logs = home / ".config" / "Google" / "DriveFS" / "Logs"
        logs.mkdir(parents=True)
        (logs / "drive_fs.txt").write_text("E 9 [cloud_sync] upload rejected: QUOTA_EXCEEDED\n")
        result = walk(home, f"drive_root={point}")
    assert_cause(result, "drive-quota-exceeded")


@needs_fuse
def test_full_drivefs_cache_disk(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    cache = home / ".config" / "Google" / "DriveFS"
    cache.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(cache)], check=True)
    try:
        with open(cache / "content_cache.bin", "wb") as filler:  # fill until the tmpfs refuses
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        with drive_mount(point, tmp_path / "backing"):
            (point / "MyDrive").mkdir()
            result = walk(home, f"drive_root={point}")
    finally:
        subprocess.run(["umount", "-l", str(cache)], check=False)
    assert_cause(result, "drive-cache-disk-full")


@needs_fuse
def test_hung_drive_mount_costs_one_deadline(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    with drive_mount(point, tmp_path / "backing") as daemon:
        (point / "MyDrive").mkdir()
        os.kill(daemon.pid, signal.SIGSTOP)
        result = walk(home, f"drive_root={point}", timeout=2)
    assert_cause(result, "drive-mount-hung")
    assert result.seconds < 2 + 3, f"a hung mount must cost about one deadline, took {result.seconds:.1f} s"
    mount_step = result.json["steps"][0]
    assert mount_step["facts"]["state"] == "hung" or mount_step["status"] == "timeout"


@needs_root
def test_other_filesystem_at_drive_root_is_not_drive(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    point.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], check=True)
    try:
        (point / "MyDrive").mkdir()
        (point / "MyDrive" / "x.pt").write_bytes(b"PK")
        result = walk(home, f"drive_root={point}")
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)
    assert_cause(result, "drive-not-mounted")
    assert result.json["steps"][0]["facts"]["state"] == "other-mount"


@needs_fuse
def test_drive_daemon_gone_is_transport_endpoint_not_connected(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    with drive_mount(point, tmp_path / "backing") as daemon:
        daemon.kill()
        daemon.wait(timeout=10)
        result = walk(home, f"drive_root={point}")
    assert_cause(result, "drive-mount-hung")
    assert result.json["steps"][0]["facts"]["state"] == "not-connected"
