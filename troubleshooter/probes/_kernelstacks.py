"""Read the current process's thread stacks and find threads stuck in a Hub download.

Used by the in-kernel probe `kernel.download_threads`. A thread's innermost frames say what
it waits on: Colab's secret lookup (`google.colab.userdata`), huggingface_hub's lock around
that lookup, the download file lock (`WeakFileLock`, whose `start_time` says for how long),
the network, or Xet. Two samples a moment apart tell a thread that does not move from one
that does. Only frames are read; no thread is touched.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from troubleshooter.probes.mounts import Timeout, bounded

DOWNLOAD_FUNCS = {
    "hf_hub_download",
    "snapshot_download",
    "_hf_hub_download_to_cache_dir",
    "_hf_hub_download_to_local_dir",
    "http_get",
    "xet_get",
    "_download_to_tmp_and_move",
    "get_hf_file_metadata",
    "_get_metadata_or_catch_error",
}
DOWNLOAD_MODULES = ("huggingface_hub.file_download", "huggingface_hub._snapshot_download")
NETWORK_MODULES = ("httpx", "httpcore", "h11", "h2", "ssl", "socket", "urllib3", "requests", "anyio", "selectors")
OWN_THREAD_PREFIXES = ("probe:", "bounded:")  # the runner's and bounded()'s threads, abandoned ones included
# Most telling first: the first one found among the threads names the scan.
WAIT_PRIORITY = ("colab-secret", "colab-secret-lock", "file-lock", "network", "xet", "other")


@dataclass
class DownloadThread:
    """One kernel thread inside huggingface_hub download code (or its Colab token lookup)."""

    name: str
    ident: int
    waiting_on: str
    where: str
    seconds: float | None = None
    lock_file: str | None = None
    incomplete: str | None = None
    incomplete_bytes: int | None = None
    stalled: bool | None = None
    place: str = ""  # the waiting frame's module.function (no line: polling loops move between lines)

    def to_fact(self) -> dict[str, Any]:
        fact: dict[str, Any] = {"name": self.name, "waiting_on": self.waiting_on, "where": self.where}
        for key in ("seconds", "lock_file", "incomplete", "incomplete_bytes", "stalled"):
            value = getattr(self, key)
            if value is not None:
                fact[key] = round(value, 1) if isinstance(value, float) else value
        return fact


@dataclass
class ThreadScan:
    """What the stacks showed: the download threads and how long the samples were apart."""

    threads: list[DownloadThread] = field(default_factory=list)
    sampled_s: float = 0.0

    @property
    def waiting_on(self) -> str:
        found = {t.waiting_on for t in self.threads}
        return next((kind for kind in WAIT_PRIORITY if kind in found), "none")

    @property
    def longest_wait_s(self) -> float | None:
        waits = [t.seconds for t in self.threads if t.seconds is not None]
        return round(max(waits), 1) if waits else None

    @property
    def lock_file(self) -> str | None:
        return next((t.lock_file for t in self.threads if t.lock_file), None)

    def facts(self) -> dict[str, Any]:
        return {
            "threads": [t.to_fact() for t in self.threads],
            "waiting_on": self.waiting_on,
            "lock_file": self.lock_file,
            "longest_wait_s": self.longest_wait_s,
            "sampled_s": round(self.sampled_s, 2),
        }

    def summary(self) -> str:
        words = {
            "colab-secret": "waits on Colab's secret lookup for HF_TOKEN (an access prompt nobody answered?)",
            "colab-secret-lock": "waits for another thread's Colab secret lookup to finish",
            "file-lock": "waits for the download lock another download holds",
            "network": "waits on the network",
            "xet": "is inside a Xet transfer",
            "other": "is inside huggingface_hub download code",
        }
        lead = next(t for t in self.threads if t.waiting_on == self.waiting_on)
        text = f"{len(self.threads)} kernel thread(s) in a Hub download; '{lead.name}' {words[lead.waiting_on]}"
        if lead.seconds is not None:
            text += f" for {lead.seconds:.0f} s"
        if lead.lock_file:
            text += f" ({lead.lock_file})"
        if lead.stalled:
            text += f"; no progress in {self.sampled_s:.1f} s"
        return text


def _frames(frame: FrameType | None) -> Iterator[FrameType]:
    """Innermost frame first."""
    depth = 0
    while frame is not None and depth < 300:
        yield frame
        frame = frame.f_back
        depth += 1


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _is_lock_frame(frame: FrameType) -> bool:
    return _module(frame).startswith("filelock") or frame.f_code.co_name == "WeakFileLock"


def _is_relevant(frames: list[FrameType]) -> bool:
    for frame in frames:
        module, func = _module(frame), frame.f_code.co_name
        if module.startswith("huggingface_hub") and (func in DOWNLOAD_FUNCS or module in DOWNLOAD_MODULES):
            return True
        if module.startswith("huggingface_hub") and func == "WeakFileLock":
            return True
        if func == "_get_token_from_google_colab" or module.startswith("google.colab"):
            return True
    return False


def _local(frame: FrameType, name: str) -> Any:
    try:
        return frame.f_locals.get(name)
    except Exception:  # a frame that finished while we looked
        return None


def _size(path: str, timeout_s: float) -> int | None:
    try:
        return bounded(lambda: os.stat(path).st_size, timeout_s, name="incomplete-size")
    except (OSError, Timeout):
        return None


def classify_stack(name: str, ident: int, frame: FrameType, now_wall: float) -> DownloadThread | None:
    """Name what one thread waits on, from its frames; None when it is not in a download."""
    frames = list(_frames(frame))
    if not frames or not _is_relevant(frames):
        return None
    waiting_on = "other"
    where_frame = frames[0]
    for candidate in frames:
        module, func = _module(candidate), candidate.f_code.co_name
        if module.startswith("google.colab"):
            waiting_on, where_frame = "colab-secret", candidate
            break
        if func == "_get_token_from_google_colab":
            waiting_on, where_frame = "colab-secret-lock", candidate
            break
        if _is_lock_frame(candidate):
            # the outermost lock frame (WeakFileLock when present) stays put while the
            # library polls the lock through changing inner frames
            waiting_on, where_frame = "file-lock", candidate
            for outer in frames[frames.index(candidate) + 1 :]:
                if not _is_lock_frame(outer) and outer.f_code.co_name != "__enter__":
                    break
                if _is_lock_frame(outer):
                    where_frame = outer
            break
        if module.startswith("hf_xet") or func == "xet_get":
            waiting_on, where_frame = "xet", candidate
            break
        if module.split(".")[0] in NETWORK_MODULES:
            waiting_on, where_frame = "network", candidate
            break
    thread = DownloadThread(
        name=name,
        ident=ident,
        waiting_on=waiting_on,
        where=f"{_module(where_frame)}.{where_frame.f_code.co_name}:{where_frame.f_lineno}",
        place=f"{_module(where_frame)}.{where_frame.f_code.co_name}",
    )
    for candidate in frames:
        func = candidate.f_code.co_name
        if func == "WeakFileLock":
            start, lock_file = _local(candidate, "start_time"), _local(candidate, "lock_file")
            if isinstance(start, float):
                thread.seconds = max(0.0, now_wall - start)
            if lock_file is not None:
                thread.lock_file = os.fspath(lock_file)
        elif func == "_download_to_tmp_and_move" and thread.incomplete is None:
            incomplete = _local(candidate, "incomplete_path")
            if incomplete is not None:
                thread.incomplete = os.fspath(incomplete)
    return thread


def _snapshot(skip: set[int], now_wall: float) -> dict[int, DownloadThread]:
    names = {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
    found: dict[int, DownloadThread] = {}
    for ident, frame in sys._current_frames().items():
        name = names.get(ident, f"thread-{ident}")
        if ident in skip or name.startswith(OWN_THREAD_PREFIXES):
            continue
        thread = classify_stack(name, ident, frame, now_wall)
        if thread is not None:
            found[ident] = thread
    return found


def scan_download_threads(*, sample_s: float = 0.3, clock: Callable[[], float] = time.monotonic) -> ThreadScan:
    """Two looks at the process's stacks, `sample_s` apart; threads that did not move are `stalled`."""
    skip = {threading.get_ident()}
    first = _snapshot(skip, time.time())
    if not first:
        return ThreadScan()
    sizes = {ident: _size(t.incomplete, 0.5) for ident, t in first.items() if t.incomplete}
    started = clock()
    if sample_s > 0:
        threading.Event().wait(sample_s)
    second = _snapshot(skip, time.time())
    sampled = clock() - started
    threads: list[DownloadThread] = []
    for ident, now in second.items():
        before = first.get(ident)
        if now.incomplete:
            now.incomplete_bytes = _size(now.incomplete, 0.5)
        if before is not None and sample_s > 0:
            same_place = (before.waiting_on, before.place, before.lock_file) == (
                now.waiting_on,
                now.place,
                now.lock_file,
            )
            grew = now.incomplete_bytes is not None and now.incomplete_bytes != sizes.get(ident)
            now.stalled = same_place and not grew
        threads.append(now)
    threads.sort(key=lambda t: WAIT_PRIORITY.index(t.waiting_on))
    return ThreadScan(threads=threads, sampled_s=sampled)
