"""Filesystem steps of apply and undo under a deadline, and the way out when one hangs.

An env file or state folder on a frozen mount (a dead NFS server, a stalled Drive FUSE) blocks
`open` or `rename` in the kernel for good, and such a thread cannot be interrupted. So each
step runs in a daemon thread that the caller waits for up to the deadline (the wait itself
stays interruptible by Ctrl-C); past it the thread is abandoned, named in the runner's
`ABANDONED` list, and the CLI exits past it instead of waiting forever.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


class TimedOut(Exception):
    """A step did not return within its deadline (it may still finish in its abandoned thread)."""


def within(func: Callable[[], T], seconds: float, what: str) -> T:
    """`func()` if it returns within `seconds`; else TimedOut (the thread is left behind)."""
    from troubleshooter.engine.runner import ABANDONED
    from troubleshooter.probes.mounts import Timeout, bounded

    try:
        return bounded(func, seconds, what)
    except Timeout:
        ABANDONED.append(what)
        raise TimedOut(f"{what} did not finish within {seconds:g} s (a hung mount?)") from None


def exit_past_abandoned(code: int) -> int:
    """Return `code`, or leave the process at once when a step is still stuck in the kernel."""
    from troubleshooter.engine.runner import ABANDONED

    if ABANDONED:
        sys.stdout.flush()
        sys.stderr.write(f"note: abandoned step(s) still blocked: {', '.join(ABANDONED)}\n")
        sys.stderr.flush()
        os._exit(code)
    return code


def cancellable(func: Callable[[], T], seconds: float, what: str, cancel: threading.Event) -> T:
    """`func()` in a worker thread, waited for up to `seconds`; Ctrl-C or the deadline sets `cancel`.

    The worker checks `cancel` before each change (`ActionContext.will_undo`), so after an
    interrupt it stops at the next step boundary; the wait for it is capped at a second, then
    the interrupt goes on (KeyboardInterrupt is re-raised).
    """
    from troubleshooter.boundedio import start_worker
    from troubleshooter.engine.runner import ABANDONED

    thread, box = start_worker(func, f"apply:{what}")
    try:
        thread.join(max(0.01, seconds))
    except KeyboardInterrupt:
        cancel.set()
        thread.join(1.0)
        if thread.is_alive():
            ABANDONED.append(what)
        raise
    if thread.is_alive():
        cancel.set()
        ABANDONED.append(what)
        raise TimedOut(f"{what} did not finish within {seconds:g} s (a hung mount?)")
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])
