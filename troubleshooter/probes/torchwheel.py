"""Which PyTorch CUDA wheel index fits this driver and these GPUs.

A torch wheel runs only if its CUDA version is not newer than what the driver supports, and
only on GPUs whose architecture it was built for: Blackwell (compute capability 10.x and 12.x)
needs the CUDA 12.8 builds or newer, while the CUDA 12.8+ builds dropped Maxwell, Pascal and
Volta (below 7.5). Forcing one fixed index (cu121) downgrades torch and misses new GPUs; this
picks the newest index both facts allow, and torch, torchvision and torchaudio move together.
"""

from __future__ import annotations

from typing import Any

# (CUDA version of the wheel index, its name), newest first.
INDEXES = (
    (13, 0, "cu130"),
    (12, 9, "cu129"),
    (12, 8, "cu128"),
    (12, 6, "cu126"),
    (12, 4, "cu124"),
    (12, 1, "cu121"),
    (11, 8, "cu118"),
)
BLACKWELL_MIN = (12, 8)
OLD_GPU_MAX = (12, 6)  # builds after this dropped compute capability below 7.5
INDEX_URL = "https://download.pytorch.org/whl/"


def _cuda(version: Any) -> tuple[int, int] | None:
    try:
        parts = [int(p) for p in str(version).split(".")[:2]]
    except (TypeError, ValueError):
        return None
    return (parts[0], parts[1] if len(parts) > 1 else 0) if parts else None


def choose_index(driver_cuda: Any, capabilities: list[tuple[int, int]]) -> dict[str, Any]:
    """{index, index_url, reason} or {index: None, reason} when no wheel fits (update the driver)."""
    driver = _cuda(driver_cuda)
    if driver is None:
        return {"index": None, "reason": "the driver's CUDA version is unknown"}
    newest = driver
    floor: tuple[int, int] | None = None
    notes = [f"driver supports CUDA {driver[0]}.{driver[1]}"]
    if any(major in (10, 12) for major, _ in capabilities):
        floor = BLACKWELL_MIN
        notes.append("a Blackwell GPU needs CUDA 12.8 builds or newer")
    if any((major, minor) < (7, 5) for major, minor in capabilities):
        newest = min(newest, OLD_GPU_MAX)
        notes.append("a GPU older than compute capability 7.5 needs CUDA 12.6 builds or older")
    for major, minor, name in INDEXES:
        if (major, minor) <= newest and (floor is None or (major, minor) >= floor):
            return {"index": name, "index_url": INDEX_URL + name, "reason": "; ".join(notes)}
    return {"index": None, "reason": "; ".join(notes) + ": no wheel fits, update the NVIDIA driver"}
