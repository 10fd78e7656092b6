"""Checkpoint integrity without torch: safetensors headers, shard indexes and zip archives.

A checkpoint cut short (the session ended during the save, the disk or the Drive quota
filled up) still has its name and often a plausible size. These checks read only headers
and zip directories, never the tensors, so they are quick even for large files, and they
never change a file. The folder may sit on a Drive mount, so the whole scan is bounded.
"""

from __future__ import annotations

import json
import os
import struct
import time
import zipfile
from dataclasses import dataclass
from math import prod
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import Timeout, bounded

MAX_HEADER_BYTES = 100_000_000  # the safetensors format's own limit on the JSON header
ZIP_SUFFIXES = (".bin", ".pt", ".pth")
INDEX_SUFFIX = ".index.json"
SCAN_LIMIT = 5000  # directory entries walked at most
FILE_LIMIT = 200  # checkpoint files checked at most
CRC_LIMIT_BYTES = 32 << 20  # zip members are CRC-tested only in archives up to this size
DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}
PICKLE_MAGIC = b"\x80"  # a legacy (pre-zip) torch.save file starts with a pickle protocol byte
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Verdict:
    """What one file's check found: ok, or the reason it is bad."""

    path: str
    ok: bool
    reason: str
    legacy: bool = False

    def to_facts(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "reason": self.reason}


def check_safetensors(path: str) -> Verdict:
    """Header length sanity, a JSON header, and data offsets that end exactly at the file's end."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            return Verdict(path, False, f"truncated: {size} bytes, shorter than the 8-byte header length")
        (length,) = struct.unpack("<Q", head)
        if length == 0 or length > MAX_HEADER_BYTES:
            return Verdict(path, False, f"header length {length} is not plausible (not a safetensors file?)")
        if 8 + length > size:
            return Verdict(path, False, f"truncated: header says {8 + length} bytes, file has {size}")
        raw = handle.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Verdict(path, False, f"header is not valid JSON: {exc}")
    if not isinstance(header, dict):
        return Verdict(path, False, "header is not a JSON object")
    end, tensors = 0, 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            return Verdict(path, False, f"tensor {name!r} has no valid data_offsets")
        begin, stop = offsets
        if not 0 <= begin <= stop:
            return Verdict(path, False, f"tensor {name!r} has data_offsets {offsets} out of order")
        width, shape = DTYPE_BYTES.get(str(info.get("dtype"))), info.get("shape")
        sized = width and isinstance(shape, list) and all(isinstance(d, int) for d in shape)
        if sized and prod(shape) * width != stop - begin:
            return Verdict(path, False, f"tensor {name!r}: shape {shape} does not fit {stop - begin} bytes")
        end, tensors = max(end, stop), tensors + 1
    expected = 8 + length + end
    if size < expected:
        return Verdict(path, False, f"truncated: header says {expected} bytes, file has {size}")
    if size > expected:
        return Verdict(path, False, f"size mismatch: header says {expected} bytes, file has {size} (extra bytes)")
    return Verdict(path, True, f"valid: {tensors} tensor(s), {size} bytes")


def _stand_in(head: bytes) -> str | None:
    """A small text file sitting where the weights should be, and what it is."""
    text = head.lstrip()[:200].lower()
    if text.startswith(b"version https://git-lfs"):
        return "a git-lfs pointer, not the weights (cloned without git-lfs: run git lfs pull)"
    if text.startswith((b"<!doctype html", b"<html")):
        return "an HTML page saved in place of the weights (a login, error or quota page)"
    return None


def check_zip(path: str) -> Verdict:
    """A `torch.save` archive: a readable zip directory whose members lie inside the file."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    magic = head[:4]
    if size == 0:
        return Verdict(path, False, "empty file")
    if magic != ZIP_MAGIC:
        if magic[:1] == PICKLE_MAGIC:
            return Verdict(path, True, "legacy torch.save format (pickle, not zip): not verifiable", legacy=True)
        if not head.strip(b"\0"):
            return Verdict(path, False, "only zero bytes at the start: the data was never written")
        stand_in = _stand_in(head)
        if stand_in:
            return Verdict(path, False, stand_in)
        if path.endswith(".bin"):  # .bin is also CTranslate2, GGML, raw tensors …: not ours to judge
            return Verdict(path, True, "not a torch.save file (another .bin format): not verifiable", legacy=True)
        return Verdict(path, False, "neither a zip archive nor a pickle: not a torch checkpoint")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for info in members:
                if info.header_offset + info.compress_size > size:
                    return Verdict(path, False, f"truncated: member {info.filename} runs past the end of the file")
            if size <= CRC_LIMIT_BYTES:
                bad = archive.testzip()
                if bad is not None:
                    return Verdict(path, False, f"member {bad} fails its CRC check")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        return Verdict(path, False, f"truncated or damaged zip archive: {exc}")
    return Verdict(path, True, f"valid zip archive: {len(members)} member(s), {size} bytes")


