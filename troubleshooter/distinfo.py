"""The one way the tool reads which version of a distribution is installed.

Reading the distribution's metadata imports nothing, so asking about huggingface_hub or torch
costs no start-up time and cannot run their import-time side effects. Reports, probes and fixes
all ask here, so "installed" means the same thing everywhere.
"""

from __future__ import annotations

from importlib import metadata


def installed_version(dist: str) -> str | None:
    """The installed version of `dist` (a distribution name such as `nvidia-ml-py`), or None."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
