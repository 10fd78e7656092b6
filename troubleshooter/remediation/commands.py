"""`command.run` and `pip.upgrade`: programs run from an argv list, never through a shell.

The argv comes from the playbook (after `${...}` substitution of whole arguments, so a value
can never turn into extra arguments or shell syntax). A command may name a read-only
`preview` argv (`hf cache prune --dry-run`); a dry-run executes nothing, so the preview only
runs after consent, right before the command, and when its output matches `noop_when` the
command is skipped. A command is never `safe` (lint rejects it: a playbook cannot know what a
program does on this machine). Commands cannot be undone by this tool; pip upgrades can (the
previous version is reinstalled).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from troubleshooter.model.playbook import Applicability
from troubleshooter.redact import scrub
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused, action

PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
VERSION = re.compile(r"[0-9][0-9A-Za-z.+!-]*\Z")
OUTPUT_LINES = 15


def _argv_errors(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a for a in value):
        return [f"command.run: '{name}' must be a non-empty list of strings (an argv, never a shell line)"]
    return []


def _validate_command(args: Mapping[str, Any]) -> list[str]:
    return _argv_errors(args.get("argv"), "argv") + _argv_errors(args.get("preview"), "preview")


REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(\s*(==|!=|<=|>=|<|>|~=)\s*[0-9][0-9A-Za-z.*+!]*\s*,?)*$")


def _validate_pip(args: Mapping[str, Any]) -> list[str]:
    package = str(args.get("package", ""))
    errors = [] if PACKAGE.match(package) else [f"pip.upgrade: {package!r} is not a package name"]
    minimum = args.get("min_version")
    if minimum is not None and not VERSION.match(str(minimum)):
        errors.append(f"pip.upgrade: {minimum!r} is not a version")
    requirement = args.get("requirement")
    if requirement is not None and not (
        REQUIREMENT.match(str(requirement)) and str(requirement).lower().startswith(package.lower())
    ):
        errors.append(f"pip.upgrade: {requirement!r} is not a version range of {package}")
    return errors


def _tail(text: str) -> list[str]:
    return [scrub(line)[:300] for line in text.strip().splitlines()[-OUTPUT_LINES:]]


def run_argv(actx: ActionContext, argv: list[str], timeout_s: float) -> tuple[int | None, list[str]]:
    """(return code or None on timeout, last lines of output); stdin closed, the user's environment."""
    try:
        done = subprocess.run(
            argv,
            env=dict(actx.env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout if isinstance(exc.stdout, str) else ""
        return None, _tail(output or "")
    except OSError as exc:
        raise Refused(f"cannot run {argv[0]}: {exc.strerror}") from None
    return done.returncode, _tail(done.stdout + "\n" + done.stderr)


def _resolve(actx: ActionContext, argv: list[str]) -> list[str]:
    if any(not isinstance(a, str) or a == "" for a in argv):
        raise Refused("an argument of the command is empty (an input it needs was not given)")
    program = shutil.which(argv[0], path=actx.env.get("PATH"))
    if program is None:
        raise Refused(f"{argv[0]} is not on PATH")
    return [program, *argv[1:]]


@action(
    "command.run",
    touches=("whatever the command changes",),
    applicability=Applicability.UNSAFE,
    validate=_validate_command,
)
def run_command(
    actx: ActionContext,
    argv: list[str],
    preview: list[str] | None = None,
    noop_when: str | None = None,
    timeout_s: float = 120.0,
) -> Plan:
    """Run a program (argv list, no shell); `preview` runs first, read-only, to show its effect.

    `noop_when` is a regular expression: when the preview's output matches it, there is nothing
    to do (a second apply is a no-op).
    """
    command = _resolve(actx, list(argv))
    lines = ["run: " + " ".join(argv)]
    checker = _resolve(actx, list(preview)) if preview else None
    if preview:
        lines.append(f"first, after consent: {' '.join(preview)} (read-only; nothing runs during a dry-run)")

    def run() -> Outcome:
        actx.will_undo({"kind": "none", "why": f"{argv[0]}'s effects cannot be undone by this tool"})
        if checker is not None:
            code, output = run_argv(actx, checker, min(timeout_s, actx.timeout_s * 4))
            if code == 0 and noop_when and re.search(noop_when, "\n".join(output)):
                return Outcome(message=f"nothing to do: {' '.join(preview or [])} shows nothing to change")
        code, output = run_argv(actx, command, timeout_s)
        change = {"kind": "command", "argv": list(argv), "returncode": code, "output_tail": output}
        undo = {"kind": "none", "why": f"{argv[0]}'s effects cannot be undone by this tool"}
        if code != 0:
            raise CommandFailed(change, f"{' '.join(argv)} exited with {code if code is not None else 'a timeout'}")
        return Outcome([change], [undo], message=f"ran {' '.join(argv)}")

    return Plan(lines, run, deadline_s=timeout_s * 2 + 5)


class CommandFailed(Refused):
    """The command ran and failed; `change` records what it printed."""

    def __init__(self, change: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.change = change


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:4])


@action(
    "pip.upgrade",
    touches=("the packages of the diagnosed Python (its own pip, within its installed requirements)",),
    applicability=Applicability.UNSAFE,
    validate=_validate_pip,
)
def pip_upgrade(
    actx: ActionContext,
    package: str,
    min_version: str | None = None,
    requirement: str | None = None,
    timeout_s: float = 300.0,
) -> Plan:
    """Install `requirement` (or `package>=min_version`) in the diagnosed Python, within its stack.

    pip's own resolver previews every change before consent; the request is narrowed by the
    installed packages' requirements, and a change that would still break one is refused.
    """
    from troubleshooter.remediation.pipfix import PipRefused, plan_install

    python = actx.probe.target_python or sys.executable
    base = requirement or (f"{package}>={min_version}" if min_version else package)
    try:
        preview = plan_install(python, package, base, min(timeout_s, 120.0))
    except (PipRefused, OSError, subprocess.TimeoutExpired) as exc:
        why = str(exc) if isinstance(exc, PipRefused) else f"pip could not be asked in {python}: {exc}"
        return Plan([f"not applied: {why}"], noop=True, reason=why)
    changes = preview["changes"]
    if preview["broken"]:
        why = "refused: it would break installed requirements: " + "; ".join(preview["broken"][:4])
        return Plan([f"in {python}: pip install '{preview['requirement']}'", why], noop=True, reason=why)
    if not changes:
        why = f"nothing to change: {preview['requirement']} is already satisfied in {python}"
        return Plan([why], noop=True, reason=why)
    argv = [python, "-m", "pip", "install", "--upgrade", "--disable-pip-version-check", preview["requirement"]]
    lines = [f"in {python}: run {' '.join(argv[1:])}", "pip's resolution (nothing installed yet):"]
    lines += [f"  {c['name']}: {c['before'] or 'not installed'} -> {c['version']}" for c in changes]
    lines.append("restart the notebook kernel afterwards: a running kernel keeps the version it imported")

    def undo_entries() -> list[dict[str, Any]]:
        return [
            {"kind": "pip-install", "package": c["name"], "version": c["before"], "python": python}
            if c["before"]
            else {"kind": "pip-uninstall", "package": c["name"], "python": python}
            for c in changes
        ]

    def run() -> Outcome:
        for entry in undo_entries():
            actx.will_undo(entry)
        code, output = run_argv(actx, argv, timeout_s)
        change = {"kind": "command", "argv": argv, "returncode": code, "output_tail": output}
        if code != 0:
            raise CommandFailed(change, f"pip exited with {code if code is not None else 'a timeout'}")
        change.update(package=package, requirement=preview["requirement"], changes=changes)
        shown = ", ".join(f"{c['name']} {c['before'] or 'absent'} -> {c['version']}" for c in changes)
        return Outcome([change], undo_entries(), message=shown)

    return Plan(lines, run, deadline_s=timeout_s + 5)
