"""Regression walks for probe fixes: the real CLI, `--json`, against loopback Hubs and dead ends.

Each test rebuilds one situation a fix is about (a proxy or CDN that accepts and never
answers, an endpoint with a wrong path, a whoami that answers 429, a token hidden by an
HF_TOKEN of spaces …), runs `python -m troubleshooter` in a child process with a clean
environment, and checks the verdict, the cause and the facts of the step that decided.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, CliResult, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser, Fault
from tests.fakes.netdead import Blackhole, closed_port_url
from tests.playbooks.test_fetching_network import _repo
from tests.playbooks.test_fetching_network import _walk as _fetch
from tests.probes.test_probe_fixes import BUSY_A100

REVOKED = "hf_RevokedTokenNobodyAcceptsAAAAAAAAAA"
EXIT = {"healthy": 0, "problem": 1, "inconclusive": 3, "needs-input": 3}


def _walk(
    playbook: str,
    home: Path,
    extra: dict[str, str] | None = None,
    *,
    timeout: float = 2,
    fakes: bool = False,
    answers: dict[str, str | None] | None = None,
) -> CliResult:
    env = base_env(home, {"HF_HUB_DISABLE_XET": "1", **(extra or {})}, fakes=fakes)
    args = ["--playbook", playbook, "--json", "--timeout", str(timeout)]
    for key, value in (answers or {}).items():
        if value is not None:
            args += ["--answer", f"{key}={value}"]
    return run_cli(args, env)


def _expect(result: CliResult, cause: str | None, verdict: str = "problem") -> dict[str, Any]:
    """Check verdict, cause and exit code; return the steps by node."""
    assert result.stdout.strip(), result.stderr[-3000:]
    data = result.json
    shown = json.dumps(data, indent=1, ensure_ascii=False)[:4000]
    assert data["verdict"] == verdict, (shown, result.stderr[-2000:])
    assert result.cause == cause, shown
    assert result.code == EXIT[verdict]
    assert CANARY not in result.stdout + result.stderr
    return {s["node"]: s for s in data["steps"]}


def _deciding(result: CliResult) -> dict[str, Any]:
    last: dict[str, Any] = result.json["steps"][-1]
    return last


@contextmanager
def _json_object_everywhere() -> Iterator[str]:
    """An HTTP server answering 200 with the same JSON object on every path (a gateway page)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

        def _answer(self) -> None:
            body = b'{"status": "ok", "message": "Welcome to the corporate gateway"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- 1. proxies and CDNs that accept connections and never answer -------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY"])
def test_silent_proxy_is_proxy_misconfigured_not_hub_unreachable(home: Path, variable: str) -> None:
    with FakeHub(repos=[_repo()]) as hub, Blackhole() as hole:
        result = _fetch(hub.url, home, {variable: hole.url, "NO_PROXY": ""})
        assert hole.connections >= 1
    steps = _expect(result, "proxy-misconfigured")
    proxy = steps["proxy"]["facts"]
    assert (proxy["state"], proxy["proxy_variable"], proxy["proxy"]) == ("silent", variable, hole.url)
    assert "endpoint" not in steps, "the walk stops at the proxy"
    assert result.seconds < 2 + 4, "a silent proxy must cost about one deadline"


def test_cdn_that_accepts_but_never_answers_is_mirror_data_plane_unreachable(home: Path) -> None:
    with FakeHub(repos=[_repo()], faults=[Fault(r"^/lfs/", hang=True)]) as hub:
        result = _fetch(hub.url, home)
    steps = _expect(result, "mirror-data-plane-unreachable")
    file = steps["file"]["facts"]
    assert file["kind"] == "data-plane-unreachable" and file["filename"] == "model.safetensors"
    assert file["data_plane"]["state"] == "silent" and file["data_plane"]["via_proxy"] is False
    assert "never answers" in steps["file"]["evidence"]
    assert result.seconds < 2 + 4


# --- 2. offline variables as huggingface_hub reads them --------------------------------------


