"""Regression tests for probe fixes, each probe called directly with an explicit environment.

Every test rebuilds the situation a fix is about with real things: a Blackhole proxy that
accepts and never answers, real checkpoint and DriveFS log files, a real symlinked cache
folder, the stand-in NVML module handed in through `ctx.modules`. Where a probe reads one of
huggingface_hub's import-time constants (the token file, the hub cache), the constant is set
for the test as a process started with that variable would have it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import CANARY
from tests.fakes.netdead import Blackhole
from troubleshooter.model.result import Status
from troubleshooter.probes.cache import legacy_cache_vars
from troubleshooter.probes.checkpoint import check_zip, verify_checkpoints
from troubleshooter.probes.colab import colab_secret
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.drive import drive_quota
from troubleshooter.probes.env import offline_mode
from troubleshooter.probes.gpu import gpu_match, gpu_memory
from troubleshooter.probes.hub import download_token, local_token
from troubleshooter.probes.net import first_answer, proxy_for, proxy_probe, url_problem
from troubleshooter.probes.spacetext import read_log
from troubleshooter.redact import REDACTED, redact_data, scrub

HUB = "http://127.0.0.1:8080"
REVOKED = "hf_RevokedTokenNobodyAcceptsAAAAAAAAAA"


def ctx(env: dict[str, str], *, timeout: float = 3.0, **kw: Any) -> ProbeContext:
    return ProbeContext(env=env, timeout_s=timeout, **kw).for_probe()


# --- 1. a proxy that accepts connections and never answers ------------------------------


def test_first_answer_through_a_silent_proxy_is_silent_not_ok() -> None:
    with Blackhole() as hole:
        result = first_answer(HUB, 0.5, proxy=hole.url)
        assert hole.connections == 1
    assert result["state"] == "silent"


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY", "all_proxy"])
def test_proxy_that_accepts_but_never_answers_fails_as_silent(variable: str) -> None:
    with Blackhole() as hole:
        result = proxy_probe(ctx({variable: hole.url}, timeout=0.6), endpoint=HUB)
    assert result.status is Status.FAIL
    assert result.facts["state"] == "silent"
    assert result.facts["proxy_variable"] == variable
    assert "never answers" in result.evidence


# --- 2. offline mode as huggingface_hub reads it -----------------------------------------


@pytest.mark.parametrize(
    ("env", "offline"),
    [
        ({"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}, False),  # HF_HUB_OFFLINE decides when non-empty
        ({"HF_HUB_OFFLINE": "", "TRANSFORMERS_OFFLINE": "1"}, True),  # empty: TRANSFORMERS_OFFLINE decides
        ({"HF_HUB_OFFLINE": " 1"}, False),  # no strip in the library: " 1" is not truthy
        ({"TRANSFORMERS_OFFLINE": "yes"}, True),
        ({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "0"}, True),
    ],
)
def test_offline_mode_follows_huggingface_hubs_rule(env: dict[str, str], offline: bool) -> None:
    result = offline_mode(ctx(env))
    assert result.facts["offline"] is offline
    assert result.status is (Status.FAIL if offline else Status.PASS)


def test_hf_hub_offline_zero_says_it_overrides_transformers_offline() -> None:
    result = offline_mode(ctx({"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}))
    assert result.facts["enabled_by"] == []
    assert "HF_HUB_OFFLINE=0 overrides TRANSFORMERS_OFFLINE" in result.evidence


# --- 3. HF_HUB_DISABLE_IMPLICIT_TOKEN ---------------------------------------------------


def test_disabled_implicit_token_means_downloads_send_no_token() -> None:
    token, source = download_token(ctx({"HF_TOKEN": CANARY, "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"}))
    assert token is None
    assert "HF_HUB_DISABLE_IMPLICIT_TOKEN=1" in source and source.startswith("env:HF_TOKEN")
    sent, _ = download_token(ctx({"HF_TOKEN": CANARY, "HF_HUB_DISABLE_IMPLICIT_TOKEN": "0"}))
    assert sent == CANARY


# --- 4. proxy selection as httpx2 does it -----------------------------------------------


def test_empty_lower_case_proxy_variable_cancels_the_upper_case_one() -> None:
    assert proxy_for(HUB, {"HTTP_PROXY": "http://127.0.0.1:3128", "http_proxy": ""}) == (None, None)
    assert proxy_for(HUB, {"HTTP_PROXY": "http://127.0.0.1:3128"}) == ("http://127.0.0.1:3128", "HTTP_PROXY")


@pytest.mark.parametrize("no_proxy", ["127.0.0.0/8", "127.0.0.1:8080", "10.0.0.1, 127.0.0.0/8", "*"])
def test_no_proxy_cidr_and_host_port_exempt_the_hub(no_proxy: str) -> None:
    env = {"HTTP_PROXY": "http://127.0.0.1:3128", "NO_PROXY": no_proxy}
    proxy, variable = proxy_for(HUB, env)
    assert proxy is None and variable in ("NO_PROXY", None)
    result = proxy_probe(ctx(env), endpoint=HUB)
    assert result.status is Status.PASS and result.facts["proxy"] is None


@pytest.mark.parametrize("no_proxy", ["127.0.0.1:9999", "10.0.0.0/8", "127.0.0.0/99"])
def test_no_proxy_entries_for_other_hosts_or_ports_do_not_exempt_the_hub(no_proxy: str) -> None:
    env = {"HTTP_PROXY": "http://127.0.0.1:3128", "NO_PROXY": no_proxy}
    assert proxy_for(HUB, env) == ("http://127.0.0.1:3128", "HTTP_PROXY")


# --- 5. GPUs: only those CUDA programs see, same-tier variants ---------------------------


BUSY_A100 = {
    "name": "NVIDIA A100-SXM4-80GB",
    "memory_total_mib": 81920,
    "memory_used_mib": 80000,
    "compute_capability": [8, 0],
    "processes": [{"pid": 4194000, "used_memory_mib": 79900}],
}
IDLE_T4 = {"name": "Tesla T4", "memory_total_mib": 15360, "memory_used_mib": 0, "compute_capability": [7, 5]}


def gpu_ctx(nvml: ModuleType, visible: str | None) -> ProbeContext:
    env = {"PATH": "/nonexistent"} | ({"CUDA_VISIBLE_DEVICES": visible} if visible is not None else {})
    return ctx(env, modules={"pynvml": nvml})


def test_memory_of_a_gpu_hidden_by_cuda_visible_devices_is_not_held(fake_nvml: Callable[..., ModuleType]) -> None:
    nvml = fake_nvml(devices=[BUSY_A100, IDLE_T4])
    visible = gpu_memory(gpu_ctx(nvml, "1"))
    assert visible.status is Status.PASS and visible.facts["held"] is False
    assert (visible.facts["index"], visible.facts["device"]) == (1, "Tesla T4")
    everything = gpu_memory(gpu_ctx(nvml, None))
    assert everything.status is Status.FAIL and everything.facts["index"] == 0


def test_a_hidden_gpu_does_not_count_as_the_expected_one(fake_nvml: Callable[..., ModuleType]) -> None:
    nvml = fake_nvml(devices=[BUSY_A100, IDLE_T4])
    hidden = gpu_match(gpu_ctx(nvml, "1"), "A100")
    assert hidden.status is Status.FAIL and hidden.facts["lower_tier"] is True
    assert hidden.facts["assigned"] == ["Tesla T4"]
    assert gpu_match(gpu_ctx(nvml, "0"), "A100").facts["result"] == "match"


# --- 6. a Space log: named exceptions, refused pushes, restarts ---------------------------

CRASH_HEAD = (
    "ERROR | autotrain.trainers.common:wrapper:216 - train has failed due to an exception:"
    " Traceback (most recent call last):"
)
TOKENIZER_ERROR = "ValueError: Tokenizer class LlamaTokenizerFast does not exist or is not currently imported."
STARTUP = "===== Application Startup at 2025-03-04 10:00:00 ====="


def test_a_named_exception_is_a_crash_with_that_line() -> None:
    reading = read_log([CRASH_HEAD, '  File "/app/src/autotrain/trainers/clm/__main__.py", line 28', TOKENIZER_ERROR])
    assert (reading.error_kind, reading.error_line, reading.outcome) == ("crash", TOKENIZER_ERROR, "failed")


@pytest.mark.parametrize(
    "line",
    [
        "ERROR | push_to_hub: the upload was rejected by the Hub (403 Forbidden)",
        "RuntimeError: push refused for alice/llm-sft",
        "huggingface_hub.errors.HfHubHTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/models/alice/llm-sft/preupload/main",
    ],
)
def test_a_refused_upload_is_token_not_write(line: str) -> None:
    assert read_log([CRASH_HEAD, line]).error_kind == "token-not-write"


def test_errors_before_the_last_container_start_are_history() -> None:
    old = ["torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.", "Pausing space..."]
    reading = read_log([*old, STARTUP, "* Running on local URL:  http://0.0.0.0:7860"])
    assert (reading.error_kind, reading.outcome, reading.paused_by_job) == ("none", "unknown", False)
    again = read_log([*old, STARTUP, "torch.OutOfMemoryError: CUDA out of memory."])
    assert again.error_kind == "oom" and again.error_line == "torch.OutOfMemoryError: CUDA out of memory."


# --- 7. checkpoint files in formats that are not torch.save ------------------------------


def ctranslate2_bytes() -> bytes:
    """The start of a CTranslate2 model.bin: a uint32 binary version, then the spec name."""
    name = b"TransformerSpec"
    return struct.pack("<I", 6) + struct.pack("<H", len(name) + 1) + name + b"\0" + os.urandom(4096)


def test_a_bin_file_in_another_format_is_not_verifiable_not_corrupt(tmp_path: Path) -> None:
    model = tmp_path / "model.bin"
    model.write_bytes(ctranslate2_bytes())
    verdict = check_zip(str(model))
    assert verdict.ok and verdict.legacy and "not verifiable" in verdict.reason
    result = verify_checkpoints(ctx({}), str(tmp_path))
    assert result.status is Status.PASS and result.facts["state"] == "ok"
    assert result.facts["legacy"] == [str(model)] and result.facts["bad_files"] == []


def test_a_bin_file_of_zero_bytes_at_the_start_is_still_corrupt(tmp_path: Path) -> None:
    model = tmp_path / "pytorch_model.bin"
    model.write_bytes(b"\0" * 65536)
    result = verify_checkpoints(ctx({}), str(tmp_path))
    assert result.status is Status.FAIL and result.facts["state"] == "corrupt"
    assert result.facts["first_bad"] == str(model)
    assert "only zero bytes" in result.facts["reason"]


def test_a_pt_file_in_an_unknown_format_is_still_not_a_checkpoint(tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(ctranslate2_bytes())
    assert not check_zip(str(model)).ok


# --- 8. redaction: hf_transfer is a word, not a token -------------------------------------


def test_hf_transfer_is_not_redacted_but_a_token_is() -> None:
    token = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
    assert len(token) == 37
    text = f"hf_transfer is ignored; probe versions.hf_transfer; HF_HUB_ENABLE_HF_TRANSFER=1; token {token}"
    assert scrub(text) == (
        f"hf_transfer is ignored; probe versions.hf_transfer; HF_HUB_ENABLE_HF_TRANSFER=1; token {REDACTED}"
    )
    facts = redact_data({"probe": "versions.hf_transfer", "hf_transfer": "0.1.9", "effect": "ignored-deprecated"})
    assert facts == {"probe": "versions.hf_transfer", "hf_transfer": "0.1.9", "effect": "ignored-deprecated"}


# --- 9. DriveFS logs that write the quota error as a sentence -----------------------------


def drive_ctx(tmp_path: Path, home: Path) -> ProbeContext:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n")
    return ctx({"HOME": str(home)}, proc_root=proc)


def test_drive_quota_sentence_without_a_code_is_detected(tmp_path: Path) -> None:
    home = tmp_path / "home"
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True)
    line = "E 2025-03-04T10:00:00 [cloud_sync] upload failed: The user's Drive storage quota has been exceeded."
    (logs / "drive_fs.txt").write_text(f"I 2025-03-04T09:59:59 [cloud_sync] uploading model.safetensors\n{line}\n")
    result = drive_quota(drive_ctx(tmp_path, home), str(tmp_path / "content" / "drive"))
    assert result.status is Status.FAIL and result.facts["quota_exceeded"] is True
    assert result.facts["quota_errors"] == 1 and result.facts["last_quota_line"] == line


def test_drive_log_without_a_quota_sentence_is_not_full(tmp_path: Path) -> None:
    home = tmp_path / "home"
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True)
    (logs / "drive_fs.txt").write_text("I [quota] refreshed quota usage: 1.2 GB of 15 GB\nI synced 3 files\n")
    result = drive_quota(drive_ctx(tmp_path, home), str(tmp_path / "content" / "drive"))
    assert result.status is Status.PASS and result.facts["quota_errors"] == 0


# --- 10. endpoint URLs that cannot be used -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:8080 ", "whitespace"),
        ("127.0.0.1:8080", "scheme"),
        ("ftp://mirror.example", "scheme"),
        ("http://", "host"),
        ("http://mirror.example:80a", "port"),
    ],
)
def test_unusable_endpoint_urls_say_why(url: str, problem: str) -> None:
    assert problem in (url_problem(url) or "")


def test_usable_endpoint_urls_have_no_problem() -> None:
    assert url_problem("https://huggingface.co") is None
    assert url_problem("http://127.0.0.1:8080/mirror") is None


# --- 12. Colab Enterprise never consults notebook secrets ---------------------------------


def test_colab_enterprise_skips_the_secret_lookup(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    env = {
        "COLAB_RELEASE_TAG": "release-colab_20250115-060127_RC00",
        "VERTEX_PRODUCT": "COLAB_ENTERPRISE",
        "FAKE_COLAB_CALLS": str(calls),
    }
    result = colab_secret(ctx(env))
    assert result.status is Status.SKIPPED
    assert result.facts == {"state": "enterprise", "consulted": False}
    assert not calls.exists()


# --- 13. token resolution: HF_TOKEN of spaces ----------------------------------------------


def test_hf_token_of_spaces_hides_the_legacy_variable_and_falls_back_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    token_file = tmp_path / "token"
    token_file.write_text(f"{CANARY}\r\n")
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(token_file))  # as if HF_TOKEN_PATH were set at import
    spaces = {"HF_TOKEN": "   ", "HUGGING_FACE_HUB_TOKEN": REVOKED}
    assert local_token(ctx(spaces)) == (CANARY, "file")
    legacy = {"HF_TOKEN": "", "HUGGING_FACE_HUB_TOKEN": REVOKED}  # empty HF_TOKEN: the legacy name decides
    assert local_token(ctx(legacy)) == (REVOKED, "env:HUGGING_FACE_HUB_TOKEN")
    assert local_token(ctx({"HF_TOKEN": f" {REVOKED}\n"})) == (REVOKED, "env:HF_TOKEN")


# --- 14. TRANSFORMERS_CACHE naming the hub cache under another name -----------------------


def test_transformers_cache_through_a_symlink_to_the_hub_cache_is_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    hub_cache = tmp_path / "volume" / "hub"
    hub_cache.mkdir(parents=True)
    link = tmp_path / "models"
    link.symlink_to(hub_cache, target_is_directory=True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub_cache))  # as if HF_HUB_CACHE were set at import
    env = {"HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", "")}
    result = legacy_cache_vars(ctx({**env, "TRANSFORMERS_CACHE": str(link)}))
    assert result.status is Status.PASS and result.facts["state"] == "consistent"
    assert result.facts["ignored"] == []
    elsewhere = legacy_cache_vars(ctx({**env, "TRANSFORMERS_CACHE": str(tmp_path / "not-yet-created")}))
    assert elsewhere.facts["state"] in ("ignored", "deprecated")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 497771083\n", "git-lfs"),
        (b"<!DOCTYPE html><html><body>Access is restricted</body></html>", "HTML page"),
    ],
)
def test_a_stand_in_text_file_where_weights_should_be_is_corrupt(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(content)
    result = verify_checkpoints(ProbeContext(env={}, timeout_s=3), str(tmp_path))
    assert result.status is Status.FAIL and result.facts["state"] == "corrupt"
    assert reason in result.facts["reason"]


def test_files_that_cannot_be_checked_are_not_called_intact(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"CT2\x00" + bytes(range(200)) * 4)
    result = verify_checkpoints(ProbeContext(env={}, timeout_s=3), str(tmp_path))
    assert result.facts["state"] == "ok"
    assert "0 checkpoint file(s) are intact, 1 in a format that cannot be checked" in result.evidence


def test_the_exception_named_is_one_from_after_the_last_restart() -> None:
    reading = read_log(
        [
            "ValueError: old problem",
            "===== Application Startup at 2025-03-04 10:00:00 =====",
            "ERROR | train has failed due to an exception: Traceback (most recent call last):",
            "KeyError: 'text'",
        ]
    )
    assert reading.error_line is not None and "old problem" not in reading.error_line
