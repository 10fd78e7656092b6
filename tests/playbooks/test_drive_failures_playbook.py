"""drive-not-syncing walked to its four newer causes, each from a situation built for real.

Two ways in: the real CLI against real folders, DriveFS logs in a temporary HOME and bindfs
mounts that the mount table calls `fuse.drive` (root, bindfs and /dev/fuse needed, skipped
with the reason otherwise), and the same walk in-process with the mount table and boot time
read through `ProbeContext.proc_root`, which runs anywhere. A failed mount needs no mount at
all, so its CLI test always runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import CANARY
from tests.playbooks.test_drive_playbook import assert_cause, drive_mount, needs_fuse, safetensors_bytes, walk
from troubleshooter.catalog import find_playbook
from troubleshooter.engine.runner import RunOptions
from troubleshooter.engine.runner import walk as walk_playbook
from troubleshooter.engine.walker import Session
from troubleshooter.probes.context import ProbeContext


def drivefs_log(home: Path, text: str) -> None:
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "drive_fs.txt").write_text(text)


def crafted_proc(tmp_path: Path, drive: Path | None, booted: float | None = None) -> Path:
    """A proc root: `/` on ext4, optionally a fuse.drive mount at `drive`, optionally a boot time."""
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    lines = ["22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw"]
    if drive is not None:
        lines.append(f"100 22 0:100 / {drive} rw,nosuid,nodev - fuse.drive drive rw,user_id=0")
    (proc / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
    if booted is not None:
        (proc / "stat").write_text(f"cpu  1 2 3 4\nbtime {int(booted)}\n")
    return proc


def walk_here(proc: Path, home: Path, **answers: str) -> Session:
    playbook = find_playbook("drive-not-syncing")
    assert playbook is not None
    ctx = ProbeContext(env={"HOME": str(home), "PATH": os.environ.get("PATH", "")}, timeout_s=3, proc_root=proc)
    return walk_playbook(playbook, answers, ctx, RunOptions(timeout_s=3))


def cause_of(session: Session) -> str | None:
    diagnosis = session.diagnosis
    return diagnosis.cause if diagnosis is not None else None


def facts_of(session: Session, node: str) -> dict[str, object]:
    return dict(session.step_facts()[node])


ROOT_TIMEOUT_LOG = """\
2025-02-24T10:03:11.482ZI [1187:MainThread] drive_fs.cc:310:Main Starting DriveFS (mount_point_path: {mp})
2025-02-24T10:03:30.000ZI [1190:py_env] env.cc:77:Dump notebook exported HF_TOKEN={canary}
2025-02-24T10:04:12.915ZE [1201:core_1] query_manager.cc:402:RunQuery QueryManager timed out
2025-02-24T10:05:13.020ZI [1187:MainThread] drive_fs.cc:498:Shutdown Initial listing of the root folder did not complete
"""


# --- drive-mount-failed ------------------------------------------------------------------------


def test_failed_mount_is_read_from_the_drivefs_log_by_the_cli(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "mnt" / "gd"
    point.mkdir(parents=True)  # drive.mount() leaves an empty mount point behind
    drivefs_log(home, ROOT_TIMEOUT_LOG.format(mp=point, canary=CANARY))
    result = walk(home, f"drive_root={point}", f"checkpoint_dir={point}/MyDrive/ckpt")
    assert_cause(result, "drive-mount-failed")
    step = result.json["steps"][0]
    assert step["facts"]["state"] == "mount-failed" and step["facts"]["mount_failure"] == "root-timeout"
    assert any("QueryManager timed out" in line for line in step["facts"]["mount_failure_lines"])
    assert "root folder" in step["evidence"]
    assert {r["id"] for r in result.json["remediations"]} >= {"retry-mount-after-tidy"}


def test_without_a_failure_in_the_log_an_empty_mount_point_is_just_not_mounted(tmp_path: Path, home: Path) -> None:
    point = tmp_path / "content" / "drive"
    point.mkdir(parents=True)
    drivefs_log(home, "2025-02-24T10:03:11.482ZI [1:Main] drive_fs.cc:310:Main Starting DriveFS\n")
    assert_cause(walk(home, f"drive_root={point}"), "drive-not-mounted")


# --- checkpoints-outside-mount ----------------------------------------------------------------


def _outside_layout(base: Path) -> tuple[Path, Path]:
    local = base / "content" / "MyDrive" / "run-7" / "checkpoint-100"
    local.mkdir(parents=True)
    (local / "model.safetensors").write_bytes(safetensors_bytes())
    return base / "content" / "drive", local.parent


def test_checkpoints_outside_the_mount_in_process(tmp_path: Path, home: Path) -> None:
    drive, folder = _outside_layout(tmp_path)
    (drive / "MyDrive").mkdir(parents=True)
    session = walk_here(crafted_proc(tmp_path, drive), home, drive_root=str(drive), checkpoint_dir=str(folder))
    assert cause_of(session) == "checkpoints-outside-mount", session.steps
    facts = facts_of(session, "location")
    assert facts["state"] == "outside" and facts["suggested_dir"] == str(drive / "MyDrive" / "run-7")


@needs_fuse
def test_checkpoints_outside_the_mount_on_a_real_drive_mount(tmp_path: Path, home: Path) -> None:
    drive, folder = _outside_layout(tmp_path)
    with drive_mount(drive, tmp_path / "backing"):
        (drive / "MyDrive").mkdir()
        result = walk(home, f"drive_root={drive}", f"checkpoint_dir={folder}")
    assert_cause(result, "checkpoints-outside-mount")
    step = next(s for s in result.json["steps"] if s["node"] == "location")
    assert step["facts"]["fstype"] != "fuse.drive" and step["facts"]["drive_mount_point"] == str(drive)


# --- drive-folder-too-large -------------------------------------------------------------------

LIMIT_LOG = """\
2025-06-02T12:40:05.117ZI [2203:MainThread] drive_fs.cc:310:Main Starting DriveFS (mount_point_path: {mp})
2025-06-02T13:58:44.019ZI [2291:py_env] env.cc:77:Dump notebook exported HF_TOKEN={canary}
2025-06-02T14:07:31.552ZE [2241:core_1] drive_v2_cloud_store_no_apiary.cc:3593:DumpToLog Response body 0x5: {{
 "error": {{"errors": [{{"domain": "global", "reason": "numChildrenInNonRootLimitExceeded",
   "message": "The limit for this folder's number of children (files and folders) has been exceeded."}}],
  "code": 403}}
}}
2025-06-02T14:07:31.560ZE [2241:core_1] fuse_driver.cc:944:Create Create of /MyDrive/train/out/step-9 failed: EIO
"""


def _fill(folder: Path, items: int) -> None:
    folder.mkdir(parents=True)
    for number in range(items):
        (folder / f"sample_{number:05d}.png").write_bytes(b"png")
    (folder / "model.safetensors").write_bytes(safetensors_bytes())


def test_folder_too_large_in_process(tmp_path: Path, home: Path) -> None:
    drive = tmp_path / "content" / "drive"
    out = drive / "MyDrive" / "train" / "out"
    _fill(out, 50)
    drivefs_log(home, LIMIT_LOG.format(mp=drive, canary=CANARY))
    session = walk_here(crafted_proc(tmp_path, drive), home, drive_root=str(drive), checkpoint_dir=str(out))
    assert cause_of(session) == "drive-folder-too-large"
    assert facts_of(session, "quota")["quota_exceeded"] is False
    facts = facts_of(session, "folder-limits")
    assert facts["limit_reasons"] == ["numChildrenInNonRootLimitExceeded"] and facts["largest_items"] == 51
    assert CANARY not in repr(session.steps)


@needs_fuse
def test_folder_too_large_on_a_real_drive_mount(tmp_path: Path, home: Path) -> None:
    drive = tmp_path / "content" / "drive"
    with drive_mount(drive, tmp_path / "backing"):
        out = drive / "MyDrive" / "train" / "out"
        _fill(out, 1500)
        eio = "2025-06-02T14:07:31.560ZE [2241:core_1] fuse_driver.cc:944:Create Create of {f} failed: EIO\n"
        drivefs_log(home, f"I [1:env] HF_TOKEN={CANARY}\n" + eio.format(f="/MyDrive/train/out/step-9"))
        result = walk(home, f"drive_root={drive}", f"checkpoint_dir={out}")
    assert_cause(result, "drive-folder-too-large")
    step = next(s for s in result.json["steps"] if s["node"] == "folder-limits")
    assert step["facts"]["state"] == "eio-large-folder" and step["facts"]["largest_items"] == 1501


# --- session-ended-before-sync ----------------------------------------------------------------


def _old_checkpoint(drive: Path, when: float) -> Path:
    ckpt = drive / "MyDrive" / "ckpt"
    ckpt.mkdir(parents=True)
    (ckpt / "model.safetensors").write_bytes(safetensors_bytes())
    os.utime(ckpt / "model.safetensors", (when, when))
    return ckpt


def test_session_ended_before_sync_asks_only_what_the_machine_cannot_tell(tmp_path: Path, home: Path) -> None:
    booted = time.time() - 1800
    drive = tmp_path / "content" / "drive"
    ckpt = _old_checkpoint(drive, booted - 5400)
    proc = crafted_proc(tmp_path, drive, booted)
    asked = walk_here(proc, home, drive_root=str(drive), checkpoint_dir=str(ckpt))
    assert asked.verdict == "needs-input" and asked.missing == "newer_missing"
    assert facts_of(asked, "session")["state"] == "earlier-runtime"
    yes = walk_here(proc, home, drive_root=str(drive), checkpoint_dir=str(ckpt), newer_missing="yes")
    assert cause_of(yes) == "session-ended-before-sync"
    no = walk_here(proc, home, drive_root=str(drive), checkpoint_dir=str(ckpt), newer_missing="no")
    assert cause_of(no) == "drive-unflushed"


def test_session_ended_is_read_from_a_surviving_log_without_asking(tmp_path: Path, home: Path) -> None:
    booted = time.time() - 1800
    drive = tmp_path / "content" / "drive"
    ckpt = _old_checkpoint(drive, booted - 5400)
    queued = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(booted - 5300))
    drivefs_log(home, f"{queued}.000ZI [1:core] cloud_sync.cc:9:Push Queued upload /MyDrive/ckpt/model.safetensors\n")
    session = walk_here(crafted_proc(tmp_path, drive, booted), home, drive_root=str(drive), checkpoint_dir=str(ckpt))
    assert cause_of(session) == "session-ended-before-sync"
    assert facts_of(session, "session")["pending_before_start"] == 1


@needs_fuse
def test_session_ended_on_a_real_drive_mount_against_the_real_boot_time(tmp_path: Path, home: Path) -> None:
    with open("/proc/stat", encoding="ascii") as stat:
        booted = next(float(line.split()[1]) for line in stat if line.startswith("btime "))
    drive = tmp_path / "content" / "drive"
    with drive_mount(drive, tmp_path / "backing"):
        ckpt = _old_checkpoint(drive, booted - 3600)
        asked = walk(home, f"drive_root={drive}", f"checkpoint_dir={ckpt}")
        answered = walk(home, f"drive_root={drive}", f"checkpoint_dir={ckpt}", "newer_missing=yes")
        fresh = ckpt / "model.safetensors"
        os.utime(fresh)  # written now: by this runtime, which is still running
        current = walk(home, f"drive_root={drive}", f"checkpoint_dir={ckpt}")
    assert asked.code == 3 and asked.json["verdict"] == "needs-input"
    assert_cause(answered, "session-ended-before-sync")
    assert_cause(current, "drive-unflushed")
