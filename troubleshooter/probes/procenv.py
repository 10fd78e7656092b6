"""Does the running process that downloads see the variables this shell sets?

A variable exported in a shell, `.bashrc` or a notebook reaches only processes started from
there afterwards. A service started by systemd or supervisord, a container's main process, a
scheduler job or a kernel started earlier has the environment it was started with, which
`/proc/PID/environ` shows (the initial environment: later `os.environ` changes inside the
process are not visible there, which is `env-set-after-import`'s business). When HF_HOME is in
the shell but not in the service, the service caches under its own HOME and downloads again.
"""

from __future__ import annotations

import re
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown
from troubleshooter.probes import probe
from troubleshooter.probes.cache import expected_paths
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import scrub

MAX_ENVIRON_BYTES = 256 * 1024  # the kernel caps a process's environment near this on most systems
MAX_CMDLINE_BYTES = 4096
MAX_VALUE_CHARS = 200
PID = re.compile(r"^[1-9]\d{0,9}$")
SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD", re.I)
# Variables that decide where huggingface_hub (and transformers, datasets) cache, or whether and
# where they download at all.
WATCHED = (
    "HF_HOME",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "TRANSFORMERS_CACHE",
    "HF_DATASETS_CACHE",
    "HF_XET_CACHE",
    "XDG_CACHE_HOME",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_ENDPOINT",
    "HF_HUB_DISABLE_XET",
    "HF_HUB_ENABLE_HF_TRANSFER",
)


def shown(name: str, value: str | None) -> str | None:
    """A value fit for a report: never the value of a secret-like name, always scrubbed, then cut."""
    if value is None:
        return None
    if SECRET_NAME.search(name):
        return "<set>"
    return scrub(value)[:MAX_VALUE_CHARS]


def _read_bounded(path: Any, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of a /proc file, and whether there was more."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    return data[:limit], len(data) > limit


def parse_environ(data: bytes, truncated: bool = False) -> dict[str, str]:
    """NUL-separated NAME=value entries; a last entry cut by the size limit is dropped."""
    entries = data.split(b"\0")
    if truncated and entries:
        entries = entries[:-1]
    env: dict[str, str] = {}
    for entry in entries:
        name, sep, value = entry.decode("utf-8", "replace").partition("=")
        if sep and name:
            env[name] = value
    return env


def differences(shell: Any, process: dict[str, str]) -> list[dict[str, Any]]:
    """Watched variables set in the shell that the process lacks or holds with another value."""
    found = []
    for name in WATCHED:
        mine = shell.get(name)
        if mine is None or mine == "":
            continue
        theirs = process.get(name)
        if theirs == mine:
            continue
        found.append(
            {
                "name": name,
                "state": "missing" if theirs is None else "different",
                "shell": shown(name, mine),
                "process": shown(name, theirs),
            }
        )
    return found


@probe(
    "env.process",
    facts={
        "state": "differs | same | no-pid | invalid-pid | no-such-process | not-readable",
        "pid": "the process checked",
        "differences": "variables set in this shell that the process lacks (missing) or holds otherwise (different)",
        "process_hub_cache": "the hub cache huggingface_hub would use in that process",
        "shell_hub_cache": "the hub cache it uses from this shell",
        "variables": "how many variables the process was started with",
        "truncated": "the environment was larger than the read limit",
    },
)
def process_env(ctx: ProbeContext, pid: str | None = None) -> ProbeResult:
    """Compare the cache and Hub variables of a running process (/proc/PID/environ) with this shell's.

    The process is the one that downloads again (a service, a container's main process, a kernel
    started before the variable was exported), named by `--answer pid=N`. Its environment is read
    once, bounded in size; values of secret-like variables are never shown.
    """
    text = str(pid or "").strip()
    if not text:
        return skipped("no pid given: the running process's environment is not compared", state="no-pid")
    if not PID.match(text):
        return unknown(f"pid must be a process number (digits), not {scrub(text)[:40]!r}", state="invalid-pid")
    base: dict[str, Any] = {"pid": int(text)}
    folder = ctx.proc_root / text
    try:
        data, truncated = _read_bounded(folder / "environ", MAX_ENVIRON_BYTES)
    except FileNotFoundError:
        return unknown(
            f"no process {text} here (it exited, or lives in another PID namespace)", state="no-such-process", **base
        )
    except PermissionError:
        return unknown(
            f"the environment of process {text} cannot be read by this user (run as its user, or with sudo)",
            state="not-readable",
            **base,
        )
    except OSError as exc:
        return unknown(
            f"could not read the environment of process {text}: {exc.strerror or exc}", state="not-readable", **base
        )
    process = parse_environ(data, truncated)
    try:
        cmd, _ = _read_bounded(folder / "cmdline", MAX_CMDLINE_BYTES)
        base["cmdline"] = scrub(cmd.replace(b"\0", b" ").decode("utf-8", "replace").strip())[:MAX_VALUE_CHARS]
    except OSError:
        base["cmdline"] = None
    found = differences(ctx.env, process)
    theirs, mine = expected_paths(process)["hub_cache"], expected_paths(ctx.env)["hub_cache"]
    facts = {
        **base,
        "differences": found,
        "variables": len(process),
        "truncated": truncated,
        "process_hub_cache": scrub(theirs[0]),
        "process_hub_cache_source": theirs[1],
        "shell_hub_cache": scrub(mine[0]),
    }
    if not found:
        return passed(f"process {text} has the same cache and Hub variables as this shell", state="same", **facts)
    listed = ", ".join(
        f"{d['name']} (shell {d['shell']}, process {'unset' if d['process'] is None else d['process']})" for d in found
    )
    return failed(
        f"process {text} was started without this shell's {listed}; it caches in {facts['process_hub_cache']}",
        state="differs",
        **facts,
    )
