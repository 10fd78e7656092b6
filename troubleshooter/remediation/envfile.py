"""Variables for future runs: `env.set` and `env.unset`.

A process cannot change its parent shell's environment, so a variable fix either writes an
assignment into a file the user chose (`--answer env_file=~/.bashrc`, a Docker `.env`, a
notebook's startup file) or prints the line to paste. Files are rewritten atomically with a
backup; an `.env` file gets `NAME=value` lines, anything else `export NAME=value`. The
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
from troubleshooter.remediation.fileops import (
    atomic_write,
    backup_file,
    expand_home,
    has_parent_reference,
    sha256_bytes,
)

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


def assignment_pattern(name: str) -> re.Pattern[str]:
    """A line that assigns `name` anywhere (`NAME=`, `export A=1 NAME=`, `NAME=1 cmd`), not `MY_NAME=`."""
    return re.compile(rf"(?:^|[\s;&|]){re.escape(name)}=")


def is_dotenv(path: Path) -> bool:
    return path.name == ".env" or path.suffix == ".env"


def render_line(path: Path | None, name: str, value: str) -> str:
    quoted = shlex.quote(value)
    if path is not None and is_dotenv(path):
        return f"{name}={quoted}"
    return f"export {name}={quoted}"


def chosen_file(actx: ActionContext, file: str | None) -> Path | None:
    """The file the user chose (the action's argument, else the `env_file` answer), or None: print only."""
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
    return path


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def lone_assignment(line: str, name: str) -> bool:
    """True when `line` does nothing but assign `name` (`NAME=v` or `export NAME=v`, maybe a comment).

    Lines that also assign something else or run a command (`HF_HUB_OFFLINE=1 python x.py`) are
    not ours to rewrite: dropping or replacing them would lose the rest.
    """
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return False
    if words[:1] == ["export"]:
        words = words[1:]
    return len(words) == 1 and words[0].startswith(name + "=")


def rewrite(text: str, edits: Mapping[str, str | None], path: Path) -> str:
    """`text` with each variable assigned once (None: every assignment removed); order kept.

    Raises Refused for a line that assigns the variable together with something else. Keeps the
    file's line endings (CRLF stays CRLF).
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    out: list[str] = []
    placed: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        hit = next((n for n in edits if assignment_pattern(n).search(line)), None)
        if hit is None:
            out.append(line)
            continue
        if not lone_assignment(line, hit):
            raise Refused(f"{path}:{number} sets {hit} together with something else; edit that line by hand")
        value = edits[hit]
        if value is not None and hit not in placed:
            out.append(render_line(path, hit, value))
            placed.add(hit)
    for name, value in edits.items():
        if value is not None and name not in placed:
            out.append(render_line(path, name, value))
    return newline.join(out) + (newline if out else "")


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
        new_text = rewrite(old.decode("utf-8"), edits, path)
    except UnicodeDecodeError:
        raise Refused(f"{path} is not a UTF-8 text file") from None
    new = new_text.encode("utf-8")
    if new == old:
        current_differs = any(actx.env.get(n) != v for n, v in edits.items())
        why = f"{path} already {verb} " + ", ".join(edits)
        if current_differs:
            why += " (start a new shell or notebook kernel so this process sees it)"
        return Plan([why], None, noop=True, reason=why, env_overlay=overlay)
    removed = [line for line in old.decode("utf-8").splitlines() if line not in new_text.splitlines()]
    added = [line for line in new_text.splitlines() if line not in old.decode("utf-8").splitlines()]
    lines = [f"edit {path} (a backup is kept; `troubleshooter undo` restores it)"]
    lines += [f"  - {line}" for line in removed] + [f"  + {line}" for line in added]

    def run() -> Outcome:
        current = _read(path)
        if current != old:
            raise Refused(f"{path} changed since the preview; nothing was written")
        undo: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        if path.exists():
            backup, digest = backup_file(path, actx.backup_dir, step="env:backup")
            undo.append(
                {
                    "kind": "restore-file",
                    "path": str(path),
                    "backup": str(backup),
                    "sha256": digest,
                    "after_sha256": sha256_bytes(new),
                }
            )
        else:
            undo.append({"kind": "remove-file", "path": str(path), "sha256": sha256_bytes(new)})
        actx.will_undo(undo[0])
        atomic_write(path, new, step="env:write")
        changes.append(
            {"kind": "edit-file", "path": str(path), "removed": removed, "added": added, "sha256": sha256_bytes(new)}
        )
        done = "wrote" if any(v is not None for v in edits.values()) else "removed the assignments of"
        return Outcome(changes, undo, overlay, f"{done} {', '.join(edits)} in {path}")

    return Plan(lines, run, env_overlay=overlay)


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
