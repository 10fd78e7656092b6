"""env-not-in-process: a real child process started with its own environment, and its pid.

The child stands for a service started by an init system (a clean environment of its own) or a
kernel started before the user exported a variable; the walk reads its /proc/PID/environ and
compares it with the shell's, as `troubleshooter --answer pid=N` does for the user.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import CANARY, CliResult, base_env, run_cli
from troubleshooter.model.result import Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.procenv import parse_environ, process_env

SLEEPER = "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\ntime.sleep(120)\n"


@contextmanager
def service(env: dict[str, str]) -> Iterator[int]:
    """A live process started with exactly `env` (as systemd starts a unit), stopped afterwards."""
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER, "--port", "8080"], env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    while b"--port" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.02)  # until exec: before it, /proc shows the parent's environment
    try:
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def walk(home: Path, shell: dict[str, str], pid: str) -> CliResult:
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9", **shell})
    return run_cli(["--playbook", "cache-redownloads", "--json", "--timeout", "3", "--answer", f"pid={pid}"], env)


def process_step(result: CliResult) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in result.json["steps"] if s["node"] == "process-env")
    return found


def test_service_started_without_the_shells_hf_home_is_env_not_in_process(home: Path, tmp_path: Path) -> None:
    srv_home = tmp_path / "srv"
    srv_home.mkdir()
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(srv_home), "LANG": "C.UTF-8", "HF_TOKEN": CANARY}
    with service(clean) as pid:
        result = walk(home, {"HF_HOME": str(tmp_path / "data" / "hf"), "HF_HUB_OFFLINE": "1"}, str(pid))
    assert CANARY not in result.stdout + result.stderr
    assert result.json["verdict"] == "problem" and result.cause == "env-not-in-process", result.stdout[:3000]
    facts = process_step(result)["facts"]
    assert facts["pid"] == pid and facts["state"] == "differs"
    states = {d["name"]: d["state"] for d in facts["differences"]}
    assert states == {"HF_HOME": "missing", "HF_HUB_OFFLINE": "missing", "HF_ENDPOINT": "missing"}
    assert facts["process_hub_cache"] == str(srv_home / ".cache" / "huggingface" / "hub")
    assert facts["shell_hub_cache"] == str(tmp_path / "data" / "hf" / "hub")
    assert "--port 8080" in facts["cmdline"]


def test_another_value_in_the_process_is_a_difference_too(home: Path, tmp_path: Path) -> None:
    endpoint = "http://127.0.0.1:9"  # the walk's own HF_ENDPOINT, so that only the cache differs
    env = {"PATH": "/usr/bin:/bin", "HF_ENDPOINT": endpoint, "HF_HUB_CACHE": str(tmp_path / "old-cache")}
    with service(env) as pid:
        result = walk(home, {"HF_HUB_CACHE": str(tmp_path / "new-cache")}, str(pid))
    assert result.cause == "env-not-in-process"
    (diff,) = process_step(result)["facts"]["differences"]
    assert diff == {
        "name": "HF_HUB_CACHE",
        "state": "different",
        "shell": str(tmp_path / "new-cache"),
        "process": str(tmp_path / "old-cache"),
    }


def test_a_process_with_the_same_variables_passes(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf")}
    with service(env) as pid:
        result = process_env(ProbeContext(env=dict(env)), str(pid))
    assert result.status is Status.PASS and result.facts["state"] == "same"


def test_a_pid_that_is_not_a_number_gone_or_unreadable_is_a_clear_unknown(home: Path, tmp_path: Path) -> None:
    ctx = ProbeContext(env={"HF_HOME": "/data/hf"})
    assert process_env(ctx, "12; rm -rf /").facts["state"] == "invalid-pid"
    assert process_env(ctx, None).status is Status.SKIPPED
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    missing = process_env(ctx, str(gone.pid))
    assert missing.status is Status.UNKNOWN and missing.facts["state"] == "no-such-process"
    proc_root = tmp_path / "proc"
    (proc_root / "4242" / "environ").mkdir(parents=True)  # a /proc entry that cannot be read as a file
    unreadable = process_env(ProbeContext(env={"HF_HOME": "/data/hf"}, proc_root=proc_root), "4242")
    assert unreadable.status is Status.UNKNOWN and unreadable.facts["state"] == "not-readable"
    walked = walk(home, {"HF_HOME": str(home / "hf")}, str(gone.pid))
    assert walked.json["verdict"] == "inconclusive", walked.stdout[:2000]
    assert process_step(walked)["status"] == "unknown"


def test_a_truncated_environment_drops_only_the_cut_entry() -> None:
    data = b"HOME=/srv\0HF_HOME=/data/hf\0HF_ENDPOINT=https://hf-mir"
    assert parse_environ(data, truncated=True) == {"HOME": "/srv", "HF_HOME": "/data/hf"}
    assert parse_environ(data)["HF_ENDPOINT"] == "https://hf-mir"
