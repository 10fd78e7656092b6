"""NVIDIA GPUs through NVML, CUDA_VISIBLE_DEVICES, and whether the installed torch can use them.

`pynvml` (from nvidia-ml-py) is imported inside the probes only, or taken from
`ctx.modules["pynvml"]` so tests can hand in a stand-in. NVML talks to the driver directly:
it ignores CUDA_VISIBLE_DEVICES (so the variable is compared with NVML's device count here)
and reports host PIDs, which inside a container may belong to no process or another one.
torch is asked separately (gputorch.py), in a bounded child process.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, warned
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import clip

MIB = 1 << 20
NO_GPU_CODES = {12: "LibraryNotFound", 9: "DriverNotLoaded"}
KNOWN_ERRORS = {4: "NoPermission", 15: "GpuIsLost", 18: "LibRmVersionMismatch", 16: "ResetRequired"}
MEMORY_HELD_SHARE = 0.5  # more than this share of a GPU's memory used before work starts
SNAPSHOT_MEMO = "gpu.snapshot"
# The GPUs notebook services hand out, in rough tier order (older/smaller first), with their compute
# capability and usual memory (GiB) for ranking against GPUs the list does not name (GH200, RTX cards).
MODEL_SPECS = {
    "K80": (3.7, 12.0),
    "P4": (6.1, 8.0),
    "P100": (6.0, 16.0),
    "T4": (7.5, 16.0),
    "V100": (7.0, 16.0),
    "A10": (8.6, 24.0),
    "L4": (8.9, 24.0),
    "L40": (8.9, 48.0),
    "A100": (8.0, 40.0),
    "H100": (9.0, 80.0),
    "H200": (9.0, 141.0),
    "B200": (10.0, 180.0),
}
TIERS = list(MODEL_SPECS)
RTX_CAPABILITY = {2: 7.5, 3: 8.6, 4: 8.9, 5: 12.0}  # GeForce RTX 20xx … 50xx


def _pynvml(ctx: ProbeContext) -> Any:
    injected = ctx.modules.get("pynvml")
    if injected is not None:
        return injected
    import pynvml

    return pynvml


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def cuda_version_text(value: int | None) -> str | None:
    """NVML's integer CUDA driver version as people write it: 12040 -> '12.4'."""
    if not value:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def _optional(call: Any, *args: Any) -> Any:
    """Call an NVML function that some GPUs or drivers do not support; None when it fails."""
    try:
        return call(*args)
    except Exception:
        return None


def _processes(nvml: Any, handle: Any, proc_root: str) -> list[dict[str, Any]]:
    getter = None
    for name in ("nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses"):
        getter = getattr(nvml, name, None)
        if getter is not None:
            break
    found = _optional(getter, handle) if getter else None
    result = []
    for proc in found or []:
        pid = int(getattr(proc, "pid", 0))
        used = getattr(proc, "usedGpuMemory", None)
        result.append(
            {
                "pid": pid,
                "used_mib": round(used / MIB) if isinstance(used, int) and used < (1 << 60) else None,
                "pid_in_this_namespace": os.path.exists(os.path.join(proc_root, str(pid))),
            }
        )
    return result


def nvml_snapshot(ctx: ProbeContext) -> dict[str, Any]:
    """What NVML says about the driver and every device; errors become `state` facts."""
    cached = ctx.recall(SNAPSHOT_MEMO)
    if cached is not None:
        return dict(cached)
    snapshot = _take_snapshot(ctx)
    ctx.remember(SNAPSHOT_MEMO, snapshot)
    return dict(snapshot)


def _take_snapshot(ctx: ProbeContext) -> dict[str, Any]:
    smi = shutil.which("nvidia-smi", path=ctx.env.get("PATH"))
    base: dict[str, Any] = {"nvidia_smi": smi, "devices": [], "device_count": 0}
    try:
        nvml = _pynvml(ctx)
    except ImportError as exc:
        driver = os.path.exists("/proc/driver/nvidia/version")
        state = "no-gpu" if not (smi or driver) else "nvml-error"
        return {**base, "state": state, "error_name": "ImportError", "error": clip(exc, 200)}
    try:
        nvml.nvmlInit()
    except Exception as exc:
        code = getattr(exc, "value", None)
        name = type(exc).__name__
        state = "no-gpu" if code in NO_GPU_CODES else "nvml-error"
        return {**base, "state": state, "error_code": code, "error_name": name, "error": clip(exc, 200)}
    try:
        return {**base, **_query(nvml, str(ctx.proc_root))}
    except Exception as exc:
        code = getattr(exc, "value", None)
        return {**base, "state": "nvml-error", "error_code": code, "error_name": type(exc).__name__, "error": str(exc)}
    finally:
        _optional(nvml.nvmlShutdown)


