"""troubleshooter: walk YAML decision trees with live probes to name why an ML workflow is stuck.

The package root stays import-light on purpose: the headless CLI must start fast and must
never import Textual or heavy SDKs until a probe needs them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "diagnose", "load_ipython_extension"]


def __getattr__(name: str) -> Any:
    """Resolve the notebook API and the version lazily so `import troubleshooter` costs nothing.

    The version lives in `_version` so the core can read it without depending on this root,
    which reaches the notebook face.
    """
    if name == "__version__":
        from troubleshooter._version import __version__

        return __version__
    if name == "diagnose":
        from troubleshooter.notebook import diagnose

        return diagnose
    raise AttributeError(name)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext troubleshooter` registers the `%troubleshoot` magic."""
    from troubleshooter.notebook import register_magic

    register_magic(ipython)
