"""The new Drive probes on real folders, real DriveFS logs and a crafted view of /proc.

The mount table and the boot time come through `ProbeContext.proc_root` (a crafted
`self/mountinfo` and `stat`); the folders, files, file times and logs the probes then read
are real. Real FUSE mounts are exercised end to end in
tests/playbooks/test_drive_failures_playbook.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.probes.test_drive_probes import ctx_for, mount_table
from troubleshooter.model.result import Status
from troubleshooter.probes._drivelog import LOG_TAIL_BYTES
from troubleshooter.probes.drive import drive_mount
from troubleshooter.probes.drivelimits import drive_folder_limits
from troubleshooter.probes.drivesync import drive_location, drive_session

CANARY = "hf_DriveFailureCanaryDoNotLeak0123456"


def write_log(home: Path, text: str) -> Path:
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / "drive_fs.txt"
    path.write_text(text)
    return path


def with_boot(proc: Path, booted: float) -> Path:
    """Add /proc/stat's btime to a crafted proc root (no PID 1 entry: the boot time is the start)."""
    (proc / "stat").write_text(f"cpu  1 2 3 4\nbtime {int(booted)}\nprocesses 42\n")
    return proc


def stamp(path: Path, when: float) -> None:
    os.utime(path, (when, when))


# --- drive-mount-failed -------------------------------------------------------------------------

TIMEOUT_LOG = (
    "2025-02-24T10:03:11.482ZI [1187:MainThread] drive_fs.cc:310:Main Starting DriveFS (mount_point_path: {mp})\n"
    f"2025-02-24T10:03:20.000ZI [1190:py_env] env.cc:77:Dump HF_TOKEN={CANARY}\n"
    "2025-02-24T10:04:12.915ZE [1201:core_1] query_manager.cc:402:RunQuery QueryManager timed out\n"
)


def test_empty_mount_point_with_a_root_timeout_in_the_log_is_a_failed_mount(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    root.mkdir(parents=True)
    home = tmp_path / "home"
    write_log(home, TIMEOUT_LOG.format(mp=root))
    result = drive_mount(ctx_for(tmp_path, mount_table(tmp_path), home), str(root))
    assert result.status is Status.FAIL
    assert result.facts["state"] == "mount-failed"
    assert result.facts["mount_failure"] == "root-timeout"
    assert result.facts["mount_point_contents"] == "empty"
    assert result.facts["log_mount_point"] == str(root)
    assert "QueryManager timed out" in result.facts["mount_failure_lines"][-1]
    assert CANARY not in str(result.to_dict())


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("E [12:core] auth_manager.cc:88:Fetch Credential propagation failed for the signed-in account", "credentials"),
        ("E [12:core] auth.cc:10:Auth MessageError: credential propagation was unsuccessful", "credentials"),
        ("E [12:Main] drive_fs.cc:77:Main Authorization failed", "credentials"),
        ("E [12:Main] drive_fs.cc:90:Main The domain policy has disabled Drive File Stream", "domain-policy"),
        ("E [12:Main] drive_fs.cc:90:Main Drive for desktop has been disabled by your administrator", "domain-policy"),
        ("E [12:Main] drive_fs.cc:91:Main Initial listing of the root folder timed out after 120 s", "root-timeout"),
        ("E [12:core] auth.cc:31:Run Credential propagation to the runtime failed (HTTP 403)", "credentials"),
        ("E [12:Main] drive_fs.cc:95:Main Your domain policy disables Drive for desktop", "domain-policy"),
        ("E [12:Main] drive_fs.cc:99:Main Drive File Stream encountered a problem and has stopped", "stopped"),
    ],
)
def test_each_reason_drivefs_gives_for_a_failed_mount_is_named(tmp_path: Path, line: str, kind: str) -> None:
    root = tmp_path / "content" / "drive"  # absent: DriveFS never created it
    home = tmp_path / "home"
    write_log(home, f"2025-03-01T08:00:00.000ZI [1:Main] Starting DriveFS (mount_point_path: {root})\n{line}\n")
    result = drive_mount(ctx_for(tmp_path, mount_table(tmp_path), home), str(root))
    assert result.facts["state"] == "mount-failed", result.evidence
    assert result.facts["mount_failure"] == kind
    assert result.facts["mount_point_contents"] == "absent"


