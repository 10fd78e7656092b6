"""The action registry: fixes a machine can apply, declared like probes.

A playbook remediation names an action (`action: lock.remove`) and its arguments (`args:`,
which may reference `${input}` or `${node.fact}`). An action is a *planner*: a function of an
`ActionContext` and its arguments that looks at the machine *now* and returns a `Plan`: the exact
changes in words (the dry-run), whether there is anything to do at all (a second apply is a
no-op), and a callable that performs the change and says how to undo it. Planning never changes
anything; refusing (a held lock, a path outside the cache) raises `Refused`.

Each action declares what it touches and the least applicability a playbook may give it
(lint rejects `lock.remove` labelled `safe`), like ruff's ordered fix applicability.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from troubleshooter.model.playbook import Applicability
from troubleshooter.registry import Registry, parameters_of, summary_of

if TYPE_CHECKING:
    from troubleshooter.probes.context import ProbeContext

IMPLEMENTATIONS = ("envfile", "locks", "folders", "commands", "hubactions")
APPLICABILITY_ORDER = {Applicability.DISPLAY_ONLY: 0, Applicability.SAFE: 1, Applicability.UNSAFE: 2}


class Refused(Exception):
    """The action must not (or cannot) run here; the message says why, for people."""


class Cancelled(Refused):
    """The run was interrupted or ran past its deadline: no further step starts."""


@dataclass
class ActionContext:
    """What an action may read: the user's environment (via the probe context) and the walk.

    `state_dir` holds this run's backups; `inputs` are the walk's resolved inputs (answers such
    as `env_file` reach actions through them even when the playbook does not declare them).
    """

    probe: ProbeContext
    inputs: Mapping[str, Any]
    run_id: str
    state_dir: Path
    timeout_s: float = 30.0
    out: Callable[[str], None] | None = None  # where print-only actions print (stderr in the CLI)
    journal_undo: Callable[[dict[str, Any]], None] | None = None  # the flow's journal, as steps happen
    cancel: threading.Event = field(default_factory=threading.Event)  # set on an interrupt or timeout

    def will_undo(self, entry: dict[str, Any]) -> None:
        """Journal an undo step *before* the change it reverses, so a run killed right after the
        change can still be undone (undo steps are idempotent: one with nothing to do says so).

        Every change of every action passes here first, so this is also where an interrupted or
        timed-out run stops: no step starts after the cancel, and the journal already holds
        the undo of every step that may have happened.
        """
        if self.cancel.is_set():
            raise Cancelled("interrupted before this step; nothing more was changed")
        if self.journal_undo is not None:
            self.journal_undo(entry)
        if self.cancel.is_set():
            raise Cancelled("interrupted before this step; nothing more was changed")

    @property
    def env(self) -> Mapping[str, str]:
        return self.probe.env

    @property
    def backup_dir(self) -> Path:
        return self.state_dir / "backups" / self.run_id


@dataclass
class Outcome:
    """What an applied plan did: changes (data for the report), how to undo, and what a new
    process would see (`env_overlay`: variables a re-check runs with; None deletes one)."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    undo: list[dict[str, Any]] = field(default_factory=list)
    env_overlay: dict[str, str | None] = field(default_factory=dict)
    message: str = ""


@dataclass
class Plan:
    """A dry-run: `lines` are the exact changes in words; `noop` means nothing is left to do."""

    lines: list[str]
    run: Callable[[], Outcome] | None = None
    noop: bool = False
    reason: str = ""
    env_overlay: dict[str, str | None] = field(default_factory=dict)
    changes_machine: bool = True  # False: the run only prints (no journal, nothing to undo)
    places: list[str] = field(default_factory=list)  # the roots the action declared it acts inside
    deadline_s: float | None = None  # how long running may take (None: the run's deadline)


Planner = Callable[..., Plan]
Validator = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class ActionSpec:
    """A registered action: what it changes and how much consent it needs at least."""

    name: str
    planner: Planner
    summary: str
    touches: tuple[str, ...]
    applicability: Applicability
    params: tuple[str, ...] = ()
    required_params: tuple[str, ...] = ()
    validate: Validator | None = None


_REGISTRY: Registry[ActionSpec] = Registry(
    "action", lambda: (f"troubleshooter.remediation.{module}" for module in IMPLEMENTATIONS)
)


def action(
    name: str, *, touches: tuple[str, ...], applicability: Applicability, validate: Validator | None = None
) -> Callable[[Planner], Planner]:
    """Register `planner(actx, **args) -> Plan` under `name` (dotted, e.g. `lock.remove`)."""

    def decorate(planner: Planner) -> Planner:
        params, required = parameters_of(planner)
        summary = summary_of(inspect.getdoc(planner) or "")
        spec = ActionSpec(name, planner, summary, touches, applicability, params, required, validate)
        _REGISTRY.add(name, spec, same=lambda known: known.planner is planner)
        return planner

    return decorate


registry = _REGISTRY.all  # every action, by name
get = _REGISTRY.get  # one action, or None


def arg_errors(spec: ActionSpec, args: Mapping[str, Any]) -> list[str]:
    """Problems with a playbook's arguments for `spec` (unknown, missing, invalid values)."""
    errors = [f"action {spec.name!r} takes no argument {k!r} (takes: {', '.join(spec.params)})" for k in args]
    errors = [e for k, e in zip(args, errors, strict=True) if k not in spec.params]
    errors += [f"action {spec.name!r} needs argument {k!r}" for k in spec.required_params if k not in args]
    if spec.validate is not None and not errors:
        errors += spec.validate(args)
    return errors


def make_plan(spec: ActionSpec, actx: ActionContext, args: Mapping[str, Any]) -> Plan:
    accepted = {k: v for k, v in args.items() if k in spec.params}
    return spec.planner(actx, **accepted)


def default_state_dir(env: Mapping[str, str]) -> Path:
    """Where backups live: $TROUBLESHOOTER_STATE_DIR, else $XDG_STATE_HOME or ~/.local/state."""
    if env.get("TROUBLESHOOTER_STATE_DIR"):
        return Path(env["TROUBLESHOOTER_STATE_DIR"])
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return Path(base) / "troubleshooter"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def effective_hub_cache(actx: ActionContext) -> str:
    """The hub cache downloads use: the library's constants in a kernel, else the environment's."""
    if actx.probe.in_kernel:
        from huggingface_hub import constants

        return os.path.abspath(str(constants.HF_HUB_CACHE))
    from troubleshooter.probes.cache import expected_paths

    return os.path.abspath(expected_paths(actx.env)["hub_cache"][0])
