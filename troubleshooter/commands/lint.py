"""`troubleshooter lint [PATH...]`: check playbooks; print file:line:col errors, exit 2 on any."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from troubleshooter.exit_codes import ExitCode


def main(argv: Sequence[str]) -> int:
    from troubleshooter.engine.loader import shipped_dir
    from troubleshooter.lint import lint_paths

    parser = argparse.ArgumentParser(prog="troubleshooter lint", description="Check playbooks for errors.")
    parser.add_argument("paths", nargs="*", help="playbook files or directories (default: the shipped playbooks)")
    args = parser.parse_args(list(argv))
    paths = [Path(p) for p in args.paths] or [shipped_dir()]
    good, errors = lint_paths(paths)
    for error in errors:
        sys.stderr.write(error.render() + "\n")
    if errors:
        sys.stderr.write(f"{len(errors)} error(s)\n")
        return int(ExitCode.USAGE)
    sys.stderr.write(f"{len(good)} playbook(s) OK\n")
    return int(ExitCode.HEALTHY)
