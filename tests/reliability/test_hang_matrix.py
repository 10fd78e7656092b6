"""Hang matrix: whatever never answers, each walk ends within its bound and names the probe."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, Fault
from tests.fakes.netdead import Blackhole, closed_port_url

DEADLINE = 1.0
STARTUP = 3.0  # interpreter start and imports on a loaded 2-core CI machine


def _walk(endpoint: str, home: Path, extra: dict[str, str] | None = None, fakes: bool = False) -> object:
    env = base_env(home, {"HF_ENDPOINT": endpoint, "HF_HUB_DISABLE_XET": "1", **(extra or {})}, fakes=fakes)
    return run_cli(
        ["--playbook", "fetching-stuck", "--json", "--timeout", str(DEADLINE), "--answer", "repo=acme/m"], env
    )


def test_silent_endpoint(home: Path) -> None:
    with Blackhole() as hole:
        result = _walk(hole.url, home)
    assert result.cause == "hub-unreachable"  # type: ignore[attr-defined]
    assert result.seconds <= DEADLINE + STARTUP  # type: ignore[attr-defined]


def test_refused_port(home: Path) -> None:
    with closed_port_url() as closed:
        result = _walk(closed.url, home)
    assert result.cause == "hub-unreachable"  # type: ignore[attr-defined]
    assert result.seconds <= DEADLINE + STARTUP  # type: ignore[attr-defined]


def test_metadata_answer_that_hangs_midway(home: Path) -> None:
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}")])
    with FakeHub(repos=[repo], faults=[Fault(r"^/api/models/acme/m", hang=True)]) as hub:
        result = _walk(hub.url, home)
    data = result.json  # type: ignore[attr-defined]
    assert data["verdict"] == "problem" and data["diagnosis"]["cause"] == "hub-unreachable"
    named = [s for s in data["steps"] if s["status"] in ("timeout", "unknown", "fail") and s["node"] == "repo"]
    assert named, json.dumps(data["steps"], indent=1)
    assert result.seconds <= 2 * DEADLINE + STARTUP  # type: ignore[attr-defined]


def test_body_that_stalls(home: Path) -> None:
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}")])
    with FakeHub(repos=[repo], faults=[Fault(r"^/api/models$", stall_body=True)]) as hub:
        result = _walk(hub.url, home)
    assert result.cause == "hub-unreachable"  # type: ignore[attr-defined]
    assert result.seconds <= DEADLINE + STARTUP  # type: ignore[attr-defined]


def test_colab_secret_lookup_that_blocks(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "colab.json"
    config.write_text(json.dumps({"mode": "block"}))
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}")])
    with FakeHub(repos=[repo]) as hub:
        result = _walk(hub.url, home, {"COLAB_RELEASE_TAG": "x", "FAKE_COLAB": str(config)}, fakes=True)
    data = result.json  # type: ignore[attr-defined]
    assert data["timed_out"] == ["colab.secret"]
    assert data["diagnosis"]["cause"] == "colab-secret-prompt"
    assert result.seconds <= DEADLINE + STARTUP  # type: ignore[attr-defined]
