"""`--apply safe|unsafe [--yes] [--fix ID]` through the real CLI in a child process, end to end.

A loopback fake Hub serves the repo, the user's HOME is a temp folder with a real `.bashrc`
and a real hub cache, and the token is a canary: it must never come out on stdout, stderr, in
a report (.json, .md, .html) or in the run journal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, CliResult, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.probes.test_locks_holders import soft_marker
from tests.remediation.support import REPO, REPO_DIR, mode, run_killed_cli, snapshot, write_file

BASHRC = (
    f"alias ll='ls -l'\nexport HF_HUB_OFFLINE=1  # set while {CANARY} was broken\nexport HF_TOKEN={CANARY}\n"
).encode()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    files = [FakeFile("config.json", b'{"model_type": "gpt2"}'), FakeFile("model.safetensors", size=4096)]
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[FakeRepo(REPO, files=files)]) as served:
        yield served


@pytest.fixture
def bashrc(home: Path) -> Path:
    return write_file(home / ".bashrc", BASHRC, 0o600)


def _env(home: Path, hub: FakeHub, **extra: str) -> dict[str, str]:
    return base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1", **extra})


def _walk(env: dict[str, str], *args: str) -> CliResult:
    argv = ["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--answer", f"repo={REPO}", *args]
    return run_cli(argv, env)


def _no_canary(result: CliResult, *files: Path) -> None:
    assert CANARY not in result.stdout and CANARY not in result.stderr
    for path in files:
        assert CANARY not in path.read_text(encoding="utf-8"), path


def _fix(result: CliResult) -> dict[str, Any]:
    [fix] = result.json["fixes"]
    return dict(fix)


def _state(home: Path) -> Path:
    return home / ".local" / "state" / "troubleshooter"


def test_safe_fix_edits_the_chosen_file_and_the_walk_after_it_is_healthy(
    home: Path, hub: FakeHub, bashrc: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    env = _env(home, hub, HF_HUB_OFFLINE="1")
    result = _walk(env, "--apply", "safe", "--answer", f"env_file={bashrc}", "--report", str(report))
    data = result.json
    assert result.code == 0 and data["verdict"] == "healthy", result.stderr
    fix = _fix(result)
    assert fix["remediation"] == "unset-offline" and fix["applied"] is True
    assert fix["verify"]["verified"] is True and fix["verify"]["cause_before"] == "offline-mode"
    assert fix["verify"]["verdict_after"] == "healthy" and fix["diagnosis_before"]["cause"] == "offline-mode"
    assert "offline-mode" not in {s["node"] for s in data["steps"]}
    assert bashrc.read_bytes() == BASHRC.replace(BASHRC.splitlines(keepends=True)[1], b"")
    assert mode(bashrc) == 0o600
    assert "re-check" in result.stderr and "undo with: troubleshooter undo" in result.stderr
    journal = Path(fix["journal"])
    assert journal.is_relative_to(_state(home))
    _no_canary(result, report, journal)
    assert json.loads(report.read_text())["fixes"] == data["fixes"]

    undone = run_cli(["undo", str(report)], env)
    assert undone.code == 0, undone.stdout + undone.stderr
    assert bashrc.read_bytes() == BASHRC and mode(bashrc) == 0o600
    again = run_cli(["undo", str(report)], env)
    assert again.code == 0 and "already" in again.stdout
    assert CANARY not in undone.stdout + undone.stderr + again.stdout + again.stderr + journal.read_text()


def test_safe_fix_without_a_file_prints_the_line_and_changes_nothing(
    home: Path, hub: FakeHub, bashrc: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.md"
    before = snapshot(home)
    result = _walk(_env(home, hub, HF_HUB_OFFLINE="1"), "--apply", "safe", "--report", str(report))
    assert result.code == 1 and result.json["verdict"] == "problem", result.stderr
    assert result.cause == "offline-mode"
    assert "unset HF_HUB_OFFLINE" in result.stderr.splitlines()
    fix = _fix(result)
    assert fix["applied"] is False and fix["printed"] is True and fix["changes"] == []
    after = {k: v for k, v in snapshot(home).items() if not k.startswith(".local")}
    assert after == before and bashrc.read_bytes() == BASHRC
    _no_canary(result, report)


def test_unsafe_fix_without_yes_changes_nothing_and_says_why(home: Path, hub: FakeHub, tmp_path: Path) -> None:
    cache = home / ".cache" / "huggingface" / "hub"
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    marker = lock.read_bytes()
    report = tmp_path / "report.html"
    result = _walk(_env(home, hub), "--apply", "unsafe", "--report", str(report))
    assert result.code == 1 and result.cause == "stale-lock", result.stderr
    assert "--yes" in result.stderr and "Nothing was changed" in result.stderr
    assert lock.read_bytes() == marker
    fix = _fix(result)
    assert fix["remediation"] == "remove-stale-lock" and fix["applied"] is False
    assert "--yes" in fix["message"]
    assert not (_state(home) / "backups").exists()
    _no_canary(result, report)


def test_unsafe_fix_with_yes_removes_the_stale_lock_and_the_walk_moves_past_it(home: Path, hub: FakeHub) -> None:
    cache = home / ".cache" / "huggingface" / "hub"
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    result = _walk(_env(home, hub), "--apply", "unsafe", "--yes")
    assert not lock.exists()
    fix = _fix(result)
    assert fix["applied"] is True and fix["verify"]["cause_before"] == "stale-lock", result.stderr
    assert fix["verify"]["verified"] is True and result.cause != "stale-lock"
    assert result.json["verdict"] == "healthy" and result.code == 0, result.stderr
    [change] = fix["changes"]
    assert change["path"] == str(lock) and Path(change["backup"]).is_file()
    _no_canary(result, Path(fix["journal"]))


def test_fix_that_the_diagnosis_does_not_offer_changes_nothing(home: Path, hub: FakeHub, bashrc: Path) -> None:
    env = _env(home, hub, HF_HUB_OFFLINE="1")
    result = _walk(env, "--apply", "unsafe", "--yes", "--fix", "disable-xet", "--answer", f"env_file={bashrc}")
    assert result.code == 1 and result.cause == "offline-mode"
    assert "no machine fix 'disable-xet'" in result.stderr and "nothing was changed" in result.stderr
    assert "fixes" not in result.json and bashrc.read_bytes() == BASHRC


def test_a_run_killed_right_after_removing_a_lock_can_still_be_undone(home: Path, hub: FakeHub) -> None:
    cache = home / ".cache" / "huggingface" / "hub"
    lock, _ = soft_marker(cache, alive=False, repo_dir=REPO_DIR)
    marker = lock.read_bytes()
    argv = ["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--answer", f"repo={REPO}"]
    result = run_killed_cli([*argv, "--apply", "unsafe", "--yes"], _env(home, hub), "lock:removed")
    assert result.code == -9 and not lock.exists(), result.stderr
    [journal] = _state(home).glob("runs/*.json")
    [fix] = json.loads(journal.read_text())["fixes"]
    assert fix["status"] == "applying" and fix["undo"], "the undo step was journaled before the removal"
    undone = run_cli(["undo", str(journal)], _env(home, hub))
    assert undone.code == 0, undone.stdout + undone.stderr
    assert lock.read_bytes() == marker


def test_fixes_are_never_applied_from_replayed_or_injected_results(home: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"env.offline_mode": {"status": "fail", "facts": {"offline": True}}}))
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9"})
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--facts", str(facts), "--apply", "safe"], env)
    assert result.code == 2 and "--apply needs a live walk" in result.stderr
    assert json.loads(result.stdout)["error"]["kind"] == "usage"  # the contract's one object, no report
    result = run_cli(["--playbook", "fetching-stuck", "--json", "--fix", "unset-offline"], env)
    assert result.code == 2 and "--fix needs --apply" in result.stderr
