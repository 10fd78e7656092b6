"""Real target venvs built from the package registry, cached outside the repo.

Users diagnose their own Python, so these tests build one per huggingface_hub line the tool
supports (0.20.x, 0.36.x, 1.x, 2.x) and a transformers 4.x stack. A venv is built once into
`$TROUBLESHOOTER_TEST_VENVS` (default `~/.cache/troubleshooter-test-venvs/<key>`), under a lock,
in a temporary folder renamed into place when complete, so CI runs after the first are fast.
A machine without the registry skips these tests with the reason.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("TROUBLESHOOTER_TEST_VENVS") or Path.home() / ".cache" / "troubleshooter-test-venvs")


def target_venv(*packages: str, then_install: tuple[str, ...] = ()) -> Path:
    """A venv with `packages` installed, then `then_install` over them (as a later upgrade lands:
    pip warns about requirements it breaks but installs); its folder."""
    spec = f"{sys.version_info[:2]}|{'|'.join(sorted(packages))}|then|{'|'.join(then_install)}"
    key = hashlib.sha256(spec.encode()).hexdigest()[:16]
    final = CACHE / key
    if (final / "ready").exists():
        return final
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "ready").exists():
            return final
        building = CACHE / f"{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, capture_output=True)
        for step, why in (
            (packages, f"build a target venv with {packages}"),
            (then_install, f"install {then_install}"),
        ):
            if step:
                _pip_install(building, step, why)
        shutil.rmtree(final, ignore_errors=True)
        # Only `bin/python -m ...` is used, which finds its venv by pyvenv.cfg: moving the folder keeps it whole
        building.rename(final)
        (final / "ready").write_text("\n".join([*packages, *then_install]))
    return final


def _pip_install(venv: Path, packages: tuple[str, ...], why: str) -> None:
    """`pip install packages` in `venv`; a registry that cannot serve them skips the test, with pip's words."""
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        pytest.skip(f"cannot {why}: {done.stderr.strip()[-300:]}")


def python_of(venv: Path) -> str:
    return str(venv / "bin" / "python")
