"""Package fixes that respect the user's stack: resolved by pip in the target, refused if they break it.

An unconstrained `pip install -U huggingface_hub` on a notebook pinned to 0.20.x installs 2.x
and breaks transformers 4.x at import. So a package fix here: runs in the *target* interpreter
(the walk's `target_python`, never the tool's own); narrows the request with every installed
package's own requirement on it (as `pip check` reads them); previews with pip's resolver
(`pip install --dry-run --report -`) and lists every package that would change; and refuses
when a change would break another installed package's requirement. The undo reinstalls the
exact previous versions, in the same interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from troubleshooter.probes.skew import canonical  # one PEP 503 rule for names

# Runs in the target: installed versions, and every installed package's requirement on NAMES.
# Standard library plus `packaging` (pip's vendored copy when the real one is absent).
INSPECT = r"""
import json, re, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()
out = {"installed": {}, "requires": []}
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    out["installed"][canon(name)] = dist.version
    for raw in dist.requires or []:
        try:
            req = Requirement(raw)
        except Exception:
            continue
        if req.marker is not None:
            try:
                if not req.marker.evaluate({"extra": ""}):
                    continue
            except Exception:
                continue
        out["requires"].append([canon(name), dist.version, canon(req.name), str(req.specifier)])
print(json.dumps(out))
"""

CHECK = r"""
import json, sys
try:
    from packaging.specifiers import SpecifierSet
except ImportError:
    from pip._vendor.packaging.specifiers import SpecifierSet
spec, version = sys.argv[1], sys.argv[2]
print(json.dumps(SpecifierSet(spec).contains(version, prereleases=True)))
"""


class PipRefused(Exception):
    """The fix would break the stack, or pip could not resolve it: nothing is installed."""


def _run(python: str, args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, *args], capture_output=True, text=True, timeout=timeout_s, check=False, stdin=subprocess.DEVNULL
    )


def inspect_target(python: str, timeout_s: float = 60.0) -> dict[str, Any]:
    done = _run(python, ["-c", INSPECT], timeout_s)
    if done.returncode != 0:
        raise PipRefused(f"cannot read the installed packages of {python}: {done.stderr.strip()[-200:]}")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _contains(python: str, spec: str, version: str) -> bool:
    done = _run(python, ["-c", CHECK, spec, version], 30.0)
    return done.returncode == 0 and done.stdout.strip() == "true"


def constrained(package: str, base: str, state: dict[str, Any]) -> str:
    """`base` narrowed by every installed package's specifier on `package` (the stack's own range)."""
    specs = [base[len(package) :]] if base.startswith(package) and base != package else []
    for owner, _, name, spec in state["requires"]:
        if name == canonical(package) and spec and owner != canonical(package):
            specs.append(spec)
    parts = [piece.strip() for spec in specs for piece in spec.split(",") if piece.strip()]
    joined = ",".join(dict.fromkeys(parts))  # each bound once, in the order met
    return f"{package}{joined}" if joined else package


def resolve(python: str, requirement: str, timeout_s: float) -> list[dict[str, str]]:
    """What pip would install for `requirement` in `python`: [{name, version}], nothing installed."""
    args = ["-m", "pip", "install", "--upgrade", "--dry-run", "--quiet", "--disable-pip-version-check", "--report", "-"]
    done = _run(python, [*args, requirement], timeout_s)
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip())[-400:]
        raise PipRefused(f"pip cannot resolve {requirement} here: {tail}")
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise PipRefused(f"pip's resolution report could not be read ({exc})") from None
    return [
        {"name": canonical(item["metadata"]["name"]), "version": str(item["metadata"]["version"])}
        for item in report.get("install", [])
    ]


def breakage(python: str, changes: list[dict[str, str]], state: dict[str, Any]) -> list[str]:
    """Installed requirements the changes would break: 'transformers 4.46.3 requires huggingface-hub<1.0'."""
    new = {c["name"]: c["version"] for c in changes}
    broken: list[str] = []
    for owner, owner_version, name, spec in state["requires"]:
        if name in new and owner not in new and spec and not _contains(python, spec, new[name]):
            broken.append(f"{owner} {owner_version} requires {name}{spec}, pip would install {new[name]}")
    return broken


def plan_install(python: str | None, package: str, requirement: str, timeout_s: float) -> dict[str, Any]:
    """Preview a constrained install in the target: requirement, changes, breakage (raises PipRefused)."""
    python = python or sys.executable
    state = inspect_target(python)
    wanted = constrained(package, requirement, state)
    try:
        resolved = resolve(python, wanted, timeout_s)
    except PipRefused as exc:
        owners = [
            f"{o} {v} requires {n}{spec}" for o, v, n, spec in state["requires"] if n == canonical(package) and spec
        ]
        if owners and wanted != requirement:
            raise PipRefused(f"{requirement} does not fit the installed stack ({'; '.join(owners[:4])})") from exc
        raise
    changes = []
    for item in resolved:
        before = state["installed"].get(item["name"])
        if before != item["version"]:
            changes.append({"name": item["name"], "before": before, "version": item["version"]})
    broken = breakage(python, changes, state)
    return {"python": python, "requirement": wanted, "changes": changes, "broken": broken}
