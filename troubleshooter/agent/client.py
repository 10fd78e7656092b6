"""Tool side of the target agent: start it once per walk, ask it, kill it at the deadline.

A socket read or an import that hangs inside the user's interpreter cannot be interrupted
from there, so the agent is a child process: each request waits at most its deadline (plus a
short grace), then the child is killed and the probe is recorded as `timeout`. A child that
dies or never becomes ready is not restarted: every later request of the walk is answered at
once with `unknown`, so a broken interpreter costs one deadline, never the whole walk.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from troubleshooter.agent.server import jsonable
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.redact import scrub
from troubleshooter.target import Target

GRACE_S = 0.75
STDERR_TAIL = 4000

# Runs in the target before anything of the tool: old syntax only, so even a Python too old
# for the probes can say so. It maps the name `troubleshooter` to the tool's package folder
# (and nothing else of the tool's environment) and hands over to agent.server.
BOOT = r"""
import sys, json
if sys.version_info < (3, 10):
    why = "Python %d.%d is too old for the probes (3.10 or newer)" % sys.version_info[:2]
    found = {"python": sys.executable, "python_version": "%d.%d.%d" % sys.version_info[:3], "versions": {}}
    sys.stdout.write(json.dumps({"ready": True, "unsupported": why, "target": found}) + "\n")
    sys.stdout.flush()
    sys.exit(0)
import importlib.util, os
sys.dont_write_bytecode = True
pkg = sys.argv[1]
init = os.path.join(pkg, "__init__.py")
spec = importlib.util.spec_from_file_location("troubleshooter", init, submodule_search_locations=[pkg])
module = importlib.util.module_from_spec(spec)
sys.modules["troubleshooter"] = module
spec.loader.exec_module(module)
from troubleshooter.agent.server import serve
serve()
"""


def _package_dir() -> str:
    return str(Path(__file__).resolve().parent.parent)


class AgentClient:
    """One agent per walk, started on first use; `call` never takes longer than its deadline."""

    def __init__(self, target: Target, env: Mapping[str, str], startup_s: float = 5.0) -> None:
        self.target = target
        self.env = dict(env)
        self.startup_s = startup_s
        self.described: dict[str, Any] | None = None
        self.failure: str | None = None  # why the agent cannot answer (once set, it stays)
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._next_id = 0
        self._lock = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the agent and wait for its ready line, at most `startup_s`. True when usable."""
        if self._proc is not None or self.failure:
            return self.failure is None
        if self.target.python is None:
            self.failure = self.target.describe()
            return False
        env = dict(self.env)
        env.pop("PYTHONSTARTUP", None)  # an interactive hook, not part of what the user's code sees
        try:
            self._proc = subprocess.Popen(
                [self.target.python, "-c", BOOT, _package_dir()],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        except OSError as exc:
            self.failure = f"cannot start {self.target.python}: {exc.strerror or exc}"
            return False
        threading.Thread(target=self._pump_out, daemon=True, name="agent-out").start()
        threading.Thread(target=self._pump_err, daemon=True, name="agent-err").start()
        ready = self._read(self.startup_s)
        if ready is None or not ready.get("ready"):
            self._kill()
            why = "did not start" if ready is None else "answered garbage"
            self.failure = (
                f"the target interpreter {self.target.python} {why} within {self.startup_s:g} s{self._err_tail()}"
            )
            return False
        self.described = dict(ready.get("target") or {})
        if ready.get("unsupported"):
            self.failure = str(ready["unsupported"])
            self._kill()
            return False
        return True

    def start_locked(self) -> bool:
        """`start` for callers outside `call` (the background start, the report)."""
        with self._lock:
            return self.start()

    def renewed(self, env: Mapping[str, str]) -> AgentClient:
        """A fresh agent for another environment (a re-walk after a fix): constants are read at import."""
        self.close()
        return AgentClient(self.target, env, self.startup_s)

    def close(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
                proc.stdin.flush()
            proc.wait(timeout=0.5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self._kill()

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            with contextlib.suppress(OSError):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)  # stuck in the kernel (a hung mount): the OS reaps it when it can

    # -- I/O ------------------------------------------------------------------------------------
    def _pump_out(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_err(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(scrub(line.rstrip("\n"))[:STDERR_TAIL])
            del self._stderr[:-20]

    def _err_tail(self) -> str:
        lines = [line for line in self._stderr if line.strip()]
        return f" ({lines[-1][:300]})" if lines else ""

    def _read(self, wait_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + wait_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data

    # -- requests -------------------------------------------------------------------------------
    def call(
        self, name: str, args: Mapping[str, Any], timeout_s: float, *, inputs: Mapping[str, str], memo: dict[str, Any]
    ) -> tuple[ProbeResult, float]:
        """Run probe `name` in the target; `memo` is sent and updated with what the agent learned."""
        started = time.monotonic()
        with self._lock:
            if not self.start():
                return self._unavailable(name), time.monotonic() - started
            self._next_id += 1
            request = {
                "id": self._next_id,
                "probe": name,
                "args": dict(args),
                "timeout_s": timeout_s,
                "env": self.env,
                "inputs": dict(inputs),
                "memo": jsonable(memo),
            }
            proc = self._proc
            assert proc is not None and proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(request, default=str) + "\n")
                proc.stdin.flush()
            except (OSError, ValueError):
                self.failure = f"the target interpreter {self.target.python} exited{self._err_tail()}"
                return self._unavailable(name), time.monotonic() - started
            answer = self._read(timeout_s + GRACE_S + 0.5)
            while answer is not None and answer.get("id") != self._next_id:
                answer = self._read(max(0.05, timeout_s + GRACE_S - (time.monotonic() - started)))
            duration = time.monotonic() - started
            if answer is None:
                alive = proc.poll() is None
                self._kill()
                if alive:
                    self.failure = f"the target interpreter stopped answering during {name}"
                    result = ProbeResult(
                        Status.TIMEOUT,
                        {"probe": name, "deadline_s": timeout_s, "side": "target"},
                        f"probe {name} did not finish within its {timeout_s:g} s deadline in {self.target.python}",
                    )
                    return result, duration
                self.failure = f"the target interpreter {self.target.python} exited during {name}{self._err_tail()}"
                return self._unavailable(name), duration
            memo.update(answer.get("memo") or {})
            try:
                result = ProbeResult.from_dict(dict(answer.get("result") or {}))
            except ValueError:
                return ProbeResult(Status.ERROR, {}, f"probe {name}: malformed answer from the target"), duration
            if result.facts.get("kind") == "import-hung":
                self.failure = result.evidence  # every later probe would wait on the same import lock
                self._kill()
            return result, duration

    def _unavailable(self, name: str) -> ProbeResult:
        return ProbeResult(
            Status.UNKNOWN,
            {"kind": "target-unavailable", "python": self.target.python, "reason": self.failure},
            f"not checked ({name}): {self.failure}",
        )
