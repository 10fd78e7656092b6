"""Installing the tool into a user's environment never moves their huggingface_hub.

transformers 4.x requires huggingface_hub < 1.0; a tool that required 1.x would upgrade it on
`pip install` and break the very stack it came to diagnose. Built for real from the registry.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.target.venvs import python_of, target_venv

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_keeps_huggingface_hub_and_pip_check_clean(tmp_path: Path) -> None:
    cached = target_venv("transformers==4.46.3", "huggingface_hub==0.36.0")
    venv = tmp_path / "user-venv"
    shutil.copytree(cached, venv, symlinks=True)
    python = python_of(venv)
    source = tmp_path / "src"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "site"))
    done = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('huggingface_hub'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "0.36.0"
    check = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
