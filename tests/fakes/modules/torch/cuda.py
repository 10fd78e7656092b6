"""torch.cuda as the CUDA runtime would answer, honouring CUDA_VISIBLE_DEVICES."""

import json
import os
import warnings
from types import SimpleNamespace
from typing import Any

from . import _config

_MIB = 1 << 20
# The cu12x wheels before torch 2.7 (no Blackwell): what get_arch_list() returns by default.
DEFAULT_ARCH_LIST = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]
_warned: set[int] = set()


def _devices() -> list[dict[str, Any]]:
    return [{"name": d} if isinstance(d, str) else dict(d) for d in _config.get("devices", [])]


def _initialises() -> bool:
    return bool(_config.get("cuda", "12.4")) and bool(_config.get("available", True))


def _visible() -> list[int]:
    """Physical indices left by CUDA_VISIBLE_DEVICES; like CUDA, parsing stops at a bad entry."""
    physical = len(_devices())
    spec = os.environ.get("CUDA_VISIBLE_DEVICES")
    if spec is None:
        return list(range(physical))
    indices: list[int] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item.isdigit() or int(item) >= physical or int(item) in indices:
            break
        indices.append(int(item))
    return indices


def device_count() -> int:
    return len(_visible()) if _initialises() else 0


def is_available() -> bool:
    if not _initialises() and _config.get("init_warning"):
        warnings.warn(str(_config["init_warning"]), UserWarning, stacklevel=2)
    return device_count() > 0


def _device(device: int = 0) -> dict[str, Any]:
    indices = _visible() if _initialises() else []
    if not isinstance(device, int) or not 0 <= device < len(indices):
        raise RuntimeError("CUDA error: invalid device ordinal")
    return _devices()[indices[device]]


def get_arch_list() -> list[str]:
    """The architectures the wheel has kernels for; empty when CUDA is unavailable, as in torch."""
    if not _initialises():
        return []
    return [str(arch) for arch in _config.get("arch_list", DEFAULT_ARCH_LIST)]


def _nvml_capability(physical: int) -> list[int] | None:
    """The stand-in NVML's compute capability of the same physical GPU (FAKE_NVML), if any."""
    path = os.environ.get("FAKE_NVML")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            devices = json.load(f).get("devices", [])
        found = devices[physical].get("compute_capability")
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return list(found) if found else None


def _capability(device: int) -> tuple[int, int]:
    info = _device(device)
    physical = _visible()[device]
    listed = _config.get("capabilities") or []
    found = (
        (listed[physical] if physical < len(listed) else None)
        or info.get("compute_capability")
        or _nvml_capability(physical)
        or [8, 0]
    )
    return int(found[0]), int(found[1])


def _lazy_init(device: int) -> None:
    """As torch's first use of a device: warn once when no kernel of its major version is built."""
    if device in _warned:
        return
    _warned.add(device)
    major, minor = _capability(device)
    supported = [int(a.split("_")[1]) for a in get_arch_list() if a.startswith("sm_") and a[3:].isdigit()]
    if supported and not any(sm // 10 == major for sm in supported):
        name = str(_device(device).get("name", "NVIDIA A100-SXM4-40GB"))
        warnings.warn(
            f"\n{name} with CUDA capability sm_{major}{minor} is not compatible with the current PyTorch "
            f"installation.\nThe current PyTorch install supports CUDA capabilities {' '.join(get_arch_list())}.\n",
            UserWarning,
            stacklevel=3,
        )


def get_device_name(device: int = 0) -> str:
    _lazy_init(device)
    return str(_device(device).get("name", "NVIDIA A100-SXM4-40GB"))


def get_device_capability(device: int = 0) -> tuple[int, int]:
    _lazy_init(device)
    return _capability(device)


def get_device_properties(device: int = 0) -> SimpleNamespace:
    info = _device(device)
    major, minor = get_device_capability(device)
    total = int(info.get("memory_total_mib", 40960) * _MIB)
    return SimpleNamespace(name=get_device_name(device), total_memory=total, major=major, minor=minor)


def mem_get_info(device: int = 0) -> tuple[int, int]:
    """(free, total) bytes, as torch.cuda.mem_get_info returns them."""
    info = _device(device)
    total = int(info.get("memory_total_mib", 40960) * _MIB)
    return total - int(info.get("memory_used_mib", 0) * _MIB), total


def current_device() -> int:
    _device(0)
    return 0


def is_initialized() -> bool:
    return _initialises()