def _query(nvml: Any, proc_root: str) -> dict[str, Any]:
    cuda_driver = _optional(getattr(nvml, "nvmlSystemGetCudaDriverVersion_v2", None) or (lambda: None))
    cuda_driver = cuda_driver or _optional(nvml.nvmlSystemGetCudaDriverVersion)
    devices = []
    for index in range(int(nvml.nvmlDeviceGetCount())):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        memory = _optional(nvml.nvmlDeviceGetMemoryInfo, handle)
        capability = _optional(nvml.nvmlDeviceGetCudaComputeCapability, handle)
        total = int(memory.total) if memory is not None else None
        used = int(memory.used) if memory is not None else None
        devices.append(
            {
                "index": index,
                "name": _text(nvml.nvmlDeviceGetName(handle)),
                "uuid": _text(_optional(nvml.nvmlDeviceGetUUID, handle) or "") or None,
                "memory_total_mib": round(total / MIB) if total is not None else None,
                "memory_used_mib": round(used / MIB) if used is not None else None,
                "memory_used_share": round(used / total, 3) if total and used is not None else None,
                "compute_capability": f"{capability[0]}.{capability[1]}" if capability else None,
                "processes": _processes(nvml, handle, proc_root),
            }
        )
    return {
        "state": "ok" if devices else "no-devices",
        "driver_version": _text(_optional(nvml.nvmlSystemGetDriverVersion) or "") or None,
        "cuda_driver_version": cuda_driver,
        "cuda_driver": cuda_version_text(cuda_driver),
        "device_count": len(devices),
        "devices": devices,
    }


@probe(
    "gpu.nvml",
    facts={
        "state": "ok | no-gpu | no-devices | nvml-error",
        "error_code": "NVML error code of a failed init (12 library not found, 9 driver not loaded, 4 no permission …)",
        "error_name": "NVML error class name",
        "device_count": "GPUs NVML sees (it ignores CUDA_VISIBLE_DEVICES)",
        "devices": "name, memory, compute capability and processes of each GPU",
        "driver_version": "NVIDIA driver version",
        "cuda_driver": "highest CUDA version the driver supports (12040 -> 12.4)",
        "nvidia_smi": "path of nvidia-smi on PATH, if any",
    },
)
def gpu_nvml(ctx: ProbeContext) -> ProbeResult:
    """Ask NVML (the NVIDIA driver's management library) which GPUs this machine has.

    An init error is mapped by its code: library not found (12) or driver not loaded (9)
    means no GPU is attached (a CPU runtime); no permission (4), GPU lost (15), driver/library
    version mismatch (18) and others are NVML errors that need a restart or a driver fix.
    """
    snap = nvml_snapshot(ctx)
    state = snap["state"]
    if state == "no-gpu":
        where = "nvidia-smi is not on PATH" if not snap["nvidia_smi"] else f"nvidia-smi at {snap['nvidia_smi']}"
        return failed(f"no NVIDIA driver or GPU: NVML init failed with {snap.get('error_name')} ({where})", **snap)
    if state == "nvml-error":
        return failed(
            f"NVML answered {snap.get('error_name')} (code {snap.get('error_code')}): {snap['error']}", **snap
        )
    if state == "no-devices":
        return failed("the NVIDIA driver is loaded but NVML sees no GPU", **snap)
    names = ", ".join(f"[{d['index']}] {d['name']}" for d in snap["devices"])
    return passed(
        f"{snap['device_count']} GPU(s): {names}; driver {snap['driver_version']}, CUDA {snap['cuda_driver']}", **snap
    )


def visible_indices(spec: str | None, devices: list[dict[str, Any]]) -> list[int]:
    """The physical GPUs CUDA_VISIBLE_DEVICES leaves visible, parsed as the CUDA runtime does.

    Unset: all. Entries are indices or UUID prefixes (GPU-…, MIG-…); parsing stops at the first
    entry that is invalid, out of range or repeated, so `""`, `-1` and `none` hide everything.
    """
    if spec is None:
        return [d["index"] for d in devices]
    chosen: list[int] = []
    for raw in spec.split(","):
        item = raw.strip()
        match: int | None = None
        if item.isdigit() and int(item) < len(devices):
            match = int(item)
        elif item.upper().startswith(("GPU-", "MIG-")):
            hits = [d["index"] for d in devices if d.get("uuid") and str(d["uuid"]).upper().startswith(item.upper())]
            match = hits[0] if len(hits) == 1 else None
        if match is None or match in chosen:
            break
        chosen.append(match)
    return chosen


