"""Hostile input and environments: each attack of issue 17 ends in an honest exit and valid output.

Families: output validity (NaN, non-UTF-8 names, ASCII/Latin-1 terminals, closed stdout,
unwritable report), bounded reads (devices, FIFOs, huge files, catastrophic regexes), input
checked at the door (answers, --timeout, malformed files, --json errors), and verdicts that
follow the evidence (a hung HF_HOME, an unknown probe). Every test here failed on the main
branch before issue 17 was built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo

OFFLINE = {"HF_HUB_OFFLINE": "1"}  # nothing in these walks needs the network


def _strict(text: str) -> dict[str, Any]:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    data: dict[str, Any] = json.loads(text, parse_constant=refuse)
    return data


def _facts(tmp_path: Path, body: object, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body) if not isinstance(body, str) else body)
    return str(path)


# --- output is always valid -------------------------------------------------------------


def test_nan_in_facts_gives_strict_json(home: Path, tmp_path: Path) -> None:
    facts = _facts(tmp_path, '{"nvml": {"status": "warn", "facts": {"temp": NaN, "x": [Infinity]}}}')
    result = run_cli(["--playbook", "runtime-wont-connect", "--json", "--facts", facts], base_env(home, OFFLINE))
    assert result.code in (0, 1, 3), result.stderr
    _strict(result.stdout)


def test_undecodable_file_name_is_escaped_not_a_crash(home: Path, tmp_path: Path) -> None:
    # json.loads turns "\udcff" into the lone surrogate os.fsdecode gives for a non-UTF-8 byte.
    body = '{"nvml": {"status": "warn", "facts": {"entries": ["\\udcffbad.bin"]}, "evidence": "\\udcff"}}'
    facts = _facts(tmp_path, body)
    report = tmp_path / "r.md"
    args = ["--playbook", "runtime-wont-connect", "--json", "--facts", facts, "--report", str(report)]
    result = run_cli(args, base_env(home, OFFLINE))
    assert result.code in (0, 1, 3), result.stderr
    steps = {s["node"]: s for s in _strict(result.stdout)["steps"]}
    assert steps["nvml"]["facts"]["entries"] == ["\\xffbad.bin"]
    assert report.stat().st_size > 0


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_any_output_encoding(home: Path, tmp_path: Path, encoding: str) -> None:
    env = base_env(home, {**OFFLINE, "PYTHONIOENCODING": encoding})
    assert run_cli(["--list", "--lang", "zh"], env).code == 0
    facts = _facts(tmp_path, {"nvml": {"status": "fail", "evidence": "❌ 没有 GPU"}})
    text = run_cli(["--playbook", "runtime-wont-connect", "--no-tui", "--lang", "zh", "--facts", facts], env)
    assert text.code in (0, 1, 3) and "internal error" not in text.stderr, text.stderr
    data = run_cli(["--playbook", "runtime-wont-connect", "--json", "--lang", "zh", "--facts", facts], env)
    assert data.code in (0, 1, 3) and _strict(data.stdout)["lang"] == "zh"


@pytest.mark.parametrize("args", [["--list"], ["--list", "--json"], ["--playbook", "nope", "--json"]])
def test_closed_stdout_is_not_a_bug(home: Path, args: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "troubleshooter", *args],
            env=base_env(home),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(write_end)
    assert proc.returncode in (0, 2), proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_unwritable_report_keeps_the_result_on_stdout(home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    facts = _facts(tmp_path, {"nvml": {"status": "pass"}})
    target = blocker / "report.json"  # its folder is a file: cannot be created
    args = ["--playbook", "runtime-wont-connect", "--json", "--facts", facts, "--report", str(target)]
    result = run_cli(args, base_env(home, OFFLINE))
    assert result.code in (0, 1, 3) and "cannot write" in result.stderr
    assert _strict(result.stdout)["playbook"] == "runtime-wont-connect"
    assert not target.exists()


def test_report_file_is_complete_or_absent(home: Path, tmp_path: Path) -> None:
    facts = _facts(tmp_path, {"nvml": {"status": "pass", "facts": {"n": "\udcff"}}})
    for suffix in ("json", "md", "html", "txt"):
        target = tmp_path / f"r.{suffix}"
        args = ["--playbook", "runtime-wont-connect", "--json", "--facts", facts, "--report", str(target)]
        result = run_cli(args, base_env(home, OFFLINE))
        assert result.code in (0, 1, 3), result.stderr
        assert target.stat().st_size > 0
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    _strict((tmp_path / "r.json").read_text())


def test_read_only_home(home: Path, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "home-file"
    not_a_dir.write_text("")
    facts = _facts(tmp_path, {"nvml": {"status": "pass"}})
    env = base_env(not_a_dir, OFFLINE)
    result = run_cli(["--playbook", "runtime-wont-connect", "--json", "--facts", facts], env)
    assert result.code in (0, 1, 3), result.stderr
    _strict(result.stdout)


# --- bounded reads ----------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--facts", "--replay"])
def test_dev_zero_as_input_file(home: Path, flag: str) -> None:
    args = ["--json", flag, "/dev/zero"] + (["--playbook", "runtime-wont-connect"] if flag == "--facts" else [])
    result = run_cli(args, base_env(home, OFFLINE), timeout=30)
    assert result.code == 2 and "regular file" in result.stderr
    assert _strict(result.stdout)["error"]["kind"] == "usage"


def test_huge_facts_file_is_refused(home: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    result = run_cli(["--playbook", "runtime-wont-connect", "--facts", str(huge)], base_env(home), timeout=30)
    assert result.code == 2 and "larger than" in result.stderr


def test_dev_zero_and_fifo_as_playbooks_do_not_hang(home: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "blocked.yaml")
    start = time.monotonic()
    result = run_cli(["lint", str(tmp_path)], base_env(home), timeout=30)
    assert result.code == 2 and "regular file" in result.stderr
    result = run_cli(["lint", "/dev/zero"], base_env(home), timeout=30)
    assert result.code == 2 and "regular file" in result.stderr
    assert time.monotonic() - start < 20


def test_catastrophic_regex_is_refused(home: Path, tmp_path: Path) -> None:
    (tmp_path / "redos.yaml").write_text("""id: redos
