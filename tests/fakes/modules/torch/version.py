"""torch.version: the build's version strings (`cuda` is None for a CPU-only build)."""

from . import _config

__version__: str = str(_config.get("version", "2.5.1+cu124"))
cuda: str | None = _config.get("cuda", "12.4") or None
hip: str | None = None
git_version = "0" * 40
