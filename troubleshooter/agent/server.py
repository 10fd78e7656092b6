"""The agent loop that runs in the user's interpreter: JSON lines in, probe results out.

Started by `client` as `TARGET_PYTHON -c BOOT PACKAGE_DIR`; `BOOT` maps the name
`troubleshooter` to the tool's package folder (nothing else of the tool's environment reaches
the target: its own huggingface_hub stays invisible) and calls `serve`. Standard library only.

Protocol, one JSON object a line on the protocol stream (the process's original stdout; fd 1
is pointed at stderr so a library that prints cannot corrupt it):
- first line from the agent: `{"ready": true, "target": {...}}` (interpreter and versions);
- request `{"id": N, "probe": NAME, "args": {...}, "timeout_s": S, "env": {...}, "inputs": {...},
  "memo": {...}}`, answer `{"id": N, "result": {status, facts, evidence}, "memo": {...}}`.
Secrets a probe learns (a Colab vault token) stay in this process for later probes of the
walk; they never cross the pipe, and results are scrubbed when they are created.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import IO, Any

DESCRIBED = ("huggingface_hub", "hf_xet", "transformers", "diffusers", "datasets", "peft", "torch", "hf_transfer")
MAX_LINE = 8 * 1024 * 1024


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # a broken dist-info folder: the version is unknown, not a crash
        return None


def _torch_build(version: str | None) -> str | None:
    """torch's CUDA build from its installed `torch/version.py`, without importing torch."""
    if not version:
        return None
    try:
        files = metadata.files("torch") or []
        for item in files:
            if str(item).replace("\\", "/") == "torch/version.py":
                text = Path(str(item.locate())).read_text(encoding="utf-8", errors="replace")[:20000]
                for line in text.splitlines():
                    if line.startswith("cuda") and "=" in line:
                        value = line.split("=", 1)[1].strip().strip("'\"")
                        return None if value in ("None", "") else value
    except (OSError, ValueError, metadata.PackageNotFoundError):
        return None
    return None


def describe() -> dict[str, Any]:
    """The interpreter and the versions that matter, read from package metadata (no imports)."""
    versions = {dist: _version(dist) for dist in DESCRIBED}
    return {
        "python": sys.executable,
        "python_version": ".".join(str(part) for part in sys.version_info[:3]),
        "prefix": sys.prefix,
        "versions": versions,
        "torch_cuda": _torch_build(versions.get("torch")),
    }


def jsonable(memo: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of `memo` that cross the pipe (JSON values only; a handle stays where it is)."""
    out: dict[str, Any] = {}
    for key, value in memo.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        out[key] = value
    return out


class Agent:
    """One walk's state in the target: the memo and secrets that later probes may read.

    huggingface_hub is imported once in the background as soon as the agent starts (it reads
    its variables at import, as the user's code does). An import that hangs (a sitecustomize, a
    frozen mount on sys.path) would hold Python's import lock and block every later probe, so a
    probe first waits for it at most its deadline, and then answers `import-hung` once: the
    client stops asking, and the walk pays one deadline, not one per probe.
    """

    def __init__(self) -> None:
        self.memo: dict[str, Any] = {}
        self.secrets: dict[str, str] = {}
        self.imported = threading.Event()
        threading.Thread(target=self._warm_up, daemon=True, name="import-hub").start()

    def _warm_up(self) -> None:
        try:
            import huggingface_hub  # noqa: F401
        except Exception:  # absent or broken: each probe finds out and says so
            pass
        finally:
            self.imported.set()

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        from troubleshooter import probes
        from troubleshooter.model.result import ProbeResult, Status
        from troubleshooter.probes.context import ProbeContext
        from troubleshooter.redact import scrub

        name = str(request.get("probe") or "")
        timeout_s = float(request.get("timeout_s") or 5.0)
        self.memo.update(request.get("memo") or {})
        if not self.imported.wait(timeout_s):
            hung = ProbeResult(
                Status.TIMEOUT,
                {"probe": name, "deadline_s": timeout_s, "kind": "import-hung", "python": sys.executable},
                f"importing huggingface_hub in {sys.executable} did not finish within {timeout_s:g} s",
            )
            return {"result": hung.to_dict(), "memo": {}}
        spec = probes.get(name)
        if spec is None:
            result = ProbeResult(Status.ERROR, {"probe": name}, f"unknown probe {name}")
            return {"result": result.to_dict(), "memo": {}}
        env = {str(k): str(v) for k, v in (request.get("env") or os.environ).items()}
        ctx = ProbeContext(
            env=env,
            timeout_s=timeout_s,
            inputs={str(k): str(v) for k, v in (request.get("inputs") or {}).items()},
            memo=self.memo,
            secrets=self.secrets,
            target_python=sys.executable,
        )
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = probes.call(spec, ctx.for_probe(), dict(request.get("args") or {}))
            except ModuleNotFoundError as exc:
                missing = exc.name or str(exc)
                box["result"] = ProbeResult(
                    Status.UNKNOWN,
                    {"kind": "library-missing", "module": missing, "python": sys.executable},
                    f"{missing} is not installed in {sys.executable}: this check needs it",
                )
            except Exception as exc:  # an unexpected library error is a verdict, not a crash
                tail = scrub(traceback.format_exception_only(type(exc), exc)[-1].strip())
                box["result"] = ProbeResult(
                    Status.ERROR,
                    {"exception": type(exc).__name__, "message": scrub(str(exc))[:500]},
                    f"probe {name} raised {tail[:300]}",
                )

        thread = threading.Thread(target=work, name=f"probe:{name}", daemon=True)
        started = time.monotonic()
        thread.start()
        thread.join(timeout_s + 0.2)
        if thread.is_alive():
            result = ProbeResult(
                Status.TIMEOUT,
                {"probe": name, "deadline_s": timeout_s},
                f"probe {name} did not finish within its {timeout_s:g} s deadline",
            )
        else:
            answer = box.get("result")
            if isinstance(answer, ProbeResult):
                result = answer
            else:
                result = ProbeResult(Status.ERROR, {}, f"probe {name} returned {type(answer).__name__}")
        return {"result": result.to_dict(), "memo": jsonable(self.memo), "duration_s": time.monotonic() - started}


def _send(stream: IO[str], data: dict[str, Any]) -> None:
    stream.write(json.dumps(data, allow_nan=False, default=str) + "\n")
    stream.flush()


def serve() -> None:
    """Answer requests until stdin closes. fd 1 is moved to stderr first: protocol only on `out`."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _send(out, {"ready": True, "target": describe()})
    agent = Agent()
    for line in sys.stdin:
        if len(line) > MAX_LINE:
            _send(out, {"error": "request too large"})
            continue
        try:
            request = json.loads(line)
        except ValueError:
            _send(out, {"error": "malformed request"})
            continue
        if request.get("op") == "exit":
            break
        answer = agent.run(request)
        answer["id"] = request.get("id")
        _send(out, answer)
    out.flush()
    os._exit(0)  # do not wait for probe threads stuck in the kernel
