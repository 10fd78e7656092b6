"""The headless face: `troubleshooter --playbook ID --json` and friends.

stdout carries data only (one JSON object with --json); people read stderr. This is the only
module that turns outcomes and exceptions into exit codes. It never imports Textual unless
the TUI is actually opened.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from troubleshooter._version import __version__
from troubleshooter.cliinput import (
    ArgumentParser,
    check_answers,
    injected_results,
    parse_answers,
    read_json_file,
    replay_inputs,
    timeout_seconds,
)
from troubleshooter.errors import PlaybookErrors, TroubleshooterError, UsageError
from troubleshooter.exit_codes import ExitCode
from troubleshooter.i18n import normalize_lang, pick
from troubleshooter.model.playbook import Verdict
from troubleshooter.output import configure_streams, emit, error_document, json_document
from troubleshooter.redact import register_env, scrub

SUBCOMMANDS = {
    "lint": "troubleshooter.commands.lint",
    "docs": "troubleshooter.docsite.cli",
    "undo": "troubleshooter.remediation.undo",
    "schema": "troubleshooter.commands.schema",
    "new": "troubleshooter.commands.new",
    "test": "troubleshooter.commands.test",
}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="troubleshooter",
        description="Walk a troubleshooting playbook with live probes and name the cause.",
        epilog="Subcommands: lint [PATH...], test [PLAYBOOK...], new ID CAUSE..., schema, docs build --out DIR, "
        "docs check DIR, undo REPORT.json. "
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
    parser.add_argument(
        "--timeout", type=timeout_seconds, default=5.0, metavar="SECONDS", help="deadline per probe (default 5)"
    )
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
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(scrub(text).rstrip("\n") + "\n")
        sys.stderr.flush()


def load_catalog(dirs: Sequence[str]) -> dict[str, Any]:
    from troubleshooter.catalog import discover

    return discover([Path(d) for d in dirs], on_error=lambda exc: _err(exc.render()))


def run_walk(args: argparse.Namespace, lang: str) -> int:
    from troubleshooter.catalog import find_playbook
    from troubleshooter.engine.runner import ABANDONED
    from troubleshooter.lint import unknown_probes
    from troubleshooter.report.document import write_report
    from troubleshooter.service import DiagnoseOptions, diagnose

    given = parse_answers(args.answer)
    answers = dict(given)
    injected: dict[str, Any] = {}
    recorded_target: dict[str, Any] | None = None
    if args.replay:
        replay_data = read_json_file(args.replay, "--replay")
        injected = injected_results(replay_data, args.replay, "--replay")
        recorded_playbook, recorded = replay_inputs(replay_data, args.replay)
        if not args.playbook:
            args.playbook = recorded_playbook
        answers = {**recorded, **answers}
        found = replay_data.get("target") if isinstance(replay_data, dict) else None
        recorded_target = found if isinstance(found, dict) else None
    if args.facts:
        injected.update(injected_results(read_json_file(args.facts, "--facts"), args.facts, "--facts"))
    playbook = find_playbook(args.playbook or "", [Path(d) for d in args.playbook_dir])
    if playbook is None:
        known = ", ".join(sorted(load_catalog(args.playbook_dir)))
        raise UsageError(f"unknown playbook {args.playbook!r}; known: {known}", hint="troubleshooter --list")
    missing_probes = unknown_probes(playbook)
    if missing_probes:
        raise PlaybookErrors(missing_probes)
    check_answers(playbook, given)
    if args.apply and (args.replay or args.facts):
        raise UsageError("--apply needs a live walk of this machine, not --replay or --facts; nothing was changed")
    if args.fix and not args.apply:
        raise UsageError("--fix needs --apply safe|unsafe")
    register_env(os.environ)  # a token-like value of HF_TOKEN & co. is scrubbed wherever it shows up
    options = DiagnoseOptions(
        timeout_s=args.timeout,
        lang=lang,
        python=args.python,
        mode="replay" if args.replay else ("injected" if args.facts else "live"),
        injected=injected,
        recorded_target=recorded_target,
        progress=_err if args.verbose else None,
    )
    report = diagnose(playbook, answers, options, apply=(lambda s, c: _apply(s, args, c)) if args.apply else None)
    # The result goes to stdout first: a report file that cannot be written must not lose it.
    emit(json_document(report.data) + "\n" if args.json else report.to_text())
    if args.report:
        try:
            write_report(report, Path(args.report))
            _err(f"report written to {args.report}")
        except UsageError as exc:
            _err(f"error: {exc.render()} (the result is on stdout)")
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
        emit(json_document({"schema_version": 1, "playbooks": items}) + "\n")
        return 0
    lines: list[str] = []
    for pb in sorted(catalog.values(), key=lambda p: p.id):
        lines.append(f"{pb.id}\n  {pick(pb.title, lang)}\n")
        lines.extend(f"    - {pick(symptom, lang)}\n" for symptom in pb.symptoms)
    emit("".join(lines))
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


def _internal_error(exc: BaseException, as_json: bool) -> int:
    text = scrub("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        fd, log_path = tempfile.mkstemp(prefix="troubleshooter-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError:
        log_path = "(could not write a debug log)"
    message = f"{type(exc).__name__}: {scrub(str(exc))}"
    _err(f"internal error: {message}\n  this is a bug; debug log: {log_path}")
    if as_json:
        emit(error_document("internal", f"{message} (debug log: {log_path})"))
    return int(ExitCode.INTERNAL)


def _usage_failure(kind: str, message: str, as_json: bool) -> int:
    """Exit 2, with the contract's one JSON object on stdout when --json was asked for."""
    _err(message if kind == "invalid-playbook" else f"error: {message}")
    if as_json:
        emit(error_document(kind, scrub(message)))
    return int(ExitCode.USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    configure_streams()
    as_json = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
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
        return _usage_failure("invalid-playbook", exc.render(), as_json)
    except TroubleshooterError as exc:
        return _usage_failure("usage", exc.render(), as_json)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return int(ExitCode.HEALTHY)  # the reader went away (`| head`): nothing left to say
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    except Exception as exc:
        return _internal_error(exc, as_json)