def test_a_failure_followed_by_a_successful_mount_or_a_new_session_is_not_reported(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    root.mkdir(parents=True)
    home = tmp_path / "home"
    ctx = ctx_for(tmp_path, mount_table(tmp_path), home)
    recovered = "2025-02-24T10:09:00ZI [1:core] Initial sync of root folder complete\n"
    write_log(home, TIMEOUT_LOG.format(mp=root) + recovered)
    assert drive_mount(ctx, str(root)).facts["state"] == "empty"
    write_log(home, TIMEOUT_LOG.format(mp=root) + f"2025-02-25T09:00:00ZI [1:Main] Starting DriveFS ({root})\n")
    assert drive_mount(ctx, str(root)).facts["state"] == "empty"
    # Routine lines that mention credentials are not failures.
    routine = "2025-02-24T10:03:11ZI [1:Main] account_manager.cc:552:Init Using credentials from the metadata server\n"
    write_log(home, routine)
    assert drive_mount(ctx, str(root)).facts["state"] == "empty"


def test_a_token_cut_by_the_tail_boundary_never_leaks(tmp_path: Path) -> None:
    root = tmp_path / "content" / "drive"
    root.mkdir(parents=True)
    home = tmp_path / "home"
    failure = "E [1:core] query_manager.cc:402:RunQuery QueryManager timed out"
    padding = "I routine line\n" * ((LOG_TAIL_BYTES // 15) + 10)
    write_log(home, padding + f"{failure} token={CANARY} {'x' * 400}\n")
    result = drive_mount(ctx_for(tmp_path, mount_table(tmp_path), home), str(root))
    assert result.facts["state"] == "mount-failed"
    assert CANARY not in str(result.to_dict()) and CANARY[:12] not in str(result.to_dict())
    assert all(len(line) <= 300 for line in result.facts["mount_failure_lines"])


# --- checkpoints-outside-mount ------------------------------------------------------------------


def test_checkpoint_folder_beside_the_drive_mount_is_outside_it(tmp_path: Path) -> None:
    drive = tmp_path / "content" / "drive"
    (drive / "MyDrive").mkdir(parents=True)
    local = tmp_path / "content" / "gdrive" / "MyDrive" / "sdxl-lora" / "checkpoint-500"
    local.mkdir(parents=True)
    (local / "pytorch_lora_weights.safetensors").write_bytes(b"\0" * 64)
    proc = mount_table(tmp_path, (str(drive), "fuse.drive"))
    folder = str(local.parent)
    result = drive_location(ctx_for(tmp_path, proc), str(drive), folder)
    assert result.status is Status.FAIL and result.facts["state"] == "outside"
    assert result.facts["fstype"] == "ext4" and result.facts["drive_mount_point"] == str(drive)
    assert result.facts["device"] != result.facts["drive_device"]
    assert result.facts["file_count"] == 1
    assert result.facts["suggested_dir"] == str(drive / "MyDrive" / "sdxl-lora")


def test_a_symlink_into_drive_and_a_folder_inside_drive_are_on_drive(tmp_path: Path) -> None:
    drive = tmp_path / "content" / "drive"
    (drive / "MyDrive" / "runs").mkdir(parents=True)
    link = tmp_path / "content" / "MyDrive"
    link.symlink_to(drive / "MyDrive")
    proc = mount_table(tmp_path, (str(drive), "fuse.drive"))
    via_link = drive_location(ctx_for(tmp_path, proc), str(drive), str(link / "runs"))
    assert via_link.status is Status.PASS and via_link.facts["state"] == "inside"
    assert via_link.facts["resolved"] == str(drive / "MyDrive" / "runs")
    inside = drive_location(ctx_for(tmp_path, proc), str(drive), str(drive / "MyDrive" / "runs"))
    assert inside.facts["state"] == "inside"
    missing = drive_location(ctx_for(tmp_path, proc), str(drive), str(tmp_path / "nowhere"))
    assert missing.status is Status.WARN and missing.facts["state"] == "missing"
    no_drive = drive_location(ctx_for(tmp_path, mount_table(tmp_path / "plain")), str(drive), str(tmp_path))
    assert no_drive.status is Status.SKIPPED


# --- drive-folder-too-large ---------------------------------------------------------------------

LIMIT_LOG = """\
2025-06-02T12:40:05.117ZI [2203:MainThread] drive_fs.cc:310:Main Starting DriveFS (mount_point_path: {mp})
2025-06-02T14:07:31.552ZE [2241:core_1] drive_v2_cloud_store_no_apiary.cc:3593:DumpToLog Response body 0x1: {{
 "error": {{
  "errors": [
   {{
    "domain": "global",
    "reason": "numChildrenInNonRootLimitExceeded",
    "message": "The limit for this folder's number of children (files and folders) has been exceeded."
   }}
  ],
  "code": 403
 }}
}}
2025-06-02T14:07:31.560ZE [2241:core_1] fuse_driver.cc:944:Create Create of /MyDrive/out/ckpt-2 failed: returning EIO
"""


def _drive_with_folder(tmp_path: Path, items: int) -> tuple[Path, Path, Path]:
    drive = tmp_path / "content" / "drive"
    out = drive / "MyDrive" / "out"
    out.mkdir(parents=True)
    for number in range(items):
        (out / f"validation_{number}.png").write_bytes(b"p")
    return drive, out, mount_table(tmp_path, (str(drive), "fuse.drive"))


def test_drives_folder_limit_answer_in_the_log_is_a_folder_too_large(tmp_path: Path) -> None:
    drive, out, proc = _drive_with_folder(tmp_path, 30)
    home = tmp_path / "home"
    write_log(home, LIMIT_LOG.format(mp=drive))
    result = drive_folder_limits(ctx_for(tmp_path, proc, home), str(drive), str(tmp_path / "elsewhere"))
    assert result.status is Status.FAIL and result.facts["state"] == "limit"
    assert result.facts["limit_reasons"] == ["numChildrenInNonRootLimitExceeded"]
    assert result.facts["eio_count"] == 1 and result.facts["quota_errors"] == 0
    assert result.facts["failed_paths"] == ["/MyDrive/out/ckpt-2"]
    # The folder of the failed write is counted even though checkpoint_dir named another one.
    assert result.facts["largest_folder"] == str(out) and result.facts["largest_items"] == 30


def test_eio_alone_counts_only_in_a_folder_of_thousands_of_items(tmp_path: Path) -> None:
    drive, out, proc = _drive_with_folder(tmp_path, 1200)
    home = tmp_path / "home"
    eio = "2025-06-02T14:07:33.101ZE [1:core] fuse_driver.cc:944:Create Create of /MyDrive/out/x.png failed: EIO\n"
    write_log(home, eio)
    big = drive_folder_limits(ctx_for(tmp_path, proc, home), str(drive), str(out))
    assert big.status is Status.FAIL and big.facts["state"] == "eio-large-folder"
    assert big.facts["largest_items"] == 1200 and big.facts["folders"][0]["complete"] is True
    small = tmp_path / "small"
    (small / "content" / "drive" / "MyDrive" / "out").mkdir(parents=True)
    small_proc = mount_table(small, (str(small / "content" / "drive"), "fuse.drive"))
    few = drive_folder_limits(ctx_for(small, small_proc, home), str(small / "content" / "drive"), None)
    assert few.status is Status.WARN and few.facts["too_large"] is False


def test_a_full_account_is_left_to_the_quota_check(tmp_path: Path) -> None:
    drive, out, proc = _drive_with_folder(tmp_path, 5)
    home = tmp_path / "home"
    write_log(home, LIMIT_LOG.format(mp=drive) + "E [1:core] upload rejected: QUOTA_EXCEEDED\n")
    result = drive_folder_limits(ctx_for(tmp_path, proc, home), str(drive), str(out))
    assert result.facts["state"] == "quota" and result.facts["too_large"] is False
    write_log(home, "I [1:core] routine\n")
    assert drive_folder_limits(ctx_for(tmp_path, proc, home), str(drive), str(out)).facts["state"] == "ok"


# --- session-ended-before-sync ------------------------------------------------------------------


def _dated_checkpoint(tmp_path: Path, when: float) -> tuple[Path, Path]:
    drive = tmp_path / "content" / "drive"
    ckpt = drive / "MyDrive" / "ckpt"
    ckpt.mkdir(parents=True)
    for name in ("model.safetensors", "config.json"):
        (ckpt / name).write_bytes(b"{}")
        stamp(ckpt / name, when)
    return drive, ckpt


def test_checkpoints_written_after_this_runtime_started_belong_to_it(tmp_path: Path) -> None:
    booted = time.time() - 3600
    drive, ckpt = _dated_checkpoint(tmp_path, booted + 600)
    proc = with_boot(mount_table(tmp_path, (str(drive), "fuse.drive")), booted)
    result = drive_session(ctx_for(tmp_path, proc), str(drive), str(ckpt))
    assert result.status is Status.PASS and result.facts["state"] == "this-runtime"


def test_checkpoints_older_than_this_runtime_were_written_by_one_that_ended(tmp_path: Path) -> None:
    booted = time.time() - 3600
    drive, ckpt = _dated_checkpoint(tmp_path, booted - 7200)
    proc = with_boot(mount_table(tmp_path, (str(drive), "fuse.drive")), booted)
    home = tmp_path / "home"
    result = drive_session(ctx_for(tmp_path, proc, home), str(drive), str(ckpt))
    assert result.status is Status.WARN and result.facts["state"] == "earlier-runtime"
    assert result.facts["files_checked"] == 2 and result.facts["pending_before_start"] == 0
    # A surviving DriveFS log with uploads from before this runtime that never finished settles it.
    old = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(booted - 3600))
    write_log(
        home,
        f"{old}.000ZI [1:core] cloud_sync.cc:1:Push Queued upload /MyDrive/ckpt/model.safetensors (2 bytes)\n"
        f"{old}.500ZI [1:core] cloud_sync.cc:1:Push Queued upload /MyDrive/other/x.bin (2 bytes)\n"
        f"{old}.900ZI [1:core] cloud_sync.cc:1:Push Queued upload /MyDrive/ckpt/config.json (2 bytes)\n"
        f"{old}.950ZI [1:core] cloud_sync.cc:1:Push Upload of /MyDrive/ckpt/config.json complete\n",
    )
    ended = drive_session(ctx_for(tmp_path, proc, home), str(drive), str(ckpt))
    assert ended.status is Status.FAIL and ended.facts["state"] == "ended-unsynced"
    assert ended.facts["pending_before_start"] == 1
    assert "model.safetensors" in ended.facts["pending_lines"][0]


def test_an_empty_folder_or_an_unknown_boot_time_says_nothing(tmp_path: Path) -> None:
    drive = tmp_path / "content" / "drive"
    (drive / "MyDrive").mkdir(parents=True)
    proc = with_boot(mount_table(tmp_path, (str(drive), "fuse.drive")), time.time() - 60)
    assert drive_session(ctx_for(tmp_path, proc), str(drive), None).facts["state"] == "no-files"
    bare = drive_session(ctx_for(tmp_path, mount_table(tmp_path / "bare")), str(drive), None)
    assert bare.status is Status.UNKNOWN
