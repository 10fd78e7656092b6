"""The fake Hub is only useful if the REAL huggingface_hub client reads it like huggingface.co.

Each scenario runs the installed client in a subprocess (it reads HF_ENDPOINT and friends at
import) and reports, per call, the value or the exception class, its MRO, HTTP status and
cause. The assertions double as documentation of what 2.4.0 raises in each situation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .hubdata import FakeFile, FakeRepo, FakeUser
from .hubserver import FakeHub

READ = FakeUser("hf_read_alice", "alice", orgs=("acme",))
WRITE = FakeUser("hf_write_bob", "bob", role="write")
FINE = FakeUser("hf_fine_carol", "carol", role="fineGrained")  # no gated-repo permission
FINE_GATED = FakeUser("hf_fine_dave", "dave", role="fineGrained", can_read_gated=True)

CONFIG = b'{"model_type": "tiny"}\n'

PRELUDE = """
import json, sys
import huggingface_hub as hh
from huggingface_hub import HfApi
api = HfApi()
out = {}

def attempt(name, fn):
    try:
        out[name] = {"ok": fn()}
    except Exception as e:
        response = getattr(e, "response", None)
        out[name] = {
            "error": type(e).__name__,
            "mro": [c.__name__ for c in type(e).__mro__],
            "status": getattr(response, "status_code", None),
            "cause": type(e.__cause__).__name__ if e.__cause__ else None,
            "message": str(e),
        }