@probe(
    "gpu.visible",
    facts={
        "cuda_visible_devices": "the variable's value (None when unset)",
        "device_count": "GPUs NVML sees",
        "visible_count": "GPUs left visible to CUDA programs",
        "hidden": "GPUs exist but the variable hides all of them",
    },
)
def gpu_visible(ctx: ProbeContext) -> ProbeResult:
    """Compare CUDA_VISIBLE_DEVICES with the GPUs NVML sees (NVML itself ignores the variable)."""
    snap = nvml_snapshot(ctx)
    spec = ctx.env.get("CUDA_VISIBLE_DEVICES")
    devices = snap.get("devices") or []
    visible = visible_indices(spec, devices)
    facts = {
        "cuda_visible_devices": spec,
        "device_count": len(devices),
        "visible_count": len(visible),
        "visible_indices": visible,
        "hidden": bool(devices) and not visible,
    }
    if not devices:
        return skipped("NVML sees no GPU to hide", **facts)
    if not visible:
        return failed(f"CUDA_VISIBLE_DEVICES={spec!r} hides all {len(devices)} GPU(s) from CUDA programs", **facts)
    if len(visible) < len(devices):
        return warned(f"CUDA_VISIBLE_DEVICES={spec!r} leaves {len(visible)} of {len(devices)} GPU(s) visible", **facts)
    return passed(f"all {len(devices)} GPU(s) are visible to CUDA programs", **facts)


def visible_devices(ctx: ProbeContext, snap: dict[str, Any]) -> list[dict[str, Any]]:
    """The NVML devices a CUDA program here would use (NVML lists all; CUDA_VISIBLE_DEVICES filters)."""
    devices = snap.get("devices") or []
    keep = set(visible_indices(ctx.env.get("CUDA_VISIBLE_DEVICES"), devices))
    return [d for d in devices if d["index"] in keep]


def _tier(name: str) -> int | None:
    """Position of a GPU model in TIERS (matched as a whole word: 'A100' in 'NVIDIA A100-SXM4')."""
    upper = name.upper()
    best = None
    for rank, model in enumerate(TIERS):
        if re.search(rf"(?<![A-Z0-9]){model}(?![0-9])", upper):
            best = rank
    return best


def _expected_memory_gib(expected: str) -> float | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*G(?:I?B)?\b", expected.upper())
    return float(match.group(1)) if match else None


MEMORY_TOKEN = re.compile(r"^\d+(?:\.\d+)?G(?:I?B)?$")
VENDOR_WORDS = {"NVIDIA", "TESLA", "GEFORCE", "QUADRO"}


