"""The context every probe receives: the user's environment and the walk's shared state.

Injected, never global, so tests can hand a probe a temp HOME, a fake environment or a fake
NVML module, and the TUI and headless runs give probes exactly the same inputs.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProbeContext:
    """What a probe may read. `memo` is shared by the probes of one walk (dead endpoints etc.).

    `secrets` holds values probes need but must never output (a token read from Colab's
    vault); facts are redacted anyway, this just keeps secrets out of facts in the first place.
    """

    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    timeout_s: float = 5.0
    inputs: dict[str, str] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    in_kernel: bool = False
    proc_root: Path = Path("/proc")
    modules: dict[str, Any] = field(default_factory=dict)  # injected stand-ins (e.g. "pynvml")
    target_python: str | None = None  # the user's interpreter to diagnose; None: this process's sys.executable
    started_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def home(self) -> Path:
        return Path(self.env.get("HOME") or os.path.expanduser("~"))

    def time_left(self) -> float:
        """Seconds left before this probe's deadline (the runner sets `started_at`)."""
        if not self.started_at:
            return self.timeout_s
        return max(0.05, self.timeout_s - (self.clock() - self.started_at))

    def for_probe(self) -> ProbeContext:
        """A per-probe copy sharing memo, secrets and lock, with its own start time."""
        return dataclasses.replace(self, started_at=self.clock())

    def renewed(self, env: Mapping[str, str]) -> ProbeContext:
        """A context for a fresh look (after a fix): another environment, nothing remembered."""
        return dataclasses.replace(self, env=env, inputs={}, memo={}, lock=threading.Lock(), started_at=0.0)

    def remember(self, key: str, value: Any) -> None:
        with self.lock:
            self.memo[key] = value

    def recall(self, key: str, default: Any = None) -> Any:
        with self.lock:
            return self.memo.get(key, default)
