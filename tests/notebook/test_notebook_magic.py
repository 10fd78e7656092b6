"""`%load_ext troubleshooter` and `%troubleshoot ...`, with a stand-in IPython shell.

IPython is not a dependency (it is not light), so a tiny shell object with IPython's
`register_magic_function(func, magic_kind, magic_name)` signature records the magic, and the
test calls it the way IPython would: with the rest of the line as one string.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import base_env
from tests.fakes.hubserver import FakeHub
from tests.notebook.kernelsim import run_cells
from troubleshooter.errors import UsageError
from troubleshooter.notebook import parse_magic_line

FAKE_SHELL = """
class FakeShell:
    def __init__(self):
        self.magics = {}
    def register_magic_function(self, func, magic_kind="line", magic_name=None):
        self.magics[(magic_kind, magic_name or func.__name__)] = func
shell = FakeShell()
"""


def test_magic_line_parses_answers_and_options() -> None:
    playbook, kwargs = parse_magic_line(
        "fetching-stuck repo=Qwen/Qwen2.5-0.5B 'repo_type=dataset' --timeout 3 --lang=zh"
    )
    assert playbook == "fetching-stuck"
    assert kwargs == {"repo": "Qwen/Qwen2.5-0.5B", "repo_type": "dataset", "timeout": 3.0, "lang": "zh"}


@pytest.mark.parametrize(
    "line",
    [
        "",
        "repo=x",
        "fetching-stuck other",
        "fetching-stuck --timeout",
        "fetching-stuck --timeout soon",
        "fetching-stuck --verbose 1",
        "fetching-stuck timeout=3",
        "fetching-stuck 'unclosed",
    ],
)
def test_bad_magic_lines_are_usage_errors(line: str) -> None:
    with pytest.raises(UsageError):
        parse_magic_line(line)


def test_load_ext_registers_a_magic_that_returns_the_report(home: Path, tmp_path: Path) -> None:
    with FakeHub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        run = run_cells(
            [
                FAKE_SHELL + "import troubleshooter\ntroubleshooter.load_ipython_extension(shell)\n"
                "emit('magics', [list(k) for k in shell.magics])",
                "import os, huggingface_hub.constants\nos.environ['HF_HOME'] = '/elsewhere'",
                "magic = shell.magics[('line', 'troubleshoot')]\n"
                "report = magic('fetching-stuck --timeout 2 --lang zh')\n"
                "emit('cause', report.cause)\nemit('lang', report.data['lang'])\n"
                "emit('timeout', report.data['timeout_s'])\nemit('html', report._repr_html_())\n"
                "emit('bad', repr(magic('no-such-playbook')))",
            ],
            env,
        )
    assert run["magics"] == [["line", "troubleshoot"]]
    assert run["cause"] == "env-set-after-import"
    assert run["lang"] == "zh" and run["timeout"] == 2.0
    assert "troubleshooter-report" in run["html"]
    assert run["bad"] == "None"
    assert "unknown playbook 'no-such-playbook'" in run.stderr


def test_import_troubleshooter_stays_light() -> None:
    """The notebook API is resolved lazily: importing the package loads no report or SDK code."""
    import subprocess
    import sys

    heavy = "('troubleshooter.', 'huggingface_hub', 'rich', 'jinja2')"
    code = f"import sys, troubleshooter\nprint(sorted(m for m in sys.modules if m.startswith({heavy})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"
