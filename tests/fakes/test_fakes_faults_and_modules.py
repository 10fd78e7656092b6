"""Faults, dead network ends and stand-in modules do what probes' tests rely on.

Raw sockets and `http.client` are used on purpose: these checks are about bytes on the wire
(timeouts, refusals, partial bodies), independent of any client library's retry logic.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .hubdata import FakeFile, FakeRepo, FakeUser, Fault
from .hubserver import FakeHub
from .netdead import Blackhole, closed_port_url

MODULES = Path(__file__).parent / "modules"
INFO = "/api/models/acme/tiny"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """A fresh hub per test: faults are consumed and must not leak between tests."""
    repo = FakeRepo("acme/tiny", files=[FakeFile("c.json", b"{}"), FakeFile("w.bin", size=50_000)])
    with FakeHub(users=[FakeUser("hf_ok", "alice")], repos=[repo]) as running:
        yield running


def get(url: str, path: str, *, method: str = "GET", timeout: float = 2.0, **headers: str) -> http.client.HTTPResponse:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    conn.request(method, path, headers=headers)
    return conn.getresponse()


def test_status_fault_answers_then_runs_out(hub: FakeHub) -> None:
    hub.add_fault(Fault(INFO + "$", status=503, headers={"Retry-After": "1"}, body="busy", times=1))
    first = get(hub.url, INFO)
    assert (first.status, first.getheader("Retry-After"), first.read()) == (503, "1", b"busy")
    second = get(hub.url, INFO)
    assert second.status == 200 and json.loads(second.read())["id"] == "acme/tiny"


def test_fault_filters_by_method_and_delays(hub: FakeHub) -> None:
    hub.add_fault(Fault("/resolve/", methods=("HEAD",), status=500))
    hub.add_fault(Fault(INFO + "$", delay=0.3))
    assert get(hub.url, "/acme/tiny/resolve/main/c.json", method="HEAD").status == 500
    assert get(hub.url, "/acme/tiny/resolve/main/c.json").status == 200
    started = time.monotonic()
    assert get(hub.url, INFO).status == 200
    assert time.monotonic() - started >= 0.3


def test_hang_times_out_the_client_and_stop_releases_it(hub: FakeHub) -> None:
    hub.add_fault(Fault("whoami", hang=True))
    with pytest.raises(TimeoutError):
        get(hub.url, "/api/whoami-v2", timeout=0.3)
    started = time.monotonic()
    hub.stop()
    assert time.monotonic() - started < 2


def test_stalled_body_sends_headers_and_a_few_bytes(hub: FakeHub) -> None:
    hub.add_fault(Fault("^/lfs/", methods=("GET",), stall_body=True))
    head = get(hub.url, "/acme/tiny/resolve/main/w.bin", method="HEAD")
    location = head.getheader("Location") or ""
    assert head.status == 302 and location.startswith(hub.cdn_url)
    response = get(hub.cdn_url, location.removeprefix(hub.cdn_url), timeout=0.3)
    assert (response.status, response.getheader("Content-Length")) == (200, "50000")
    assert len(response.read(3)) == 3
    with pytest.raises(TimeoutError):
        response.read(10)


def test_head_sizes_ranges_and_invalid_tokens(hub: FakeHub) -> None:
    head = get(hub.url, "/acme/tiny/resolve/main/c.json", method="HEAD")
    assert (head.getheader("Content-Length"), head.getheader("X-Repo-Commit")) == (
        "2",
        hub.repo("model", "acme/tiny").sha,  # type: ignore[union-attr]
    )
    partial = get(hub.url, "/acme/tiny/resolve/main/c.json", Range="bytes=1-")
    assert (partial.status, partial.getheader("Content-Range"), partial.read()) == (
        206,
        "bytes 1-1/2",
        b"}",
    )
    bad = get(hub.url, INFO, Authorization="Bearer hf_unknown")
    assert bad.status == 401
    assert bad.getheader("X-Error-Message") == "Invalid credentials in Authorization header"
    assert hub.requests[-1].headers["authorization"] == "Bearer hf_unknown"


def test_stop_cuts_idle_keepalive_connections(hub: FakeHub) -> None:
    host, port = hub.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=2)
    conn.request("GET", INFO)
    conn.getresponse().read()  # the connection stays open, its handler waits for more
    stopper = threading.Thread(target=hub.stop)
    stopper.start()
    stopper.join(timeout=3)
    assert not stopper.is_alive()
    conn.close()


def test_blackhole_accepts_and_never_answers() -> None:
    with Blackhole() as hole, socket.create_connection(("127.0.0.1", hole.port), timeout=2) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(0.3)
        with pytest.raises(TimeoutError):
            s.recv(1)
        assert hole.url == f"http://127.0.0.1:{hole.port}"
        deadline = time.monotonic() + 2
        while hole.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hole.connections == 1


def test_closed_port_refuses_at_once() -> None:
    with closed_port_url() as closed:
        port = int(closed.url.rsplit(":", 1)[1])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)


def run_with_modules(tmp_path: Path, code: str, **configs: object) -> list[object]:
    """Run `code` with the stand-in modules first on sys.path; `configs` become FAKE_* files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_", "HF_"))}
    path = os.pathsep.join(p for p in (str(MODULES), env.get("PYTHONPATH", "")) if p)
    env.update(PYTHONPATH=path, HF_HOME=str(tmp_path / "hf"), HF_HUB_DISABLE_TELEMETRY="1")
    for name, config in configs.items():
        if isinstance(config, dict):
            (tmp_path / f"{name}.json").write_text(json.dumps(config))
            env[name] = str(tmp_path / f"{name}.json")
        else:
            env[name] = str(config)
    script = "import json\nout = []\n" + textwrap.dedent(code) + "\nprint(json.dumps(out))\n"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_fake_pynvml_without_config_is_a_machine_without_driver(tmp_path: Path) -> None:
    out = run_with_modules(
        tmp_path,
        """
        import pynvml
        out.append(pynvml.__file__)
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError_LibraryNotFound as e:
            out += [type(e).__name__, e.value, str(e)]
        out.append(type(pynvml.NVMLError(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)).__name__)
        """,
    )
    assert out[0] == str(MODULES / "pynvml.py")
    assert out[1:] == [
        "NVMLError_LibraryNotFound",
        12,
        "NVML Shared Library Not Found",
        "NVMLError_DriverNotLoaded",
    ]


