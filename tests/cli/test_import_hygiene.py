"""The headless path never imports Textual; --list and lint do not even import huggingface_hub.

Two kinds of check: whole commands run in a subprocess (what a user's run loads), and every core
module imported on its own in a fresh interpreter (as harlequin does), so a module-level import
of Textual or an SDK anywhere in the core fails here even if no command reaches it yet. The
import contracts in pyproject.toml (`lint-imports`) check the same rule statically.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, base_env

PACKAGE = REPO_ROOT / "troubleshooter"
FACES_WITH_TEXTUAL = ("troubleshooter.tui",)  # the only face allowed to load Textual
NEVER_AT_IMPORT = ("textual", "huggingface_hub", "pynvml")  # loaded only when a probe or the TUI needs them


def _core_modules() -> list[str]:
    """Every module of the package except the TUI and `__main__` (importing it runs the CLI)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name.endswith("__main__") or name.startswith(FACES_WITH_TEXTUAL):
            continue
        names.append(name)
    return names


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


@pytest.mark.parametrize("module", _core_modules())
def test_importing_a_core_module_loads_no_textual_or_sdk(module: str, home: Path) -> None:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {NEVER_AT_IMPORT!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=base_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [], f"importing {module} loaded them"


def test_the_module_list_covers_the_core() -> None:
    modules = _core_modules()
    for expected in ("troubleshooter.cli", "troubleshooter.engine.walker", "troubleshooter.report.build"):
        assert expected in modules
    assert not [m for m in modules if m.startswith("troubleshooter.tui")]
