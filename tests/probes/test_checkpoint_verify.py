"""checkpoint.verify names the bad file and the reason, from real files written to a temp folder."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from troubleshooter.model.result import Status
from troubleshooter.probes.checkpoint import check_index, check_safetensors, check_zip, verify_checkpoints
from troubleshooter.probes.context import ProbeContext


def safetensors_bytes(count: int = 256, *, header_pad: str = "") -> bytes:
    """A valid safetensors file with one float32 tensor of `count` values."""
    header = {
        "__metadata__": {"format": "pt"},
        "weight": {"dtype": "F32", "shape": [count], "data_offsets": [0, count * 4]},
    }
    raw = (json.dumps(header) + header_pad).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * (count * 4)


def torch_zip(path: Path, payload: int = 4096) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("archive/data/0", b"\1" * payload)
        archive.writestr("archive/version", b"3\n")


def test_valid_safetensors_passes(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_bytes())
    verdict = check_safetensors(str(path))
    assert verdict.ok, verdict.reason


def test_truncated_safetensors_says_how_many_bytes_are_missing(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    data = safetensors_bytes(4096)
    path.write_bytes(data[:-1000])
    verdict = check_safetensors(str(path))
    assert not verdict.ok
    assert verdict.reason == f"truncated: header says {len(data)} bytes, file has {len(data) - 1000}"


def test_safetensors_cut_inside_its_header_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_bytes()[:20])
    assert check_safetensors(str(path)).reason.startswith("truncated: header says")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "shorter than the 8-byte header length"),
        (struct.pack("<Q", 0) + b"{}", "not plausible"),
        (struct.pack("<Q", 10**12) + b"{}", "not plausible"),
        (struct.pack("<Q", 4) + b"nope", "not valid JSON"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
    ],
)
def test_damaged_safetensors_headers_are_named(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(content)
    verdict = check_safetensors(str(path))
    assert not verdict.ok and reason in verdict.reason


def test_safetensors_with_extra_bytes_is_a_size_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(safetensors_bytes() + b"junk")
    assert "extra bytes" in check_safetensors(str(path)).reason


def test_safetensors_shape_that_does_not_fit_its_offsets_is_bad(tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F16", "shape": [10], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    assert "does not fit" in check_safetensors(str(path)).reason


def test_shard_index_with_a_missing_shard_names_it(tmp_path: Path) -> None:
    (tmp_path / "model-00001-of-00002.safetensors").write_bytes(safetensors_bytes())
    index = {
        "metadata": {},
        "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"},
    }
    path = tmp_path / "model.safetensors.index.json"
    path.write_text(json.dumps(index))
    verdict = check_index(str(path))
    assert not verdict.ok and "model-00002-of-00002.safetensors" in verdict.reason


def test_torch_zip_passes_and_a_cut_one_fails(tmp_path: Path) -> None:
    good, cut = tmp_path / "optimizer.pt", tmp_path / "pytorch_model.bin"
    torch_zip(good)
    cut.write_bytes(good.read_bytes()[:-200])
    assert check_zip(str(good)).ok
    bad = check_zip(str(cut))
    assert not bad.ok and "zip" in bad.reason


def test_legacy_pickle_checkpoint_is_not_called_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "old.bin"
    path.write_bytes(b"\x80\x02\x8a\x0alegacy-torch-save")
    verdict = check_zip(str(path))
    assert verdict.ok and verdict.legacy


def test_probe_reports_the_bad_file_in_a_nested_checkpoint_folder(tmp_path: Path) -> None:
    good = tmp_path / "checkpoint-500"
    bad = tmp_path / "checkpoint-1000"
    good.mkdir()
    bad.mkdir()
    (good / "model.safetensors").write_bytes(safetensors_bytes())
    torch_zip(good / "optimizer.pt")
    (bad / "model.safetensors").write_bytes(safetensors_bytes(1024)[:-512])
    (bad / "config.json").write_text("{}")
    result = verify_checkpoints(ProbeContext(env={}, timeout_s=5), str(tmp_path))
    assert result.status is Status.FAIL
    assert result.facts["state"] == "corrupt"
    assert result.facts["first_bad"] == str(bad / "model.safetensors")
    assert result.facts["checked"] == 3
    assert result.facts["reason"].startswith("truncated: header says")


def test_probe_on_intact_checkpoints_passes(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(safetensors_bytes())
    result = verify_checkpoints(ProbeContext(env={}, timeout_s=5), str(tmp_path))
    assert result.status is Status.PASS and result.facts["state"] == "ok"


def test_probe_on_a_folder_without_checkpoints_or_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    ctx = ProbeContext(env={}, timeout_s=5)
    assert verify_checkpoints(ctx, str(tmp_path)).facts["state"] == "none"
    missing = verify_checkpoints(ctx, str(tmp_path / "nope"))
    assert missing.status is Status.WARN and missing.facts["state"] == "missing"
