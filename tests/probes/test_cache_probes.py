"""Cache, filesystem and version probes on real directories, real mounts and real downloads.

Caches are made by huggingface_hub itself (snapshot_download from a loopback Hub) and then
damaged the way interrupted downloads and odd filesystems damage them. Tests that mount
filesystems need root and are skipped with a reason without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo
from troubleshooter.model.result import Status
from troubleshooter.probes.cache import cache_persistence, expected_paths, legacy_cache_vars
from troubleshooter.probes.cachescan import candidate_probe, snapshot_probe
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.fs import cache_filesystem, cache_symlinks, cache_writable, free_space
from troubleshooter.probes.versions import hf_transfer_setting, timeout_settings, version_tuple

REPO = "acme/cached-model"
FOLDER = "models--acme--cached-model"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs or a read-only bind mount needs root")


def ctx(env: dict[str, str] | None = None, proc_root: Path | None = None, timeout: float = 4.0) -> ProbeContext:
    base = ProbeContext(env=dict(env if env is not None else os.environ), timeout_s=timeout)
    if proc_root is not None:
        base.proc_root = proc_root
    return base.for_probe()


def download(cache: Path, **env: str) -> Path:
    """A real cache entry, written by huggingface_hub from a loopback Hub."""
    from huggingface_hub import snapshot_download

    repo = FakeRepo(
        REPO, files=[FakeFile("config.json", b'{"model_type": "bert"}'), FakeFile("model.safetensors", size=4096)]
    )
    with FakeHub(repos=[repo]) as hub:
        return Path(snapshot_download(REPO, cache_dir=str(cache), endpoint=hub.url, token=False))


@contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *args, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def fake_mountinfo(tmp_path: Path, lines: list[str]) -> Path:
    """A proc root whose mount table says what a machine with NFS or overlay mounts says."""
    root = tmp_path / "proc"
    (root / "self").mkdir(parents=True)
    (root / "self" / "mountinfo").write_text("\n".join(lines) + "\n")
    (root / "locks").write_text("")
    return root


# --- effective paths --------------------------------------------------------------------


def test_path_precedence_follows_huggingface_hub() -> None:
    home = {"HOME": "/home/u"}
    assert expected_paths(home)["hub_cache"] == (
        "/home/u/.cache/huggingface/hub",
        "HF_HOME/hub (default:~/.cache/huggingface)",
    )
    assert expected_paths({**home, "XDG_CACHE_HOME": "/xdg"})["hf_home"] == ("/xdg/huggingface", "env:XDG_CACHE_HOME")
    legacy = expected_paths({**home, "HF_HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/legacy"})["hub_cache"]
    assert legacy == ("/legacy", "env:HUGGINGFACE_HUB_CACHE (legacy name)")
    both = expected_paths({**home, "HF_HUB_CACHE": "/new", "HUGGINGFACE_HUB_CACHE": "/legacy"})
    assert both["hub_cache"] == ("/new", "env:HF_HUB_CACHE")
    assert both["token_path"] == ("/home/u/.cache/huggingface/token", "HF_HOME/token (default:~/.cache/huggingface)")
    assert expected_paths({**home, "HF_HOME": "~/hf"})["datasets_cache"][0] == "/home/u/hf/datasets"


# --- snapshot completeness, other roots -------------------------------------------------


def test_complete_download_is_complete(tmp_path: Path) -> None:
    download(tmp_path)
    result = snapshot_probe(ctx(), repo=REPO, cache_dir=str(tmp_path))
    assert result.status is Status.PASS and result.facts["state"] == "complete"
    assert result.facts["files_expected"] == 2 and result.facts["scan"]["repo_count"] == 1


def test_missing_file_and_partial_blob_make_the_snapshot_incomplete(tmp_path: Path) -> None:
    snapshot = download(tmp_path)
    (snapshot / "model.safetensors").unlink()
    (tmp_path / FOLDER / "blobs" / "deadbeef.1a2b3c4d.incomplete").write_bytes(b"\0" * 100)
    result = snapshot_probe(ctx(), repo=REPO, cache_dir=str(tmp_path))
    assert result.status is Status.FAIL and result.facts["state"] == "incomplete"
    assert result.facts["missing"] == ["model.safetensors"] and result.facts["incomplete_count"] == 1
    whole = snapshot_probe(ctx(), cache_dir=str(tmp_path))  # no repo: the whole cache is checked
    assert whole.facts["state"] == "incomplete" and whole.facts["incomplete_repos"][0]["repo"] == FOLDER


def test_deleted_blob_is_a_broken_link(tmp_path: Path) -> None:
    download(tmp_path)
    for blob in (tmp_path / FOLDER / "blobs").iterdir():
        if blob.stat().st_size == 4096:
            blob.unlink()
    result = snapshot_probe(ctx(), repo=REPO, cache_dir=str(tmp_path))
    assert result.facts["state"] == "incomplete" and result.facts["broken_links"] == ["model.safetensors"]


def test_absent_repo_and_missing_cache(tmp_path: Path) -> None:
    download(tmp_path)
    assert snapshot_probe(ctx(), repo="other/model", cache_dir=str(tmp_path)).facts["state"] == "absent"
    assert snapshot_probe(ctx(), repo=REPO, cache_dir=str(tmp_path / "nope")).status is Status.SKIPPED


def test_repo_in_another_root_is_found(tmp_path: Path) -> None:
    other = tmp_path / "models"
    download(other)
    env = {"HOME": str(tmp_path / "home"), "TRANSFORMERS_CACHE": str(other)}
    result = candidate_probe(ctx(env), repo=REPO, cache_dir=str(tmp_path / "effective"))
    assert result.status is Status.FAIL and result.facts["state"] == "elsewhere"
    assert (
        result.facts["found_in"][0]["root"] == str(other)
        and result.facts["found_in"][0]["why"] == "env:TRANSFORMERS_CACHE"
    )


# --- writable, free space, filesystem, symlinks -----------------------------------------


@pytest.mark.skipif(IS_ROOT, reason="root ignores permission bits; the read-only mount test covers root")
def test_directory_without_write_permission_is_not_writable(tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        result = cache_writable(ctx(), cache_dir=str(cache))
    finally:
        cache.chmod(0o755)
    assert result.status is Status.FAIL and result.facts["error"] in ("EACCES", "EPERM")


@needs_root
def test_read_only_mount_is_not_writable(tmp_path: Path) -> None:
    source = tmp_path / "hf"
    (source / "hub").mkdir(parents=True)
    with mounted(source, "--bind", str(source)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(source)], check=True)
        result = cache_writable(ctx(), cache_dir=str(source / "hub"))
    assert result.status is Status.FAIL
    assert result.facts["error"] == "EROFS" and result.facts["read_only_mount"] is True


def test_missing_cache_is_judged_by_its_parent(tmp_path: Path) -> None:
    result = cache_writable(ctx(), cache_dir=str(tmp_path / "not" / "yet" / "hub"))
    assert result.status is Status.PASS and result.facts["tested_dir"] == str(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the scratch file is gone


def test_free_space_against_what_the_repo_still_needs(tmp_path: Path) -> None:
    stats = os.statvfs(tmp_path)
    free = stats.f_bavail * stats.f_frsize
    too_big = free_space(ctx(), cache_dir=str(tmp_path / "hub"), needed=free * 2)
    assert too_big.status is Status.FAIL and too_big.facts["missing_bytes"] == free * 2
    fits = free_space(ctx(), cache_dir=str(tmp_path / "hub"), needed=1024)
    assert fits.status is Status.PASS


def test_bytes_already_cached_are_not_needed_again(tmp_path: Path) -> None:
    download(tmp_path)
    result = free_space(ctx(), cache_dir=str(tmp_path), needed=4096 + 22, repo=REPO)
    assert result.facts["cached_bytes"] >= 4096 and result.facts["missing_bytes"] == 0


@needs_root
def test_nearly_full_tmpfs_is_full_without_a_repo_size_but_an_empty_one_is_not(tmp_path: Path) -> None:
    hf = tmp_path / "hf"
    with mounted(hf, "-t", "tmpfs", "-o", "size=4m", "tmpfs"):
        empty = free_space(ctx(), cache_dir=str(hf / "hub"))
        ephemeral = cache_persistence(ctx(), cache_dir=str(hf / "hub"))
        (hf / "filler").write_bytes(b"\0" * (3840 << 10))  # leaves 256 KiB
        full = free_space(ctx(), cache_dir=str(hf / "hub"))
    assert empty.status is Status.WARN
    assert full.status is Status.FAIL and full.facts["free_bytes"] <= 256 << 10
    assert ephemeral.facts["state"] == "ephemeral" and ephemeral.facts["fstype"] == "tmpfs"


def test_nfs_cache_is_a_network_filesystem(tmp_path: Path) -> None:
    proc = fake_mountinfo(
        tmp_path,
        [
            "1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
            f"2 1 0:50 / {tmp_path}/nfs rw,relatime - nfs4 server:/export rw,vers=4.2",
        ],
    )
    (tmp_path / "nfs").mkdir()
    result = cache_filesystem(ctx(proc_root=proc), cache_dir=str(tmp_path / "nfs" / "hub"))
    assert result.status is Status.FAIL and result.facts["kind"] == "network" and result.facts["fstype"] == "nfs4"
    local = cache_filesystem(ctx(), cache_dir=str(tmp_path / "hub"))
    assert local.status is Status.PASS and local.facts["flock_supported"] is True


def test_only_datasets_cache_on_a_volume(tmp_path: Path) -> None:
    proc = fake_mountinfo(
        tmp_path,
        [
            "1 0 0:30 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u",
            f"2 1 8:1 / {tmp_path}/vol rw - ext4 /dev/sdb rw",
        ],
    )
    env = {"HOME": "/root", "HF_DATASETS_CACHE": f"{tmp_path}/vol/datasets"}
    result = cache_persistence(ctx(env, proc_root=proc), cache_dir="/root/.cache/huggingface/hub")
    assert result.facts["state"] == "only-datasets-persisted" and result.facts["datasets_persistent"] is True
    on_volume = cache_persistence(ctx(env, proc_root=proc), cache_dir=f"{tmp_path}/vol/hub")
    assert on_volume.status is Status.PASS and on_volume.facts["state"] == "persistent"


def test_snapshot_of_copies_means_symlinks_did_not_work(tmp_path: Path) -> None:
    snapshot = download(tmp_path)
    for link in snapshot.iterdir():
        target = link.resolve()
        link.unlink()
        shutil.move(target, link)  # what huggingface_hub does where symlinks fail
    result = cache_symlinks(ctx({"HOME": str(tmp_path)}), cache_dir=str(tmp_path), repo=REPO)
    assert result.status is Status.FAIL and result.facts["state"] == "copies"
    chosen = cache_symlinks(ctx({"HF_HUB_DISABLE_SYMLINKS": "1"}), cache_dir=str(tmp_path), repo=REPO)
    assert chosen.status is Status.WARN and chosen.facts["state"] == "disabled"


def test_normal_cache_holds_symlinks(tmp_path: Path) -> None:
    download(tmp_path)
    result = cache_symlinks(ctx(), cache_dir=str(tmp_path), repo=REPO)
    assert result.status is Status.PASS and result.facts["symlinks_supported"] is True


# --- variables and versions -------------------------------------------------------------


def _fake_transformers(tmp_path: Path, version: str) -> dict[str, str]:
    from tests.conftest import FAKE_MODULES

    config = tmp_path / "transformers.json"
    config.write_text(f'{{"version": "{version}"}}')
    return {"PYTHONPATH": str(FAKE_MODULES), "FAKE_TRANSFORMERS": str(config), "PATH": os.environ.get("PATH", "")}


@pytest.mark.parametrize(("version", "state"), [("5.0.0", "ignored"), ("4.46.0", "deprecated")])
def test_transformers_cache_counts_only_before_transformers_5(tmp_path: Path, version: str, state: str) -> None:
    env = {**_fake_transformers(tmp_path, version), "TRANSFORMERS_CACHE": str(tmp_path / "models")}
    result = legacy_cache_vars(ctx(env))
    assert result.facts["state"] == state and result.facts["transformers"] == version


def test_timeouts_too_low_or_not_integers() -> None:
    low = timeout_settings(ctx({"HF_HUB_DOWNLOAD_TIMEOUT": "2"}))
    assert low.status is Status.FAIL and low.facts["problems"] == ["HF_HUB_DOWNLOAD_TIMEOUT"]
    word = timeout_settings(ctx({"HF_HUB_ETAG_TIMEOUT": "30s"}))
    assert (
        word.facts["unparsable"] is True and word.facts["timeouts"]["HF_HUB_ETAG_TIMEOUT"]["state"] == "not-an-integer"
    )
    fine = timeout_settings(ctx({"HF_HUB_ETAG_TIMEOUT": "60"}))
    assert fine.status is Status.PASS and fine.facts["timeouts"]["HF_HUB_DOWNLOAD_TIMEOUT"]["seconds"] == 10


def test_hf_transfer_is_ignored_by_current_huggingface_hub() -> None:
    result = hf_transfer_setting(ctx({"HF_HUB_ENABLE_HF_TRANSFER": "1"}))
    assert (version_tuple(result.facts["huggingface_hub"]) or (0,)) >= (1, 0)
    assert result.status is Status.WARN and result.facts["effect"] == "ignored-deprecated"
