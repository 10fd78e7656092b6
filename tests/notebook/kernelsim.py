"""Run notebook cells in a fresh Python process that stands in for a Jupyter / Colab kernel.

Each cell is plain Python run in one namespace, in order, exactly as a kernel would. With
`colab=True`, `get_ipython()` is defined before anything else so huggingface_hub's own
import-time check (`"google.colab" in str(get_ipython())`) decides it runs in Colab. Cells
report back by calling `emit(name, value)`; the values come back as parsed JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.conftest import REPO_ROOT

MARK = "@@kernel-emit@@"

PRELUDE = f'''
import builtins, json, sys

def emit(name, value):
    sys.stdout.write("{MARK}" + json.dumps({{"name": name, "value": value}}, default=str) + "\\n")
    sys.stdout.flush()

class ColabShell:
    """What Colab's get_ipython() prints as: huggingface_hub only looks at this string."""
    def __str__(self):
        return "<google.colab._shell.Shell object at 0x7f00>"
'''


@dataclass
class KernelRun:
    code: int
    emitted: dict[str, Any]
    stdout: str
    stderr: str

    def __getitem__(self, name: str) -> Any:
        assert name in self.emitted, f"cell did not emit {name!r}; rc={self.code}\n{self.stderr[-3000:]}"
        return self.emitted[name]


def run_cells(cells: Sequence[str], env: Mapping[str, str], *, colab: bool = False, timeout: float = 60) -> KernelRun:
    """Run `cells` one after another in one fresh interpreter and collect what they emitted."""
    source = PRELUDE + ("builtins.get_ipython = lambda: ColabShell()\n" if colab else "")
    for number, cell in enumerate(cells, 1):
        source += f"\n# --- cell {number} ---\n{cell}\n"
    proc = subprocess.run(
        [sys.executable, "-c", source],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(REPO_ROOT),
        stdin=subprocess.DEVNULL,
    )
    emitted: dict[str, Any] = {}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            item = json.loads(line[len(MARK) :])
            emitted[item["name"]] = item["value"]
    return KernelRun(proc.returncode, emitted, proc.stdout, proc.stderr)
