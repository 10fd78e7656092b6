"""The headless path never imports Textual; --list and lint do not even import huggingface_hub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, base_env

SNIPPET = """
import sys, json, io, contextlib
from troubleshooter.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    code = main({args!r})
heavy = ('textual', 'huggingface_hub', 'pynvml', 'torch', 'rich')
print(json.dumps({{"code": code, "modules": sorted(m for m in sys.modules if m.split('.')[0] in heavy)}}))
"""


def _modules(args: list[str], home: Path, extra: dict[str, str] | None = None) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(args=args)],
        env=base_env(home, extra),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
    )
    data: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def test_list_and_lint_import_no_sdk(home: Path) -> None:
    for args in (["--list"], ["lint"]):
        data = _modules(args, home)
        assert data["code"] == 0
        assert data["modules"] == [], data


def test_headless_walk_never_imports_textual(home: Path) -> None:
    data = _modules(
        ["--playbook", "fetching-stuck", "--json", "--timeout", "1"],
        home,
        {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "0"},
    )
    modules = data["modules"]
    assert isinstance(modules, list)
    assert not [m for m in modules if m.split(".")[0] in ("textual", "pynvml", "torch")], modules


def test_applying_a_fix_headless_never_imports_textual(home: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile.sh"
    profile.write_text("export HF_HUB_OFFLINE=1\n")
    data = _modules(
        [
            "--playbook",
            "fetching-stuck",
            "--json",
            "--timeout",
            "1",
            "--apply",
            "safe",
            "--answer",
            f"env_file={profile}",
        ],
        home,
        {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1", "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "st")},
    )
    modules = data["modules"]
    assert isinstance(modules, list)
    assert profile.read_text() == "", "the fix was applied"
    assert not [m for m in modules if m.split(".")[0] in ("textual", "pynvml", "torch")], modules
