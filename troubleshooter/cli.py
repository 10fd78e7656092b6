"""The headless face: `troubleshooter --playbook ID --json` and friends.

stdout carries data only (one JSON object with --json); people read stderr. This is the only
module that turns outcomes and exceptions into exit codes. It never imports Textual unless
the TUI is actually opened.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from troubleshooter._version import __version__
from troubleshooter.errors import PlaybookErrors, TroubleshooterError, UsageError
from troubleshooter.exit_codes import ExitCode
from troubleshooter.i18n import normalize_lang, pick
from troubleshooter.model.playbook import Verdict
from troubleshooter.redact import scrub

SUBCOMMANDS = {
    "lint": "troubleshooter.commands.lint",
    "docs": "troubleshooter.docsite.cli",
    "undo": "troubleshooter.remediation.undo",
    "schema": "troubleshooter.commands.schema",
    "new": "troubleshooter.commands.new",
    "test": "troubleshooter.commands.test",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="troubleshooter",
        description="Walk a troubleshooting playbook with live probes and name the cause.",
        epilog="Subcommands: lint [PATH...], docs build --out DIR, docs check DIR, undo REPORT.json. "
        "Without arguments in a terminal, the TUI opens.",
    )
    parser.add_argument("--playbook", "-p", metavar="ID", help="playbook id (see --list)")
    parser.add_argument("--list", action="store_true", help="list playbooks: id, title, symptoms")
    parser.add_argument("--json", action="store_true", help="print exactly one JSON report on stdout")
    parser.add_argument(
        "--answer",
        "-a",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="supply an input or answer a question (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="deadline per probe (default 5)")
    parser.add_argument(
        "--python", metavar="PATH", help="the Python to diagnose (default: $VIRTUAL_ENV, else python3 on PATH)"
    )
    parser.add_argument("--report", metavar="FILE", help="also write the report (.json, .md or .html by extension)")
    parser.add_argument("--replay", metavar="REPORT.json", help="re-walk with the probe results recorded in a report")
    parser.add_argument("--facts", metavar="FILE", help="inject probe results (JSON: node id or probe name -> result)")
    parser.add_argument("--lang", default=None, help="en or zh (default: from LANG)")
    parser.add_argument(
        "--playbook-dir", action="append", default=[], metavar="DIR", help="also load playbooks from DIR"
    )
    parser.add_argument("--apply", choices=["safe", "unsafe"], help="apply remediations up to this applicability")
    parser.add_argument("--yes", action="store_true", help="consent to applying (needed with --apply unsafe)")
    parser.add_argument("--fix", metavar="REMEDIATION", help="with --apply: this remediation (default: the first one)")
    parser.add_argument("--no-tui", action="store_true", help="never open the TUI; print text instead")
    parser.add_argument("--verbose", "-v", action="store_true", help="progress of each probe on stderr")
    parser.add_argument("--version", action="version", version=f"troubleshooter {__version__}")
    return parser


def _err(text: str) -> None:
    sys.stderr.write(scrub(text).rstrip("\n") + "\n")
    sys.stderr.flush()


def parse_answers(items: Sequence[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--answer needs KEY=VALUE, got {item!r}")
        answers[key.strip()] = value
    return answers


def load_catalog(dirs: Sequence[str]) -> dict[str, Any]:
    from troubleshooter.catalog import discover

    return discover([Path(d) for d in dirs], on_error=lambda exc: _err(exc.render()))


def _injected(path: str) -> dict[str, Any]:
    from troubleshooter.model.result import ProbeResult

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: file not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a JSON file ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("steps"), list):
        items = {
            s["node"]: s
            for s in data["steps"]
            if isinstance(s, dict) and s.get("node") and s.get("kind", "check") == "check"
        }
    elif isinstance(data, dict):
        items = data
    else:
        raise UsageError(f"{path}: expected a JSON object")
    out: dict[str, Any] = {}
    for key, value in items.items():
        if not isinstance(value, dict):
            raise UsageError(f"{path}: entry {key!r} must be an object with status, facts, evidence")
        try:
            out[str(key)] = ProbeResult.from_dict(value)
        except ValueError as exc:
            raise UsageError(f"{path}: entry {key!r}: {exc}") from None
    return out


def run_walk(args: argparse.Namespace, lang: str) -> int:
    from troubleshooter.agent.wiring import live_context, target_report
    from troubleshooter.engine.runner import ABANDONED, RunOptions, walk
    from troubleshooter.probes.context import ProbeContext
    from troubleshooter.report.build import build_report
    from troubleshooter.report.document import Report, write_report

    answers = parse_answers(args.answer)
    injected: dict[str, Any] = {}
    replay_data: dict[str, Any] | None = None
    if args.replay:
        injected = _injected(args.replay)
        replay_data = json.loads(Path(args.replay).read_text(encoding="utf-8"))
        if not args.playbook:
            args.playbook = replay_data.get("playbook")
        answers = {**{k: str(v) for k, v in (replay_data.get("inputs") or {}).items()}, **answers}
    if args.facts:
        injected.update(_injected(args.facts))
    from troubleshooter.catalog import find_playbook

    playbook = find_playbook(args.playbook or "", [Path(d) for d in args.playbook_dir])
    if playbook is None:
        known = ", ".join(sorted(load_catalog(args.playbook_dir)))
        raise UsageError(f"unknown playbook {args.playbook!r}; known: {known}", hint="troubleshooter --list")
    if args.apply and (args.replay or args.facts):
        raise UsageError("--apply needs a live walk of this machine, not --replay or --facts; nothing was changed")
    if args.fix and not args.apply:
        raise UsageError("--fix needs --apply safe|unsafe")
    if args.timeout <= 0 or args.timeout > 600:
        raise UsageError("--timeout must be between 0 and 600 seconds")
    progress = _err if args.verbose else None
    if args.replay:
        ctx = ProbeContext(env=dict(os.environ), timeout_s=args.timeout)
    else:
        ctx = live_context(os.environ, args.timeout, args.python)
    options = RunOptions(timeout_s=args.timeout, injected=injected, replay=bool(args.replay), progress=progress)
    # stdout is data: anything a library prints while probes run (huggingface_hub prints import
    # errors for malformed variables) goes to stderr, never into the JSON stream.
    with contextlib.redirect_stdout(sys.stderr):
        session = walk(playbook, answers, ctx, options)
        applied: dict[str, Any] | None = None
        if args.apply:
            applied, session = _apply(session, args, ctx)
    mode = "replay" if args.replay else ("injected" if args.facts else "live")
    if replay_data is not None:
        target = replay_data.get("target")
    else:
        target = target_report(ctx, [s.to_dict() for s in session.steps])
        if ctx.agent is not None:
            ctx.agent.close()
    report = Report(build_report(session, lang=lang, timeout_s=args.timeout, mode=mode, applied=applied, target=target))
    if args.report:
        write_report(report, Path(args.report))
        _err(f"report written to {args.report}")
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
    else:
        sys.stdout.write(report.to_text())
    sys.stdout.flush()
    code = Verdict.of(report.verdict).exit_code
    if ABANDONED:
        _err(f"note: abandoned probe(s) still blocked: {', '.join(ABANDONED)}")
        sys.stderr.flush()
        os._exit(int(code))  # do not wait for threads stuck in the kernel (hung mounts, dead sockets)
    return int(code)


def _apply(session: Any, args: argparse.Namespace, ctx: Any) -> tuple[dict[str, Any] | None, Any]:
    try:
        from troubleshooter.remediation.headless import apply_from_cli
    except ImportError:
        _err("applying fixes is not available in this version; nothing was changed")
        return None, session
    result: tuple[dict[str, Any] | None, Any] = apply_from_cli(
        session, args.apply, args.yes, ctx, err=_err, only=args.fix
    )
    return result


def list_playbooks(args: argparse.Namespace, lang: str) -> int:
    catalog = load_catalog(args.playbook_dir)
    if args.json:
        items = [
            {
                "id": pb.id,
                "title": pick(pb.title, lang),
                "symptoms": [pick(s, lang) for s in pb.symptoms],
                "inputs": sorted(pb.inputs),
            }
            for pb in catalog.values()
        ]
        sys.stdout.write(json.dumps({"playbooks": items}, ensure_ascii=False, indent=2) + "\n")
        return 0
    for pb in sorted(catalog.values(), key=lambda p: p.id):
        sys.stdout.write(f"{pb.id}\n  {pick(pb.title, lang)}\n")
        for symptom in pb.symptoms:
            sys.stdout.write(f"    - {pick(symptom, lang)}\n")
    return 0


def _is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def _open_tui(args: argparse.Namespace, lang: str) -> int:
    try:
        from troubleshooter.tui.app import run_tui
    except ImportError as exc:
        _err(f"the TUI is not available ({exc}); use --json or --no-tui")
        return int(ExitCode.USAGE)
    code: int = run_tui(
        playbook=args.playbook,
        answers=parse_answers(args.answer),
        timeout_s=args.timeout,
        lang=lang,
        extra_dirs=args.playbook_dir,
        python=args.python,
    )
    return code


def _internal_error(exc: BaseException) -> int:
    text = scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        fd, log_path = tempfile.mkstemp(prefix="troubleshooter-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        log_path = "(could not write a debug log)"
    _err(f"internal error: {type(exc).__name__}: {scrub(str(exc))}\n  this is a bug; debug log: {log_path}")
    return int(ExitCode.INTERNAL)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            import importlib

            try:
                module = importlib.import_module(SUBCOMMANDS[argv[0]])
            except ImportError:
                _err(f"'{argv[0]}' is not available in this version")
                return int(ExitCode.USAGE)
            code: int = module.main(argv[1:])
            return code
        args = build_parser().parse_args(argv)
        lang = normalize_lang(args.lang or os.environ.get("TROUBLESHOOTER_LANG") or os.environ.get("LANG"))
        if args.list:
            return list_playbooks(args, lang)
        wants_tui = not args.json and not args.no_tui and not args.replay and not args.facts and _is_terminal()
        if args.playbook is None and not args.replay:
            if wants_tui:
                return _open_tui(args, lang)
            build_parser().print_usage(sys.stderr)
            _err("choose a playbook with --playbook ID (see --list)")
            return int(ExitCode.USAGE)
        if wants_tui and args.apply is None and not args.report:
            return _open_tui(args, lang)
        return run_walk(args, lang)
    except PlaybookErrors as exc:
        _err(exc.render())
        return int(ExitCode.USAGE)
    except TroubleshooterError as exc:
        _err(f"error: {exc.render()}")
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    except Exception as exc:
        return _internal_error(exc)
