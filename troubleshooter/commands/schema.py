"""`troubleshooter schema [playbook|library|fixture] [--write]`: print or refresh the JSON Schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from troubleshooter.exit_codes import ExitCode


def main(argv: Sequence[str]) -> int:
    from troubleshooter.engine.schema import KINDS, render, shipped_path

    parser = argparse.ArgumentParser(
        prog="troubleshooter schema",
        description="Print the JSON Schema of playbook files (for editors: # yaml-language-server: $schema=PATH).",
    )
    parser.add_argument("kind", nargs="?", default="playbook", choices=KINDS)
    parser.add_argument("--write", action="store_true", help="rewrite the copies shipped in the package")
    parser.add_argument("--path", action="store_true", help="print where the shipped copy is")
    args = parser.parse_args(list(argv))
    if args.write:
        for kind in KINDS:
            shipped_path(kind).write_text(render(kind), encoding="utf-8")
        return int(ExitCode.HEALTHY)
    sys.stdout.write(f"{shipped_path(args.kind)}\n" if args.path else render(args.kind))
    return int(ExitCode.HEALTHY)