def test_fake_pynvml_and_torch_describe_a_gpu(tmp_path: Path) -> None:
    device = {
        "name": "Tesla T4",
        "memory_total_mib": 15360,
        "memory_used_mib": 1024,
        "compute_capability": [7, 5],
        "processes": [{"pid": 4242, "used_memory_mib": 1024}],
    }
    out = run_with_modules(
        tmp_path,
        """
        import pynvml, torch
        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(0)
        mem = pynvml.nvmlDeviceGetMemoryInfo(h)
        procs = pynvml.nvmlDeviceGetComputeRunningProcesses(h)
        out += [pynvml.nvmlSystemGetDriverVersion(), pynvml.nvmlDeviceGetCount(),
                pynvml.nvmlDeviceGetName(h), mem.total, mem.used,
                list(pynvml.nvmlDeviceGetCudaComputeCapability(h)), procs[0].pid,
                pynvml.nvmlSystemGetCudaDriverVersion_v2()]
        pynvml.nvmlShutdown()
        try:
            pynvml.nvmlDeviceGetCount()
        except pynvml.NVMLError_Uninitialized:
            out.append("uninitialized")
        out += [torch.__version__, torch.version.cuda, torch.cuda.is_available(),
                torch.cuda.device_count(), torch.cuda.get_device_name(0)]
        """,
        FAKE_NVML={
            "driver_version": "550.54.15",
            "cuda_driver_version": 12040,
            "devices": [device],
        },
        FAKE_TORCH={"version": "2.5.1+cu124", "cuda": "12.4", "devices": ["Tesla T4"]},
    )
    mib = 1 << 20
    assert out == [
        "550.54.15",
        1,
        "Tesla T4",
        15360 * mib,
        1024 * mib,
        [7, 5],
        4242,
        12040,
        "uninitialized",
        "2.5.1+cu124",
        "12.4",
        True,
        1,
        "Tesla T4",
    ]


def test_fake_torch_cpu_build_and_missing_packages(tmp_path: Path) -> None:
    out = run_with_modules(
        tmp_path,
        """
        import torch
        out += [torch.version.cuda, torch.cuda.is_available(), torch.cuda.device_count()]
        try:
            import transformers
        except ImportError:
            out.append("no transformers")
        """,
        FAKE_TORCH={"version": "2.5.1+cpu", "cuda": ""},
    )
    assert out == [None, False, 0, "no transformers"]


def test_fake_colab_vault_modes_and_call_log(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    code = """
        import google
        from google.colab import errors, userdata
        out.append(getattr(google, "__file__", None))
        try:
            userdata.get("HF_TOKEN")
        except Exception as e:
            out += [type(e).__name__, isinstance(e, errors.Error)]
        """
    assert run_with_modules(tmp_path, code, FAKE_COLAB_CALLS=calls) == [
        None,  # a namespace package, as in a real Colab image
        "SecretNotFoundError",
        True,
    ]
    assert run_with_modules(tmp_path, code, FAKE_COLAB={"mode": "denied"})[1:] == [
        "NotebookAccessError",
        False,
    ]
    timeout = run_with_modules(tmp_path, code, FAKE_COLAB={"mode": "timeout", "delay": 0})
    assert timeout[1:] == ["TimeoutException", True]
    assert calls.read_text() == "HF_TOKEN\n"


def test_huggingface_hub_reads_the_fake_colab_vault(tmp_path: Path) -> None:
    out = run_with_modules(
        tmp_path,
        """
        from huggingface_hub.utils import _auth
        _auth.is_google_colab = lambda: True  # as if running inside a Colab kernel
        out.append(_auth.get_token())
        """,
        FAKE_COLAB={"mode": "value", "value": "hf_from_vault"},
        FAKE_TRANSFORMERS={"version": "4.46.0"},
    )
    assert out == ["hf_from_vault"]
