"""Reading a Space's stage, job messages and logs: the rules behind every space-paused cause."""

from __future__ import annotations

import pytest

from troubleshooter.probes.spacetext import job_outcome_of_title, read_log, repo_in_url_text, stage_group


@pytest.mark.parametrize(
    ("stage", "group"),
    [
        ("RUNNING", "running"),
        ("RUNNING_APP_STARTING", "running"),
        ("BUILDING", "starting"),
        ("PAUSED", "paused"),
        ("SLEEPING", "sleeping"),  # not in huggingface_hub 2.4.0's SpaceStage enum
        ("BUILD_ERROR", "build-error"),
        ("CONFIG_ERROR", "build-error"),
        ("RUNTIME_ERROR", "build-error"),
        ("DEEP_SLEEPING", "sleeping"),
        ("SOMETHING_NEW", "unknown"),
        (None, "unknown"),
    ],
)
def test_any_stage_string_is_sorted_into_a_group(stage: str | None, group: str) -> None:
    assert stage_group(stage) == group


def test_autotrain_titles_name_the_job_outcome() -> None:
    assert job_outcome_of_title("Your training has failed ❌") == "failed"
    assert job_outcome_of_title("Your training has finished successfully ✅") == "finished"
    assert job_outcome_of_title("Add a README") is None


def test_success_message_link_names_the_output_repo() -> None:
    body = "Your training run was successful! [Check out your trained model here](https://huggingface.co/alice/proj-1)"
    assert repo_in_url_text(body) == "alice/proj-1"
    assert repo_in_url_text("see https://huggingface.co/docs/hub/spaces") is None


def test_gated_refusal_in_log_names_the_base_model() -> None:
    reading = read_log(
        [
            "ERROR | autotrain.trainers.common:wrapper:216 - train has failed due to an exception: Traceback",
            "huggingface_hub.errors.GatedRepoError: 403 Client Error. Cannot access gated repo for url "
            "https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json.",
            "INFO | autotrain.trainers.common:pause_space:191 - Pausing space...",
        ]
    )
    assert reading.error_kind == "gated"
    assert reading.outcome == "failed"
    assert reading.paused_by_job
    assert reading.facts()["inferred"] == {"base_model": "meta-llama/Llama-3.1-8B"}


def test_out_of_memory_beats_the_generic_failure_line() -> None:
    reading = read_log(
        [
            "ERROR | train has failed due to an exception: Traceback (most recent call last):",
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.",
        ]
    )
    assert reading.error_kind == "oom"
    assert "CUDA out of memory" in (reading.error_line or "")


def test_forbidden_repo_creation_is_a_token_without_write() -> None:
    reading = read_log(
        [
            "ERROR | train has failed due to an exception: Traceback (most recent call last):",
            "huggingface_hub.errors.HfHubHTTPError: 403 Client Error: Forbidden for url: "
            "https://huggingface.co/api/repos/create",
        ]
    )
    assert reading.error_kind == "token-not-write"


def test_data_errors_count_only_after_a_crash() -> None:
    assert read_log(["note: the chat_template is applied"]).error_kind == "none"
    crashed = read_log(["Traceback (most recent call last):", "KeyError: 'text'"])
    assert crashed.error_kind == "data"


def test_unrecognised_exception_is_a_crash_with_its_last_line() -> None:
    reading = read_log(["Traceback (most recent call last):", '  File "x.py"', "RuntimeError: boom"])
    assert (reading.error_kind, reading.error_line) == ("crash", "RuntimeError: boom")


def test_finished_job_log_and_params_dump_name_the_repos() -> None:
    reading = read_log(
        [
            "INFO | params: {'model': 'Qwen/Qwen2.5-0.5B', 'project_name': 'chat-sft', 'username': 'bob'}",
            "INFO | Finished training, saving model...",
            "INFO | Pushing model to hub...",
        ]
    )
    assert (reading.error_kind, reading.outcome) == ("none", "finished")
    assert reading.base_model == "Qwen/Qwen2.5-0.5B"
    assert reading.output_repo == "bob/chat-sft"
