"""The in-kernel probes against real state of this process: modules, threads, file locks."""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from troubleshooter.engine.runner import run_probe
from troubleshooter.model.result import ProbeResult
from troubleshooter.probes import kernel
from troubleshooter.probes.context import ProbeContext

KERNEL_PROBES = ("kernel.hub_constants", "kernel.hub_version", "kernel.colab_vault", "kernel.download_threads")


def _in_kernel(env: dict[str, str] | None = None) -> ProbeContext:
    return ProbeContext(env=env if env is not None else dict(os.environ), timeout_s=3, in_kernel=True)


@pytest.mark.parametrize("name", KERNEL_PROBES)
def test_headless_every_kernel_probe_is_skipped_with_a_reason(name: str) -> None:
    result, _ = run_probe(name, ProbeContext(in_kernel=False), {}, 3)
    assert result.status == "skipped"
    assert "notebook kernel" in result.evidence and result.facts == {"in_kernel": False}


def test_expected_constants_follow_huggingface_hub_rules(tmp_path: Path) -> None:
    env = {
        "HF_HOME": str(tmp_path),
        "HF_ENDPOINT": "https://mirror.example/",
        "TRANSFORMERS_OFFLINE": "yes",
        "HF_HUB_ETAG_TIMEOUT": "0",
    }
    expected = kernel.expected_constants(env)
    assert expected["ENDPOINT"] == "https://mirror.example"
    assert expected["HF_HUB_CACHE"] == str(tmp_path / "hub")
    assert expected["HF_TOKEN_PATH"] == str(tmp_path / "token")
    assert expected["HF_HUB_OFFLINE"] is True
    assert expected["HF_HUB_ETAG_TIMEOUT"] == 10  # "0" falls back to the default, as in the library


def test_expected_constants_match_a_fresh_import_of_huggingface_hub(tmp_path: Path) -> None:
    """The mirror of constants.py agrees with the real library for the same environment."""
    import subprocess

    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_ENDPOINT": "http://127.0.0.1:9/",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DOWNLOAD_TIMEOUT": "30",
    }
    code = (
        "import os, sys\nfrom huggingface_hub import constants\n"
        "from troubleshooter.probes.kernel import stale_constants\n"
        "sys.exit(len(stale_constants(constants, dict(os.environ))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_a_deleted_variable_is_stale_too(tmp_path: Path) -> None:
    constants = types.SimpleNamespace(ENDPOINT="https://mirror.example", HF_HUB_DISABLE_XET=True)
    stale = kernel.stale_constants(constants, {"HOME": str(tmp_path)})
    assert {s.constant for s in stale} == {"ENDPOINT", "HF_HUB_DISABLE_XET"}
    assert kernel._variables_to_fix(stale) == ["HF_ENDPOINT", "HF_HUB_DISABLE_XET", "HUGGINGFACE_CO_STAGING"]


@pytest.fixture
def old_hub_imported(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The kernel still runs huggingface_hub 0.20.1 in Colab (pip upgraded it on disk since)."""
    module = types.ModuleType("huggingface_hub")
    module.__version__ = "0.20.1"  # type: ignore[attr-defined]
    runtime = types.ModuleType("huggingface_hub.utils._runtime")
    runtime._is_google_colab = True  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "huggingface_hub", module)
    monkeypatch.setitem(sys.modules, "huggingface_hub.utils._runtime", runtime)
    yield


def test_imported_deadlock_version_is_reported_even_when_a_newer_one_is_installed(old_hub_imported: None) -> None:
    result = kernel.hub_version(_in_kernel())
    assert result.status == "fail"
    assert result.facts["imported_version"] == "0.20.1"
    assert result.facts["restart_needed"] is True
    assert result.facts["imported_deadlock_version"] is True and result.facts["hub_sees_colab"] is True


def test_vault_lookup_in_progress_is_seen_from_the_held_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = types.ModuleType("huggingface_hub.utils._runtime")
    runtime._is_google_colab = True  # type: ignore[attr-defined]
    auth = types.ModuleType("huggingface_hub.utils._auth")
    auth._GOOGLE_COLAB_SECRET_LOCK = threading.Lock()  # type: ignore[attr-defined]
    auth._IS_GOOGLE_COLAB_CHECKED = False  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "huggingface_hub.utils._runtime", runtime)
    monkeypatch.setitem(sys.modules, "huggingface_hub.utils._auth", auth)
    with auth._GOOGLE_COLAB_SECRET_LOCK:
        result = kernel.colab_vault(_in_kernel())
    assert result.status == "fail" and result.facts["lookup_in_progress"] is True


def test_thread_waiting_for_a_held_download_lock_is_found_with_its_wait(tmp_path: Path) -> None:
    """A real hf_hub_download thread blocks on the blob lock this test holds, as another download would."""
    from filelock import FileLock
    from huggingface_hub import hf_hub_download
    from huggingface_hub.file_download import repo_folder_name

    from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo

    file = FakeFile("config.json", b'{"model_type": "gpt2"}')
    cache = tmp_path / "cache"
    lock_path = cache / ".locks" / repo_folder_name(repo_id="acme/tiny", repo_type="model") / f"{file.etag}.lock"
    lock_path.parent.mkdir(parents=True)
    errors: list[BaseException] = []

    def download(url: str) -> None:
        try:
            hf_hub_download("acme/tiny", "config.json", cache_dir=cache, endpoint=url, token=False)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with FakeHub(repos=[FakeRepo("acme/tiny", files=[file])]) as hub:
        holder = FileLock(str(lock_path))
        holder.acquire()
        try:
            worker = threading.Thread(target=download, args=(hub.url,), name="cell-download", daemon=True)
            worker.start()
            result = _poll_for_lock_wait()
        finally:
            holder.release()
        worker.join(10)
    assert result.status == "fail", result
    (thread,) = [t for t in result.facts["threads"] if t["name"] == "cell-download"]
    assert thread["waiting_on"] == "file-lock" and thread["lock_file"] == str(lock_path)
    assert thread["seconds"] >= 0 and thread["stalled"] is True
    assert result.facts["lock_file"] == str(lock_path)
    assert "cell-download" in result.evidence and str(lock_path) in result.evidence
    assert not worker.is_alive() and not errors, errors


def _poll_for_lock_wait() -> ProbeResult:
    deadline = time.monotonic() + 10
    while True:
        result, _ = run_probe("kernel.download_threads", _in_kernel(), {}, 3)
        threads = result.facts.get("threads") or []
        if any(t.get("stalled") for t in threads if t["waiting_on"] == "file-lock") or time.monotonic() > deadline:
            return result


def test_no_download_threads_passes_and_ignores_the_probe_s_own_threads() -> None:
    blocker = threading.Event()
    own = threading.Thread(target=blocker.wait, name="probe:abandoned-earlier", daemon=True)
    own.start()
    try:
        result, _ = run_probe("kernel.download_threads", _in_kernel(), {}, 3)
    finally:
        blocker.set()
    assert result.status == "pass" and result.facts["threads"] == []
