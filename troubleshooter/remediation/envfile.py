"""Variables for future runs: `env.set` and `env.unset`.

A process cannot change its parent shell's environment, so a variable fix either writes an
assignment into a file the user chose (`--answer env_file=~/.bashrc`, a Docker `.env`, a
notebook's startup file) or prints the line to paste. The file's place is checked (never a
system file, never through a symlink that changed since the plan); only lines that do nothing
but assign the fix's variables change, byte for byte everything else stays (`shellscan`); the
replace is a compare-and-swap that keeps owner, group, mode and hard links (`filecas`), after
a backup. An `.env` file gets `NAME=value` lines, anything else `export NAME=value`. The
verification re-runs the probe with the new value, which is what the next process will see.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from troubleshooter.model.playbook import Applicability
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused, action
from troubleshooter.remediation.filecas import Changed, swap_in
from troubleshooter.remediation.fileops import backup_file, expand_home, has_parent_reference, sha256_bytes
from troubleshooter.remediation.places import PlaceRefused, check_place, check_root
from troubleshooter.remediation.shellscan import NotOurs, rewrite

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
ENV_FILE_INPUT = "env_file"


def _names(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _validate_set(args: Mapping[str, Any]) -> list[str]:
    variables = args.get("variables")
    if not isinstance(variables, dict) or not variables:
        return ["env.set: 'variables' must be a mapping of NAME: value"]
    return [f"env.set: {k!r} is not a variable name" for k in variables if not NAME.match(str(k))]


def _validate_unset(args: Mapping[str, Any]) -> list[str]:
    names = _names(args.get("names"))
    if not names:
        return ["env.unset: 'names' must list at least one variable"]
    return [f"env.unset: {k!r} is not a variable name" for k in names if not NAME.match(k)]


def is_dotenv(path: Path) -> bool:
    return path.name == ".env" or path.suffix == ".env"


def render_line(path: Path | None, name: str, value: str) -> str:
    quoted = shlex.quote(value)
    if path is not None and is_dotenv(path):
        return f"{name}={quoted}"
    return f"export {name}={quoted}"


def _place(actx: ActionContext, path: Path) -> Path:
    """The env file's place: inside its own folder, never a system file, no symlink on the way."""
    try:
        check_root(path.parent, actx.probe.home)
        return check_place(path, path.parent, home=actx.probe.home)
    except PlaceRefused as exc:
        raise Refused(str(exc)) from None


def chosen_file(actx: ActionContext, file: str | None) -> Path | None:
    """The file the user chose (the action's argument, else the `env_file` answer), or None: print only.

    A symlinked profile is resolved here, shown in the preview, and acted on where it lives.
    """
    raw = (file or str(actx.inputs.get(ENV_FILE_INPUT) or "")).strip()
    if not raw:
        return None
    if "\0" in raw or has_parent_reference(raw):
        raise Refused(f"{raw}: '..' is not allowed in the file a variable is written to")
    path = Path(os.path.realpath(os.path.abspath(expand_home(raw, actx.probe.home))))
    if path.exists() and not path.is_file():
        raise Refused(f"{path} is not a regular file")
    if not path.parent.is_dir():
        raise Refused(f"{path.parent} does not exist; create it or choose another file")
    return _place(actx, path)


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def _edits(path: Path, edits: Mapping[str, str | None]) -> dict[str, bytes | None]:
    return {n: (None if v is None else render_line(path, n, v).encode()) for n, v in edits.items()}


