"""Exit codes of the headless contract; only cli.py turns outcomes into these.

Which verdict exits with which code is `Verdict.exit_code` (model.playbook), next to the verdicts.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status, as promised in the headless contract."""

    HEALTHY = 0
    PROBLEM = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INTERNAL = 4
