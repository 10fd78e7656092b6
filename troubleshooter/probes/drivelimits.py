"""Drive refusing writes because a folder is too large, not because the account is full.

Drive limits how many items one folder may hold (the API's `numChildrenInNonRootLimitExceeded`),
how many items a shared drive or an account may create, and how deep folders may nest. DriveFS
turns such a refusal into EIO, which Python shows as `OSError: [Errno 5] Input/output error`:
the same error a full account gives, with the opposite fix (fewer items per folder, not more
storage). Colab's FAQ adds that folders with many thousands of items make Drive operations
time out with the same error. This module reads Drive's answer from the DriveFS log and counts
the folder's items, with every filesystem call bounded by the probe's deadline.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, warned
from troubleshooter.probes import probe
from troubleshooter.probes._drivelog import (
    REPORTED_LINES,
    budget,
    drive_paths,
    eio_lines,
    last_session,
    limit_lines,
    read_tail,
    short,
)
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.drive import DEFAULT_DRIVE_ROOT, QUOTA_PATTERN, drive_mount_of
from troubleshooter.probes.mounts import Timeout, bounded, read_mounts

COUNT_LIMIT = 20000  # entries counted at most in one folder (the count is then a lower bound)
LARGE_FOLDER_ITEMS = 1000  # "thousands of items" (Colab FAQ): with EIO in the log, a folder this big is the suspect
COUNTED_FOLDERS = 3  # the checkpoint folder and the folders of up to two failed writes


def _count_entries(folder: str, limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """Entries directly in `folder` (stops at `limit`): (count, complete). Never stats the entries."""
    count = 0
    with os.scandir(folder) as entries:
        for _entry in entries:
            count += 1
            if count >= limit:
                return count, False
    return count, True


def _local_folder(drive_path: str, mount_point: str) -> str:
    """The local folder holding a Drive path from the log (`/MyDrive/a/b.png` → `<mount>/MyDrive/a`)."""
    parent = os.path.dirname(drive_path.rstrip("/")).replace("/My Drive", "/MyDrive", 1)
    return os.path.normpath(mount_point + parent)


def _count_folders(ctx: ProbeContext, folders: list[str]) -> list[dict[str, Any]]:
    """Bounded item counts of each folder; one that does not answer in time is reported as such."""
    counted: list[dict[str, Any]] = []
    for folder in folders[:COUNTED_FOLDERS]:
        try:
            items, complete = bounded(partial(_count_entries, folder), budget(ctx, 0.4), "drive-count")
        except Timeout:
            counted.append({"folder": folder, "items": None, "complete": False, "error": "no answer in time"})
            break
        except OSError as exc:
            counted.append({"folder": folder, "items": None, "complete": False, "error": exc.strerror})
            continue
        counted.append({"folder": folder, "items": items, "complete": complete})
    return counted


@probe(
    "drive.folder_limits",
    facts={
        "state": "ok | limit | eio-large-folder | eio | quota",
        "too_large": "Drive refuses writes because of a folder's size or an operation limit",
        "limit_reasons": "Drive API reasons found (numChildrenInNonRootLimitExceeded …)",
        "limit_lines": "the DriveFS log lines that carry them (scrubbed, shortened)",
        "eio_count": "DriveFS lines answering a file operation with EIO (Errno 5)",
        "eio_lines": "a few of those lines",
        "failed_paths": "Drive paths named by the failed operations",
        "folders": "item counts: folder, items, complete (false: counting stopped at the limit)",
        "largest_folder": "the folder with the most items",
        "largest_items": "its item count (a lower bound when counting stopped)",
        "quota_errors": "lines reporting the storage quota exceeded (that is another cause)",
        "log_found": "a DriveFS log exists",
    },
)
def drive_folder_limits(
    ctx: ProbeContext, drive_root: str | None = None, checkpoint_dir: str | None = None
) -> ProbeResult:
    """Check whether Drive refuses writes because a folder holds too many items (EIO, not quota).

    Reads the last DriveFS session in the log for Drive's own refusal (a folder's child limit,
    a shared drive's or an account's item limit, folder depth, rate limits) and for operations
    answered with EIO, and counts the items directly in the checkpoint folder and in the folders
    of the failed writes (at most 20,000 entries each, bounded by the deadline). Drive's reason
    alone decides; EIO without a reason counts only in a folder of thousands of items. A storage
    quota error in the same log is left to the quota check.
    """
    root = os.path.normpath(os.path.abspath(drive_root or DEFAULT_DRIVE_ROOT))
    folder = os.path.normpath(os.path.abspath(checkpoint_dir or os.path.join(root, "MyDrive")))
    tail = read_tail(ctx, budget(ctx, 0.3))
    session = last_session(tail.lines)
    reasons, carriers = limit_lines(session)
    eio = eio_lines(session)
    quota = [line for line in session if QUOTA_PATTERN.search(line)]
    failed_paths = drive_paths(eio + carriers)
    mount = drive_mount_of(root, read_mounts(ctx.proc_root))
    folders = [folder]
    if mount is not None:
        for path in failed_paths:
            local = _local_folder(path, mount.mount_point)
            if local not in folders:
                folders.append(local)
    counted = _count_folders(ctx, folders)
    largest = max(counted, key=lambda c: c["items"] or 0, default=None)
    largest_items = largest["items"] if largest else None
    facts: dict[str, Any] = {
        "checkpoint_dir": folder,
        "log_found": tail.found,
        "log_files": tail.files,
        "log_error": tail.error,
        "limit_reasons": reasons,
        "limit_lines": [short(line) for line in carriers[-REPORTED_LINES:]],
        "eio_count": len(eio),
        "eio_lines": [short(line) for line in eio[-REPORTED_LINES:]],
        "failed_paths": failed_paths[:10],
        "folders": counted,
        "largest_folder": largest["folder"] if largest else None,
        "largest_items": largest_items,
        "quota_errors": len(quota),
    }
    size = _size_words(largest)
    if quota:
        return passed(
            f"the DriveFS log reports the storage quota exceeded ({len(quota)} line(s)): a full account, "
            "not a folder limit",
            state="quota",
            too_large=False,
            **facts,
        )
    if carriers:
        what = ", ".join(reasons) or short(carriers[-1])
        return failed(
            f"Drive refused writes with an operation limit, not the storage quota: {what}"
            f" ({len(eio)} EIO line(s) in the DriveFS log); {size}",
            state="limit",
            too_large=True,
            **facts,
        )
    if eio and largest_items is not None and largest_items >= LARGE_FOLDER_ITEMS:
        return failed(
            f"DriveFS answered {len(eio)} operation(s) with EIO (Errno 5) and {size}: a folder that large "
            "makes Drive operations fail; the storage quota is not reported exceeded",
            state="eio-large-folder",
            too_large=True,
            **facts,
        )
    if eio:
        return warned(
            f"DriveFS answered {len(eio)} operation(s) with EIO, but no folder limit is logged and {size}",
            state="eio",
            too_large=False,
            **facts,
        )
    where = "no DriveFS log found" if not tail.found else "no folder-limit refusal or EIO in the DriveFS log"
    return passed(f"{where}; {size}", state="ok", too_large=False, **facts)


def _size_words(largest: dict[str, Any] | None) -> str:
    if not largest or largest["items"] is None:
        return "the folder's items could not be counted"
    bound = "" if largest["complete"] else "at least "
    return f"{largest['folder']} holds {bound}{largest['items']} item(s)"
