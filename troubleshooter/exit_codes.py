"""Exit codes of the headless contract; only cli.py turns outcomes into these."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status, as promised in the headless contract."""

    HEALTHY = 0
    PROBLEM = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INTERNAL = 4


VERDICT_EXIT = {
    "healthy": ExitCode.HEALTHY,
    "problem": ExitCode.PROBLEM,
    "inconclusive": ExitCode.INCONCLUSIVE,
    "needs-input": ExitCode.INCONCLUSIVE,
}
