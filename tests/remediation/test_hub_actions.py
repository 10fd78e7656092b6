"""`space.restart` and `space.set-variable` against the loopback fake Hub, with real huggingface_hub calls.

The actions run in a child process (huggingface_hub reads HF_ENDPOINT at import) or through
the real CLI; the fake Hub's Space routes change the `FakeRepo`, so the tests read the Space's
state from it (and through the Hub API) afterwards.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubdata import Role
from tests.fakes.hubserver import FakeHub, FakeRepo, FakeUser
from tests.fakes.netdead import Blackhole
from tests.remediation.support import WorkerResult, run_worker, write_journal

SPACE = "alice/autotrain-llm-sft"
FAILED = "Your training has failed ❌"
CRASH = [
    "ERROR | autotrain.trainers.common:wrapper:216 - train has failed due to an exception:",
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.",
    "INFO | autotrain.trainers.common:pause_space:191 - Pausing space...",
]


def _space(**kw: Any) -> FakeRepo:
    kw.setdefault("stage", "PAUSED")
    kw.setdefault("hardware", "a10g-small")
    return FakeRepo(SPACE, type="space", private=True, **kw)


@pytest.fixture
def space() -> FakeRepo:
    return _space()


def _hub(space: FakeRepo, role: Role = "write") -> FakeHub:
    return FakeHub(users=[FakeUser(CANARY, "alice", role=role)], repos=[space])


@pytest.fixture
def hub(space: FakeRepo) -> Iterator[FakeHub]:
    with _hub(space) as served:
        yield served


def _env(home: Path, endpoint: str, token: str | None = CANARY) -> dict[str, str]:
    extra = {"HF_ENDPOINT": endpoint, "HF_HUB_DISABLE_XET": "1", **({"HF_TOKEN": token} if token else {})}
    return base_env(home, extra)


def _act(env: dict[str, str], tmp_path: Path, action: str, timeout_s: float = 5.0, **args: Any) -> WorkerResult:
    spec = {"action": action, "args": args, "state_dir": str(tmp_path / "state"), "run": True, "timeout_s": timeout_s}
    result = run_worker(env, spec)
    assert result.code == 0, result.stderr
    assert CANARY not in str(result.data) + result.stderr
    return result


def _posts(hub: FakeHub, what: str) -> int:
    return len(hub.requests.matching("POST", f"/api/spaces/{SPACE}/{what}"))


def _variables(hub: FakeHub) -> dict[str, str]:
    """The Space's variables as GET /api/spaces/{id}/variables shows them (plain HTTP: this
    process's own HF_* variables and proxies play no part)."""
    conn = http.client.HTTPConnection("127.0.0.1", int(hub.url.rsplit(":", 1)[1]), timeout=5)
    try:
        conn.request("GET", f"/api/spaces/{SPACE}/variables", headers={"Authorization": f"Bearer {CANARY}"})
        response = conn.getresponse()
        assert response.status == 200
        body: dict[str, dict[str, str]] = json.loads(response.read())
    finally:
        conn.close()
    return {k: v["value"] for k, v in body.items()}


@pytest.mark.parametrize("old", [None, "1"])
def test_set_variable_sets_it_once_and_undo_puts_the_old_state_back(
    home: Path, tmp_path: Path, space: FakeRepo, hub: FakeHub, old: str | None
) -> None:
    space.variables.update({"OTHER": "kept", **({"PAUSE_ON_FAILURE": old} if old else {})})
    env = _env(home, hub.url)
    first = _act(env, tmp_path, "space.set-variable", space=SPACE, key="PAUSE_ON_FAILURE", value="0")
    [change] = first.data["outcome"]["changes"]
    assert (change["before"], change["after"]) == (old, "0")
    assert _variables(hub) == {"OTHER": "kept", "PAUSE_ON_FAILURE": "0"}

    second = _act(env, tmp_path, "space.set-variable", space=SPACE, key="PAUSE_ON_FAILURE", value="0")
    assert second.data["plan"]["noop"] is True and "outcome" not in second.data
    assert _posts(hub, "variables") == 1

    fixes = [{"remediation": "keep-failed-space-up", "undo": first.data["outcome"]["undo"]}]
    undone = run_worker(env, {"undo": fixes})
    assert undone.data["skipped"] == 0, undone.data
    assert _variables(hub) == {"OTHER": "kept", **({"PAUSE_ON_FAILURE": old} if old else {})}


def test_restart_restarts_a_paused_space_and_is_a_noop_on_a_running_one(
    home: Path, tmp_path: Path, space: FakeRepo, hub: FakeHub
) -> None:
    env = _env(home, hub.url)
    first = _act(env, tmp_path, "space.restart", space=SPACE)
    assert first.data["plan"]["lines"][0] == f"POST {hub.url}/api/spaces/{SPACE}/restart"
    [change] = first.data["outcome"]["changes"]
    assert (change["before"], change["after"]) == ("PAUSED", "RUNNING")
    assert space.stage == "RUNNING" and space.restarts == 1 and space.factory_reboots == 0

    second = _act(env, tmp_path, "space.restart", space=SPACE, factory_reboot=True)
    assert second.data["plan"]["noop"] is True and "is RUNNING" in second.data["plan"]["reason"]
    assert space.restarts == 1 and _posts(hub, "restart") == 1