def check_index(path: str) -> Verdict:
    """A shard index (`model.safetensors.index.json`): every shard in its weight_map is present."""
    try:
        with open(path, encoding="utf-8") as handle:
            index = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Verdict(path, False, f"index is not valid JSON: {exc}")
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict):
        return Verdict(path, False, "index has no weight_map")
    folder = os.path.dirname(path)
    shards = sorted({str(v) for v in weight_map.values()})
    missing = [s for s in shards if not os.path.isfile(os.path.join(folder, s))]
    if missing:
        return Verdict(path, False, f"missing shard(s) {', '.join(missing[:5])} of {len(shards)}")
    return Verdict(path, True, f"all {len(shards)} shard(s) present")


def check_file(path: str) -> Verdict | None:
    """The right check for a file by its name, or None for files that are not checkpoints."""
    name = os.path.basename(path)
    if name.endswith(INDEX_SUFFIX):
        return check_index(path)
    if name.endswith(".safetensors"):
        return check_safetensors(path)
    if name.endswith(ZIP_SUFFIXES):
        return check_zip(path)
    return None


def checkpoint_files(folder: str) -> list[str]:
    """Checkpoint files under `folder` (not following links), newest first, within limits."""
    found: list[tuple[float, str]] = []
    walked = 0
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            if name.endswith((".safetensors", INDEX_SUFFIX, *ZIP_SUFFIXES)):
                full = os.path.join(current, name)
                try:
                    found.append((os.lstat(full).st_mtime, full))
                except OSError:
                    continue
        walked += len(dirs) + len(files)
        if walked >= SCAN_LIMIT:
            break
    return [p for _, p in sorted(found, reverse=True)[:FILE_LIMIT]]


def _scan(folder: str, deadline: float) -> tuple[list[Verdict], int]:
    """Check files until `deadline` (monotonic): (verdicts, files left unchecked)."""
    files = checkpoint_files(folder)
    verdicts: list[Verdict] = []
    for index, path in enumerate(files):
        if time.monotonic() > deadline:
            return verdicts, len(files) - index
        try:
            verdict = check_file(path)
        except OSError as exc:
            verdict = Verdict(path, False, f"unreadable: {exc.strerror}")
        if verdict is not None:
            verdicts.append(verdict)
    return verdicts, 0


@probe(
    "checkpoint.verify",
    facts={
        "path": "the checkpoint folder (or file) checked",
        "state": "ok | corrupt | none | missing | partial",
        "checked": "files checked",
        "bad_files": "files that failed, each with the reason",
        "first_bad": "the newest bad file",
        "reason": "why it is bad",
        "unchecked": "files left unchecked when time ran out",
    },
)
def verify_checkpoints(ctx: ProbeContext, path: str | None = None) -> ProbeResult:
    """Verify the checkpoints in a folder without loading them: which file is bad, and why.

    safetensors: the 8-byte little-endian header length must be plausible, the header must be
    JSON, and the tensors' data_offsets must end exactly where the file ends (shorter means
    truncated). Shard indexes (`*.index.json`) must name only shards that exist. `.bin`,
    `.pt` and `.pth` files saved by torch are zip archives whose directory must be readable
    and whose members must lie inside the file. Read-only; the newest files are checked first.
    """
    if not path:
        return skipped("no checkpoint folder given", path=None, state="none", checked=0)
    target = os.path.normpath(os.path.abspath(path))
    budget = max(0.1, (ctx.time_left() - 0.2) * 0.85)
    deadline = time.monotonic() + budget * 0.8

    def scan() -> tuple[list[Verdict], int] | None:
        if not os.path.exists(target):
            return None
        if os.path.isfile(target):
            verdict = check_file(target)
            return ([verdict] if verdict else []), 0
        return _scan(target, deadline)

    try:
        outcome = bounded(scan, budget, "checkpoint-scan")
    except Timeout:
        return unknown(
            f"checking {target} did not return within {budget:.1f} s (a hung mount?)", path=target, state="partial"
        )
    except OSError as exc:
        return unknown(f"cannot read {target}: {exc.strerror}", path=target, state="unknown")
    if outcome is None:
        return warned(f"{target} does not exist", path=target, state="missing", checked=0)
    verdicts, unchecked = outcome
    bad = [v for v in verdicts if not v.ok]
    facts: dict[str, Any] = {
        "path": target,
        "checked": len(verdicts),
        "unchecked": unchecked,
        "files": [v.to_facts() for v in verdicts[:20]],
        "bad_files": [v.to_facts() for v in bad[:20]],
        "legacy": [v.path for v in verdicts if v.legacy][:20],
    }
    if bad:
        first = bad[0]
        return failed(
            f"{first.path}: {first.reason}" + (f" (and {len(bad) - 1} more bad file(s))" if len(bad) > 1 else ""),
            state="corrupt",
            first_bad=first.path,
            reason=first.reason,
            **facts,
        )
    if not verdicts:
        return skipped(f"no checkpoint files (.safetensors, .bin, .pt) under {target}", state="none", **facts)
    unverifiable = sum(1 for v in verdicts if v.legacy)
    intact = f"{len(verdicts) - unverifiable} checkpoint file(s) are intact" + (
        f", {unverifiable} in a format that cannot be checked without loading it" if unverifiable else ""
    )
    if unchecked:
        return warned(f"{intact}; {unchecked} left unchecked (time ran out)", state="partial", **facts)
    return passed(intact, state="ok", **facts)
