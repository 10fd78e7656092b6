"""gpu.arch and the torch query: torch's own architecture rule, asked of the user's interpreter."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import FAKE_MODULES
from troubleshooter.model.result import Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.gpuarch import gpu_arch, supported_majors
from troubleshooter.probes.gputorch import gpu_torch


@pytest.mark.parametrize(
    ("arch_list", "majors"),
    [
        (["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"], {5, 6, 7, 8, 9}),
        (["sm_80", "sm_90a", "sm_100", "sm_120", "compute_120"], {8, 9, 10, 12}),  # PTX-only entries do not count
        ([], set()),
    ],
)
def test_supported_majors_follow_torchs_same_major_rule(arch_list: list[str], majors: set[int]) -> None:
    assert supported_majors(arch_list) == majors


def _target_python(tmp_path: Path, answer: dict[str, object]) -> str:
    """An interpreter stand-in (the user's venv python) that answers the torch query itself."""
    script = tmp_path / "venv" / "bin" / "python"
    script.parent.mkdir(parents=True)
    script.write_text(f"#!/bin/sh\necho 'TORCHINFO{json.dumps(answer)}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script)


def test_torch_is_asked_in_the_target_interpreter_not_this_one(tmp_path: Path) -> None:
    answer = {
        "installed": True,
        "version": "2.5.1+cu124",
        "cuda": "12.4",
        "available": True,
        "count": 1,
        "names": ["NVIDIA GeForce RTX 5080"],
        "capabilities": [[12, 0]],
        "arch_list": ["sm_50", "sm_80", "sm_90"],
        "warnings": [],
    }
    ctx = ProbeContext(env={"PATH": "/nonexistent"}, timeout_s=5, target_python=_target_python(tmp_path, answer))
    torch = gpu_torch(ctx, cuda_driver="12.8")
    assert torch.facts["version"] == "2.5.1+cu124" and torch.facts["available"] is True
    arch = gpu_arch(ctx)  # the same answer, remembered for the walk: no second child process
    assert arch.status is Status.FAIL and arch.facts["unsupported"] == ["sm_120"]
    assert arch.facts["devices"][0] == {
        "name": "NVIDIA GeForce RTX 5080",
        "compute_capability": "12.0",
        "sm": "sm_120",
        "supported": False,
        "source": "torch",
    }


def test_a_target_interpreter_that_does_not_exist_is_not_a_crash(tmp_path: Path) -> None:
    ctx = ProbeContext(env={"PATH": "/nonexistent"}, timeout_s=3, target_python=str(tmp_path / "no" / "python"))
    result = gpu_torch(ctx)
    assert result.status is Status.SKIPPED and result.facts["installed"] is False
    assert gpu_arch(ctx).facts["state"] == "no-torch"


def test_the_warning_of_the_real_query_is_caught_with_the_fake_torch(tmp_path: Path) -> None:
    (tmp_path / "torch.json").write_text(
        json.dumps({"version": "2.6.0+cu124", "cuda": "12.4", "devices": ["NVIDIA B200"], "capabilities": [[10, 0]]})
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(FAKE_MODULES),
        "FAKE_TORCH": str(tmp_path / "torch.json"),
    }
    ctx = ProbeContext(env=env, timeout_s=10, target_python=sys.executable)
    result = gpu_arch(ctx)
    assert result.status is Status.FAIL and result.facts["unsupported"] == ["sm_100"]
    assert "NVIDIA B200 with CUDA capability sm_100 is not compatible" in result.facts["warning"]
