"""Does the target's huggingface_hub satisfy what its installed libraries require?

transformers, diffusers, datasets, peft and friends pin huggingface_hub ranges in their
metadata (`Requires-Dist`); transformers 4.x checks its pin when it is imported, so a later
`pip install -U huggingface_hub` that crossed 1.0 breaks `from_pretrained` before any download
("huggingface-hub>=0.23.2,<1.0 is required for a normal functioning of this module"). This reads
the installed metadata as `pip check` does, in the target, without importing the libraries.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext

OWN = "troubleshooter"  # the diagnosing tool itself is not part of the user's stack
MAX_DISTS = 2000


def canonical(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _packaging() -> Any | None:
    """PEP 440 and PEP 508 from `packaging`, or pip's vendored copy: both are the installer's own rules."""
    for name in ("packaging", "pip._vendor.packaging"):
        try:
            requirements = __import__(f"{name}.requirements", fromlist=["Requirement"])
            __import__(f"{name}.version", fromlist=["Version"])
            return requirements
        except ImportError:
            continue
    return None


def _hub_requirement(raw: str, requirements: Any) -> tuple[str, Any] | None:
    """(specifier text, Requirement) when `raw` is an unconditional requirement on huggingface_hub."""
    try:
        req = requirements.Requirement(raw)
    except Exception:  # an unparsable line in someone's metadata: pip check skips it too
        return None
    if canonical(req.name) != "huggingface-hub":
        return None
    if req.marker is not None:
        try:
            if not req.marker.evaluate({"extra": ""}):
                return None  # only under an extra (`transformers[hub]`) or another platform
        except Exception:
            return None
    return str(req.specifier), req


def conflicts(hub_version: str) -> tuple[list[dict[str, Any]], int]:
    """Installed distributions whose requirement on huggingface_hub the installed release breaks."""
    requirements = _packaging()
    if requirements is None:
        return [], 0
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    checked = 0
    for dist in metadata.distributions():
        if checked >= MAX_DISTS:
            break
        name = str(dist.metadata["Name"] or "")
        if not name or canonical(name) in seen or canonical(name) in ("huggingface-hub", OWN):
            continue
        seen.add(canonical(name))
        checked += 1
        for raw in dist.requires or []:
            parsed = _hub_requirement(raw, requirements)
            if parsed is None:
                continue
            spec, req = parsed
            if spec and not req.specifier.contains(hub_version, prereleases=True):
                found.append({"package": name, "version": dist.version, "requires": f"huggingface-hub{spec}"})
    return found, checked


@probe(
    "versions.hub_skew",
    facts={
        "huggingface_hub": "the target's huggingface_hub version (null: not installed)",
        "conflicts": "installed packages whose huggingface_hub requirement the installed release breaks",
        "pin_hub": "the huggingface_hub requirement that satisfies every conflicting package",
        "state": "ok | skew | no-hub | unknown",
        "first_package": "the first installed package whose requirement is broken",
        "first_requires": "its requirement on huggingface_hub",
    },
)
def hub_skew_probe(ctx: ProbeContext) -> ProbeResult:
    """Compare the target's huggingface_hub with the ranges its other libraries require.

    A mismatch (often huggingface_hub 1.x under transformers 4.x, which needs < 1.0) breaks the
    user's code at import, before any request: the network, the token and the cache are fine.
    """
    try:
        hub_version = metadata.version("huggingface_hub")
    except metadata.PackageNotFoundError:
        return skipped("huggingface_hub is not installed in this Python", huggingface_hub=None, state="no-hub")
    if _packaging() is None:
        return skipped(
            "cannot compare versions: neither packaging nor pip is installed here",
            huggingface_hub=hub_version,
            state="unknown",
        )
    found, checked = conflicts(hub_version)
    facts: dict[str, Any] = {"huggingface_hub": hub_version, "conflicts": found, "checked": checked}
    if not found:
        return passed(
            f"huggingface_hub {hub_version} satisfies every installed package's requirement", state="ok", **facts
        )
    pin = ",".join(sorted({c["requires"].removeprefix("huggingface-hub") for c in found}))
    shown = "; ".join(f"{c['package']} {c['version']} requires {c['requires']}" for c in found[:4])
    return failed(
        f"huggingface_hub {hub_version} is installed, but {shown}",
        state="skew",
        pin_hub=f"huggingface_hub{pin}",
        first_package=found[0]["package"],
        first_requires=found[0]["requires"],
        **facts,
    )
