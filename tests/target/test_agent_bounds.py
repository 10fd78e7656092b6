"""A target interpreter that hangs, lacks huggingface_hub or hangs importing it costs one deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import CANARY, base_env, run_cli

DEADLINE = 2.0


def _walk(home: Path, python: str, extra: dict[str, str] | None = None) -> tuple[dict, float]:
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": CANARY, **(extra or {})})
    env.pop("VIRTUAL_ENV", None)
    started = time.monotonic()
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", str(DEADLINE), "--python", python]
    result = run_cli([*args, "--answer", "repo=acme/x"], env)
    assert CANARY not in result.stdout + result.stderr
    return result.json, time.monotonic() - started


def test_interpreter_that_never_starts_costs_one_deadline(home: Path, tmp_path: Path) -> None:
    stuck = tmp_path / "python"
    stuck.write_text("#!/bin/sh\nexec sleep 60\n")
    stuck.chmod(0o755)
    data, seconds = _walk(home, str(stuck))
    assert seconds < DEADLINE * 2 + 3, f"took {seconds:.1f} s"
    assert data["target"]["python"] == str(stuck)
    assert "did not start" in data["target"]["problem"]
    assert data["verdict"] in ("inconclusive", "needs-input")
    unavailable = [s for s in data["steps"] if s["facts"].get("kind") == "target-unavailable"]
    assert unavailable, "later target probes are answered at once, naming why"


def test_hub_import_that_hangs_costs_one_deadline(home: Path, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow" / "huggingface_hub"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("import time\ntime.sleep(60)\n")
    data, seconds = _walk(home, sys.executable, {"PYTHONPATH": str(shadow.parent)})
    assert seconds < DEADLINE * 2 + 4, f"took {seconds:.1f} s"
    hung = [s for s in data["steps"] if s["facts"].get("kind") == "import-hung"]
    assert len(hung) == 1 and hung[0]["status"] == "timeout"
    assert "importing huggingface_hub" in data["target"]["problem"]


def test_python_without_huggingface_hub_gets_a_clear_answer(home: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    data, _ = _walk(home, str(bare / "bin" / "python"))
    assert data["target"]["versions"]["huggingface_hub"] is None
    assert data["verdict"] == "inconclusive"
    assert data["outcome"]["node"] == "hub-not-installed", [s["node"] for s in data["steps"]]
    skew = next(s for s in data["steps"] if s["node"] == "hub-skew")
    assert skew["facts"]["state"] == "no-hub"
