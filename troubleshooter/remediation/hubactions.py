"""Hub actions through huggingface_hub: `space.restart` and `space.set-variable`.

Both need a write token for the Space's namespace and can cost money (a restarted Space on
paid hardware is billed while it runs), so they are `unsafe`. The endpoint and token are the
ones huggingface_hub resolves for the user; every call is bounded by the run's deadline. The
plan reads the Space's current state, so a second apply is a no-op: a running Space is not
restarted, a variable that already has the value is not set again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from troubleshooter.model.playbook import Applicability
from troubleshooter.probes._hubhttp import classify, effective_endpoint
from troubleshooter.remediation.actions import ActionContext, Outcome, Plan, Refused, action

T = TypeVar("T")
UP_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING", "BUILDING", "APP_STARTING"})
COST_NOTE = "needs a write token; a Space on paid hardware is billed while it runs"


def _call(actx: ActionContext, what: str, func: Callable[[Any, str], T]) -> T:
    """Call `func(api, token)` with a bounded client; Hub and network errors become Refused."""
    from troubleshooter.probes.hub import walk_token
    from troubleshooter.probes.mounts import Timeout, bounded
    from troubleshooter.probes.space import hub_api

    token, _ = walk_token(actx.probe)
    if not token:
        raise Refused(f"{what}: no Hugging Face token (set HF_TOKEN or run hf auth login with a write token)")
    api = hub_api(actx.probe)
    try:
        return bounded(lambda: func(api, token), actx.timeout_s, what)
    except Timeout:
        raise Refused(f"{what}: the Hub did not answer within {actx.timeout_s:g} s") from None
    except Exception as exc:
        facts = classify(exc)
        detail = facts.get("server_message") or facts.get("message") or type(exc).__name__
        raise Refused(f"{what}: {facts.get('kind')} ({detail})"[:300]) from None


@action("space.restart", touches=("the Space on the Hub",), applicability=Applicability.UNSAFE)
def restart_space(actx: ActionContext, space: str, factory_reboot: bool = False) -> Plan:
    """Restart a paused or failed Space (optionally a factory reboot that rebuilds it from scratch)."""
    stage = str(_call(actx, "read the Space's state", lambda api, tok: api.get_space_runtime(space, token=tok)).stage)
    if stage.upper() in UP_STAGES:
        return Plan([f"{space} is {stage}: nothing to restart"], noop=True, reason=f"the Space is {stage}")
    call = f"POST {effective_endpoint()}/api/spaces/{space}/restart" + ("?factory=true" if factory_reboot else "")
    lines = [call, f"the Space is {stage} now; {COST_NOTE}"]

    def run() -> Outcome:
        undo = {"kind": "hub-call", "call": "pause_space", "space": space}
        actx.will_undo(undo)
        runtime = _call(
            actx,
            "restart the Space",
            lambda api, tok: api.restart_space(space, token=tok, factory_reboot=bool(factory_reboot)),
        )
        change = {
            "kind": "hub-call",
            "call": "restart_space",
            "space": space,
            "before": stage,
            "after": str(runtime.stage),
        }
        return Outcome([change], [undo], message=f"{space}: {stage} -> {runtime.stage}")

    return Plan(lines, run)


@action("space.set-variable", touches=("a variable in the Space's settings",), applicability=Applicability.UNSAFE)
def set_space_variable(actx: ActionContext, space: str, key: str, value: str) -> Plan:
    """Set a public variable of a Space (e.g. PAUSE_ON_FAILURE=0); undo puts the old value back.

    Changing a variable restarts the Space.
    """
    variables = _call(actx, "read the Space's variables", lambda api, tok: api.get_space_variables(space, token=tok))
    old = variables.get(key)
    before = None if old is None else str(old.value)
    if before == str(value):
        return Plan([f"{space}: {key} is already {value}"], noop=True, reason=f"{key} is already {value}")
    lines = [
        f"POST {effective_endpoint()}/api/spaces/{space}/variables {{key: {key}, value: {value}}}",
        f"{key} is {'unset' if before is None else before} now; the Space restarts when a variable changes; "
        + COST_NOTE,
    ]

    def run() -> Outcome:
        undo: dict[str, Any] = (
            {"kind": "hub-call", "call": "delete_space_variable", "space": space, "variable": key}
            if before is None
            else {"kind": "hub-call", "call": "add_space_variable", "space": space, "variable": key, "value": before}
        )
        actx.will_undo(undo)
        _call(actx, "set the variable", lambda api, tok: api.add_space_variable(space, key, str(value), token=tok))
        change = {
            "kind": "hub-call",
            "call": "add_space_variable",
            "space": space,
            "variable": key,
            "before": before,
            "after": str(value),
        }
        return Outcome([change], [undo], message=f"{space}: {key} = {value}")

    return Plan(lines, run)


def undo_hub_call(actx: ActionContext, entry: dict[str, Any]) -> str:
    """Carry out a recorded Hub undo entry (pause again, restore or delete a variable)."""
    space, call = str(entry["space"]), str(entry["call"])
    if call == "pause_space":
        _call(actx, "pause the Space", lambda api, tok: api.pause_space(space, token=tok))
        return f"paused {space}"
    key = str(entry.get("variable"))  # not "key": reports redact fields named like secrets
    if call == "delete_space_variable":
        _call(actx, "delete the variable", lambda api, tok: api.delete_space_variable(space, key, token=tok))
        return f"{space}: removed {key}"
    if call == "add_space_variable":
        value = str(entry.get("value"))
        _call(actx, "restore the variable", lambda api, tok: api.add_space_variable(space, key, value, token=tok))
        return f"{space}: {key} = {value}"
    raise Refused(f"unknown Hub undo call {call!r}")