def test_hf_hub_offline_zero_overrides_transformers_offline(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _fetch(hub.url, home, {"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"})
        assert hub.requests.matching("GET", "/api/models"), "online: the Hub was asked"
    steps = _expect(result, None, "healthy")
    assert steps["offline"]["facts"]["offline"] is False
    assert "overrides TRANSFORMERS_OFFLINE" in steps["offline"]["evidence"]


def test_hf_hub_offline_with_a_leading_space_is_not_offline(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _fetch(hub.url, home, {"HF_HUB_OFFLINE": " 1"})
    steps = _expect(result, None, "healthy")
    assert steps["offline"]["facts"] == {"offline": False, "variables": {"HF_HUB_OFFLINE": " 1"}, "enabled_by": []}


# --- 3. HF_HUB_DISABLE_IMPLICIT_TOKEN ------------------------------------------------------


def test_disabled_implicit_token_with_a_granted_gated_repo_is_auth_required(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo(gated="manual", access=("alice",))]) as hub:
        result = _fetch(hub.url, home, {"HF_TOKEN": CANARY, "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"})
    steps = _expect(result, "auth-required")
    assert steps["token"]["facts"]["implicit_token_disabled"] is True
    assert steps["whoami"]["facts"]["account"] == "alice", "the token itself is fine"
    repo = steps["repo"]
    assert (repo["facts"]["access"], repo["facts"]["token_present"]) == ("needs-token", False)
    assert "HF_HUB_DISABLE_IMPLICIT_TOKEN=1" in repo["evidence"]


# --- 4. proxy variables as httpx2 reads them -------------------------------------------------


def test_empty_lower_case_http_proxy_cancels_http_proxy(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        result = _fetch(hub.url, home, {"HTTP_PROXY": closed.url, "http_proxy": "", "NO_PROXY": ""})
    steps = _expect(result, None, "healthy")
    assert steps["proxy"]["facts"]["state"] == "none" and steps["proxy"]["facts"]["proxy"] is None


def test_no_proxy_cidr_exempts_the_loopback_hub(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        result = _fetch(hub.url, home, {"HTTP_PROXY": closed.url, "NO_PROXY": "127.0.0.0/8"})
    steps = _expect(result, None, "healthy")
    assert (steps["proxy"]["facts"]["state"], steps["proxy"]["facts"]["proxy_variable"]) == ("bypassed", "NO_PROXY")
    plane = steps["file"]["facts"]["data_plane"]
    assert (plane["via_proxy"], plane["state"]) == (False, "ok"), "the CDN on 127.0.0.1 is exempted too"


def test_no_proxy_host_port_exempts_exactly_those_ports(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        hub_hostport, cdn_hostport = hub.url.split("://")[1], hub.cdn_url.split("://")[1]
        both = _fetch(hub.url, home, {"HTTP_PROXY": closed.url, "NO_PROXY": f"{hub_hostport},{cdn_hostport}"})
        hub_only = _fetch(hub.url, home, {"HTTP_PROXY": closed.url, "NO_PROXY": hub_hostport})
    assert _expect(both, None, "healthy")["proxy"]["facts"]["state"] == "bypassed"
    # The CDN's port is not exempted: its bytes go through the refusing proxy, as a download's would.
    steps = _expect(hub_only, "mirror-data-plane-unreachable")
    assert steps["proxy"]["facts"]["state"] == "bypassed"
    plane = steps["file"]["facts"]["data_plane"]
    assert (plane["via_proxy"], plane["state"]) == (True, "refused")


# --- 5. GPUs: CUDA-visible only, same-tier variants ----------------------------------------

IDLE_A10G = {"name": "NVIDIA A10G", "memory_total_mib": 23028, "memory_used_mib": 0, "compute_capability": [8, 6]}
T4 = {"name": "Tesla T4", "memory_total_mib": 15360, "memory_used_mib": 0, "compute_capability": [7, 5]}


def _gpu_walk(
    tmp_path: Path, home: Path, devices: list[dict[str, Any]], extra: dict[str, str], expected_gpu: str | None = None
) -> CliResult:
    nvml, torch = tmp_path / "nvml.json", tmp_path / "torch.json"
    nvml.write_text(json.dumps({"driver_version": "550.54.15", "cuda_driver_version": 12040, "devices": devices}))
    torch.write_text(json.dumps({"version": "2.5.1+cu124", "cuda": "12.4", "devices": [d["name"] for d in devices]}))
    env = {"FAKE_NVML": str(nvml), "FAKE_TORCH": str(torch), **extra}
    return _walk("runtime-wont-connect", home, env, timeout=5, fakes=True, answers={"expected_gpu": expected_gpu})


def test_busy_gpu_hidden_by_cuda_visible_devices_does_not_count(tmp_path: Path, home: Path) -> None:
    result = _gpu_walk(tmp_path, home, [BUSY_A100, IDLE_A10G], {"CUDA_VISIBLE_DEVICES": "1"})
    steps = _expect(result, None, "healthy")
    assert steps["visible"]["facts"]["visible_indices"] == [1]
    memory = steps["memory"]["facts"]
    assert (memory["held"], memory["index"], memory["device"]) == (False, 1, "NVIDIA A10G")
    without = _gpu_walk(tmp_path, home, [BUSY_A100, IDLE_A10G], {})
    assert _expect(without, "gpu-memory-held")["memory"]["facts"]["index"] == 0


def test_a10g_when_an_a10_was_expected_is_healthy(tmp_path: Path, home: Path) -> None:
    result = _gpu_walk(tmp_path, home, [IDLE_A10G], {}, expected_gpu="A10")
    match = _expect(result, None, "healthy")["match"]["facts"]
    assert (match["result"], match["lower_tier"], match["device"]) == ("match", False, "NVIDIA A10G")


def test_t4_when_an_a100_was_expected_stays_lower_tier(tmp_path: Path, home: Path) -> None:
    result = _gpu_walk(tmp_path, home, [T4], {}, expected_gpu="A100")
    match = _expect(result, "lower-tier-gpu")["match"]["facts"]
    assert (match["result"], match["lower_tier"]) == ("lower", True)


# --- 6. space-paused: named exceptions, refused pushes, restarted Spaces -------------------

SPACE = "alice/autotrain-llm-sft"
OUTPUT = "alice/llm-sft"
FAILED = "Your training has failed ❌"
CRASH_HEAD = (
    "ERROR | autotrain.trainers.common:wrapper:216 - train has failed due to an exception:"
    " Traceback (most recent call last):"
)
PAUSING = "INFO | autotrain.trainers.common:pause_space:191 - Pausing space..."
TOKENIZER_ERROR = "ValueError: Tokenizer class LlamaTokenizerFast does not exist or is not currently imported."
BASE = FakeRepo("mistralai/Mistral-7B-v0.3", files=[FakeFile("config.json", b'{"model_type": "mistral"}')])


def _space_hub(logs: list[str], *, stage: str = "PAUSED", discussions: tuple[str, ...] = (FAILED,)) -> FakeHub:
    space = FakeRepo(
        SPACE, type="space", private=True, stage=stage, hardware="a10g-small", discussions=list(discussions), logs=logs
    )
    output = FakeRepo(
        OUTPUT,
        private=True,
        files=[FakeFile("README.md", b"{}"), FakeFile("runs/Mar04_10-00-00/events.out.tfevents", size=4096)],
    )
    return FakeHub(users=[FakeUser(CANARY, "alice", role="read")], repos=[space, output, BASE])


def _space_walk(hub: FakeHub, home: Path, space: str = SPACE, **answers: str) -> CliResult:
    env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": CANARY}
    return _walk("space-paused", home, env, timeout=3, answers={"space": space, **answers})


def test_named_exception_with_a_read_token_and_logs_pushed_is_training_failed(home: Path) -> None:
    logs = [CRASH_HEAD, '  File "/app/src/autotrain/trainers/clm/__main__.py", line 28, in train', TOKENIZER_ERROR]
    with _space_hub([*logs, PAUSING]) as hub:
        result = _space_walk(hub, home, base_model=BASE.id, output_repo=OUTPUT)
    steps = _expect(result, "space-training-failed")
    assert (steps["job-logs"]["facts"]["error_kind"], steps["job-logs"]["facts"]["error_line"]) == (
        "crash",
        TOKENIZER_ERROR,
    )
    assert steps["whoami"]["facts"]["role"] == "read"
    assert steps["output-repo"]["facts"]["exists"] is True and steps["output-repo"]["facts"]["logs_only"] is True


def test_refused_upload_in_the_log_with_a_read_token_is_still_token_not_write(home: Path) -> None:
    refused = "ERROR | push_to_hub: the upload was rejected by the Hub (403 Forbidden)"
    with _space_hub([CRASH_HEAD, refused, PAUSING]) as hub:
        result = _space_walk(hub, home, base_model=BASE.id, output_repo=OUTPUT)
    steps = _expect(result, "token-not-write")
    assert (steps["job-logs"]["facts"]["error_kind"], steps["job-logs"]["facts"]["error_line"]) == (
        "token-not-write",
        refused,
    )


def test_running_space_with_an_oom_before_its_restart_is_healthy(home: Path) -> None:
    logs = [
        CRASH_HEAD,
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.",
        "===== Application Startup at 2025-03-04 10:00:00 =====",
        "* Running on local URL:  http://0.0.0.0:7860",
    ]
    with _space_hub(logs, stage="RUNNING", discussions=()) as hub:
        result = _space_walk(hub, home)
    steps = _expect(result, None, "healthy")
    assert steps["runtime"]["facts"]["stage_group"] == "running"
    assert (steps["job-logs"]["facts"]["error_kind"], steps["job-logs"]["facts"]["lines"]) == ("none", 4)


# --- 8. hf_transfer is a word, not a token ------------------------------------------------


def test_hf_transfer_step_is_reported_unredacted(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _fetch(hub.url, home, {"HF_HUB_ENABLE_HF_TRANSFER": "1"})
    steps = _expect(result, None, "healthy")
    assert steps["hf-transfer"]["probe"] == "versions.hf_transfer"
    assert steps["hf-transfer"]["facts"]["effect"] == "ignored-deprecated"
    assert "<redacted>" not in json.dumps(steps["hf-transfer"])


# --- 10. endpoints that answer, but not as a Hub -----------------------------------------


def test_endpoint_with_a_wrong_path_prefix_is_not_a_hub(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _fetch(f"{hub.url}/mirror", home)
    endpoint = _expect(result, "not-a-hub-endpoint")["endpoint"]["facts"]
    assert (endpoint["kind"], endpoint["status_code"]) == ("not-hub", 404)
    assert endpoint["endpoint"].endswith("/mirror")


def test_endpoint_answering_a_json_object_on_every_path_is_not_a_hub(home: Path) -> None:
    with _json_object_everywhere() as url:
        result = _fetch(url, home)
    endpoint = _expect(result, "not-a-hub-endpoint")["endpoint"]["facts"]
    assert (endpoint["kind"], endpoint["status_code"]) == ("not-hub", 200)
    assert "json" in endpoint["content_type"]


def test_endpoint_with_a_trailing_space_is_not_a_usable_url(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _fetch(f"{hub.url} ", home)
        assert not hub.requests.matching(), "nothing can be asked at a URL with a space in it"
    endpoint = _expect(result, "not-a-hub-endpoint")["endpoint"]
    assert endpoint["facts"]["kind"] == "not-hub" and "whitespace" in endpoint["facts"]["malformed"]
    assert "not a usable URL" in endpoint["evidence"]


def test_endpoint_failing_with_503_everywhere_is_hub_server_error(home: Path) -> None:
    fault = Fault(r".*", status=503, headers={"Content-Type": "text/html"}, body="<h1>503 Service Unavailable</h1>")
    with FakeHub(repos=[_repo()], faults=[fault]) as hub:
        result = _fetch(hub.url, home)
    endpoint = _expect(result, "hub-server-error")["endpoint"]["facts"]
    assert (endpoint["kind"], endpoint["status_code"]) == ("server-error", 503)


# --- 11. whoami rate-limited while everything else works -----------------------------------


def _whoami_429_hub() -> FakeHub:
    fault = Fault(r"^/api/whoami", status=429, headers={"Retry-After": "30"}, body='{"error": "rate limited"}')
    return FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()], faults=[fault])


def test_whoami_429_does_not_stop_a_walk_with_a_repo(home: Path) -> None:
    with _whoami_429_hub() as hub:
        result = _fetch(hub.url, home, {"HF_TOKEN": CANARY})
    steps = _expect(result, None, "healthy")
    assert steps["whoami"]["facts"]["kind"] == "rate-limited"
    assert steps["repo"]["facts"]["access"] == "ok" and steps["file"]["facts"]["kind"] == "ok"


def test_whoami_429_without_a_repo_is_rate_limited(home: Path) -> None:
    with _whoami_429_hub() as hub:
        result = _fetch(hub.url, home, {"HF_TOKEN": CANARY}, repo=None)
    steps = _expect(result, "rate-limited")
    assert steps["whoami"]["facts"]["kind"] == "rate-limited"
    assert steps["repo"]["status"] == "skipped" and _deciding(result)["node"] == "repo"


# --- 12. Colab Enterprise ----------------------------------------------------------------


def test_colab_enterprise_never_asks_the_vault(home: Path, tmp_path: Path) -> None:
    config, calls = tmp_path / "colab.json", tmp_path / "calls.txt"
    config.write_text(json.dumps({"mode": "block"}))
    env = {
        "COLAB_RELEASE_TAG": "release-colab_20250115-060127_RC00",
        "VERTEX_PRODUCT": "COLAB_ENTERPRISE",
        "FAKE_COLAB": str(config),
        "FAKE_COLAB_CALLS": str(calls),
    }
    with FakeHub(repos=[_repo(gated="manual")]) as hub:
        result = _fetch(hub.url, home, env, timeout=1, fakes=True)
    steps = _expect(result, "auth-required")
    assert steps["colab-secret"]["status"] == "skipped"
    assert steps["colab-secret"]["facts"] == {"state": "enterprise", "consulted": False}
    assert result.json["timed_out"] == []
    assert not calls.exists() or not calls.read_text().strip(), "no secret lookup happened"


# --- 13. token resolution: HF_TOKEN of spaces -------------------------------------------


def test_hf_token_of_spaces_falls_back_to_the_token_file_not_the_legacy_variable(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text(f"{CANARY}\n")
    env = {"HF_HOME": str(hf_home), "HF_TOKEN": "   ", "HUGGING_FACE_HUB_TOKEN": REVOKED}
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo(gated="manual", access=("alice",))]) as hub:
        result = _fetch(hub.url, home, env)
        sent = {r.headers.get("authorization") for r in hub.requests.matching(path_prefix="/api/")}
    steps = _expect(result, None, "healthy")
    assert steps["token"]["facts"]["token_source"] == "file"
    assert steps["whoami"]["facts"]["account"] == "alice"
    assert steps["repo"]["facts"]["access"] == "ok"
    assert f"Bearer {REVOKED}" not in sent


# --- 14. TRANSFORMERS_CACHE naming the hub cache through a symlink ------------------------


def test_transformers_cache_symlinked_to_the_hub_cache_is_consistent(home: Path, tmp_path: Path) -> None:
    hub_cache = tmp_path / "volume" / "hub"
    hub_cache.mkdir(parents=True)
    link = tmp_path / "models"
    link.symlink_to(hub_cache, target_is_directory=True)
    config = tmp_path / "transformers.json"
    config.write_text('{"version": "5.0.0"}')
    env = {
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HUB_CACHE": str(hub_cache),
        "TRANSFORMERS_CACHE": str(link),
        "FAKE_TRANSFORMERS": str(config),
    }
    result = _walk("cache-redownloads", home, env, timeout=3, fakes=True)
    assert result.cause != "legacy-cache-var", json.dumps(result.json, indent=1)[:3000]
    legacy = {s["node"]: s for s in result.json["steps"]}["legacy"]
    assert legacy["status"] == "pass"
    assert (legacy["facts"]["state"], legacy["facts"]["ignored"]) == ("consistent", [])


# --- 15. pasted Hub URLs as repo ids -----------------------------------------------------


def test_dataset_page_url_becomes_repo_id_and_dataset_type(home: Path) -> None:
    corpus = FakeRepo("acme/corpus", type="dataset", files=[FakeFile("data/train.csv", b"text,label\nhi,1\n")])
    with FakeHub(repos=[corpus]) as hub:
        result = _fetch(hub.url, home, repo=f"{hub.url}/datasets/acme/corpus/tree/main")
    steps = _expect(result, None, "healthy")
    assert result.json["inputs"] == {"repo": "acme/corpus", "repo_type": "dataset"}
    repo = steps["repo"]["facts"]
    assert (repo["repo"], repo["repo_type"], repo["access"]) == ("acme/corpus", "dataset", "ok")


def test_space_page_url_is_reduced_to_the_space_id(home: Path) -> None:
    with _space_hub(["* Running on local URL:  http://0.0.0.0:7860"], stage="RUNNING", discussions=()) as hub:
        result = _space_walk(hub, home, space=f"{hub.url}/spaces/{SPACE}/logs")
    steps = _expect(result, None, "healthy")
    assert result.json["inputs"]["space"] == SPACE
    assert steps["runtime"]["facts"]["space"] == SPACE
