"""The cause library: one home per cause, and the remediations and conditions playbooks share.

Files under `troubleshooter/causes/*.yaml` hold, keyed by cause slug, what every diagnosis of
the cause shows (title, explanation, severity, remediations, references) and what the
vocabulary adds (a short `name`, the `evidence` probes look at). Shared remediations and named conditions sit
beside them. Values stay `Located`, so a mistake in the library is reported at its own line
when a playbook that uses it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from troubleshooter.engine import spec
from troubleshooter.engine.shape import ID_RE, Errors, ident, mapping, unknown_keys
from troubleshooter.engine.yamlsrc import Located, load_located
from troubleshooter.errors import PlaybookError, SourceRef


@dataclass
class Library:
    """Causes, remediations and conditions by id, with where each came from."""

    causes: dict[str, Located] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)  # cause slug -> playbook it belongs to
    remediations: dict[str, Located] = field(default_factory=dict)
    conditions: dict[str, Located] = field(default_factory=dict)
    errors: list[PlaybookError] = field(default_factory=list)

    def defaults(self, slug: str) -> dict[str, Located]:
        """What a diagnosis naming `slug` inherits (empty when the library lacks the cause)."""
        entry = self.causes.get(slug)
        body = entry.value if entry is not None and isinstance(entry.value, dict) else {}
        return {k: v for k, v in body.items() if k in spec.DIAGNOSIS_DEFAULTS}


def library_dir() -> Path:
    """The shipped library, inside the package next to the playbooks."""
    return Path(__file__).resolve().parent.parent / "causes"


def _merge(target: dict[str, Located], found: dict[str, Located], kind: str, errs: Errors) -> None:
    for key, value in found.items():
        if not ID_RE.match(key):
            errs.add(value.ref, f"{kind} id {key!r} must be lowercase letters, digits, '-', '_' or '.'")
        elif key in target:
            errs.add(value.ref, f"{kind} {key!r} is defined twice (also at {target[key].ref})", code="TS116")
        else:
            target[key] = value


def read_library(files: list[Path]) -> Library:
    """Read library files in order; a duplicate id anywhere is an error (one home per thing)."""
    lib = Library()
    errs = Errors()
    for file in files:
        try:
            root = load_located(file.read_text(encoding="utf-8"), str(file))
        except PlaybookError as exc:
            errs.items.append(exc)
            continue
        except OSError as exc:
            errs.add(SourceRef(str(file)), f"cannot read: {exc.strerror}")
            continue
        body = mapping(root, "cause library", errs)
        if body is None:
            continue
        unknown_keys(root, spec.LIBRARY_TOP, "cause library", errs)
        area = ident(body.get("playbook"), "playbook", errs) or file.stem
        causes = mapping(body.get("causes"), "causes", errs) or {}
        for slug, entry in causes.items():
            if mapping(entry, f"cause {slug!r}", errs) is not None:
                unknown_keys(entry, spec.CAUSE, f"cause {slug!r}", errs)
                own = ident(entry.value.get("playbook"), "playbook", errs)
                lib.areas.setdefault(slug, own or area)
        _merge(lib.causes, causes, "cause", errs)
        _merge(lib.remediations, mapping(body.get("remediations"), "remediations", errs) or {}, "remediation", errs)
        _merge(lib.conditions, mapping(body.get("conditions"), "conditions", errs) or {}, "condition", errs)
    lib.errors = errs.items
    return lib


@cache
def shipped() -> Library:
    """The packaged library, read once per process."""
    directory = library_dir()
    return read_library(sorted(directory.glob("*.yaml")) if directory.is_dir() else [])
