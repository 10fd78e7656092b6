"""Drive probes read the mount table, a real Drive root folder and a real DriveFS log.

The mount table is injected through `ProbeContext.proc_root` (a crafted
`self/mountinfo`), which is how the probe is meant to be pointed at another view of the
system; the folders, files and logs it then inspects are real. Real FUSE mounts, including
a hung one, are exercised end to end in tests/playbooks/test_drive_playbook.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from troubleshooter.model.result import Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.drive import drive_cache_disk, drive_mount, drive_quota

CANARY = "hf_DriveLogCanaryDoNotLeak0123456789ab"


def mount_table(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    """A proc root whose self/mountinfo lists `/` (ext4) and each (mount point, fstype)."""
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    lines = ["22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw"]
    for number, (point, fstype) in enumerate(entries, start=100):
        lines.append(f"{number} 22 0:{number} / {point} rw,nosuid,nodev - {fstype} drive rw,user_id=0")
    (proc / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
    return proc


def ctx_for(tmp_path: Path, proc: Path, home: Path | None = None) -> ProbeContext:
    return ProbeContext(env={"HOME": str(home or tmp_path / "home")}, timeout_s=3, proc_root=proc)


def test_folder_with_files_and_no_drive_mount_is_a_shadow_dir(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    (root / "MyDrive" / "ckpt").mkdir(parents=True)
    (root / "MyDrive" / "ckpt" / "model.safetensors").write_bytes(b"x" * 10)
    result = drive_mount(ctx_for(tmp_path, mount_table(tmp_path)), str(root))
    assert result.status is Status.FAIL
    assert result.facts["state"] == "shadow"
    assert result.facts["same_device_as_parent"] is True
    assert result.facts["file_count"] == 1
    assert result.facts["sample_files"] == [str(root / "MyDrive" / "ckpt" / "model.safetensors")]
    assert (root / "MyDrive" / "ckpt" / "model.safetensors").exists(), "a probe never moves or deletes"


def test_missing_or_empty_drive_root_is_not_mounted(tmp_path: Path) -> None:
    proc = mount_table(tmp_path)
    absent = drive_mount(ctx_for(tmp_path, proc), str(tmp_path / "content" / "drive"))
    assert absent.facts["state"] == "absent"
    (tmp_path / "content" / "drive" / "MyDrive").mkdir(parents=True)
    empty = drive_mount(ctx_for(tmp_path, proc), str(tmp_path / "content" / "drive"))
    assert empty.facts["state"] == "empty"


def test_another_filesystem_at_the_drive_root_is_not_drive(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    root.mkdir(parents=True)
    (root / "file").write_text("x")
    result = drive_mount(ctx_for(tmp_path, mount_table(tmp_path, (str(root), "tmpfs"))), str(root))
    assert result.facts["state"] == "other-mount"
    assert result.facts["fstype"] == "tmpfs"


def test_fuse_drive_mount_that_answers_is_mounted(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    (root / "MyDrive").mkdir(parents=True)
    proc = mount_table(tmp_path, (str(root), "fuse.drive"))
    result = drive_mount(ctx_for(tmp_path, proc), str(root))
    assert result.status is Status.PASS
    assert result.facts["state"] == "mounted" and result.facts["mounted"] is True
    assert result.facts["entries"] == ["MyDrive"]
    # A path below the mount point is covered by the same fuse.drive mount.
    below = drive_mount(ctx_for(tmp_path, proc), str(root / "MyDrive"))
    assert below.facts["mount_point"] == str(root) and below.facts["state"] == "mounted"


def _write_log(home: Path, text: str) -> Path:
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True)
    path = logs / "drive_fs.txt"
    path.write_text(text)
    return path


def test_quota_exceeded_in_the_drivefs_log_is_found_without_leaking_the_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write_log(
        home,
        f"I 1 [env] HF_TOKEN={CANARY}\n"
        "E 2 [cloud_sync] Upload failed /MyDrive/ckpt/model.safetensors: QUOTA_EXCEEDED (storage quota)\n",
    )
    result = drive_quota(ctx_for(tmp_path, mount_table(tmp_path), home), str(tmp_path / "content" / "drive"))
    assert result.status is Status.FAIL and result.facts["quota_exceeded"] is True
    assert result.facts["quota_errors"] == 1
    assert "QUOTA_EXCEEDED" in result.facts["last_quota_line"]
    assert CANARY not in str(result.to_dict())


def test_only_the_tail_of_a_large_log_is_read(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write_log(home, "E old QUOTA_EXCEEDED long ago\n" + "I routine sync line\n" * 40000)
    result = drive_quota(ctx_for(tmp_path, mount_table(tmp_path), home), None)
    assert result.status is Status.PASS and result.facts["quota_errors"] == 0
    assert result.facts["log_found"] is True


def test_no_drivefs_log_is_not_a_quota_problem(tmp_path: Path) -> None:
    result = drive_quota(ctx_for(tmp_path, mount_table(tmp_path)), None)
    assert result.status is Status.PASS and result.facts["log_found"] is False


def test_cache_disk_is_measured_where_drivefs_would_live(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cache = home / ".config" / "Google" / "DriveFS"
    cache.mkdir(parents=True)
    (cache / "content_cache").write_bytes(os.urandom(64 * 1024))
    proc = mount_table(tmp_path)
    result = drive_cache_disk(ctx_for(tmp_path, proc, home))
    assert result.facts["checked_dir"] == str(cache)
    assert result.facts["drivefs_bytes"] >= 64 * 1024
    assert result.facts["free_bytes"] > 0 and 0 <= result.facts["used_share"] <= 1
    # Without a DriveFS folder, its nearest existing parent's disk is measured.
    bare = drive_cache_disk(ctx_for(tmp_path, proc, tmp_path / "other"))
    assert bare.facts["drivefs_exists"] is False and bare.facts["checked_dir"] == str(tmp_path)