def _plan_edits(actx: ActionContext, edits: dict[str, str | None], file: str | None, verb: str) -> Plan:
    path = chosen_file(actx, file)
    overlay = dict(edits)
    if path is None:
        shown = [render_line(None, n, v) if v is not None else f"unset {n}" for n, v in edits.items()]
        lines = [f"print (nothing is written; answer {ENV_FILE_INPUT}=FILE to write it): {s}" for s in shown]

        def printed() -> Outcome:
            if actx.out is not None:
                for line in shown:
                    actx.out(line)
            return Outcome(message="printed; add the line(s) where your runs start", env_overlay=overlay)

        return Plan(lines, printed, env_overlay=overlay, changes_machine=False)
    old = _read(path)
    try:
        new, removed, added = rewrite(old or b"", _edits(path, edits))
    except NotOurs as exc:
        why = f"{path}:{exc.number} sets {exc.name} together with something else; edit that line by hand"
        raise Refused(why) from None
    if new == (old or b""):
        current_differs = any(actx.env.get(n) != v for n, v in edits.items())
        why = f"{path} already {verb} " + ", ".join(edits)
        if current_differs:
            why += " (start a new shell or notebook kernel so this process sees it)"
        return Plan([why], None, noop=True, reason=why, env_overlay=overlay, places=[str(path.parent)])
    lines = [f"edit {path} (a backup is kept; `troubleshooter undo` restores it)"]
    lines += [f"  - {_text(line)}" for line in removed] + [f"  + {_text(line)}" for line in added]

    def run() -> Outcome:
        _place(actx, path)  # again, right before acting
        if _read(path) != old:
            raise Refused(f"{path} changed since the preview; nothing was written")
        root = str(path.parent)
        if old is not None:
            backup, digest = backup_file(path, actx.backup_dir, step="env:backup")
            undo: dict[str, Any] = {"kind": "restore-file", "path": str(path), "backup": str(backup)}
            undo.update(sha256=digest, after_sha256=sha256_bytes(new), root=root)
        else:
            undo = {"kind": "remove-file", "path": str(path), "sha256": sha256_bytes(new), "root": root}
        actx.will_undo(undo)
        try:
            swap_in(path, old, new)
        except Changed as exc:
            raise Refused(f"{exc}; nothing was written") from None
        change: dict[str, Any] = {"kind": "edit-file", "path": str(path), "sha256": sha256_bytes(new)}
        change.update(removed=[_text(r) for r in removed], added=[_text(a) for a in added])
        done = "wrote" if any(v is not None for v in edits.values()) else "removed the assignments of"
        return Outcome([change], [undo], overlay, f"{done} {', '.join(edits)} in {path}")

    return Plan(lines, run, env_overlay=overlay, places=[str(path.parent)])


@action(
    "env.set", touches=("a file the user chooses (env_file)",), applicability=Applicability.SAFE, validate=_validate_set
)
def set_variables(actx: ActionContext, variables: dict[str, Any], file: str | None = None) -> Plan:
    """Set variables for future runs: write `export NAME=value` to the chosen file, or print it.

    The file is the `file` argument, else the walk's `env_file` answer; without either the line
    is printed, never written. Existing assignments of the same names are replaced in place.
    """
    empty = [str(k) for k, v in variables.items() if v is None or str(v) == ""]
    if empty:
        raise Refused(f"no value found for {', '.join(empty)} (the walk did not find one); set it by hand")
    unfilled = [str(k) for k, v in variables.items() if "${" in str(v)]
    if unfilled:
        raise Refused(f"the value of {', '.join(unfilled)} still holds an unfilled ${{...}} reference; nothing written")
    edits: dict[str, str | None] = {str(k): str(v) for k, v in variables.items()}
    return _plan_edits(actx, edits, file, "sets")


@action(
    "env.unset",
    touches=("a file the user chooses (env_file)",),
    applicability=Applicability.SAFE,
    validate=_validate_unset,
)
def unset_variables(actx: ActionContext, names: list[str] | str, file: str | None = None) -> Plan:
    """Stop setting variables: remove their assignments from the chosen file, or print `unset`.

    A variable that the current environment has but the file does not set comes from
    somewhere else (a Dockerfile, a notebook template): the preview says so.
    """
    edits: dict[str, str | None] = dict.fromkeys(_names(names))
    plan = _plan_edits(actx, edits, file, "does not set")
    inherited = [n for n in edits if actx.env.get(n) is not None]
    if plan.noop and inherited:
        plan.lines.append(
            f"{', '.join(inherited)} still set in this environment by something else: remove it where it is set"
        )
    return plan
