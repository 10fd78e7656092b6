"""Plan (and maybe run) one remediation action in a child process, as the CLI would.

    python -m tests.remediation.worker '{"action": "env.set", "args": {...}, "state_dir": "...", "run": true}'

The child reads its environment like the CLI does (`ProbeContext(env=os.environ)`), so
huggingface_hub sees HF_ENDPOINT at import, and `"kill_at": STEP` injects a crash hook that
kills it for real at a crash point. It prints one JSON object on stdout: the plan (`lines`, `noop`, `reason`),
the outcome of `run()` (`changes`, `undo`, `message`), or `refused` with the `stage` (plan or
run) that refused, and the `seconds` planning and running took. With `"undo": [fixes]` it
calls `undo_records` instead and prints its `lines` and `skipped`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    spec: dict[str, Any] = json.loads(argv[0])
    if spec.get("kill_at"):
        from tests.remediation.killing import killer
        from troubleshooter.remediation import fileops

        fileops.CRASH_HOOKS.append(killer(str(spec["kill_at"])))
    if "undo" in spec:
        from troubleshooter.remediation.undo import undo_records

        lines, skipped, _ = undo_records(spec["undo"], dry=bool(spec.get("dry")), force=bool(spec.get("force")))
        print(json.dumps({"lines": lines, "skipped": skipped}))
        return 0

    from troubleshooter.probes.context import ProbeContext
    from troubleshooter.remediation import actions
    from troubleshooter.remediation.actions import ActionContext, Refused

    timeout_s = float(spec.get("timeout_s", 5.0))
    actx = ActionContext(
        probe=ProbeContext(env=dict(os.environ), timeout_s=timeout_s),
        inputs=spec.get("inputs") or {},
        run_id=str(spec.get("run_id") or "worker"),
        state_dir=Path(spec["state_dir"]),
        timeout_s=timeout_s,
        out=lambda line: print(line, file=sys.stderr),
    )
    action = actions.get(spec["action"])
    assert action is not None, spec["action"]
    result: dict[str, Any] = {}
    started = time.monotonic()  # the action's own time: planning and running, not the imports
    try:
        plan = actions.make_plan(action, actx, spec.get("args") or {})
        result["plan"] = {"lines": plan.lines, "noop": plan.noop, "reason": plan.reason}
        if spec.get("run") and plan.run is not None and not plan.noop:
            outcome = plan.run()
            result["outcome"] = {"changes": outcome.changes, "undo": outcome.undo, "message": outcome.message}
    except Refused as exc:
        result.update(refused=str(exc), stage="run" if "plan" in result else "plan")
    result["seconds"] = time.monotonic() - started
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
