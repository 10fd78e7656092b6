"""Which Python a walk diagnoses: the user's interpreter, never the tool's own by accident.

Users install the troubleshooter apart from what they diagnose (pipx, `uv tool`, its own venv),
so the interpreter whose huggingface_hub, transformers and torch matter is theirs. The rule is
the headless contract's: `--python PATH`; else `$VIRTUAL_ENV/bin/python`; else the first
`python3` on `PATH` that is not the tool's own (one in the same `bin/` folder as the tool's
`sys.executable`: comparing resolved symlinks cannot work, every venv's `python` resolves to
its base interpreter); in notebook mode the running kernel itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from troubleshooter.errors import UsageError


@dataclass(frozen=True)
class Target:
    """The interpreter to diagnose and why it was chosen.

    `python` is None when nothing could be found; `in_process` is True when the walk runs inside
    the target itself (a notebook kernel), so probes run here and no agent is started.
    """

    python: str | None
    chosen_by: str  # --python | VIRTUAL_ENV | PATH | notebook-kernel | none
    in_process: bool = False

    def describe(self) -> str:
        if self.python is None:
            return "no Python environment to diagnose was found (pass --python PATH)"
        return f"{self.python} (chosen by {self.chosen_by})"


def _is_runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _own_bin_dir() -> Path:
    return Path(sys.executable).absolute().parent


def from_flag(value: str) -> Target:
    """`--python PATH`: a file, or a venv folder (its `bin/python`); anything else is a usage error."""
    path = Path(os.path.expanduser(value))
    if path.is_dir():
        for name in ("bin/python", "bin/python3", "python.exe", "Scripts/python.exe"):
            if _is_runnable(path / name):
                return Target(str((path / name).absolute()), "--python")
        raise UsageError(f"--python {value}: the folder has no bin/python", hint="name an interpreter or a venv")
    if not _is_runnable(path):
        raise UsageError(f"--python {value}: not an executable file", hint="name an interpreter, e.g. .venv/bin/python")
    return Target(str(path.absolute()), "--python")


def choose(env: Mapping[str, str], flag: str | None = None) -> Target:
    """Apply the contract's rule to `env` (the user's environment) and the `--python` flag."""
    if flag:
        return from_flag(flag)
    venv = env.get("VIRTUAL_ENV")
    if venv:
        for name in ("bin/python", "bin/python3"):
            candidate = Path(venv) / name
            if _is_runnable(candidate):
                return Target(str(candidate.absolute()), "VIRTUAL_ENV")
    own = _own_bin_dir()
    for folder in (env.get("PATH") or "").split(os.pathsep):
        if not folder:
            continue
        candidate = Path(folder) / "python3"
        if not _is_runnable(candidate):
            continue
        if candidate.absolute().parent == own:
            continue  # the tool's own interpreter (pipx/venv): not what the user runs
        return Target(str(candidate.absolute()), "PATH")
    return Target(None, "none")


def kernel() -> Target:
    """Notebook mode: the running kernel is the target, probes run in this process."""
    return Target(sys.executable, "notebook-kernel", in_process=True)
