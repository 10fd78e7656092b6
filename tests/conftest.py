"""Shared fixtures: run the real CLI in a subprocess with a clean, explicit environment.

Every test that walks a playbook end to end runs `python -m troubleshooter` in a child
process, exactly as a user would, so huggingface_hub reads its variables at import as it
does in real life and a stuck probe can never hang the test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FAKE_MODULES = REPO_ROOT / "tests" / "fakes" / "modules"
CANARY = "hf_CanaryTokenDoNotLeak0123456789abcd"
# The Python a walk diagnoses is the user's (the contract's rule: --python, VIRTUAL_ENV, PATH).
# In the tests that user is this venv, which has the huggingface_hub the fakes are written for.
TARGET_VENV = sys.prefix
os.environ["VIRTUAL_ENV"] = TARGET_VENV


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    @property
    def cause(self) -> str | None:
        diag = self.json.get("diagnosis")
        return diag["cause"] if diag else None


def base_env(home: Path, extra: Mapping[str, str] | None = None, *, fakes: bool = False) -> dict[str, str]:
    """A from-scratch environment: nothing of the developer's HF_* or proxies leaks in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONDONTWRITEBYTECODE": "1",
        "VIRTUAL_ENV": TARGET_VENV,
    }
    if fakes:
        env["PYTHONPATH"] = str(FAKE_MODULES)
    env.update(extra or {})
    return {k: v for k, v in env.items() if v is not None}


def run_cli(args: list[str], env: Mapping[str, str], *, timeout: float = 60, cwd: Path | None = None) -> CliResult:
    import time

    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "troubleshooter", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(cwd or REPO_ROOT),
        stdin=subprocess.DEVNULL,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def fake_hub() -> Iterator[Any]:
    from tests.fakes.hubserver import FakeHub

    hub = FakeHub().start()
    try:
        yield hub
    finally:
        hub.stop()
