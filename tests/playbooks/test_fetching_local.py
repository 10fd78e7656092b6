"""fetching-stuck, local causes: the real CLI against a loopback Hub and a real cache under a temp HOME.

The network side is healthy in every test here, so the walk must go past it and find the
local cause: a live lock holder (a separate process), a soft marker left by a dead process,
a full or read-only filesystem (real mounts, root only), timeout and hf_transfer variables,
hidden progress bars. A walk without a repo must reach the same local checks.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, CliResult, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.probes.test_locks_holders import flock_holder, soft_marker

REPO = "acme/tiny-model"
REPO_DIR = "models--acme--tiny-model"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs or a read-only bind mount needs root")


def _hub(size: int = 65536) -> FakeHub:
    files = [FakeFile("config.json", b'{"model_type": "gpt2"}'), FakeFile("model.safetensors", size=size)]
    return FakeHub(users=[FakeUser(CANARY, "alice")], repos=[FakeRepo(REPO, files=files)])


def _walk(hub: FakeHub, home: Path, extra: dict[str, str] | None = None, *, repo: str | None = REPO) -> CliResult:
    env = base_env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1", **(extra or {})})
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "3"]
    if repo:
        args += ["--answer", f"repo={repo}"]
    return run_cli(args, env)


def _cause(result: CliResult, cause: str | None) -> dict[str, Any]:
    data = result.json
    assert result.cause == cause, json.dumps(data, indent=1)[:4000]
    assert result.code == (0 if cause is None else 1)
    assert CANARY not in result.stdout + result.stderr
    return {s["node"]: s for s in data["steps"]}


def _default_cache(home: Path) -> Path:
    return home / ".cache" / "huggingface" / "hub"


@contextmanager
def _mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *args, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def test_healthy_cache_after_a_real_download_is_healthy(home: Path) -> None:
    from huggingface_hub import snapshot_download

    with _hub() as hub:
        snapshot_download(REPO, cache_dir=str(_default_cache(home)), endpoint=hub.url, token=False)
        result = _walk(hub, home)
    steps = _cause(result, None)
    assert steps["locks"]["facts"]["state"] == "free"  # the finished download's empty lock file is harmless
    assert {"cache-writable", "free-space", "cache-filesystem", "timeouts", "hf-transfer", "progress"} <= set(steps)


def test_live_holder_of_the_download_lock_is_lock_held(home: Path) -> None:
    with _hub() as hub, flock_holder(_default_cache(home), repo_dir=REPO_DIR) as holder:
        result = _walk(hub, home)
    steps = _cause(result, "lock-held")
    locks = steps["locks"]
    assert locks["facts"]["holder_pid"] == holder.pid and "download_worker.py" in locks["facts"]["holder_command"]
    assert locks["facts"]["growing"] is True
    assert f"pid {holder.pid}" in locks["evidence"]


def test_walk_without_repo_still_reaches_the_local_checks(home: Path) -> None:
    with _hub() as hub, flock_holder(_default_cache(home), grow=False, repo_dir="models--other--model") as holder:
        result = _walk(hub, home, repo=None)
    steps = _cause(result, "lock-held")
    assert steps["repo"]["status"] == "skipped" and steps["locks"]["facts"]["holder_pid"] == holder.pid


def test_soft_marker_of_a_dead_download_is_stale_lock(home: Path) -> None:
    lock, _ = soft_marker(_default_cache(home), alive=False, repo_dir=REPO_DIR)
    with _hub() as hub:
        steps = _cause(_walk(hub, home), "stale-lock")
    assert steps["locks"]["facts"]["stale"][0]["lock"] == f"{REPO_DIR}/{lock.name}"


def test_low_download_timeout_is_download_timeout(home: Path) -> None:
    with _hub() as hub:
        steps = _cause(_walk(hub, home, {"HF_HUB_DOWNLOAD_TIMEOUT": "2"}), "download-timeout")
    assert steps["timeouts"]["facts"]["problems"] == ["HF_HUB_DOWNLOAD_TIMEOUT"]


def test_timeout_that_is_not_an_integer_is_caught_before_anything_imports_the_hub(home: Path) -> None:
    with _hub() as hub:
        steps = _cause(_walk(hub, home, {"HF_HUB_ETAG_TIMEOUT": "30s"}), "download-timeout")
    assert "offline" not in steps and steps["timeouts-valid"]["facts"]["unparsable"] is True


def test_hf_transfer_without_the_package_on_an_old_hub_is_misconfigured(home: Path, tmp_path: Path) -> None:
    old = tmp_path / "old-site"
    meta = old / "huggingface_hub-0.30.2.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: huggingface_hub\nVersion: 0.30.2\n")
    with _hub() as hub:
        steps = _cause(
            _walk(hub, home, {"HF_HUB_ENABLE_HF_TRANSFER": "1", "PYTHONPATH": str(old)}), "hf-transfer-misconfigured"
        )
        assert steps["hf-transfer"]["facts"]["huggingface_hub"] == "0.30.2"
        current = _walk(hub, home, {"HF_HUB_ENABLE_HF_TRANSFER": "1"})
    assert _cause(current, None)["hf-transfer"]["facts"]["effect"] == "ignored-deprecated"


def test_disabled_progress_bars_are_progress_hidden(home: Path) -> None:
    with _hub() as hub:
        steps = _cause(_walk(hub, home, {"HF_HUB_DISABLE_PROGRESS_BARS": "1"}), "progress-hidden")
    assert steps["progress"]["facts"]["bars_disabled"] is True


@needs_root
def test_cache_on_a_small_tmpfs_is_disk_full(home: Path, tmp_path: Path) -> None:
    with _hub(size=2 << 20) as hub, _mounted(tmp_path / "hf", "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        steps = _cause(_walk(hub, home, {"HF_HOME": str(tmp_path / "hf")}), "disk-full")
    free = steps["free-space"]["facts"]
    assert free["needed_bytes"] > free["free_bytes"] and free["checked_dir"] == str(tmp_path / "hf")


@needs_root
def test_read_only_cache_mount_is_not_writable(home: Path, tmp_path: Path) -> None:
    hf = tmp_path / "hf"
    (hf / "hub").mkdir(parents=True)
    with _hub() as hub, _mounted(hf, "--bind", str(hf)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(hf)], check=True)
        steps = _cause(_walk(hub, home, {"HF_HOME": str(hf)}), "cache-not-writable")
    assert steps["cache-writable"]["facts"]["error"] == "EROFS"


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits; the read-only mount test covers root")
def test_cache_owned_by_nobody_writable_is_not_writable(home: Path) -> None:
    cache = _default_cache(home)
    cache.mkdir(parents=True)
    cache.chmod(0o555)
    try:
        with _hub() as hub:
            _cause(_walk(hub, home), "cache-not-writable")
    finally:
        cache.chmod(0o755)
