"""Attacks on undo: it must act only on records this machine wrote, inside their declared places.

Before, `undo` carried out whatever a report or journal said: a forged entry overwrote a file,
renamed a folder, ran `pip install attacker-package`, and tried to pause another Space.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import base_env, run_cli
from tests.remediation.support import plan, write_file, write_journal
from troubleshooter.remediation.actions import ActionContext
from troubleshooter.remediation.trust import KEY_FILE

ORIGINAL = b"export HF_HUB_OFFLINE=1\n"


def _forge(state_dir: Path, fixes: list[dict[str, Any]], name: str = "forged") -> Path:
    path = state_dir / "runs" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"kind": "troubleshooter-journal", "run_id": name, "playbook": "x", "fixes": fixes}
    path.write_text(json.dumps(data))
    return path


FORGED_STEPS = {
    "overwrite": lambda t: {
        "kind": "restore-file",
        "path": str(t / "victim"),
        "backup": str(t / "evil"),
        "root": str(t),
    },
    "rename": lambda t: {"kind": "rename", "from": str(t / "victim-dir"), "to": str(t / "moved"), "root": str(t)},
    "pip": lambda t: {"kind": "pip-install", "package": "attacker-package", "version": "1.0"},
    "hub": lambda t: {"kind": "hub-call", "call": "pause_space", "space": "someone/else"},
}


@pytest.mark.parametrize("kind", sorted(FORGED_STEPS))
def test_undo_refuses_an_entry_this_machine_did_not_sign(
    env: dict[str, str], state_dir: Path, tmp_path: Path, kind: str
) -> None:
    write_journal(
        state_dir, [{"remediation": "own", "undo": []}]
    )  # this machine has a key; the forged journal lies next to its own
    (tmp_path / "victim").write_bytes(b"mine\n")
    (tmp_path / "evil").write_bytes(b"evil\n")
    (tmp_path / "victim-dir").mkdir()
    step = FORGED_STEPS[kind](tmp_path)
    journal = _forge(state_dir, [{"remediation": "evil", "undo": [step], "mac": "0" * 64}])
    result = run_cli(["undo", str(journal)], {**env, "PIP_INDEX_URL": "http://127.0.0.1:9/simple"})
    assert "not recorded by this machine" in result.stdout, result.stdout + result.stderr
    assert result.code != 0
    assert (tmp_path / "victim").read_bytes() == b"mine\n" and (tmp_path / "victim-dir").is_dir()
    assert not (tmp_path / "moved").exists()


def test_a_signed_entry_edited_afterwards_is_refused(env: dict[str, str], actx: ActionContext, home: Path) -> None:
    profile = write_file(home / ".profile", ORIGINAL, 0o600)
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert planned.run is not None
    outcome = planned.run()
    journal = write_journal(actx.state_dir, [{"remediation": "unset-offline", "undo": outcome.undo}])
    data = json.loads(journal.read_text())
    data["fixes"][0]["undo"][0]["path"] = str(home / ".bashrc")  # point the restore elsewhere
    journal.write_text(json.dumps(data))
    (home / ".bashrc").write_bytes(b"keep me\n")
    result = run_cli(["undo", str(journal)], env)
    assert result.code != 0 and "not recorded by this machine" in result.stdout
    assert (home / ".bashrc").read_bytes() == b"keep me\n"


def test_a_report_pointing_at_a_journal_outside_the_state_folder_is_refused(
    env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    elsewhere = _forge(tmp_path / "shared", [{"remediation": "x", "undo": []}])
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"playbook": "x", "fixes": [{"remediation": "x", "journal": str(elsewhere)}]}))
    result = run_cli(["undo", str(report)], env)
    assert result.code == 2 and "not a run journal in this machine's state folder" in result.stderr
    shared = tmp_path / "shared-report.json"
    shared.write_text(json.dumps({"playbook": "x", "fixes": [{"remediation": "x", "undo": [{"kind": "none"}]}]}))
    result = run_cli(["undo", str(shared)], env)
    assert result.code == 2 and "undo only acts on its own records" in result.stderr


def test_a_signed_entry_whose_path_leaves_its_declared_place_is_refused(
    env: dict[str, str], state_dir: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"mine\n")
    other = tmp_path / "other"
    other.mkdir()
    fix = {
        "remediation": "x",
        "undo": [{"kind": "remove-file", "path": str(victim), "sha256": "x", "root": str(other)}],
    }
    journal = write_journal(state_dir, [fix])  # signed by this machine, but the place is wrong
    result = run_cli(["undo", str(journal)], env)
    assert result.code == 1 and "outside the place" in result.stdout, result.stdout
    assert victim.read_bytes() == b"mine\n"


def test_the_key_is_owner_only_and_a_loose_key_is_not_trusted(env: dict[str, str], state_dir: Path) -> None:
    journal = write_journal(state_dir, [{"remediation": "x", "undo": [{"kind": "none"}]}])
    key = state_dir / KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32
    os.chmod(key, 0o644)
    result = run_cli(["undo", str(journal)], env)
    assert result.code == 2 and "mode 0600" in result.stderr


def test_replay_never_leads_to_an_action(home: Path, tmp_path: Path, env: dict[str, str]) -> None:
    report = tmp_path / "shared.json"
    report.write_text(json.dumps({"playbook": "fetching-stuck", "steps": [], "inputs": {"repo": "a/b"}}))
    result = run_cli(["--replay", str(report), "--json", "--apply", "unsafe", "--yes"], env)
    assert result.code == 2 and "--apply needs a live walk" in result.stderr
    assert not (tmp_path / "state" / "runs").exists()


def test_undo_of_a_device_or_fifo_is_a_clear_usage_error(tmp_path: Path, home: Path) -> None:
    """Journals and reports are read bounded, regular files only: /dev/zero and a FIFO never hang."""
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        result = run_cli(["undo", path], base_env(home), timeout=30)
        assert result.code == 2 and "not a regular file" in result.stderr, result.stderr
