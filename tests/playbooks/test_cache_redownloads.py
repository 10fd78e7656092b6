"""cache-redownloads end to end: the real CLI over caches huggingface_hub itself wrote.

Each cache is made by a real snapshot_download from a loopback Hub into a temp HOME, then
placed or damaged the way containers and interrupted downloads do it. Mount-based causes
(tmpfs, read-only) need root and are skipped with a reason without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo
from troubleshooter.probes.cache import EPHEMERAL_FSTYPES
from troubleshooter.probes.mounts import covering_mount

REPO = "acme/embedder"
FOLDER = "models--acme--embedder"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs or a read-only bind mount needs root")


@pytest.fixture
def persistent_home(home: Path) -> Path:
    """A HOME on a filesystem that survives restarts (otherwise a healthy verdict would be wrong)."""
    mount = covering_mount(home)
    if mount is None or mount.fstype in EPHEMERAL_FSTYPES:
        pytest.skip(f"the temp dir is on {mount.fstype if mount else 'an unknown filesystem'}, which does not persist")
    return home


def download(cache: Path) -> Path:
    from huggingface_hub import snapshot_download

    files = [FakeFile("config.json", b'{"model_type": "bert"}'), FakeFile("model.safetensors", size=8192)]
    with FakeHub(repos=[FakeRepo(REPO, files=files)]) as hub:
        return Path(snapshot_download(REPO, cache_dir=str(cache), endpoint=hub.url, token=False))


def default_cache(home: Path) -> Path:
    return home / ".cache" / "huggingface" / "hub"


def walk(home: Path, extra: dict[str, str] | None = None, *, repo: str | None = REPO, fakes: bool = False) -> CliResult:
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9", **(extra or {})}, fakes=fakes)
    args = ["--playbook", "cache-redownloads", "--json", "--timeout", "3"]
    if repo:
        args += ["--answer", f"repo={repo}"]
    return run_cli(args, env)


def expect(result: CliResult, cause: str | None, verdict: str = "problem") -> dict[str, Any]:
    data = result.json
    assert data["verdict"] == verdict, json.dumps(data, indent=1)[:4000]
    assert result.cause == cause, json.dumps(data, indent=1)[:4000]
    assert result.code == {"healthy": 0, "problem": 1, "inconclusive": 3}[verdict]
    return {s["node"]: s for s in data["steps"]}


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *args, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def test_complete_default_cache_is_healthy(persistent_home: Path) -> None:
    download(default_cache(persistent_home))
    steps = expect(walk(persistent_home), None, "healthy")
    assert steps["paths"]["facts"]["hub_cache"] == str(default_cache(persistent_home))
    assert steps["paths"]["facts"]["hub_cache_source"] == "HF_HOME/hub (default:~/.cache/huggingface)"
    assert steps["snapshot"]["facts"]["state"] == "complete"
    assert expect(walk(persistent_home, repo=None), None, "healthy")["symlinks"]["status"] == "pass"


def test_transformers_cache_ignored_by_transformers_5_is_legacy_cache_var(
    persistent_home: Path, tmp_path: Path
) -> None:
    volume = tmp_path / "models"
    download(volume)
    config = tmp_path / "transformers.json"
    config.write_text('{"version": "5.0.0"}')
    env = {"TRANSFORMERS_CACHE": str(volume), "FAKE_TRANSFORMERS": str(config)}
    steps = expect(walk(persistent_home, env, fakes=True), "legacy-cache-var")
    assert steps["legacy"]["facts"]["ignored"] == ["TRANSFORMERS_CACHE"]
    assert steps["legacy"]["facts"]["hub_cache"] == str(default_cache(persistent_home))


def test_transformers_cache_still_read_by_transformers_4_is_healthy_and_looked_at(
    persistent_home: Path, tmp_path: Path
) -> None:
    """transformers 4.x still takes TRANSFORMERS_CACHE as its cache_dir: the model on that volume
    is found by from_pretrained, so nothing re-downloads (a deprecation warning, not a cause)."""
    volume = tmp_path / "models"
    download(volume)
    config = tmp_path / "transformers.json"
    config.write_text('{"version": "4.46.0"}')
    env = {"TRANSFORMERS_CACHE": str(volume), "FAKE_TRANSFORMERS": str(config)}
    steps = expect(walk(persistent_home, env, fakes=True), None, verdict="healthy")
    assert steps["legacy"]["facts"]["state"] == "deprecated"
    assert steps["snapshot"]["facts"]["hub_cache"] == str(volume)
    assert steps["snapshot"]["facts"]["cache_source"].startswith("env:TRANSFORMERS_CACHE (transformers 4")


def test_model_cached_under_another_hf_home_is_different_cache_dirs(persistent_home: Path, tmp_path: Path) -> None:
    download(default_cache(persistent_home))
    steps = expect(walk(persistent_home, {"HF_HOME": str(tmp_path / "elsewhere")}), "different-cache-dirs")
    assert steps["elsewhere"]["facts"]["found_in"][0]["root"] == str(default_cache(persistent_home))


def test_interrupted_download_is_cache_incomplete(persistent_home: Path) -> None:
    snapshot = download(default_cache(persistent_home))
    (snapshot / "model.safetensors").unlink()
    steps = expect(walk(persistent_home), "cache-incomplete")
    assert steps["snapshot"]["facts"]["missing"] == ["model.safetensors"]


def test_snapshot_of_copied_files_is_symlinks_unsupported(persistent_home: Path) -> None:
    snapshot = download(default_cache(persistent_home))
    for link in snapshot.iterdir():
        target = link.resolve()
        link.unlink()
        shutil.move(target, link)
    steps = expect(walk(persistent_home), "symlinks-unsupported")
    assert sorted(steps["symlinks"]["facts"]["copied_files"]) == [
        f"{FOLDER}/snapshots/{snapshot.name}/config.json",
        f"{FOLDER}/snapshots/{snapshot.name}/model.safetensors",
    ]


def test_model_in_no_cache_is_inconclusive(persistent_home: Path) -> None:
    steps = expect(walk(persistent_home), None, "inconclusive")
    assert steps["elsewhere"]["facts"]["state"] == "nowhere"


@needs_root
def test_cache_on_tmpfs_is_ephemeral(home: Path, tmp_path: Path) -> None:
    with mounted(tmp_path / "hf", "-t", "tmpfs", "-o", "size=4m", "tmpfs"):
        download(tmp_path / "hf" / "hub")
        steps = expect(walk(home, {"HF_HOME": str(tmp_path / "hf")}), "cache-ephemeral")
    assert steps["persistence"]["facts"]["fstype"] == "tmpfs"


@needs_root
def test_persistent_datasets_cache_with_tmpfs_hub_cache(persistent_home: Path, tmp_path: Path) -> None:
    with mounted(tmp_path / "hf", "-t", "tmpfs", "-o", "size=4m", "tmpfs"):
        env = {"HF_HOME": str(tmp_path / "hf"), "HF_DATASETS_CACHE": str(tmp_path / "volume" / "datasets")}
        steps = expect(walk(persistent_home, env), "only-datasets-cache-persisted")
    assert steps["persistence"]["facts"]["datasets_persistent"] is True


@needs_root
def test_read_only_cache_is_not_writable(persistent_home: Path, tmp_path: Path) -> None:
    hf = tmp_path / "hf"
    download(hf / "hub")
    with mounted(hf, "--bind", str(hf)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(hf)], check=True)
        steps = expect(walk(persistent_home, {"HF_HOME": str(hf)}), "cache-not-writable")
    assert steps["writable"]["facts"]["read_only_mount"] is True


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits; the read-only mount test covers root")
def test_cache_without_write_permission_is_not_writable(persistent_home: Path) -> None:
    cache = default_cache(persistent_home)
    download(cache)
    cache.chmod(0o555)
    try:
        expect(walk(persistent_home), "cache-not-writable")
    finally:
        cache.chmod(0o755)