def test_factory_reboot_asks_the_hub_for_a_rebuild(home: Path, tmp_path: Path, space: FakeRepo, hub: FakeHub) -> None:
    space.stage = "BUILD_ERROR"
    result = _act(_env(home, hub.url), tmp_path, "space.restart", space=SPACE, factory_reboot=True)
    assert result.data["plan"]["lines"][0].endswith("/restart?factory=true")
    assert space.factory_reboots == 1 and space.stage == "RUNNING"


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("space.set-variable", {"space": SPACE, "key": "PAUSE_ON_FAILURE", "value": "0"}),
        ("space.restart", {"space": SPACE}),
    ],
)
def test_read_only_token_is_refused_with_a_clear_message(
    home: Path, tmp_path: Path, action: str, args: dict[str, Any]
) -> None:
    space = _space()
    with _hub(space, role="read") as hub:
        result = _act(_env(home, hub.url), tmp_path, action, **args)
    assert result.data["stage"] == "run" and "outcome" not in result.data
    assert "forbidden" in result.data["refused"] and "write access" in result.data["refused"], result.data
    assert space.stage == "PAUSED" and space.variables == {} and space.restarts == 0


def test_without_a_token_nothing_is_asked_of_the_hub(home: Path, tmp_path: Path, hub: FakeHub) -> None:
    result = _act(_env(home, hub.url, token=None), tmp_path, "space.restart", space=SPACE)
    assert result.data["stage"] == "plan" and "no Hugging Face token" in result.data["refused"]
    assert len(hub.requests) == 0


@pytest.mark.parametrize("action", ["space.restart", "space.set-variable"])
def test_hub_that_never_answers_costs_one_deadline(home: Path, tmp_path: Path, action: str) -> None:
    args = {"space": SPACE} if action == "space.restart" else {"space": SPACE, "key": "K", "value": "0"}
    with Blackhole() as dead:
        started = time.monotonic()
        result = _act(_env(home, dead.url), tmp_path, action, timeout_s=1.0, **args)
        took = time.monotonic() - started
        assert dead.connections >= 1
    assert result.data["stage"] == "plan" and "outcome" not in result.data
    assert result.data["seconds"] < 1.0 + 1.0, result.data
    assert took < 10, took  # the whole child, start-up and exit included, never hangs on the socket


def test_cli_applies_a_space_restart_and_undo_pauses_it_again(home: Path, tmp_path: Path) -> None:
    space = _space(discussions=["Add a README"])  # paused with no job message: billing pause
    report = tmp_path / "report.json"
    with _hub(space) as hub:
        env = _env(home, hub.url)
        args = ["--playbook", "space-paused", "--json", "--timeout", "3", "--answer", f"space={SPACE}"]
        result = run_cli([*args, "--apply", "unsafe", "--yes", "--report", str(report)], env)
        [fix] = result.json["fixes"]
        assert fix["remediation"] == "train-again" and fix["applied"] is True, result.stderr
        assert space.stage == "RUNNING" and fix["verify"]["cause_before"] == "space-billing-pause"
        assert result.json["verdict"] == "healthy" and result.code == 0
        undone = run_cli(["undo", str(report)], env)
        assert undone.code == 0, undone.stdout + undone.stderr
        assert space.stage == "PAUSED" and f"paused {SPACE}" in undone.stdout
    assert CANARY not in result.stdout + result.stderr + undone.stdout + undone.stderr + report.read_text()


def test_cli_sets_pause_on_failure_on_a_space_whose_training_failed(home: Path, tmp_path: Path) -> None:
    space = _space(discussions=[FAILED], logs=CRASH)
    report = tmp_path / "report.json"
    with _hub(space) as hub:
        args = ["--playbook", "space-paused", "--json", "--timeout", "3", "--answer", f"space={SPACE}"]
        args += ["--apply", "unsafe", "--yes", "--fix", "keep-failed-space-up", "--report", str(report)]
        result = run_cli(args, _env(home, hub.url))
    [fix] = result.json["fixes"]
    assert fix["remediation"] == "keep-failed-space-up" and fix["applied"] is True, result.stderr
    assert fix["verify"]["cause_before"] == "space-training-failed"
    assert space.variables == {"PAUSE_ON_FAILURE": "0"} and _posts(hub, "variables") == 1
    assert CANARY not in result.stdout + result.stderr + report.read_text()


def test_cli_undo_from_the_journal_puts_the_old_variable_back(
    home: Path, tmp_path: Path, space: FakeRepo, hub: FakeHub
) -> None:
    space.variables["PAUSE_ON_FAILURE"] = "1"
    env = _env(home, hub.url)
    applied = _act(env, tmp_path, "space.set-variable", space=SPACE, key="PAUSE_ON_FAILURE", value="0")
    fix = {"remediation": "keep-failed-space-up", "undo": applied.data["outcome"]["undo"]}
    journal = write_journal(tmp_path / "state", [fix])
    undone = run_cli(["undo", str(journal)], {**env, "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "state")})
    assert space.variables == {"PAUSE_ON_FAILURE": "1"}, undone.stdout + undone.stderr
    assert undone.code == 0