"""


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    """One hub for the read-only scenarios: users and repos covering every access rule."""
    repos = [
        FakeRepo(
            "acme/tiny",
            files=[
                FakeFile("config.json", CONFIG),
                FakeFile("model.safetensors", size=4096),
                FakeFile("sub/notes.txt", b"hello\n"),
            ],
        ),
        FakeRepo("acme/xet-model", files=[FakeFile("weights.bin", size=2048, xet=True)]),
        FakeRepo(
            "meta/gated",
            gated="manual",
            access=("bob", "carol", "dave"),
            files=[FakeFile("config.json", CONFIG)],
        ),
        FakeRepo("bob/private", private=True, files=[FakeFile("a.txt", b"a")]),
        FakeRepo("acme/disabled", disabled=True, files=[FakeFile("a.txt", b"a")]),
        FakeRepo(
            "bob/app",
            type="space",
            stage="SLEEPING",
            hardware="a10g-small",
            discussions=[
                "Your training has finished successfully",
                {"title": "Crash on start", "author": "alice", "body": "CUDA out of memory"},
            ],
            logs=["Loading model", "Running on http://0.0.0.0:7860"],
            build_logs=["Step 1/5 : FROM python:3.11"],
        ),
    ]
    with FakeHub(users=[READ, WRITE, FINE, FINE_GATED], repos=repos) as running:
        yield running


def run_client(hub: FakeHub, home: Path, code: str, *, xet: bool = False) -> dict[str, Any]:
    """Run `code` (after PRELUDE) with the real client pointed at `hub`; return its `out`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(hub.client_env(home, xet=xet))
    script = PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(out, default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_whoami_reads_the_account_and_rejects_unknown_tokens(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        f"""
        attempt("read", lambda: api.whoami(token="{READ.token}"))
        attempt("fine", lambda: api.whoami(token="{FINE_GATED.token}"))
        attempt("bogus", lambda: api.whoami(token="hf_bogus"))
        """,
    )
    me = out["read"]["ok"]
    assert (me["name"], me["type"], me["auth"]["accessToken"]["role"]) == ("alice", "user", "read")
    assert [o["name"] for o in me["orgs"]] == ["acme"]
    fine = out["fine"]["ok"]["auth"]["accessToken"]
    assert fine["role"] == "fineGrained"
    assert fine["fineGrained"]["canReadGatedRepos"] is True
    assert fine["fineGrained"]["scoped"][0]["entity"]["name"] == "dave"
    bogus = out["bogus"]
    assert (bogus["error"], bogus["status"]) == ("HfHubHTTPError", 401)
    assert "Invalid user token" in bogus["message"]


def test_model_info_and_listing(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        """
        info = lambda r, **kw: vars(api.model_info(r, **kw))
        attempt("tiny", lambda: info("acme/tiny"))
        attempt("gated", lambda: info("meta/gated", token=False))
        attempt("pinned", lambda: info("acme/tiny", revision="v9"))
        attempt("private", lambda: info("bob/private", token=False))
        attempt("list", lambda: [m.id for m in api.list_models(author="acme")])
        """,
    )
    tiny = out["tiny"]["ok"]
    assert tiny["sha"] == hub.repo("model", "acme/tiny").sha  # type: ignore[union-attr]
    assert tiny["gated"] is False
    assert "sub/notes.txt" in str(tiny["siblings"])
    assert out["gated"]["ok"]["gated"] == "manual"  # metadata of gated repos is public
    assert out["pinned"]["error"] == "RevisionNotFoundError"
    assert (out["private"]["error"], out["private"]["status"]) == ("RepositoryNotFoundError", 401)
    assert out["list"]["ok"] == ["acme/disabled", "acme/tiny", "acme/xet-model"]


def test_auth_check_maps_every_refusal_to_its_exception(hub: FakeHub, tmp_path: Path) -> None:
    checks = {
        "public": ("acme/tiny", None, False),
        "gated_anonymous": ("meta/gated", False, False),
        "gated_not_granted": ("meta/gated", READ.token, False),
        "gated_granted": ("meta/gated", WRITE.token, False),
        "fine_without_gated_read": ("meta/gated", FINE.token, False),
        "fine_with_gated_read": ("meta/gated", FINE_GATED.token, False),
        "private_anonymous": ("bob/private", False, False),
        "private_owner": ("bob/private", WRITE.token, False),
        "missing_with_token": ("acme/nope", READ.token, False),
        "disabled": ("acme/disabled", READ.token, False),
        "write_ok": ("bob/private", WRITE.token, True),
        "write_read_token": ("acme/tiny", READ.token, True),
    }
    code = "".join(
        f"attempt({name!r}, lambda: api.auth_check({repo!r}, token={token!r}, write={write}))\n"
        for name, (repo, token, write) in checks.items()
    )
    out = run_client(hub, tmp_path, code)
    seen = {name: (r.get("error", "ok"), r.get("status")) for name, r in out.items()}
    assert seen == {
        "public": ("ok", None),
        "gated_anonymous": ("GatedRepoError", 401),
        "gated_not_granted": ("GatedRepoError", 403),
        "gated_granted": ("ok", None),
        # real Hub: plain 403 "Please enable access to public gated repositories ..."
        "fine_without_gated_read": ("HfHubHTTPError", 403),
        "fine_with_gated_read": ("ok", None),
        "private_anonymous": ("RepositoryNotFoundError", 401),
        "private_owner": ("ok", None),
        "missing_with_token": ("RepositoryNotFoundError", 404),
        "disabled": ("DisabledRepoError", 403),
        "write_ok": ("ok", None),
        "write_read_token": ("HfHubHTTPError", 403),
    }
    assert "RepositoryNotFoundError" in out["gated_anonymous"]["mro"]  # GatedRepoError subclasses it
    assert "fine-grained token" in out["fine_without_gated_read"]["message"]


def test_hf_hub_download_regular_and_lfs_via_cdn(hub: FakeHub, tmp_path: Path) -> None:
    hub.requests.clear()
    out = run_client(
        hub,
        tmp_path,
        f"""
        dl = lambda f, **kw: open(hh.hf_hub_download("acme/tiny", f, **kw), "rb").read().hex()
        attempt("config", lambda: dl("config.json"))
        attempt("lfs", lambda: dl("model.safetensors", token="{READ.token}"))
        attempt("missing", lambda: dl("nope.bin"))
        attempt("gated", lambda: hh.hf_hub_download("meta/gated", "config.json", token=False))
        attempt("disabled", lambda: hh.hf_hub_download("acme/disabled", "a.txt"))
        """,
    )
    lfs_file = hub.repo("model", "acme/tiny").file("model.safetensors")  # type: ignore[union-attr]
    assert lfs_file is not None
    assert bytes.fromhex(out["config"]["ok"]) == CONFIG
    assert bytes.fromhex(out["lfs"]["ok"]) == lfs_file.data
    assert out["missing"]["error"] == "RemoteEntryNotFoundError"
    assert (out["gated"]["error"], out["gated"]["status"]) == ("GatedRepoError", 401)
    # a disabled repo surfaces as "cannot reach the Hub" from hf_hub_download
    assert (out["disabled"]["error"], out["disabled"]["cause"]) == (
        "LocalEntryNotFoundError",
        "DisabledRepoError",
    )
    cdn = [r for r in hub.requests if r.url_path.startswith("/lfs/")]
    assert len(cdn) == 1 and "authorization" not in cdn[0].headers  # dropped across origins
    head = hub.requests.matching("HEAD", "/acme/tiny/resolve/main/model.safetensors")
    assert head[0].headers["authorization"] == f"Bearer {READ.token}"
    blobs = tmp_path / "hub" / "models--acme--tiny" / "blobs"
    assert (blobs / lfs_file.etag).is_file()  # stored under the sha256 from X-Linked-Etag


def test_snapshot_download_lists_the_tree_and_fetches_every_file(hub: FakeHub, tmp_path: Path) -> None:
    hub.requests.clear()
    out = run_client(hub, tmp_path, 'attempt("snap", lambda: hh.snapshot_download("acme/tiny"))')
    snapshot = Path(out["snap"]["ok"])
    assert (snapshot / "config.json").read_bytes() == CONFIG
    assert (snapshot / "sub" / "notes.txt").read_bytes() == b"hello\n"
    assert (snapshot / "model.safetensors").stat().st_size == 4096
    tree = hub.requests.matching("GET", "/api/models/acme/tiny/tree/")
    assert tree[0].query["recursive"] == ["true"]


def test_space_runtime_keeps_unknown_stages(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        """
        def runtime():
            r = api.get_space_runtime("bob/app")
            return [r.stage, r.hardware, r.requested_hardware, r.raw["replicas"]]
        attempt("runtime", runtime)
        attempt("missing", lambda: api.get_space_runtime("bob/none"))
        """,
    )
    assert out["runtime"]["ok"] == ["SLEEPING", None, "a10g-small", {"current": 0, "requested": 1}]
    assert out["missing"]["error"] == "RepositoryNotFoundError"


def test_discussions_list_and_details(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        """
        listing = lambda: [
            [d.num, d.title, d.author, d.status]
            for d in api.get_repo_discussions("bob/app", repo_type="space")
        ]
        def details():
            d = api.get_discussion_details("bob/app", 1, repo_type="space")
            return [d.title, [e.content for e in d.events]]
        attempt("list", listing)
        attempt("details", details)
        """,
    )
    assert out["list"]["ok"] == [
        [2, "Your training has finished successfully", "bob", "open"],
        [1, "Crash on start", "alice", "open"],
    ]
    assert out["details"]["ok"] == ["Crash on start", ["CUDA out of memory"]]


def test_fetch_space_logs_reads_the_event_stream(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        """
        attempt("run", lambda: list(api.fetch_space_logs("bob/app")))
        attempt("build", lambda: list(api.fetch_space_logs("bob/app", build=True)))
        attempt("private", lambda: list(api.fetch_space_logs("bob/private", token=False)))
        """,
    )
    assert out["run"]["ok"] == ["Loading model\n", "Running on http://0.0.0.0:7860\n"]
    assert out["build"]["ok"] == ["Step 1/5 : FROM python:3.11\n"]
    assert out["private"]["error"] == "RepositoryNotFoundError"


def test_xet_files_advertise_hash_and_token_route(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(
        hub,
        tmp_path,
        """
        from huggingface_hub.utils._xet import refresh_xet_connection_info
        def meta():
            m = hh.get_hf_file_metadata(hh.hf_hub_url("acme/xet-model", "weights.bin"))
            info = refresh_xet_connection_info(file_data=m.xet_file_data, headers={})
            return [m.size, m.xet_file_data.file_hash, m.xet_file_data.refresh_route, info.endpoint]
        attempt("meta", meta)
        """,
        xet=True,
    )
    repo = hub.repo("model", "acme/xet-model")
    assert repo is not None
    file = repo.files[0]
    size, file_hash, route, cas = out["meta"]["ok"]
    assert (size, file_hash, cas) == (2048, file.xet_hash, hub.xet_cas_url)
    assert route == f"{hub.url}/api/models/acme/xet-model/xet-read-token/{repo.sha}"
