"""Was the installed torch built for this GPU's architecture? Decided the way torch decides it.

A torch wheel carries kernels for a fixed list of GPU architectures (`torch.cuda.get_arch_list()`,
e.g. `sm_50 … sm_90` for the cu12x wheels before 2.7). A GPU newer than the newest of them (an
RTX 50xx, compute capability 12.0) still initialises: `torch.cuda.is_available()` is True, but
torch warns "... with CUDA capability sm_120 is not compatible with the current PyTorch
installation" and every kernel launch fails with "no kernel image is available for execution on
the device". torch's own check (`torch/cuda/__init__.py`, `_check_cubins`) calls a device
supported when some `sm_` entry of the list has the same major version, since NVIDIA GPUs run
code built for an older minor version of their major one; PTX-only `compute_` entries do not
count. The answer comes from the child process gpu.torch already ran (user's interpreter).
"""

from __future__ import annotations

import re
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.gpu import nvml_snapshot, visible_devices
from troubleshooter.probes.gputorch import torch_info

_SM = re.compile(r"^sm_(\d+)")
INCOMPATIBLE = re.compile(
    r"with CUDA capability sm_(\d+) is not compatible with the current PyTorch installation", re.I
)


def supported_majors(arch_list: list[str]) -> set[int]:
    """Major compute capabilities the build has kernels for: sm_86 -> 8, sm_120 -> 12."""
    return {int(m.group(1)) // 10 for arch in arch_list if (m := _SM.match(str(arch).strip()))}


def _capability_text(value: Any) -> str | None:
    """(12, 0), [12, 0] or "12.0" as "12.0"."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{int(value[0])}.{int(value[1])}"
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d+", value):
        return value
    return None


def _judged(name: str, capability: str, majors: set[int], source: str) -> dict[str, Any]:
    major, minor = (int(part) for part in capability.split("."))
    return {
        "name": name,
        "compute_capability": capability,
        "sm": f"sm_{major}{minor}",
        "supported": major in majors,
        "source": source,
    }


@probe(
    "gpu.arch",
    facts={
        "state": "supported | unsupported | no-torch | cuda-unavailable | no-arch-list",
        "arch_list": "torch.cuda.get_arch_list() of the installed torch",
        "devices": "each GPU judged: name, compute capability, sm_XY, supported, and whether torch or NVML said so",
        "unsupported": "the sm_XY of the GPUs the build has no kernels for",
        "warning": "torch's own 'is not compatible with the current PyTorch installation' warning, if it gave one",
        "torch_version": "torch.__version__",
        "torch_cuda": "the CUDA version torch was built with",
    },
)
def gpu_arch(ctx: ProbeContext) -> ProbeResult:
    """Check that the installed torch has kernels for the GPU's compute capability (get_arch_list()).

    Both what torch reports for its devices and NVML's compute capability of the GPUs
    CUDA_VISIBLE_DEVICES leaves visible are judged, plus the warning torch prints on first use.
    Only meaningful when torch.cuda.is_available() is True: otherwise gpu.torch has already said
    why torch cannot use the GPU.
    """
    info = torch_info(ctx)
    if info is None:
        return unknown("importing torch did not finish before the deadline", state=None)
    base: dict[str, Any] = {"torch_version": info.get("version"), "torch_cuda": info.get("cuda")}
    if not info.get("installed"):
        return skipped("torch is not installed in this Python", state="no-torch", **base)
    if not info.get("available"):
        return skipped(
            "torch.cuda.is_available() is False: no architecture to compare", state="cuda-unavailable", **base
        )
    arch_list = [str(a) for a in info.get("arch_list") or []]
    warning = next((w for w in info.get("warnings") or [] if INCOMPATIBLE.search(w)), None)
    majors = supported_majors(arch_list)
    devices = [
        _judged(name, cap, majors, "torch")
        for name, raw in zip(info.get("names") or [], info.get("capabilities") or [], strict=False)
        if (cap := _capability_text(raw))
    ]
    snap = nvml_snapshot(ctx)
    if snap.get("state") == "ok":
        devices += [
            _judged(str(d.get("name")), cap, majors, "nvml")
            for d in visible_devices(ctx, snap)
            if (cap := _capability_text(d.get("compute_capability")))
        ]
    facts: dict[str, Any] = {**base, "arch_list": arch_list, "devices": devices, "warning": warning}
    if not majors and warning is None:
        return passed(
            "torch reports no sm_ architectures: nothing to compare (torch skips its check too)",
            state="no-arch-list",
            unsupported=[],
            **facts,
        )
    unsupported = sorted({d["sm"] for d in devices if majors and not d["supported"]})
    if warning and (match := INCOMPATIBLE.search(warning)):
        unsupported = sorted({*unsupported, f"sm_{match.group(1)}"})
    built = " ".join(arch_list) or "-"
    if unsupported:
        return failed(
            f"torch {base['torch_version']} has kernels for {built}; the GPU needs {', '.join(unsupported)}"
            " (no sm_ of the same major version): kernels will fail with 'no kernel image is available'",
            state="unsupported",
            unsupported=unsupported,
            **facts,
        )
    shown = ", ".join(f"{d['name']} {d['sm']}" for d in devices) or "no device reported"
    return passed(
        f"torch {base['torch_version']} ({built}) has kernels for {shown}", state="supported", unsupported=[], **facts
    )
