"""Stand-in for torch: its version, its CUDA build and what the CUDA runtime would see.

`FAKE_TORCH` names a JSON file:

    {"version": "2.5.1+cu124",
     "cuda": "12.4",                 # "" or null: a CPU-only build (torch.version.cuda is None)
     "devices": ["NVIDIA A100-SXM4-40GB"],   # or dicts: {"name", "memory_total_mib",
                                             #            "compute_capability": [8, 0]}
     "available": true,              # false: CUDA fails to initialise (driver too old, ...)
     "init_warning": "CUDA initialization: ...",  # warned by is_available() when it fails
     "arch_list": ["sm_50", "sm_90"],  # get_arch_list(); default sm_50 ... sm_90 (cu12x before 2.7)
     "capabilities": [[12, 0]]}        # per physical GPU; default: the device's, else FAKE_NVML's, else 8.0

As in torch, the first call that asks about a device warns "<name> with CUDA capability sm_XY is
not compatible with the current PyTorch installation." when no `sm_` of the same major version
is in the arch list; is_available() stays true.

Without `FAKE_TORCH` the import fails as if torch were not installed, so a test opts in.
"""

import json as _json
import os as _os
from typing import Any as _Any

if not _os.environ.get("FAKE_TORCH"):
    raise ImportError("No module named 'torch' (fake torch: FAKE_TORCH is not set)")

with open(_os.environ["FAKE_TORCH"], encoding="utf-8") as _f:
    _config: dict[str, _Any] = _json.load(_f)

__version__: str = str(_config.get("version", "2.5.1+cu124"))

from . import cuda, version  # both read _config, so they come last

__all__ = ["__version__", "cuda", "version"]
