"""The headless contract: one JSON object on stdout, exit codes, replay, injected facts, reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.fakes.netdead import closed_port_url

REPO = "acme/tiny-model"


def _hub() -> FakeHub:
    return FakeHub(
        users=[FakeUser("hf_someoneElsesTokenAAAAAAAAAAAAAAAAA", "bob")],
        repos=[FakeRepo(REPO, files=[FakeFile("config.json", b"{}")])],
    )


def test_list_shows_ids_titles_and_symptoms(home: Path) -> None:
    result = run_cli(["--list"], base_env(home))
    assert result.code == 0
    assert "fetching-stuck" in result.stdout and "Fetching" in result.stdout
    data = run_cli(["--list", "--json"], base_env(home)).json
    assert any(p["id"] == "fetching-stuck" and p["symptoms"] for p in data["playbooks"])


def test_unknown_playbook_and_bad_answer_are_usage_errors(home: Path) -> None:
    result = run_cli(["--playbook", "nope", "--json"], base_env(home))
    assert result.code == 2 and "unknown playbook" in result.stderr
    assert result.json["error"]["kind"] == "usage" and result.json["schema_version"] == 1  # the contract's object
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--answer", "noequals"], base_env(home))
    assert result.code == 2 and "KEY=VALUE" in result.stderr


def test_json_output_shape_and_secrets(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text(CANARY + "\n")
    with _hub() as hub:
        env = base_env(
            home,
            {
                "HF_ENDPOINT": hub.url,
                "HF_HOME": str(hf_home),
                "MY_API_KEY": CANARY,
                "HTTP_PROXY": f"http://user:{CANARY}@127.0.0.1:9",
            },
        )
        md, html = tmp_path / "r.md", tmp_path / "r.html"
        result = run_cli(
            ["--playbook", "fetching-stuck", "--json", "--answer", f"repo={REPO}", "--report", str(md)], env
        )
        run_cli(["--playbook", "fetching-stuck", "--answer", f"repo={REPO}", "--report", str(html), "--no-tui"], env)
    data = json.loads(result.stdout)  # exactly one JSON object
    assert set(data) >= {"schema_version", "playbook", "verdict", "diagnosis", "steps", "remediations"}
    assert data["schema_version"] == 1 and data["playbook"] == "fetching-stuck"
    for step in data["steps"]:
        assert step["status"] in {"pass", "fail", "warn", "unknown", "timeout", "skipped", "error"}
        assert {"node", "probe", "facts", "evidence", "duration_s", "next"} <= set(step)
    for rem in data["remediations"]:
        assert rem["applicability"] in {"display-only", "unsafe", "safe"} and rem["applied"] is False
    everything = result.stdout + result.stderr + md.read_text() + html.read_text()
    for i in range(len(CANARY) - 11):
        assert CANARY[i : i + 12] not in everything


def test_replay_rewalks_without_live_probes(home: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with _hub() as hub:
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY})
        live = run_cli(
            ["--playbook", "fetching-stuck", "--json", "--answer", f"repo={REPO}", "--report", str(report)], env
        )
    assert live.cause == "token-invalid"
    with closed_port_url() as closed:  # the replay must not notice the endpoint is gone
        replayed = run_cli(["--replay", str(report), "--json"], base_env(home, {"HF_ENDPOINT": closed.url}))
    assert replayed.cause == "token-invalid" and replayed.code == 1
    assert replayed.json["mode"] == "replay"
    assert all(s.get("source") == "replay" for s in replayed.json["steps"])


def test_injected_facts_choose_the_branch(home: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(
        json.dumps(
            {
                "env.offline_mode": {"status": "pass", "facts": {"offline": False}},
                "colab.runtime": {"status": "pass", "facts": {"in_colab": False}},
                "hub.token": {"status": "pass", "facts": {}},
                "colab.secret": {"status": "skipped", "facts": {}},
                "net.proxy": {"status": "pass", "facts": {}},
                "net.endpoint": {"status": "fail", "facts": {"kind": "dns"}},
            }
        )
    )
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--facts", str(facts)], base_env(home))
    assert result.cause == "hub-unreachable" and result.json["mode"] == "injected"


def test_text_output_names_cause_and_fix(home: Path) -> None:
    with _hub() as hub:
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY})
        result = run_cli(["--playbook", "fetching-stuck", "--answer", f"repo={REPO}"], env)
    assert result.code == 1
    assert re.search(r"Cause:\s+token-invalid", result.stdout)
    assert "hf auth login" in result.stdout


@pytest.mark.parametrize("suffix", [".json", ".md", ".html"])
def test_report_formats_by_extension(home: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    with _hub() as hub:
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY})
        run_cli(["--playbook", "fetching-stuck", "--json", "--answer", f"repo={REPO}", "--report", str(path)], env)
    text = path.read_text()
    assert "token-invalid" in text
    if suffix == ".html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text


@pytest.mark.parametrize("playbook", ["fetching-stuck", "cache-redownloads"])
def test_library_prints_never_reach_stdout(home: Path, playbook: str) -> None:
    # huggingface_hub prints "Error importing ..." for a non-integer timeout variable.
    env = base_env(home, {"HF_HUB_ETAG_TIMEOUT": "30s", "HF_ENDPOINT": "http://127.0.0.1:9"})
    result = run_cli(["--playbook", playbook, "--json", "--timeout", "1"], env)
    assert result.code in (1, 3), result.stderr
    assert json.loads(result.stdout)["playbook"] == playbook