def _model_tokens(text: str) -> list[str]:
    """'NVIDIA A100-SXM4-80GB' -> ['A100', 'SXM4']: the words naming the model, no vendor or memory."""
    words = re.findall(r"[A-Z0-9.]+", text.upper().replace("GB", "GB "))
    return [w for w in words if w not in VENDOR_WORDS and not MEMORY_TOKEN.match(w)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def compare_gpu(expected: str, device: dict[str, Any]) -> str:
    """'match', 'better' or 'lower' for one device against what the user expected.

    The expected model's words must appear, whole and in order, in the device name ('L4'
    matches 'NVIDIA L4', not 'NVIDIA L40S'); a memory size in the expectation ('A100 80GB')
    must also fit. A different model of a known higher tier counts as better.
    """
    name = str(device.get("name") or "")
    wanted = _model_tokens(re.sub(r"(\d)\s+(G(?:I?B)?)\b", r"\1\2", expected.upper()))
    want_gib = _expected_memory_gib(expected)
    total_mib = device.get("memory_total_mib")
    short_memory = bool(want_gib and total_mib and total_mib < want_gib * 1024 * 0.9)
    if wanted and _contains(_model_tokens(name), wanted):
        return "lower" if short_memory else "match"
    want_tier, got_tier = _tier(expected), _tier(name)
    if want_tier is not None and got_tier is not None:
        if got_tier == want_tier:  # a variant of the same model (A10 / A10G, L40 / L40S, V100 / V100S)
            return "lower" if short_memory else "match"
        return "better" if got_tier > want_tier else "lower"
    return _by_capability(expected, device, want_gib)


def _spec_of(expected: str) -> tuple[float, float] | None:
    """(compute capability, usual memory in GiB) of the model a user names, when we know it."""
    rank = _tier(expected)
    if rank is not None:
        return MODEL_SPECS[TIERS[rank]]
    consumer = re.search(r"RTX\s*([2-5])0([5-9])0", expected.upper())
    if consumer:
        generation, size = int(consumer.group(1)), int(consumer.group(2))
        memory = {9: 32.0 if generation == 5 else 24.0, 8: 10.0, 7: 8.0, 6: 8.0, 5: 4.0}[size]
        return RTX_CAPABILITY[generation], memory
    return None


def _by_capability(expected: str, device: dict[str, Any], want_gib: float | None) -> str:
    """Rank two GPUs the tier list cannot (a consumer card, a new model): by compute capability and
    memory. A GPU at least as new, with at least the memory expected, is not a lower one."""
    spec = _spec_of(expected)
    capability = device.get("compute_capability")
    total_mib = device.get("memory_total_mib")
    if isinstance(capability, list | tuple) and len(capability) >= 2:
        got_cc: float | None = float(f"{capability[0]}.{capability[1]}")
    else:  # NVML did not say: the model's own, when we know the model
        got_cc = (_spec_of(str(device.get("name") or "")) or (None, None))[0]
    if spec is None or got_cc is None or not total_mib:
        return "unknown"
    want_cc, usual_gib = spec
    enough_memory = total_mib >= (want_gib or usual_gib) * 1024 * 0.9
    if got_cc >= want_cc and enough_memory:
        return "better" if got_cc > want_cc else "match"
    return "lower"


@probe(
    "gpu.match",
    facts={
        "expected": "the GPU the user expected (input expected_gpu)",
        "assigned": "names of the GPUs NVML sees",
        "result": "match | better | lower | unknown | no-expectation | no-gpu",
        "lower_tier": "the assigned GPU is not the expected one and not a better one",
    },
)
def gpu_match(ctx: ProbeContext, expected: str | None = None) -> ProbeResult:
    """Compare the assigned GPU with the one expected (name, then memory: 'A100 80GB').

    Which GPU a notebook service assigns depends on the plan, the compute units left and what
    is in stock; a premium GPU that is out of stock falls back to a smaller one silently.
    """
    devices = visible_devices(ctx, nvml_snapshot(ctx))
    facts: dict[str, Any] = {"expected": expected, "assigned": [d["name"] for d in devices]}
    if not expected or not expected.strip():
        return skipped("no expected GPU given (answer expected_gpu=A100 to compare)", result="no-expectation", **facts)
    if not devices:
        return skipped("NVML sees no GPU to compare", result="no-gpu", **facts)
    results = [compare_gpu(expected, d) for d in devices]
    best = next(r for r in ("match", "better", "unknown", "lower") if r in results)
    device = devices[results.index(best)]
    summary = f"{device['name']} ({device['memory_total_mib']} MiB, compute capability {device['compute_capability']})"
    facts.update(result=best, lower_tier=best == "lower", device=device["name"])
    if best == "lower":
        return failed(f"expected {expected}, got {summary}", **facts)
    if best == "unknown":
        return warned(f"expected {expected}, got {summary}: these two cannot be ranked, so no tier is blamed", **facts)
    if best == "better":
        return passed(f"expected {expected}, got a faster {summary}", **facts)
    return passed(f"got the expected GPU: {summary}", **facts)


@probe(
    "gpu.memory",
    facts={
        "held": "a GPU already has most of its memory in use",
        "device": "the fullest GPU",
        "used_share": "its used share of memory",
        "processes": "processes NVML reports on it (host PIDs: inside a container they may not exist here)",
    },
)
def gpu_memory(ctx: ProbeContext) -> ProbeResult:
    """Check whether GPU memory is already taken before the user's work starts.

    NVML reports the PIDs of the processes holding memory as the host sees them; inside a
    container (Colab, Docker) those numbers usually name no process here, or another one.
    """
    visible = visible_devices(ctx, nvml_snapshot(ctx))
    devices = [d for d in visible if d.get("memory_used_share") is not None]
    if not devices:
        return skipped("no GPU memory information for the GPUs CUDA programs see", held=False)
    fullest = max(devices, key=lambda d: d["memory_used_share"])
    procs = fullest.get("processes") or []
    facts = {
        "held": fullest["memory_used_share"] > MEMORY_HELD_SHARE,
        "device": fullest["name"],
        "index": fullest["index"],
        "used_mib": fullest["memory_used_mib"],
        "total_mib": fullest["memory_total_mib"],
        "used_share": fullest["memory_used_share"],
        "processes": procs,
        "pids": [p["pid"] for p in procs],
    }
    used, total = fullest["memory_used_mib"], fullest["memory_total_mib"]
    usage = f"[{fullest['index']}] {fullest['name']}: {used} of {total} MiB used"
    if not facts["held"]:
        return passed(usage, **facts)
    if procs:
        outside = [p["pid"] for p in procs if not p["pid_in_this_namespace"]]
        note = (
            f"; PIDs {outside} are not in this container's process namespace (NVML reports host PIDs)"
            if outside
            else "; NVML reports host PIDs, so inside a container these may name other processes"
        )
        who = f" by PID(s) {facts['pids']}{note}"
    else:
        who = " (NVML lists no process: another container or a process it cannot see holds it)"
    return failed(f"{usage}{who}", **facts)
