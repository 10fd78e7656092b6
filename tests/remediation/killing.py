"""Run the real CLI in this process with a crash point injected: `python -m tests.remediation.killing STEP ARGS...`.

The shipped code reads no test variable; this launcher adds a hook to `fileops.CRASH_HOOKS`
that SIGKILLs the process when the named step is reached, then runs `troubleshooter.cli.main`
with the remaining arguments, so the crash-safety claims are tested against a real abrupt death.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

from troubleshooter.remediation import fileops


def killer(step: str) -> Callable[[str], None]:
    """A crash hook: SIGKILL this process at `step` ("sleep:<step>" sleeps there instead, for
    tests that interrupt or time out a run at a known point)."""

    def hook(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)
        if step == f"sleep:{reached}":
            time.sleep(30)

    return hook


def main(argv: list[str]) -> int:
    fileops.CRASH_HOOKS.append(killer(argv[0]))
    from troubleshooter.cli import main as cli_main

    return cli_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
