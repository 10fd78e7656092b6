"""space-paused, end to end: every cause rebuilt against a loopback Hub, walked by the real CLI.

Each test serves a Space (stage, discussions, logs), its output repo and base model from the
fake Hub, runs `python -m troubleshooter --playbook space-paused --json` in a child process
with HF_ENDPOINT pointing at it, and checks the verdict, the cause and the evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import CANARY, CliResult, base_env, run_cli
from tests.fakes.hubdata import Role
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser, Fault
from tests.fakes.netdead import Blackhole

SPACE = "alice/autotrain-llm-sft"
OUTPUT = "alice/llm-sft"
FAILED = "Your training has failed ❌"
FINISHED = "Your training has finished successfully ✅"
CRASH_HEAD = (
    "ERROR | autotrain.trainers.common:wrapper:216 - train has failed due to an exception:"
    " Traceback (most recent call last):"
)
PAUSING = "INFO | autotrain.trainers.common:pause_space:191 - Pausing space..."
PUBLIC_BASE = FakeRepo("mistralai/Mistral-7B-v0.3", files=[FakeFile("config.json", b'{"model_type": "mistral"}')])
GATED_BASE = FakeRepo(
    "meta-llama/Llama-3.1-8B", gated="manual", files=[FakeFile("config.json", b'{"model_type": "llama"}')]
)


def _space(**kw: Any) -> FakeRepo:
    kw.setdefault("stage", "PAUSED")
    kw.setdefault("hardware", "a10g-small")
    return FakeRepo(kw.pop("id", SPACE), type="space", private=True, **kw)


def _output(*paths: str) -> FakeRepo:
    files = [FakeFile(p, size=4096) if p.endswith((".safetensors", "tfevents")) else FakeFile(p, b"{}") for p in paths]
    return FakeRepo(OUTPUT, private=True, files=files)


def _walk(hub_url: str, home: Path, *, timeout: float = 3, **answers: str) -> CliResult:
    env = base_env(home, {"HF_ENDPOINT": hub_url, "HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"})
    args = ["--playbook", "space-paused", "--json", "--timeout", str(timeout)]
    for key, value in {"space": SPACE, **answers}.items():
        args += ["--answer", f"{key}={value}"]
    return run_cli(args, env)


def _hub(*repos: FakeRepo, role: Role = "write") -> FakeHub:
    return FakeHub(users=[FakeUser(CANARY, "alice", role=role)], repos=list(repos))


def _expect(result: CliResult, cause: str | None, verdict: str = "problem") -> dict[str, Any]:
    assert CANARY not in result.stdout + result.stderr
    data = result.json
    assert data["verdict"] == verdict, json.dumps(data, indent=1, ensure_ascii=False)[:4000]
    assert result.cause == cause, json.dumps(data, indent=1, ensure_ascii=False)[:4000]
    assert result.code == {"healthy": 0, "problem": 1, "inconclusive": 3, "needs-input": 3}[verdict]
    return {s["node"]: s for s in data["steps"]}


def test_running_space_is_healthy(home: Path) -> None:
    with _hub(_space(stage="RUNNING", logs=["* Running on local URL:  http://0.0.0.0:7860"])) as hub:
        steps = _expect(_walk(hub.url, home), None, "healthy")
    assert steps["runtime"]["facts"]["stage_group"] == "running"
    assert "job-message" not in steps


def test_finished_job_without_answers_finds_the_model_through_the_success_message(home: Path) -> None:
    body = f"Your training run was successful! [Check out your trained model here](https://huggingface.co/{OUTPUT})"
    space = _space(discussions=[{"title": FINISHED, "body": body}], logs=["INFO | Pushing model to hub...", PAUSING])
    output = _output("README.md", "training_params.json", "adapter_model.safetensors", "runs/Jan1/events.tfevents")
    with _hub(space, output) as hub:
        result = _walk(hub.url, home)
    steps = _expect(result, "space-finished")
    assert steps["job-message"]["facts"]["inferred"] == {"output_repo": OUTPUT}
    repo = steps["output-repo"]["facts"]
    assert repo["has_weights"] and repo["weight_files"] == ["adapter_model.safetensors"]
    assert repo["url"].endswith(f"/{OUTPUT}")
    assert "open-results" in {r["id"] for r in result.json["remediations"]}


def test_job_that_paused_itself_without_a_message_but_pushed_weights_is_finished(home: Path) -> None:
    space = _space(id="alice/autotrain-llm-sft", logs=["INFO | Finished training, saving model...", PAUSING])
    with _hub(space, _output("model.safetensors")) as hub:  # found through the project name
        steps = _expect(_walk(hub.url, home), "space-finished")
    assert steps["output-repo"]["facts"]["guessed"] is True


def test_out_of_memory_crash_is_training_failed(home: Path) -> None:
    logs = [CRASH_HEAD, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.", PAUSING]
    space = _space(discussions=[FAILED], logs=logs)
    with _hub(space, _output("README.md", "runs/Feb3/events.tfevents"), PUBLIC_BASE) as hub:
        result = _walk(hub.url, home, base_model=PUBLIC_BASE.id, output_repo=OUTPUT)
    steps = _expect(result, "space-training-failed")
    assert steps["job-logs"]["facts"]["error_kind"] == "oom"
    assert steps["output-repo"]["facts"]["logs_only"] is True
    remediations = {r["id"]: r["applicability"] for r in result.json["remediations"]}
    assert remediations["keep-failed-space-up"] == "unsafe"


def test_gated_base_model_is_named_by_the_log_when_not_given(home: Path) -> None:
    logs = [
        CRASH_HEAD,
        "huggingface_hub.errors.GatedRepoError: 403 Client Error. Cannot access gated repo for url "
        f"https://huggingface.co/{GATED_BASE.id}/resolve/main/config.json.",
        PAUSING,
    ]
    with _hub(_space(discussions=[FAILED], logs=logs), GATED_BASE) as hub:
        steps = _expect(_walk(hub.url, home), "gated-base-model")
    assert steps["base-model"]["facts"]["repo"] == GATED_BASE.id
    assert steps["base-model"]["facts"]["access"] == "denied"


def test_gated_base_model_without_access_is_found_even_when_the_log_is_gone(home: Path) -> None:
    with _hub(_space(discussions=[FAILED]), GATED_BASE) as hub:
        steps = _expect(_walk(hub.url, home, base_model=GATED_BASE.id), "gated-base-model")
    assert steps["base-model"]["facts"]["gated"] == "manual"


def test_forbidden_repo_creation_in_the_log_is_token_not_write(home: Path) -> None:
    logs = [
        CRASH_HEAD,
        "huggingface_hub.errors.HfHubHTTPError: 403 Client Error: Forbidden for url: https://huggingface.co/api/repos/create",
    ]
    with _hub(_space(logs=logs), PUBLIC_BASE, role="read") as hub:
        steps = _expect(_walk(hub.url, home, base_model=PUBLIC_BASE.id), "token-not-write")
    assert steps["whoami"]["facts"]["role"] == "read"


def test_failed_job_with_a_read_token_is_token_not_write(home: Path) -> None:
    space = _space(discussions=[FAILED], logs=[CRASH_HEAD, "RuntimeError: upload refused"])
    with _hub(space, PUBLIC_BASE, role="read") as hub:
        result = _walk(hub.url, home, base_model=PUBLIC_BASE.id)
    _expect(result, "token-not-write")
    assert {r["id"]: r["applicability"] for r in result.json["remediations"]}["write-token-secret"] == "display-only"


def test_build_error_reads_the_build_log(home: Path) -> None:
    space = _space(stage="BUILD_ERROR", build_logs=["ERROR: No matching distribution found for torch==1.0.0"])
    with _hub(space) as hub:
        result = _walk(hub.url, home)
    steps = _expect(result, "space-build-error")
    assert steps["build-logs"]["facts"]["source"] == "build"
    assert "No matching distribution" in " ".join(steps["build-logs"]["facts"]["tail"])
    assert {r["id"]: r["applicability"] for r in result.json["remediations"]}["factory-reboot"] == "unsafe"


def test_pause_without_any_job_message_is_billing(home: Path) -> None:
    with _hub(_space(discussions=["Add a README"])) as hub:
        steps = _expect(_walk(hub.url, home), "space-billing-pause")
    assert steps["job-message"]["facts"]["outcome"] == "none"


def test_sleeping_space_is_not_paused(home: Path) -> None:
    with _hub(_space(stage="SLEEPING", hardware="cpu-basic")) as hub:
        steps = _expect(_walk(hub.url, home), "space-sleeping")
    assert steps["runtime"]["facts"]["stage"] == "SLEEPING"


def test_a_stage_nobody_knows_is_kept_and_does_not_break_the_walk(home: Path) -> None:
    with _hub(_space(stage="HIBERNATING_V2")) as hub:
        steps = _expect(_walk(hub.url, home), None, "inconclusive")
    assert steps["runtime"]["facts"]["stage"] == "HIBERNATING_V2"


def test_space_of_another_account_is_not_found(home: Path) -> None:
    with _hub(_space(id="bob/autotrain-secret")) as hub:
        _expect(_walk(hub.url, home, space="bob/autotrain-secret"), "space-not-found")


def test_failed_job_with_no_log_and_no_base_model_asks_for_it(home: Path) -> None:
    with _hub(_space(discussions=[FAILED])) as hub:
        result = _walk(hub.url, home)
    _expect(result, None, "needs-input")
    assert result.json["missing_input"] == "base_model"


def test_silent_hub_costs_one_deadline(home: Path) -> None:
    with Blackhole() as hole:
        result = _walk(hole.url, home, timeout=2)
    _expect(result, "hub-unreachable")
    assert result.seconds < 2 + 3, "a silent Hub must cost about one probe deadline"


def test_silent_log_stream_is_not_mistaken_for_an_empty_log(home: Path) -> None:
    with _hub(_space(discussions=[FAILED])) as hub:
        hub.add_fault(Fault(r"/logs/", hang=True))
        result = _walk(hub.url, home, timeout=2, base_model=PUBLIC_BASE.id)
    steps = _expect(result, "hub-unreachable")
    assert steps["job-logs"]["facts"]["kind"] == "read-timeout"
    assert result.seconds < 2 + 6, (
        "a silent log stream costs about one deadline (start-up and the agent on a loaded machine aside)"
    )


def test_scheduling_failure_in_the_runtime_error_is_hardware_unavailable(home: Path) -> None:
    message = f"Scheduling failure: unable to schedule on a100-large (request by {CANARY})"
    space = _space(id="bob/trl-dpo-run", stage="RUNTIME_ERROR", hardware="a100-large", error_message=message)
    with FakeHub(users=[FakeUser(CANARY, "bob", role="write")], repos=[space]) as hub:
        result = _walk(hub.url, home, space=space.id)
    steps = _expect(result, "space-hardware-unavailable")  # also: the token in the message never shows
    facts = steps["runtime"]["facts"]
    assert facts["error_kind"] == "scheduling" and facts["hardware_unassigned"] is True
    assert facts["requested_hardware"] == "a100-large" and facts["hardware"] is None
    assert facts["error_message"].startswith("Scheduling failure: unable to schedule")
    assert "build-logs" not in steps and "job-message" not in steps
    assert {r["id"]: r["applicability"] for r in result.json["remediations"]}[
        "retry-or-other-hardware"
    ] == "display-only"


def test_an_app_that_crashes_at_start_stays_a_build_error(home: Path) -> None:
    message = "Exit code: 1. Reason: ModuleNotFoundError: No module named 'gradio'"
    space = _space(stage="RUNTIME_ERROR", error_message=message, build_logs=["Successfully built image"])
    with _hub(space) as hub:
        steps = _expect(_walk(hub.url, home), "space-build-error")
    assert steps["runtime"]["facts"]["error_kind"] == "app"
    assert "ModuleNotFoundError" in steps["runtime"]["evidence"]


def test_oauth_job_without_any_discussion_but_with_weights_is_finished(home: Path) -> None:
    # Launched after an OAuth login (hf_oauth_ token): AutoTrain posts no discussion, the log is gone.
    space = _space(id="alice/llm-finetuner")
    output = FakeRepo("alice/sft-v2", private=True, files=[FakeFile("adapter_model.safetensors", size=4096)])
    with _hub(space, output) as hub:
        steps = _expect(_walk(hub.url, home, space=space.id, output_repo=output.id), "space-finished")
    assert steps["job-message"]["facts"]["outcome"] == "none"
    assert steps["output-repo"]["facts"]["has_weights"] is True
    assert "base-model" not in steps


def test_project_name_guess_that_does_not_exist_is_skipped_not_a_crash(home: Path) -> None:
    with _hub(_space(id="alice/autotrain-nothing-here")) as hub:
        steps = _expect(_walk(hub.url, home, space="alice/autotrain-nothing-here"), "space-billing-pause")
    repo = steps["output-repo"]
    assert repo["status"] == "skipped", repo["evidence"]
    assert repo["facts"]["guess"] == "alice/nothing-here" and repo["facts"]["repo"] is None
