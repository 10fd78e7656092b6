"""Can the installed torch use the GPU NVML sees? Asked without initialising CUDA here.

torch is imported in a child process with the user's environment (PYTHONPATH, CUDA_VISIBLE_DEVICES),
bounded by the probe deadline: importing torch and `torch.cuda.is_available()` may take seconds
or hang on a broken driver, and CUDA initialised in this process could not be undone. Tests hand
in a stand-in through `ctx.modules["torch"]`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.gpu import nvml_snapshot
from troubleshooter.probes.torchwheel import choose_index
from troubleshooter.redact import clip

TORCH_QUERY = r"""
import json, warnings
out = {"installed": False}
try:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import torch
        out.update(installed=True, version=str(torch.__version__), cuda=torch.version.cuda)
        out["available"] = bool(torch.cuda.is_available())
        out["count"] = int(torch.cuda.device_count()) if out["available"] else 0
        try:  # the first question about a device initialises CUDA: torch warns here
            out["names"] = [torch.cuda.get_device_name(i) for i in range(out["count"])]
            out["capabilities"] = [list(torch.cuda.get_device_capability(i)) for i in range(out["count"])]
            out["arch_list"] = [str(a) for a in torch.cuda.get_arch_list()] if out["available"] else []
        except Exception as exc:
            out["device_error"] = type(exc).__name__ + ": " + str(exc)  # scrubbed, then cut, by the tool
    texts = [str(w.message).strip() for w in caught]
    out["warnings"] = [t for t in texts if "CUDA" in t or "NVIDIA" in t][:10]
except ImportError as exc:
    out["import_error"] = str(exc)
print("TORCHINFO" + json.dumps(out))
"""


TORCH_MEMO = "gpu.torch-info"


def _call(torch: Any, name: str) -> Any:
    """torch.cuda.NAME of a stand-in, or None when it does not have it."""
    return getattr(getattr(torch, "cuda", None), name, None)


def torch_info(ctx: ProbeContext) -> dict[str, Any] | None:
    """torch's answers, asked once per walk (gpu.torch and gpu.arch read the same child's answer)."""
    cached = ctx.recall(TORCH_MEMO)
    if cached is not None:
        return dict(cached)
    info = _torch_info(ctx)
    if info is not None:
        ctx.remember(TORCH_MEMO, info)
    return info


def _torch_info(ctx: ProbeContext) -> dict[str, Any] | None:
    """Ask torch for its build and CUDA state, in a child process bounded by the deadline.

    The child is the user's interpreter (`ctx.target_python`) when one is named: the torch that
    matters is the one their code imports, not one next to this tool.
    """
    injected = ctx.modules.get("torch")
    if injected is not None:
        available = bool(injected.cuda.is_available())
        count = int(injected.cuda.device_count()) if available else 0
        return {
            "installed": True,
            "version": str(injected.__version__),
            "cuda": injected.version.cuda,
            "available": available,
            "count": count,
            "capabilities": [list(capability(i)) for i in range(count)]
            if (capability := _call(injected, "get_device_capability"))
            else [],
            "arch_list": list(arch()) if available and (arch := _call(injected, "get_arch_list")) else [],
            "warnings": [],
        }
    try:
        done = subprocess.run(
            [ctx.target_python or sys.executable, "-c", TORCH_QUERY],
            env=dict(ctx.env),
            capture_output=True,
            text=True,
            timeout=max(0.5, ctx.time_left() - 0.3),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None
    except OSError as exc:  # the named interpreter does not exist or cannot run
        return {"installed": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    for line in done.stdout.splitlines():
        if line.startswith("TORCHINFO"):
            info: dict[str, Any] = json.loads(line.removeprefix("TORCHINFO"))
            # The child cannot import the scrubber: texts are scrubbed here, then cut.
            info["warnings"] = [clip(w, 400) for w in info.get("warnings") or []]
            if info.get("import_error"):
                info["import_error"] = clip(info["import_error"], 200)
            if info.get("device_error"):
                info["device_error"] = clip(info["device_error"], 300)
            return info
    return {"installed": False, "error": clip(done.stderr.strip().splitlines()[-1], 300) if done.stderr.strip() else ""}


def _version_tuple(text: str | None) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def nvml_capabilities(ctx: ProbeContext) -> list[list[int]]:
    """Compute capabilities of the GPUs NVML sees (torch may not see any)."""
    devices = nvml_snapshot(ctx).get("devices") or []
    out = []
    for device in devices:
        cap = str(device.get("compute_capability") or "") if isinstance(device, dict) else ""
        major, _, minor = cap.partition(".")
        if major.isdigit() and minor.isdigit():
            out.append([int(major), int(minor)])
    return out


@probe(
    "gpu.torch",
    facts={
        "installed": "torch can be imported",
        "version": "torch.__version__ (a +cpu suffix means a CPU-only build)",
        "cuda": "the CUDA version torch was built with (None for CPU builds)",
        "available": "torch.cuda.is_available()",
        "cuda_driver": "the CUDA version the driver supports",
        "mismatch": "cpu-build | cuda-newer-than-driver | init-failed | none",
        "wheel": "the PyTorch wheel index that fits the driver and the GPUs: index, index_url, reason",
    },
)
def gpu_torch(ctx: ProbeContext, cuda_driver: str | None = None) -> ProbeResult:
    """Check that the installed torch can use the GPU NVML sees: its build, CUDA version and is_available().

    Asked in a child process with the user's environment, so CUDA is never initialised here
    and a hang costs one deadline. A CPU-only wheel or a wheel built for a newer CUDA than the
    driver supports cannot use the GPU.
    """
    driver_cuda = cuda_driver or nvml_snapshot(ctx).get("cuda_driver")
    info = torch_info(ctx)
    if info is None:
        return unknown("importing torch did not finish before the deadline", installed=None, cuda_driver=driver_cuda)
    facts: dict[str, Any] = {
        "installed": bool(info.get("installed")),
        "version": info.get("version"),
        "cuda": info.get("cuda"),
        "available": info.get("available"),
        "device_count": info.get("count"),
        "cuda_driver": driver_cuda,
        "warnings": info.get("warnings") or [],
    }
    capabilities = [tuple(c) for c in info.get("capabilities") or nvml_capabilities(ctx) if len(c) == 2]
    facts["wheel"] = choose_index(driver_cuda, capabilities)
    if not facts["installed"]:
        return skipped("torch is not installed in this Python", mismatch="none", **facts)
    build, driver = _version_tuple(facts["cuda"]), _version_tuple(driver_cuda)
    newer = bool(build and driver and build > driver)
    facts["cuda_newer_than_driver"] = newer
    label = f"torch {facts['version']} (CUDA build {facts['cuda']}), driver supports CUDA {driver_cuda}"
    if facts["available"]:
        return passed(f"{label}: torch.cuda.is_available() is True", mismatch="none", **facts)
    if not facts["cuda"] or "+cpu" in str(facts["version"]):
        return failed(f"{label}: a CPU-only build of torch cannot use the GPU", mismatch="cpu-build", **facts)
    if newer:
        return failed(
            f"{label}: built for a newer CUDA than the driver supports", mismatch="cuda-newer-than-driver", **facts
        )
    hint = f": {facts['warnings'][0]}" if facts["warnings"] else ""
    return failed(f"{label}: torch.cuda.is_available() is False{hint}", mismatch="init-failed", **facts)
