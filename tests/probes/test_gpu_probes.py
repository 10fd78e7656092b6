"""GPU probes with a stand-in NVML handed in through ctx.modules, and the rules they apply."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import FAKE_MODULES
from troubleshooter.model.result import Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.gpu import (
    compare_gpu,
    cuda_version_text,
    gpu_match,
    gpu_memory,
    gpu_nvml,
    gpu_visible,
    visible_indices,
)
from troubleshooter.probes.gputorch import gpu_torch


def ctx_with(modules: dict[str, Any], env: dict[str, str] | None = None) -> ProbeContext:
    return ProbeContext(env=env or {"PATH": "/nonexistent"}, timeout_s=3, modules=modules)


def test_cuda_driver_version_is_written_like_people_do() -> None:
    assert cuda_version_text(12040) == "12.4"
    assert cuda_version_text(11080) == "11.8"
    assert cuda_version_text(None) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(None, [0, 1]), ("", []), ("-1", []), ("1", [1]), ("1,0", [1, 0]), ("0,7,1", [0]), ("0,0", [0]), ("GPU-bb", [1])],
)
def test_cuda_visible_devices_is_parsed_like_the_cuda_runtime(spec: str | None, expected: list[int]) -> None:
    devices = [{"index": 0, "uuid": "GPU-aa11"}, {"index": 1, "uuid": "GPU-bb22"}]
    assert visible_indices(spec, devices) == expected


@pytest.mark.parametrize(
    ("expected", "name", "total_mib", "verdict"),
    [
        ("A100", "Tesla T4", 15360, "lower"),
        ("a100", "NVIDIA A100-SXM4-40GB", 40960, "match"),
        ("A100 80GB", "NVIDIA A100-SXM4-40GB", 40960, "lower"),
        ("A100 80GB", "NVIDIA A100-SXM4-80GB", 81920, "match"),
        ("A100", "NVIDIA H100 80GB HBM3", 81559, "better"),
        ("L4", "NVIDIA L4", 23034, "match"),
        ("L4", "NVIDIA L40S", 46068, "better"),
        ("RTX 4090", "Tesla T4", 15360, "lower"),
        # variants of one model are the same tier (A10/A10G, L40/L40S, V100/V100S), unless short of memory
        ("A10", "NVIDIA A10G", 23028, "match"),
        ("A10G", "NVIDIA A10", 23028, "match"),
        ("L40", "NVIDIA L40S", 46068, "match"),
        ("V100", "Tesla V100S-PCIE-32GB", 32768, "match"),
        ("A10", "Tesla T4", 15360, "lower"),
        ("L40 48GB", "NVIDIA L40S", 23000, "lower"),  # same tier, but short of the memory asked for
    ],
)
def test_assigned_gpu_is_compared_with_the_expected_one(expected: str, name: str, total_mib: int, verdict: str) -> None:
    assert compare_gpu(expected, {"name": name, "memory_total_mib": total_mib}) == verdict


def test_init_error_codes_map_to_no_gpu_or_nvml_error(fake_nvml: Any) -> None:
    for code, state in [(12, "no-gpu"), (9, "no-gpu"), (4, "nvml-error"), (15, "nvml-error"), (18, "nvml-error")]:
        result = gpu_nvml(ctx_with({"pynvml": fake_nvml(init_error=code)}))
        assert result.status is Status.FAIL
        assert (result.facts["state"], result.facts["error_code"]) == (state, code)
        assert result.facts["nvidia_smi"] is None


def test_devices_memory_and_processes_are_read(fake_nvml: Any) -> None:
    nvml = fake_nvml(
        driver_version="535.104.05",
        cuda_driver_version=12020,
        devices=[
            {
                "name": "Tesla T4",
                "memory_total_mib": 15360,
                "memory_used_mib": 12000,
                "compute_capability": [7, 5],
                "processes": [{"pid": 1, "used_memory_mib": 11900}],
            }
        ],
    )
    ctx = ctx_with({"pynvml": nvml})
    result = gpu_nvml(ctx)
    assert result.status is Status.PASS
    device = result.facts["devices"][0]
    assert (device["name"], device["memory_total_mib"], device["compute_capability"]) == ("Tesla T4", 15360, "7.5")
    assert result.facts["cuda_driver"] == "12.2"
    memory = gpu_memory(ctx)
    assert memory.status is Status.FAIL and memory.facts["held"] is True
    # PID 1 exists in every PID namespace, but NVML's number may still name another process.
    assert memory.facts["processes"][0]["pid_in_this_namespace"] is True
    assert "host PIDs" in memory.evidence


def test_the_snapshot_is_taken_once_per_walk(fake_nvml: Any) -> None:
    nvml = fake_nvml(devices=[{"name": "Tesla T4"}])
    calls = {"init": 0}
    original = nvml.nvmlInit

    def counting_init() -> None:
        calls["init"] += 1
        original()

    ctx = ctx_with({"pynvml": SimpleNamespace(**{**vars(nvml), "nvmlInit": counting_init})})
    gpu_nvml(ctx)
    gpu_visible(ctx)
    gpu_match(ctx, "T4")
    gpu_memory(ctx)
    assert calls["init"] == 1


def test_hidden_gpu_and_missing_expectation(fake_nvml: Any) -> None:
    nvml = fake_nvml(devices=[{"name": "Tesla T4"}])
    hidden = gpu_visible(ctx_with({"pynvml": nvml}, {"CUDA_VISIBLE_DEVICES": ""}))
    assert hidden.status is Status.FAIL and hidden.facts["hidden"] is True
    no_expectation = gpu_match(ctx_with({"pynvml": nvml}), None)
    assert no_expectation.status is Status.SKIPPED and no_expectation.facts["result"] == "no-expectation"


def _torch(version: str, cuda: str | None, available: bool) -> SimpleNamespace:
    return SimpleNamespace(
        __version__=version,
        version=SimpleNamespace(cuda=cuda),
        cuda=SimpleNamespace(is_available=lambda: available, device_count=lambda: int(available)),
    )


@pytest.mark.parametrize(
    ("torch", "mismatch"),
    [
        (_torch("2.5.1+cu124", "12.4", True), "none"),
        (_torch("2.5.1+cpu", None, False), "cpu-build"),
        (_torch("2.7.1+cu128", "12.8", False), "cuda-newer-than-driver"),
        (_torch("2.5.1+cu121", "12.1", False), "init-failed"),
    ],
)
def test_torch_build_is_judged_against_the_driver(torch: SimpleNamespace, mismatch: str) -> None:
    result = gpu_torch(ctx_with({"torch": torch}), cuda_driver="12.4")
    assert result.facts["mismatch"] == mismatch
    assert result.status is (Status.PASS if mismatch == "none" else Status.FAIL)


def test_torch_is_asked_in_a_child_process_with_the_users_environment(tmp_path: Path) -> None:
    config = tmp_path / "torch.json"
    config.write_text(json.dumps({"version": "2.5.1+cu121", "cuda": "12.1", "devices": ["Tesla T4"]}))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(FAKE_MODULES), "FAKE_TORCH": str(config)}
    result = gpu_torch(ProbeContext(env=env, timeout_s=10), cuda_driver="12.4")
    assert result.facts["version"] == "2.5.1+cu121" and result.facts["available"] is True
    assert "torch" not in sys.modules or not hasattr(sys.modules["torch"], "_config"), "never imported here"
    absent = gpu_torch(ProbeContext(env={"PATH": "/usr/bin:/bin"}, timeout_s=10), cuda_driver="12.4")
    assert absent.status is Status.SKIPPED and absent.facts["installed"] is False


@pytest.mark.parametrize(
    ("expected", "name", "total_mib", "capability", "verdict"),
    [
        ("RTX 3090", "NVIDIA GeForce RTX 4090", 24564, [8, 9], "better"),
        ("A100", "NVIDIA GH200 480GB", 97871, [9, 0], "better"),
        ("RTX 4090", "NVIDIA RTX 6000 Ada Generation", 49140, [8, 9], "match"),
        ("A100", "NVIDIA GeForce RTX 4090", 24564, [8, 9], "lower"),  # newer, but 24 GB where 40 were expected
        ("RTX 4090", "NVIDIA GeForce RTX 3060", 12288, [8, 6], "lower"),
        ("Radeon Instinct", "Tesla T4", 15360, [7, 5], "unknown"),
    ],
)
def test_gpus_the_tier_list_does_not_name_are_ranked_by_capability_and_memory(
    expected: str, name: str, total_mib: int, capability: list[int], verdict: str
) -> None:
    device = {"name": name, "memory_total_mib": total_mib, "compute_capability": capability}
    assert compare_gpu(expected, device) == verdict


def test_an_expectation_that_cannot_be_ranked_blames_no_tier(fake_nvml: Any) -> None:
    nvml = fake_nvml(devices=[{"name": "Tesla T4", "memory_total_mib": 15360, "compute_capability": [7, 5]}])
    result = gpu_match(ctx_with({"pynvml": nvml}), "Radeon Instinct")
    assert result.status is Status.WARN
    assert result.facts["result"] == "unknown" and result.facts["lower_tier"] is False
