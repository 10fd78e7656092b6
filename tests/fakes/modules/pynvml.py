"""Stand-in for nvidia-ml-py 13's `pynvml` (put `tests/fakes/modules` first on sys.path).

Lets tests describe a GPU machine without one. `FAKE_NVML` names a JSON file, read at init:

    {"init_error": null,                  # or an NVML error code raised by nvmlInit: 9, 12, 18...
     "driver_version": "535.104.05", "cuda_driver_version": 12020,
     "devices": [{"name": "Tesla T4", "memory_total_mib": 15360, "memory_used_mib": 0,
                  "compute_capability": [7, 5], "uuid": "GPU-...", "utilization": 0,
                  "processes": [{"pid": 4242, "used_memory_mib": 1024}]}]}

Without `FAKE_NVML`, `nvmlInit()` raises `NVMLError_LibraryNotFound`, like a machine with no
NVIDIA driver. As in nvidia-ml-py: `NVMLError(code)` returns the `NVMLError_*` subclass for
the code, strings come back as `str`, memory is in bytes (`.total/.free/.used`), init is
reference counted, and calls before init raise `NVMLError_Uninitialized`. Other `nvml*`
functions exist but raise `NVMLError_NotSupported`, as many do on real GPUs.
"""

from __future__ import annotations

import json
import os
import string
import sys
from collections.abc import Callable
from typing import Any, ClassVar

NVML_SUCCESS = 0
NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_INVALID_ARGUMENT = 2
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_ALREADY_INITIALIZED = 5
NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_INSUFFICIENT_SIZE = 7
NVML_ERROR_INSUFFICIENT_POWER = 8
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_TIMEOUT = 10
NVML_ERROR_IRQ_ISSUE = 11
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_CORRUPTED_INFOROM = 14
NVML_ERROR_GPU_IS_LOST = 15
NVML_ERROR_RESET_REQUIRED = 16
NVML_ERROR_OPERATING_SYSTEM = 17
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_ERROR_IN_USE = 19
NVML_ERROR_MEMORY = 20
NVML_ERROR_NO_DATA = 21
NVML_ERROR_VGPU_ECC_NOT_SUPPORTED = 22
NVML_ERROR_INSUFFICIENT_RESOURCES = 23
NVML_ERROR_FREQ_NOT_SUPPORTED = 24
NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25
NVML_ERROR_DEPRECATED = 26
NVML_ERROR_NOT_READY = 27
NVML_ERROR_GPU_NOT_FOUND = 28
NVML_ERROR_INVALID_STATE = 29
NVML_ERROR_RESET_TYPE_NOT_SUPPORTED = 30
NVML_ERROR_UNKNOWN = 999

NVML_INIT_FLAG_NO_GPUS = 1
NVML_INIT_FLAG_NO_ATTACH = 2
NVML_VALUE_NOT_AVAILABLE_uint = 0xFFFFFFFF  # MIG instance ids of a process outside MIG
_MIB = 1 << 20


