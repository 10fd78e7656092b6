"""`troubleshooter docs build --out DIR` and `troubleshooter docs check DIR`.

`build` renders the site from the shipped playbooks (plus any --playbook-dir), the probe
registry and the cause vocabulary. `check` rebuilds in memory and fails with exit 2 and
`path:line: message` lines on stale pages, broken internal links, unknown probes or causes —
so CI can tell a committed or published site is out of date.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from troubleshooter.errors import PlaybookErrors
from troubleshooter.exit_codes import ExitCode
from troubleshooter.i18n import LANGUAGES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="troubleshooter docs", description="Build or check the docs site.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="render the static site into a directory")
    build.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    check = sub.add_parser("check", help="fail on stale pages, broken links, unknown probes or causes")
    check.add_argument("dir", metavar="DIR", help="a directory written by `docs build`")
    for command in (build, check):
        command.add_argument(
            "--playbook-dir", action="append", default=None, metavar="DIR", help="also document playbooks from DIR"
        )
        command.add_argument("--docs-dir", metavar="DIR", help="hand-written guides (default: the checkout's docs/)")
        command.add_argument("--no-guides", action="store_true", help="leave the hand-written guides out")
    build.add_argument("--lang", action="append", choices=LANGUAGES, help="languages to build (default: all)")
    return parser


def _docs_dir(args: argparse.Namespace, recorded: str | None = None, from_manifest: bool = False) -> Path | None:
    from troubleshooter.docsite.build import default_docs_dir

    if args.no_guides:
        return None
    if args.docs_dir:
        return Path(args.docs_dir)
    if from_manifest:
        return Path(recorded) if recorded else None
    return default_docs_dir()


def _say(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def build(args: argparse.Namespace) -> int:
    from troubleshooter.docsite.build import build_site, write_site

    langs = tuple(dict.fromkeys(args.lang or LANGUAGES))
    site = build_site([Path(d) for d in args.playbook_dir or ()], _docs_dir(args), langs)
    for warning in site.warnings:
        _say(f"warning: {warning}")
    out = Path(args.out)
    removed = write_site(site, out)
    pages = sum(1 for rel in site.files if rel.endswith(".html"))
    _say(f"built {pages} pages into {out}" + (f"; removed {len(removed)} stale file(s)" if removed else ""))
    return int(ExitCode.HEALTHY)


def check(args: argparse.Namespace) -> int:
    from troubleshooter.docsite.build import build_site, read_manifest
    from troubleshooter.docsite.check import check_site

    out = Path(args.dir)
    if not out.is_dir():
        _say(f"error: {out}: no such directory")
        return int(ExitCode.USAGE)
    manifest = read_manifest(out)
    if manifest is None:
        _say(f"{out}/manifest.json:1: not a site written by `troubleshooter docs build` (missing or unreadable)")
        return int(ExitCode.USAGE)
    dirs = args.playbook_dir if args.playbook_dir is not None else manifest.get("playbook_dirs") or []
    langs = tuple(lang for lang in manifest.get("langs") or LANGUAGES if lang in LANGUAGES) or LANGUAGES
    docs_dir = _docs_dir(args, manifest.get("docs_dir"), from_manifest=True)
    site = build_site([Path(d) for d in dirs], docs_dir, langs)
    from troubleshooter.causes import vocabulary
    from troubleshooter.probes import registry

    problems = check_site(out, site, registry(), vocabulary(), manifest.get("files") or {})
    for problem in problems:
        _say(problem.render())
    if problems:
        _say(f"{len(problems)} problem(s); rebuild with: troubleshooter docs build --out {out}")
        return int(ExitCode.USAGE)
    pages = sum(1 for rel in site.files if rel.endswith(".html"))
    _say(f"{out}: {pages} pages current, links whole")
    return int(ExitCode.HEALTHY)


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        return build(args) if args.command == "build" else check(args)
    except PlaybookErrors as exc:
        _say(exc.render())
        return int(ExitCode.USAGE)
    except OSError as exc:
        _say(f"error: {exc.filename or ''}: {exc.strerror}")
        return int(ExitCode.USAGE)
