"""fetching-stuck, network and access causes, each rebuilt for real against a loopback Hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser, Fault
from tests.fakes.netdead import Blackhole, closed_port_url

REPO = "acme/tiny-model"


def _repo(**kw: Any) -> FakeRepo:
    files = kw.pop(
        "files", [FakeFile("config.json", b'{"model_type": "gpt2"}'), FakeFile("model.safetensors", size=65536)]
    )
    return FakeRepo(REPO, files=files, **kw)


def _walk(
    hub_url: str,
    home: Path,
    extra: dict[str, str] | None = None,
    *,
    repo: str | None = REPO,
    timeout: float = 2,
    fakes: bool = False,
) -> Any:
    env = base_env(home, {"HF_ENDPOINT": hub_url, **(extra or {})}, fakes=fakes)
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", str(timeout)]
    if repo:
        args += ["--answer", f"repo={repo}"]
    return run_cli(args, env)


def _assert_cause(result: Any, cause: str | None, verdict: str = "problem") -> None:
    assert result.stdout.count("\n") >= 1, result.stderr
    data = result.json
    assert data["verdict"] == verdict, (data, result.stderr)
    assert result.cause == cause, json.dumps(data, indent=1)[:3000]
    assert result.code == {"healthy": 0, "problem": 1}[verdict]
    assert CANARY not in result.stdout + result.stderr


def test_healthy_public_model_with_valid_token(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"})
    _assert_cause(result, None, "healthy")
    nodes = [s["node"] for s in result.json["steps"]]
    assert {"endpoint", "whoami", "repo", "file"} <= set(nodes)


def test_refused_endpoint_is_hub_unreachable(home: Path) -> None:
    with closed_port_url() as closed:
        result = _walk(closed.url, home)
    _assert_cause(result, "hub-unreachable")
    endpoint = next(s for s in result.json["steps"] if s["node"] == "endpoint")
    assert endpoint["facts"]["kind"] == "refused"


def test_silent_endpoint_costs_one_deadline_and_is_hub_unreachable(home: Path) -> None:
    with Blackhole() as hole:
        result = _walk(hole.url, home, {"HF_TOKEN": CANARY}, timeout=2)
    _assert_cause(result, "hub-unreachable")
    assert result.seconds < 2 + 4, "a silent endpoint must cost about one deadline"
    steps = result.json["steps"]
    assert sum(1 for s in steps if s.get("probe", "").startswith(("net.endpoint", "hub."))) <= 2


def test_refused_proxy_is_proxy_misconfigured(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        env_extra = {"HTTP_PROXY": closed.url, "HTTPS_PROXY": closed.url, "NO_PROXY": ""}
        result = _walk(hub.url, home, env_extra)
    _assert_cause(result, "proxy-misconfigured")
    proxy = next(s for s in result.json["steps"] if s["node"] == "proxy")
    assert proxy["facts"]["state"] == "refused"


def test_proxy_exempted_by_no_proxy_is_not_blamed(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        result = _walk(hub.url, home, {"HTTP_PROXY": closed.url, "HF_HUB_DISABLE_XET": "1"})
    _assert_cause(result, None, "healthy")


def test_html_answering_endpoint_is_not_a_hub(home: Path) -> None:
    with FakeHub(
        repos=[_repo()],
        faults=[
            Fault(r".*", status=200, headers={"Content-Type": "text/html"}, body="<html>Sign in to the Wi-Fi</html>")
        ],
    ) as hub:
        result = _walk(hub.url, home)
    _assert_cause(result, "not-a-hub-endpoint")


def test_offline_mode_with_empty_cache(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_HUB_OFFLINE": "1", "HF_TOKEN": CANARY})
    _assert_cause(result, "offline-mode")
    assert not hub.requests.matching(), "offline mode must not contact the Hub"


def test_revoked_token_is_token_invalid_even_for_public_repo(home: Path) -> None:
    with FakeHub(users=[FakeUser("hf_someoneElsesTokenAAAAAAAAAAAAAAAAA", "bob")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY})
    _assert_cause(result, "token-invalid")


def test_revoked_token_in_token_file_is_token_invalid(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text(CANARY)
    with FakeHub(repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_HOME": str(hf_home)})
    _assert_cause(result, "token-invalid")
    token = next(s for s in result.json["steps"] if s["node"] == "token")
    assert token["facts"]["token_source"] == "file"


def test_gated_repo_without_token_is_auth_required(home: Path) -> None:
    with FakeHub(repos=[_repo(gated="manual")]) as hub:
        result = _walk(hub.url, home)
    _assert_cause(result, "auth-required")


def test_gated_repo_not_granted_is_gated_no_access(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo(gated="auto", access=("bob",))]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY})
    _assert_cause(result, "gated-no-access")


def test_missing_repo_is_repo_not_found(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY}, repo="acme/does-not-exist")
    _assert_cause(result, "repo-not-found")


def test_429_answers_are_rate_limited(home: Path) -> None:
    fault = Fault(
        r"^/api/models/acme/tiny-model", status=429, headers={"Retry-After": "30"}, body='{"error": "rate limited"}'
    )
    with FakeHub(repos=[_repo()], faults=[fault]) as hub:
        result = _walk(hub.url, home)
    _assert_cause(result, "rate-limited")


def test_file_bytes_redirected_to_dead_host_is_mirror_data_plane(home: Path) -> None:
    with FakeHub(repos=[_repo()]) as hub, closed_port_url() as closed:
        head = hub.routes  # noqa: F841  (the fake serves the real metadata; only Location changes)
        fault = Fault(
            r"/resolve/",
            methods=("HEAD",),
            status=302,
            headers={
                "Location": f"{closed.url}/blobs/abc",
                "X-Repo-Commit": "a" * 40,
                "X-Linked-Etag": '"' + "b" * 64 + '"',
                "X-Linked-Size": "65536",
                "ETag": '"x"',
            },
        )
        hub.add_fault(fault)
        result = _walk(hub.url, home, {"HF_HUB_DISABLE_XET": "1"})
    _assert_cause(result, "mirror-data-plane-unreachable")


def test_unreachable_xet_storage_is_xet_blocked(home: Path) -> None:
    pytest.importorskip("hf_xet")
    files = [FakeFile("config.json", b"{}"), FakeFile("model.safetensors", size=65536, xet=True)]
    with closed_port_url() as closed, FakeHub(repos=[_repo(files=files)], xet_cas_url=closed.url) as hub:
        result = _walk(hub.url, home)
    _assert_cause(result, "xet-blocked")
    file_step = next(s for s in result.json["steps"] if s["node"] == "file")
    assert file_step["facts"]["cas_host"] == "127.0.0.1"


def _colab_env(tmp_path: Path, mode: str, **extra: Any) -> dict[str, str]:
    config = tmp_path / "colab.json"
    config.write_text(json.dumps({"mode": mode, **extra}))
    return {
        "COLAB_RELEASE_TAG": "release-colab_20250115-060127_RC00",
        "FAKE_COLAB": str(config),
        "FAKE_COLAB_CALLS": str(tmp_path / "calls.txt"),
    }


def test_colab_secret_lookup_that_blocks_is_colab_secret_prompt(home: Path, tmp_path: Path) -> None:
    with FakeHub(repos=[_repo(gated="manual")]) as hub:
        result = _walk(hub.url, home, _colab_env(tmp_path, "block"), timeout=1, fakes=True)
    _assert_cause(result, "colab-secret-prompt")
    assert "colab.secret" in result.json["timed_out"]
    assert result.seconds < 1 + 5


def test_colab_secret_missing_then_gated_is_auth_required(home: Path, tmp_path: Path) -> None:
    with FakeHub(repos=[_repo(gated="manual")]) as hub:
        result = _walk(hub.url, home, _colab_env(tmp_path, "missing"), fakes=True)
    _assert_cause(result, "auth-required")


def test_colab_secret_value_is_used_and_never_shown(home: Path, tmp_path: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo(gated="auto", access=("alice",))]) as hub:
        result = _walk(
            hub.url, home, {**_colab_env(tmp_path, "value", value=CANARY), "HF_HUB_DISABLE_XET": "1"}, fakes=True
        )
    _assert_cause(result, None, "healthy")
    assert CANARY[:12] not in result.stdout + result.stderr


def test_no_secret_lookup_when_a_token_is_exported(home: Path, tmp_path: Path) -> None:
    env = {**_colab_env(tmp_path, "block"), "HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"}
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, env, fakes=True)
    _assert_cause(result, None, "healthy")
    assert not (tmp_path / "calls.txt").exists() or not (tmp_path / "calls.txt").read_text().strip()


def test_hub_0_20_1_in_colab_is_vault_thread_deadlock(home: Path, tmp_path: Path) -> None:
    # A dist-info earlier on sys.path is what importlib.metadata reports: the installed version.
    site = tmp_path / "site"
    dist = site / "huggingface_hub-0.20.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: huggingface_hub\nVersion: 0.20.1\n")
    env = {**_colab_env(tmp_path, "missing")}
    with FakeHub(repos=[_repo()]) as hub:
        env_all = base_env(home, {"HF_ENDPOINT": hub.url, **env}, fakes=True)
        env_all["PYTHONPATH"] = f"{site}:{env_all['PYTHONPATH']}"
        result = run_cli(["--playbook", "fetching-stuck", "--json", "--answer", f"repo={REPO}"], env_all)
    _assert_cause(result, "colab-vault-thread-deadlock")


def test_walk_without_repo_checks_endpoint_and_token_only(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY}, repo=None)
    assert result.json["verdict"] in ("healthy", "problem")
    repo_step = next(s for s in result.json["steps"] if s["node"] == "repo")
    assert repo_step["status"] == "skipped"


def test_misspelled_public_repo_without_token_is_repo_not_found_not_auth_required(home: Path) -> None:
    """The Hub answers 401 RepoNotFound for a missing repo when no token is sent; a typo is the
    likely reason, so the walk says "check the spelling" rather than "log in"."""
    with FakeHub(repos=[_repo()]) as hub:
        result = _walk(hub.url, home, repo="acme/tiny-modle")
    _assert_cause(result, "repo-not-found")
    repo = next(s for s in result.json["steps"] if s["node"] == "repo")
    assert repo["facts"]["maybe_private"] is True
    assert "check the spelling" in repo["evidence"]


def test_first_bytes_slower_than_the_read_timeout_is_download_timeout(home: Path) -> None:
    """The walk measures how fast the file's bytes arrive, not only what the variables say."""
    slow = Fault(r"^/lfs/", methods=("GET",), delay=1.5)
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()], faults=[slow]) as hub:
        env = {"HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1", "HF_HUB_DOWNLOAD_TIMEOUT": "1"}
        result = _walk(hub.url, home, env, timeout=5)
    _assert_cause(result, "download-timeout")
    steps = {s["node"]: s for s in result.json["steps"]}
    transfer = steps["file"]["facts"]["transfer"]
    assert transfer["first_byte_s"] is None or transfer["first_byte_s"] >= 1.0
    assert "HF_HUB_DOWNLOAD_TIMEOUT" in steps["timeouts"]["facts"]["measured"]


def test_healthy_walk_records_the_measured_transfer(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"})
    _assert_cause(result, None, "healthy")
    transfer = next(s for s in result.json["steps"] if s["node"] == "file")["facts"]["transfer"]
    assert transfer["state"] == "ok" and transfer["bytes"] > 0 and transfer["rate_bps"] > 0


def test_healthy_without_a_repo_does_not_claim_file_hosts_were_tested(home: Path) -> None:
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()]) as hub:
        result = _walk(hub.url, home, {"HF_TOKEN": CANARY}, repo=None)
    _assert_cause(result, None, "healthy")
    outcome = result.json["outcome"]
    assert outcome["node"] == "healthy-no-repo"
    assert "were not tested" in outcome["explanation"]
    steps = {s["node"]: s for s in result.json["steps"]}
    assert "file" not in steps or steps["file"]["status"] == "skipped"
