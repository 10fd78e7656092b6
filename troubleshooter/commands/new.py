"""`troubleshooter new ID CAUSE...`: scaffold a checklist playbook and one fixture per cause.

The scaffold is a walkable shape, not a finished playbook: one check per cause (its probe left
as `TODO.probe`, which lint reports until it is chosen), each failing into the cause's
diagnosis, whose text comes from the cause library; fixtures cover every branch from the start,
so `troubleshooter test` shows what a change breaks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from troubleshooter.exit_codes import ExitCode


def scaffold(playbook_id: str, causes: list[str]) -> tuple[str, dict[str, str]]:
    """The playbook text and its fixtures (file name -> text)."""
    from troubleshooter.engine.schema import shipped_path

    lines = [
        f"# yaml-language-server: $schema={shipped_path('playbook')}",
        f"id: {playbook_id}",
        'title: {en: "TODO: the symptom, in the words people search for", zh: "TODO"}',
        'summary: {en: "TODO: what the walk checks, in two sentences.", zh: "TODO"}',
        "symptoms:",
        '  - {en: "TODO: an error message or what people see", zh: "TODO"}',
        "tags: []",
        "inputs: {}",
        "checklist:                     # each step goes on to the next unless a branch matches",
    ]
    for index, cause in enumerate(causes):
        lines += [
            f"  - id: check-{cause}",
            f'    title: {{en: "TODO: is it {cause}?", zh: "TODO"}}',
            "    probe: TODO.probe         # troubleshooter docs build lists every probe and its facts",
            "    branches:",
            f"      - {{when: {{status: fail}}, next: {cause}}}",
        ]
        if index == len(causes) - 1:
            lines.append("    otherwise: healthy")
    lines += ["diagnoses:                     # title, explanation, remediations: from the cause library"]
    lines += [f"  {cause}: ~" for cause in causes]
    lines += ['  healthy: {verdict: healthy, title: {en: "No known cause found", zh: "未发现已知原因"}}', ""]
    fixtures = {
        f"{cause}.yaml": f"description: check-{cause} fails\nfacts:\n  check-{cause}: fail\nexpect: {cause}\n"
        for cause in causes
    }
    fixtures["healthy.yaml"] = "description: no check finds anything\nexpect: healthy\n"
    return "\n".join(lines), fixtures


def main(argv: Sequence[str]) -> int:
    from troubleshooter.causes import slugs
    from troubleshooter.engine.shape import ID_RE

    parser = argparse.ArgumentParser(prog="troubleshooter new", description="Scaffold a playbook from causes.")
    parser.add_argument("id", help="the new playbook's id")
    parser.add_argument("causes", nargs="+", metavar="CAUSE", help="cause slugs, in the order to check them")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory to write into (default: here)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(list(argv))
    bad = [name for name in (args.id, *args.causes) if not ID_RE.match(name)]
    if bad or "healthy" in args.causes:
        sys.stderr.write(f"error: ids are lowercase letters, digits, - _ . (and not 'healthy'): {bad}\n")
        return int(ExitCode.USAGE)
    text, fixtures = scaffold(args.id, list(dict.fromkeys(args.causes)))
    target = args.out / f"{args.id}.yaml"
    tests = args.out / "tests" / args.id
    if target.exists() and not args.force:
        sys.stderr.write(f"error: {target} exists (use --force)\n")
        return int(ExitCode.USAGE)
    tests.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    for name, body in fixtures.items():
        (tests / name).write_text(body, encoding="utf-8")
    sys.stdout.write(f"wrote {target} and {len(fixtures)} fixture(s) in {tests}\n")
    missing = [c for c in args.causes if c not in slugs()]
    if missing:
        sys.stdout.write(f"add these causes to the cause library (troubleshooter/causes/): {', '.join(missing)}\n")
    sys.stdout.write("next: choose each probe, then: troubleshooter lint; troubleshooter test FILE\n")
    return int(ExitCode.HEALTHY)
