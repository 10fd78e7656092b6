"""runtime-wont-connect end to end: the real CLI with stand-in pynvml and torch modules.

The stand-ins (tests/fakes/modules) are put first on PYTHONPATH and read the GPU machine
they describe from FAKE_NVML / FAKE_TORCH JSON files, so the CLI, its child process that
asks torch, and the walk all run for real. One test uses this machine's real NVML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, base_env, run_cli

T4: dict[str, Any] = {"name": "Tesla T4", "memory_total_mib": 15360, "memory_used_mib": 0, "compute_capability": [7, 5]}
A100_40: dict[str, Any] = {
    "name": "NVIDIA A100-SXM4-40GB",
    "memory_total_mib": 40960,
    "memory_used_mib": 3,
    "compute_capability": [8, 0],
    "uuid": "GPU-5a7c3f0e-1111-2222-3333-444455556666",
}


def walk(
    tmp_path: Path,
    nvml: dict[str, Any] | None,
    torch: dict[str, Any] | None = None,
    *answers: str,
    env: dict[str, str] | None = None,
) -> CliResult:
    extra = dict(env or {})
    if nvml is not None:
        (tmp_path / "nvml.json").write_text(json.dumps({"driver_version": "550.54.15", **nvml}))
        extra["FAKE_NVML"] = str(tmp_path / "nvml.json")
    if torch is not None:
        (tmp_path / "torch.json").write_text(json.dumps(torch))
        extra["FAKE_TORCH"] = str(tmp_path / "torch.json")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    args = ["--playbook", "runtime-wont-connect", "--json", "--timeout", "5"]
    for answer in answers:
        args += ["--answer", answer]
    return run_cli(args, base_env(home, extra, fakes=True))


def step(result: CliResult, node: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in result.json["steps"] if s["node"] == node)
    return found


def assert_cause(result: CliResult, cause: str | None) -> None:
    data = result.json
    expected = "healthy" if cause is None else "problem"
    assert data["verdict"] == expected, (json.dumps(data["steps"], indent=1)[:3000], result.stderr[-2000:])
    assert result.cause == cause
    assert result.code == (0 if cause is None else 1)


TORCH_OK = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": ["Tesla T4"]}


@pytest.mark.parametrize(("code", "name"), [(12, "LibraryNotFound"), (9, "DriverNotLoaded")])
def test_nvml_without_a_driver_is_no_gpu(tmp_path: Path, code: int, name: str) -> None:
    result = walk(tmp_path, {"init_error": code})
    assert_cause(result, "no-gpu")
    facts = step(result, "nvml")["facts"]
    assert facts["error_code"] == code and facts["error_name"] == f"NVMLError_{name}"


@pytest.mark.parametrize(("code", "name"), [(4, "NoPermission"), (15, "GpuIsLost"), (18, "LibRmVersionMismatch")])
def test_other_nvml_init_errors_are_nvml_error_with_their_code(tmp_path: Path, code: int, name: str) -> None:
    result = walk(tmp_path, {"init_error": code})
    assert_cause(result, "nvml-error")
    assert step(result, "nvml")["facts"]["error_name"] == f"NVMLError_{name}"
    assert str(code) in step(result, "nvml")["evidence"]


@pytest.mark.parametrize("value", ["", "-1", "GPU-deadbeef", "3"])
def test_cuda_visible_devices_that_leaves_nothing_hides_the_gpu(tmp_path: Path, value: str) -> None:
    result = walk(tmp_path, {"devices": [T4]}, TORCH_OK, env={"CUDA_VISIBLE_DEVICES": value})
    assert_cause(result, "gpu-hidden")
    facts = step(result, "visible")["facts"]
    assert facts["device_count"] == 1 and facts["visible_count"] == 0


def test_cuda_visible_devices_by_uuid_prefix_keeps_the_gpu(tmp_path: Path) -> None:
    # No torch here: the stand-in torch reads only numeric CUDA_VISIBLE_DEVICES entries.
    result = walk(tmp_path, {"devices": [A100_40]}, None, env={"CUDA_VISIBLE_DEVICES": "GPU-5a7c3f0e"})
    assert step(result, "visible")["facts"]["visible_count"] == 1
    assert_cause(result, None)


def test_cpu_only_torch_cannot_use_the_gpu(tmp_path: Path) -> None:
    result = walk(tmp_path, {"devices": [T4]}, {"version": "2.5.1+cpu", "cuda": "", "devices": ["Tesla T4"]})
    assert_cause(result, "torch-cuda-mismatch")
    assert step(result, "torch")["facts"]["mismatch"] == "cpu-build"


def test_torch_built_for_newer_cuda_than_the_driver(tmp_path: Path) -> None:
    torch = {
        "version": "2.7.1+cu128",
        "cuda": "12.8",
        "devices": ["Tesla T4"],
        "available": False,
        "init_warning": "CUDA initialization: The NVIDIA driver on your system is too old (found version 12000).",
    }
    result = walk(tmp_path, {"devices": [T4], "cuda_driver_version": 12000}, torch)
    assert_cause(result, "torch-cuda-mismatch")
    facts = step(result, "torch")["facts"]
    assert facts["mismatch"] == "cuda-newer-than-driver"
    assert facts["cuda_driver"] == "12.0" and facts["cuda"] == "12.8"
    assert any("too old" in w for w in facts["warnings"])
    # The fix names the newest wheel index this driver (12.0) and this T4 (7.5) accept, for all three packages.
    assert facts["wheel"]["index"] == "cu118"
    [fix] = [r for r in result.json["remediations"] if r["id"] == "reinstall-torch"]
    assert fix["commands"] == [
        "python -m pip install --upgrade torch torchvision torchaudio --index-url https://download.pytorch.org/whl/cu118"
    ]


def test_t4_when_an_a100_was_expected_is_lower_tier(tmp_path: Path) -> None:
    result = walk(tmp_path, {"devices": [T4], "cuda_driver_version": 12040}, TORCH_OK, "expected_gpu=A100")
    assert_cause(result, "lower-tier-gpu")
    assert "Tesla T4" in step(result, "match")["evidence"]
    assert all(r["applicability"] == "display-only" for r in result.json["remediations"])


def test_a100_40gb_when_80gb_was_expected_is_lower_tier(tmp_path: Path) -> None:
    torch = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": [A100_40["name"]]}
    result = walk(tmp_path, {"devices": [A100_40], "cuda_driver_version": 12040}, torch, "expected_gpu=A100 80GB")
    assert_cause(result, "lower-tier-gpu")


def test_h100_when_an_a100_was_expected_is_healthy(tmp_path: Path) -> None:
    h100 = {"name": "NVIDIA H100 80GB HBM3", "memory_total_mib": 81559, "compute_capability": [9, 0]}
    torch = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": [h100["name"]]}
    result = walk(tmp_path, {"devices": [h100], "cuda_driver_version": 12040}, torch, "expected_gpu=A100")
    assert_cause(result, None)
    assert step(result, "match")["facts"]["result"] == "better"


def test_memory_held_by_a_process_outside_this_container(tmp_path: Path) -> None:
    busy = {**A100_40, "memory_used_mib": 39000, "processes": [{"pid": 4194000, "used_memory_mib": 38900}]}
    torch = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": [A100_40["name"]]}
    result = walk(tmp_path, {"devices": [busy], "cuda_driver_version": 12040}, torch)
    assert_cause(result, "gpu-memory-held")
    memory = step(result, "memory")
    assert memory["facts"]["pids"] == [4194000]
    assert memory["facts"]["processes"][0]["pid_in_this_namespace"] is False
    assert "host PIDs" in memory["evidence"]


def test_healthy_gpu_without_torch_installed(tmp_path: Path) -> None:
    result = walk(tmp_path, {"devices": [T4], "cuda_driver_version": 12040}, None, "expected_gpu=T4")
    assert_cause(result, None)
    assert step(result, "torch")["status"] == "skipped"
    assert step(result, "match")["facts"]["result"] == "match"


def test_this_machine_answers_for_itself_with_real_nvml(tmp_path: Path) -> None:
    """No stand-in: the real nvidia-ml-py on this machine decides."""
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        real_code = exc.value
    else:
        pynvml.nvmlShutdown()
        pytest.skip("this machine has a working NVIDIA driver; the GPU-less answer cannot be checked here")
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli(["--playbook", "runtime-wont-connect", "--json"], base_env(home))
    assert_cause(result, "no-gpu")
    assert real_code in (9, 12)
    assert step(result, "nvml")["facts"]["error_code"] == real_code


RTX_5090: dict[str, Any] = {
    "name": "NVIDIA GeForce RTX 5090",
    "memory_total_mib": 32607,
    "memory_used_mib": 412,
    "compute_capability": [12, 0],
}
B200: dict[str, Any] = {"name": "NVIDIA B200", "memory_total_mib": 183359, "compute_capability": [10, 0]}
L4: dict[str, Any] = {"name": "NVIDIA L4", "memory_total_mib": 23034, "compute_capability": [8, 9]}
ARCH_CU124 = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]


@pytest.mark.parametrize(("gpu", "sm"), [(RTX_5090, "sm_120"), (B200, "sm_100")])
def test_gpu_newer_than_every_architecture_of_the_build_is_arch_unsupported(
    tmp_path: Path, gpu: dict[str, Any], sm: str
) -> None:
    nvml = {"cuda_driver_version": 12080, "devices": [gpu]}
    torch = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": [gpu["name"]], "arch_list": ARCH_CU124}
    result = walk(tmp_path, nvml, torch)
    assert_cause(result, "gpu-arch-unsupported")
    assert step(result, "torch")["facts"]["available"] is True
    facts = step(result, "arch")["facts"]
    assert facts["unsupported"] == [sm] and facts["arch_list"] == ARCH_CU124
    assert f"{sm} is not compatible with the current PyTorch installation" in facts["warning"]
    assert {d["source"] for d in facts["devices"]} == {"torch", "nvml"}
    assert result.json["remediations"][0]["id"] == "install-torch-for-arch"


def test_a_build_with_the_same_major_architecture_runs_the_gpu(tmp_path: Path) -> None:
    # sm_89 is not in the list, but sm_80/sm_86 are: torch runs an L4 on them (same major).
    torch = {"version": "2.5.1+cu124", "cuda": "12.4", "devices": ["NVIDIA L4"], "arch_list": ARCH_CU124}
    result = walk(tmp_path, {"cuda_driver_version": 12040, "devices": [L4]}, torch)
    assert_cause(result, None)
    facts = step(result, "arch")["facts"]
    assert facts["state"] == "supported" and facts["warning"] is None
    blackwell = {**torch, "version": "2.7.1+cu128", "cuda": "12.8", "arch_list": [*ARCH_CU124, "sm_100", "sm_120"]}
    result = walk(
        tmp_path, {"cuda_driver_version": 12080, "devices": [RTX_5090]}, {**blackwell, "devices": [RTX_5090["name"]]}
    )
    assert_cause(result, None)


def test_colab_runtime_without_a_gpu_after_choosing_one_is_the_usage_limit(tmp_path: Path) -> None:
    colab = {"COLAB_RELEASE_TAG": "release-colab_20250601-060000_RC00"}
    unanswered = walk(tmp_path, {"init_error": 12}, env=colab)
    assert_cause(unanswered, "no-gpu")  # without the answer nothing changes
    assert step(unanswered, "ask-runtime-type")["answer"] == "unknown"
    chose_gpu = walk(tmp_path, {"init_error": 12}, None, "runtime_type=gpu", env=colab)
    assert_cause(chose_gpu, "colab-usage-limit")
    assert step(chose_gpu, "colab")["facts"]["markers"] == ["COLAB_RELEASE_TAG"]
    chose_cpu = walk(tmp_path, {"init_error": 12}, None, "runtime_type=cpu", env=colab)
    assert_cause(chose_cpu, "no-gpu")


def test_outside_colab_a_page_that_never_connects_walks_the_browser_checklist(tmp_path: Path) -> None:
    laptop = walk(tmp_path, {"init_error": 12})
    assert_cause(laptop, "no-gpu")
    assert step(laptop, "ask-connect-from")["answer"] == "here"
    answers = ["connect_from=browser", "private_window=yes", "cookies=blocked", "extensions=yes"]
    browser = walk(tmp_path, {"init_error": 12}, None, *answers)
    assert_cause(browser, "colab-frontend-cannot-connect")
    recorded = {s["node"]: s["answer"] for s in browser.json["steps"] if s.get("answer")}
    assert recorded == {
        "ask-connect-from": "browser",
        "ask-private-window": "yes",
        "ask-cookies": "blocked",
        "ask-extensions": "yes",
        "ask-other-sessions": "unknown",
        "ask-compute-units": "unknown",
    }
    with_gpu = walk(tmp_path, {"devices": [T4]}, TORCH_OK, "connect_from=browser", "compute_units=exhausted")
    assert_cause(with_gpu, "colab-usage-limit")
