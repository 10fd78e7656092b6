"""The verification rule on three real fixes: verified, made worse, and "fixed X; next: Y".

A fix is verified when the diagnosing probe now passes and no check that passed before fails
after. Setting HF_HUB_OFFLINE=1 on an unwritable, empty cache used to say "verified"; it breaks
the offline check, so it is "made worse" (exit 1, what broke, and the undo command).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.probes.test_locks_holders import soft_marker
from tests.remediation.support import REPO, REPO_DIR

TOKEN = "hf_verifyruletoken"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    files = [FakeFile("config.json", b'{"model_type": "gpt2"}')]
    with FakeHub(users=[FakeUser(TOKEN, "alice")], repos=[FakeRepo(REPO, files=files)]) as served:
        yield served


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[Path]:
    """`folder` made unwritable for this user: a read-only bind mount as root, mode 0555 otherwise."""
    folder.mkdir(parents=True)
    if os.getuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    source = folder.with_name(folder.name + "-src")
    source.mkdir()
    mounted = subprocess.run(
        f"mount --bind {source} {folder} && mount -o remount,bind,ro {folder}", shell=True, capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("root here cannot make a read-only bind mount")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _apply(env: dict[str, str], bashrc: Path, level: str = "safe") -> tuple[int, str, dict]:
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--answer", f"repo={REPO}"]
    result = run_cli([*args, "--apply", level, "--yes", "--answer", f"env_file={bashrc}"], env)
    [fix] = result.json["fixes"]
    return result.code, result.stderr, fix


def test_offline_on_an_unwritable_empty_cache_is_made_worse(home: Path, hub: FakeHub, tmp_path: Path) -> None:
    with unwritable(tmp_path / "ro") as cache:
        env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(cache)})
        code, stderr, fix = _apply({**env, "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "st")}, home / ".bashrc")
    assert fix["remediation"] == "offline-readonly-cache" and fix["applied"], stderr
    v = fix["verify"]
    assert v["outcome"] == "made worse" and v["verified"] is False and code == 1
    assert [b["node"] for b in v["broken"]] == ["offline"]
    assert "made worse: offline-readonly-cache broke offline" in stderr and "undo with: troubleshooter undo" in stderr


def test_unsetting_offline_mode_is_verified(home: Path, hub: FakeHub, tmp_path: Path) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_bytes(b"export HF_HUB_OFFLINE=1\n")
    env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"})
    code, stderr, fix = _apply({**env, "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "st")}, bashrc)
    assert fix["verify"]["outcome"] == "verified" and fix["verify"]["broken"] == [] and code == 0, stderr


def test_a_fix_that_uncovers_a_problem_already_there_says_fixed_and_next(
    home: Path, hub: FakeHub, tmp_path: Path
) -> None:
    soft_marker(home / ".cache" / "huggingface" / "hub", alive=False, repo_dir=REPO_DIR)
    bashrc = home / ".bashrc"
    bashrc.write_bytes(b"export HF_HUB_OFFLINE=1\n")
    env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"})
    code, stderr, fix = _apply({**env, "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "st")}, bashrc)
    v = fix["verify"]
    assert v["outcome"] == "verified" and v["next"] == "stale-lock" and v["broken"] == [], stderr
    assert "fixed offline-mode; next: stale-lock" in stderr and code == 1
