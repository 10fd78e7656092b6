"""torch.cuda as the CUDA runtime would answer, honouring CUDA_VISIBLE_DEVICES."""

import os
import warnings
from types import SimpleNamespace
from typing import Any

from . import _config

_MIB = 1 << 20


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


def get_device_name(device: int = 0) -> str:
    return str(_device(device).get("name", "NVIDIA A100-SXM4-40GB"))


def get_device_capability(device: int = 0) -> tuple[int, int]:
    major, minor = _device(device).get("compute_capability", [8, 0])
    return int(major), int(minor)


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