class NVMLError(Exception):
    """Base NVML error; `NVMLError(code)` builds the matching subclass (see `_make_subclasses`)."""

    _valClassMapping: ClassVar[dict[int, type[NVMLError]]] = {}
    _errcode_to_string: ClassVar[dict[int, str]] = {
        NVML_ERROR_UNINITIALIZED: "Uninitialized",
        NVML_ERROR_INVALID_ARGUMENT: "Invalid Argument",
        NVML_ERROR_NOT_SUPPORTED: "Not Supported",
        NVML_ERROR_NO_PERMISSION: "Insufficient Permissions",
        NVML_ERROR_ALREADY_INITIALIZED: "Already Initialized",
        NVML_ERROR_NOT_FOUND: "Not Found",
        NVML_ERROR_INSUFFICIENT_SIZE: "Insufficient Size",
        NVML_ERROR_INSUFFICIENT_POWER: "Insufficient External Power",
        NVML_ERROR_DRIVER_NOT_LOADED: "Driver Not Loaded",
        NVML_ERROR_TIMEOUT: "Timeout",
        NVML_ERROR_IRQ_ISSUE: "Interrupt Request Issue",
        NVML_ERROR_LIBRARY_NOT_FOUND: "NVML Shared Library Not Found",
        NVML_ERROR_FUNCTION_NOT_FOUND: "Function Not Found",
        NVML_ERROR_CORRUPTED_INFOROM: "Corrupted infoROM",
        NVML_ERROR_GPU_IS_LOST: "GPU is lost",
        NVML_ERROR_RESET_REQUIRED: "GPU requires restart",
        NVML_ERROR_OPERATING_SYSTEM: "The operating system has blocked the request.",
        NVML_ERROR_LIB_RM_VERSION_MISMATCH: "RM has detected an NVML/RM version mismatch.",
        NVML_ERROR_MEMORY: "Insufficient Memory",
        NVML_ERROR_UNKNOWN: "Unknown Error",
    }
    value: int

    def __new__(cls, value: int) -> NVMLError:
        target = NVMLError._valClassMapping.get(value, cls) if cls is NVMLError else cls
        obj = Exception.__new__(target)
        obj.value = value
        return obj

    def __str__(self) -> str:
        return NVMLError._errcode_to_string.get(self.value, f"NVML Error with code {self.value}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NVMLError) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]  # as in nvidia-ml-py: __eq__ without __hash__


def _make_subclasses() -> None:
    """NVML_ERROR_LIBRARY_NOT_FOUND -> NVMLError_LibraryNotFound, etc., as nvidia-ml-py does."""
    module = sys.modules[__name__]
    for const in [name for name in dir(module) if name.startswith("NVML_ERROR_")]:
        words = string.capwords(const.removeprefix("NVML_ERROR_"), "_").replace("_", "")
        code = getattr(module, const)

        def new(cls: type[NVMLError], *args: object, _code: int = code) -> NVMLError:
            return NVMLError.__new__(cls, _code)

        subclass = type(f"NVMLError_{words}", (NVMLError,), {"__new__": new})
        subclass.__module__ = __name__
        setattr(module, subclass.__name__, subclass)
        NVMLError._valClassMapping[code] = subclass


_make_subclasses()


def nvmlExceptionClass(nvmlErrorCode: int) -> type[NVMLError]:
    if nvmlErrorCode not in NVMLError._valClassMapping:
        raise ValueError(f"nvmlErrorCode {nvmlErrorCode} is not valid")
    return NVMLError._valClassMapping[nvmlErrorCode]


def nvmlErrorString(result: int) -> str:
    return NVMLError._errcode_to_string.get(result, "Unknown Error")


class nvmlFriendlyObject:
    """Attribute bag, like the real module's view of C structs."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)

    def __str__(self) -> str:
        return str(self.__dict__)


class c_nvmlMemory_t(nvmlFriendlyObject):
    """Memory info in bytes: `.total`, `.free`, `.used`."""


class c_nvmlUtilization_t(nvmlFriendlyObject):
    """Utilization in percent: `.gpu`, `.memory`."""


class c_nvmlDevice_t:
    """Opaque device handle."""

    def __init__(self, index: int) -> None:
        self.index = index


class _State:
    config: ClassVar[dict[str, Any] | None] = None
    refcount: ClassVar[int] = 0


def _system() -> dict[str, Any]:
    if _State.config is None:
        raise NVMLError(NVML_ERROR_UNINITIALIZED)
    return _State.config


def _device(handle: c_nvmlDevice_t) -> dict[str, Any]:
    devices: list[dict[str, Any]] = _system()["devices"]
    if not isinstance(handle, c_nvmlDevice_t) or not 0 <= handle.index < len(devices):
        raise NVMLError(NVML_ERROR_INVALID_ARGUMENT)
    return devices[handle.index]


def nvmlInitWithFlags(flags: int) -> None:
    path = os.environ.get("FAKE_NVML")
    if not path:
        raise NVMLError(NVML_ERROR_LIBRARY_NOT_FOUND)
    with open(path, encoding="utf-8") as f:
        config: dict[str, Any] = json.load(f)
    if config.get("init_error"):
        raise NVMLError(int(config["init_error"]))
    config.setdefault("devices", [])
    _State.config = config
    _State.refcount += 1


def nvmlInit() -> None:
    nvmlInitWithFlags(0)


def nvmlShutdown() -> None:
    _system()
    _State.refcount -= 1
    if _State.refcount <= 0:
        _State.config, _State.refcount = None, 0


def nvmlSystemGetDriverVersion() -> str:
    return str(_system().get("driver_version", "535.104.05"))


def nvmlSystemGetNVMLVersion() -> str:
    return "12." + nvmlSystemGetDriverVersion()


def nvmlSystemGetCudaDriverVersion() -> int:
    return int(_system().get("cuda_driver_version", 12020))


def nvmlSystemGetCudaDriverVersion_v2() -> int:
    return nvmlSystemGetCudaDriverVersion()


def nvmlDeviceGetCount() -> int:
    return len(_system()["devices"])


def nvmlDeviceGetHandleByIndex(index: int) -> c_nvmlDevice_t:
    handle = c_nvmlDevice_t(index)
    _device(handle)
    return handle


def nvmlDeviceGetName(handle: c_nvmlDevice_t) -> str:
    return str(_device(handle).get("name", "NVIDIA A100-SXM4-40GB"))


def nvmlDeviceGetUUID(handle: c_nvmlDevice_t) -> str:
    default = f"GPU-00000000-0000-0000-0000-{handle.index:012d}"
    return str(_device(handle).get("uuid", default))


def nvmlDeviceGetMemoryInfo(handle: c_nvmlDevice_t, version: int | None = None) -> c_nvmlMemory_t:
    device = _device(handle)
    total = int(device.get("memory_total_mib", 40960) * _MIB)
    used = int(device.get("memory_used_mib", 0) * _MIB)
    fields: dict[str, Any] = {"total": total, "free": total - used, "used": used}
    if version:
        fields.update(version=version, reserved=0)
    return c_nvmlMemory_t(fields)


def nvmlDeviceGetCudaComputeCapability(handle: c_nvmlDevice_t) -> tuple[int, int]:
    major, minor = _device(handle).get("compute_capability", [8, 0])
    return int(major), int(minor)


def nvmlDeviceGetUtilizationRates(handle: c_nvmlDevice_t) -> c_nvmlUtilization_t:
    percent = int(_device(handle).get("utilization", 0))
    return c_nvmlUtilization_t({"gpu": percent, "memory": percent})


def nvmlDeviceGetComputeRunningProcesses(handle: c_nvmlDevice_t) -> list[nvmlFriendlyObject]:
    return [
        nvmlFriendlyObject(
            {
                "pid": int(p["pid"]),
                "usedGpuMemory": int(p.get("used_memory_mib", 0) * _MIB),
                "gpuInstanceId": NVML_VALUE_NOT_AVAILABLE_uint,
                "computeInstanceId": NVML_VALUE_NOT_AVAILABLE_uint,
            }
        )
        for p in _device(handle).get("processes", [])
    ]


nvmlDeviceGetComputeRunningProcesses_v2 = nvmlDeviceGetComputeRunningProcesses
nvmlDeviceGetComputeRunningProcesses_v3 = nvmlDeviceGetComputeRunningProcesses


def __getattr__(name: str) -> Callable[..., Any]:
    """Any other `nvml*` function exists but is not supported on this fake GPU."""
    if not name.startswith("nvml"):
        raise AttributeError(f"module 'pynvml' has no attribute {name!r}")

    def not_supported(*args: object, **kwargs: object) -> Any:
        _system()
        raise NVMLError(NVML_ERROR_NOT_SUPPORTED)

    not_supported.__name__ = name
    return not_supported