title: R
start: a
nodes:
  a:
    type: check
    probe: env.offline_mode
    branches:
      - {when: {fact: evidence, matches: '^(a+)+$'}, next: ok}
    otherwise: ok
  ok: {type: diagnosis, verdict: healthy, title: OK}
""")
    result = run_cli(["lint", str(tmp_path)], base_env(home), timeout=30)
    assert result.code == 2 and "nested quantifiers" in result.stderr


def test_a_slow_match_is_stopped() -> None:
    from troubleshooter.engine.saferegex import search

    start = time.monotonic()
    assert search(r"(\d+\d+)+x", "1" * 60) is False
    assert time.monotonic() - start < 5


# --- input checked at the door ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("rep=acme/nope", "did you mean 'repo'"), ("repo_type=datasets", "did you mean 'dataset'")],
)
def test_unknown_answer_key_or_choice_is_a_usage_error(home: Path, answer: str, expected: str) -> None:
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--answer", answer], base_env(home, OFFLINE))
    assert result.code == 2 and expected in result.stderr
    error = _strict(result.stdout)["error"]
    assert error["kind"] == "usage" and expected in error["message"]


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "0", "601", "soon"])
def test_bad_timeout_is_a_usage_error_with_a_true_message(home: Path, value: str) -> None:
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", value], base_env(home, OFFLINE))
    assert result.code == 2, result.stderr
    message = _strict(result.stdout)["error"]["message"]
    assert "--timeout" in message and ("more than 0" in message or "number" in message)


@pytest.mark.parametrize(
    "body",
    [
        "[1]",
        '{"nvml": {"facts": [1]}}',
        '{"nvml": {"status": "bogus"}}',
        '{"steps": 5}',
        '{"playbook": 7, "steps": []}',
        '{"playbook": "runtime-wont-connect", "inputs": [1], "steps": []}',
        "[" * 100_000,
        "\xff\xfe",
    ],
)
def test_malformed_facts_and_replay_are_usage_errors(home: Path, tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(body.encode("latin-1"))
    runs = [["--replay", str(path)]]
    if '"playbook"' not in body:  # --facts reads only the results; a report's other keys are --replay's
        runs.append(["--playbook", "runtime-wont-connect", "--facts", str(path)])
    for args in runs:
        result = run_cli([*args, "--json"], base_env(home, OFFLINE))
        assert result.code == 2, (args, result.stderr)
        assert _strict(result.stdout)["error"]["kind"] == "usage"


# --- verdicts follow the evidence -------------------------------------------------------


def test_hung_hf_home_is_not_blamed_on_the_network(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    os.mkfifo(hf_home / "token")  # opening it blocks, like any file on a hung mount
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}")])
    with FakeHub(repos=[repo]) as hub:
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_HOME": str(hf_home), "HF_HUB_DISABLE_XET": "1"})
        result = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "1", "--answer", "repo=acme/m"], env)
    data = _strict(result.stdout)
    assert data["verdict"] in ("inconclusive", "problem") and data["verdict"] != "healthy"
    assert data["diagnosis"] is None or data["diagnosis"]["cause"] not in ("hub-unreachable", "proxy-misconfigured")
    assert data["outcome"]["node"] == "cache-unresponsive"


def test_cache_checks_that_cannot_reach_the_cache_never_end_healthy(home: Path, tmp_path: Path) -> None:
    hung = {"status": "unknown", "facts": {"writable": None}, "evidence": "could not reach it (hung filesystem?)"}
    facts = _facts(tmp_path, {"writable": hung, "snapshot": {"status": "unknown", "facts": {"state": "timeout"}}})
    env = base_env(home, {"HF_HOME": str(tmp_path / "hf")})
    result = run_cli(["--playbook", "cache-redownloads", "--json", "--facts", facts], env)
    data = _strict(result.stdout)
    assert data["verdict"] == "inconclusive" and result.code == 3, data["outcome"]


def test_playbook_with_an_unknown_probe_does_not_walk(home: Path, tmp_path: Path) -> None:
    (tmp_path / "ghost.yaml").write_text("""id: ghost
title: G
start: a
nodes:
  a: {type: check, probe: net.no_such_probe, otherwise: ok}
  ok: {type: diagnosis, verdict: healthy, title: OK}
""")
    result = run_cli(["--playbook-dir", str(tmp_path), "--playbook", "ghost", "--json"], base_env(home, OFFLINE))
    assert result.code == 2 and "unknown probe" in result.stderr
    assert _strict(result.stdout)["error"]["kind"] == "invalid-playbook"
