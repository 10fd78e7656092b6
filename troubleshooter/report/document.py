"""A finished walk's report as an object, and the one way any face writes it to a file.

The faces (CLI `--report`, the TUI's export, a notebook cell) hold a `Report` and ask it for a
format; choosing the format from a file name lives here so the CLI and the TUI cannot drift.
Renderers are imported where they are used: Jinja2 and Rich cost start-up time that a
`--json` run never needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from troubleshooter.errors import UsageError
from troubleshooter.jsonsafe import dumps
from troubleshooter.output import write_atomic


class Report:
    """A finished walk's report, with the renderings a notebook or script wants."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    @property
    def cause(self) -> str | None:
        diag = self.data.get("diagnosis")
        return diag.get("cause") if diag else None

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.data, indent=indent)  # already redacted as data: serialised once, strictly

    def to_markdown(self) -> str:
        from troubleshooter.report.render import render_markdown

        return render_markdown(self.data)

    def to_html(self) -> str:
        from troubleshooter.report.render import render_html

        return render_html(self.data)

    def to_text(self) -> str:
        from troubleshooter.report.render import render_text

        return render_text(self.data)

    def _repr_html_(self) -> str:
        from troubleshooter.report.render import render_html

        return render_html(self.data, fragment=True)

    def __rich__(self) -> Any:
        """`rich.print(report)` (and rich-aware notebooks) show a panel with verdict, fix and path."""
        from troubleshooter.report.rich_render import rich_renderable

        return rich_renderable(self.data)

    def __repr__(self) -> str:
        return f"<Report {self.data['playbook']}: {self.verdict} {self.cause or ''}>".replace(" >", ">")


def write_report(report: Report, path: Path) -> None:
    """Write `report` to `path` in the format its extension names (.json, .md, .html, .txt)."""
    suffix = path.suffix.lower()
    renderers = {
        ".json": report.to_json,
        ".md": report.to_markdown,
        ".markdown": report.to_markdown,
        ".html": report.to_html,
        ".htm": report.to_html,
        ".txt": report.to_text,
    }
    if suffix not in renderers:
        raise UsageError(f"--report {path}: use a .json, .md or .html file name")
    try:
        write_atomic(path, renderers[suffix]())  # whole or absent: never a 0-byte or partial file
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
