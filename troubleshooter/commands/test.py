"""`troubleshooter test [PLAYBOOK...]`: run each playbook's fixtures, report diagnoses and branch coverage.

Exit 0 when every fixture ends where it expects (and, with `--min-coverage`, coverage is high
enough), 1 otherwise, 2 on a usage or file error. PLAYBOOK is an id or a file; none means
every playbook found (shipped plus `--playbook-dir`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from troubleshooter.exit_codes import ExitCode
from troubleshooter.model.playbook import Playbook


def _playbooks(names: list[str], dirs: list[Path]) -> list[Playbook]:
    from troubleshooter.catalog import discover, find_playbook
    from troubleshooter.engine.loader import read_playbook
    from troubleshooter.errors import UsageError

    if not names:
        return [pb for _, pb in sorted(discover(dirs).items())]
    out = []
    for name in names:
        path = Path(name)
        found = read_playbook(path) if path.suffix in (".yaml", ".yml") else find_playbook(name, dirs)
        if found is None:
            raise UsageError(f"no playbook {name!r} (see troubleshooter --list)")
        out.append(found)
    return out


def _describe(pb: Playbook, edge: tuple[str, int]) -> str:
    from troubleshooter.engine.conditions import describe
    from troubleshooter.engine.fixtures import OTHERWISE, target
    from troubleshooter.model.playbook import CheckNode, QuestionNode

    node = pb.nodes[edge[0]]
    assert isinstance(node, CheckNode | QuestionNode)
    when = "otherwise" if edge[1] == OTHERWISE else f"branch {edge[1] + 1}: {describe(node.branches[edge[1]].when)}"
    return f"{edge[0]} -> {target(pb, edge)} ({when})"


def report(pb: Playbook, out: list[str], verbose: bool) -> tuple[bool, float]:
    """Run one playbook's fixtures; append the report lines; (all passed, coverage %)."""
    from troubleshooter.engine.fixtures import coverage, read_fixtures, run_fixture
    from troubleshooter.model.playbook import DiagnosisNode

    fixtures, errors = read_fixtures(pb)
    outcomes = [run_fixture(pb, f) for f in fixtures]
    failed = [o for o in outcomes if not o.ok]
    out.append(f"{pb.id}: {len(outcomes)} fixture(s), {len(outcomes) - len(failed)} passed")
    out.extend(f"  error: {e.render()}" for e in errors)
    for o in outcomes:
        if verbose or not o.ok:
            mark = "ok  " if o.ok else "FAIL"
            got = o.reached or o.verdict
            out.append(f"  {mark} {o.fixture.name}: expected {o.fixture.expect}, reached {got}")
    diagnoses = [n.id for n in pb.nodes.values() if isinstance(n, DiagnosisNode)]
    reached = {o.reached for o in outcomes}
    out.append(f"  diagnoses reached: {sum(d in reached for d in diagnoses)} of {len(diagnoses)}")
    unreached = [d for d in diagnoses if d not in reached]
    if unreached:
        out.append(f"  not reached: {', '.join(unreached)}")
    cov = coverage(pb, outcomes)
    for edge in cov.missing:
        out.append(f"  not covered: {_describe(pb, edge)}")
    out.append(f"  branch coverage: {cov.percent:.1f} % ({cov.covered}/{cov.total})")
    return not failed and not errors, cov.percent


def main(argv: Sequence[str]) -> int:
    from troubleshooter.errors import PlaybookErrors, TroubleshooterError

    parser = argparse.ArgumentParser(prog="troubleshooter test", description="Run playbook fixtures.")
    parser.add_argument("playbooks", nargs="*", metavar="PLAYBOOK", help="playbook ids or files (default: all)")
    parser.add_argument("--playbook-dir", action="append", default=[], metavar="DIR", type=Path)
    parser.add_argument("--min-coverage", type=float, default=0.0, metavar="PERCENT")
    parser.add_argument("--verbose", "-v", action="store_true", help="list passing fixtures too")
    args = parser.parse_args(list(argv))
    try:
        playbooks = _playbooks(args.playbooks, args.playbook_dir)
    except PlaybookErrors as exc:
        sys.stderr.write(exc.render() + "\n")
        return int(ExitCode.USAGE)
    except TroubleshooterError as exc:
        sys.stderr.write(f"error: {exc.render()}\n")
        return int(ExitCode.USAGE)
    lines: list[str] = []
    good = True
    for pb in playbooks:
        passed, percent = report(pb, lines, args.verbose)
        good = good and passed and percent >= args.min_coverage
    sys.stdout.write("\n".join(lines) + "\n")
    return int(ExitCode.HEALTHY if good else ExitCode.PROBLEM)
