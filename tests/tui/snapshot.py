"""A tiny SVG snapshot helper (pytest-textual-snapshot pins pytest < 9; we use pytest 9).

`assert_matches_snapshot(app, name)` exports the current screen as SVG, normalises what
changes between runs (Rich's per-render ids), and compares it with
tests/tui/snapshots/NAME.svg. Set TROUBLESHOOTER_UPDATE_SNAPSHOTS=1 to (re)write the files,
then look at them in a browser before committing.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from textual.widgets import Input

SNAPSHOTS = Path(__file__).parent / "snapshots"
_IDS = re.compile(r"terminal-\d+")


def normalise(svg: str) -> str:
    return _IDS.sub("terminal", svg)


def freeze(app: Any) -> None:
    """Stop what blinks so two renders of the same state are identical."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


def assert_matches_snapshot(app: Any, name: str) -> None:
    freeze(app)
    svg = normalise(app.export_screenshot(title="troubleshooter"))
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("TROUBLESHOOTER_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}; run with TROUBLESHOOTER_UPDATE_SNAPSHOTS=1 and review it"
    expected = path.read_text(encoding="utf-8")
    if svg != expected:
        failed = Path(tempfile.gettempdir()) / f"troubleshooter-snapshot-{name}.actual.svg"
        failed.write_text(svg, encoding="utf-8")
        raise AssertionError(
            f"{name} differs from its snapshot; see {failed} (update with TROUBLESHOOTER_UPDATE_SNAPSHOTS=1)"
        )
