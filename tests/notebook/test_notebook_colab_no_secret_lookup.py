"""In a Colab kernel, diagnose() never asks the notebook secrets (no access dialog can pop up).

The fake `google.colab` records every `userdata.get` call in FAKE_COLAB_CALLS, and in mode
"block" a call never returns (an access prompt nobody answers): a lookup made by the walk
would show up in the file and as a probe timeout.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import base_env
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo
from tests.notebook.kernelsim import run_cells

REPO = "acme/tiny-model"
IMPORT_HUB = (
    "import huggingface_hub\nfrom huggingface_hub import constants\nfrom huggingface_hub.utils import _runtime\n"
    "emit('hub_sees_colab', _runtime.is_google_colab())"
)


def _colab_env(home: Path, hub: FakeHub, tmp_path: Path, mode: str) -> tuple[dict[str, str], Path]:
    behaviour = tmp_path / "colab.json"
    behaviour.write_text(json.dumps({"mode": mode}), encoding="utf-8")
    calls = tmp_path / "colab-calls.txt"
    extra = {
        **hub.client_env(tmp_path / "hf"),
        "COLAB_RELEASE_TAG": "release-colab_20261120-060000_RC00",
        "FAKE_COLAB": str(behaviour),
        "FAKE_COLAB_CALLS": str(calls),
    }
    return base_env(home, extra, fakes=True), calls


def _lookups(calls: Path) -> list[str]:
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


def _hub() -> FakeHub:
    return FakeHub(repos=[FakeRepo(REPO, files=[FakeFile("config.json", b'{"model_type": "gpt2"}')])])


def test_walk_in_a_colab_kernel_makes_no_secret_lookup(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env, calls = _colab_env(home, hub, tmp_path, "block")
        run = run_cells(
            [
                IMPORT_HUB,
                "from troubleshooter import diagnose\n"
                "emit('report', diagnose('fetching-stuck', timeout=2, repo='acme/tiny-model').data)",
            ],
            env,
            colab=True,
        )
    assert run["hub_sees_colab"] is True, "huggingface_hub must believe it runs in Colab for this test to mean anything"
    assert _lookups(calls) == []
    report = run["report"]
    steps = {s["node"]: s for s in report["steps"]}
    assert steps["colab-runtime"]["facts"]["in_colab"] is True
    assert steps["colab-secret"]["facts"]["consulted"] is False
    assert not [s for s in report["steps"] if s["status"] == "timeout"]
    assert steps["file"]["status"] == "pass", "the whole network branch ran, with no token and no lookup"
    assert (report["diagnosis"] or {}).get("cause") not in ("colab-secret-prompt", "colab-vault-thread-deadlock")


def test_vault_state_recorded_by_huggingface_hub_is_read_not_requested(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env, calls = _colab_env(home, hub, tmp_path, "denied")
        run = run_cells(
            [
                IMPORT_HUB,
                "import warnings\nwarnings.simplefilter('ignore')\n"
                "huggingface_hub.get_token()  # the user's own call: one lookup, access denied",
                "from troubleshooter.probes import kernel\nfrom troubleshooter.probes.context import ProbeContext\n"
                "import os\nctx = ProbeContext(env=dict(os.environ), in_kernel=True)\n"
                "emit('vault', kernel.colab_vault(ctx).to_dict())\n"
                "from troubleshooter import diagnose\n"
                "emit('report', diagnose('fetching-stuck', timeout=2).data)",
            ],
            env,
            colab=True,
        )
    assert _lookups(calls) == ["HF_TOKEN"], "only the user's own lookup happened"
    vault = run["vault"]
    assert vault["status"] == "warn"
    assert vault["facts"] == {
        "hub_sees_colab": True,
        "colab_enterprise": False,
        "vault_checked": True,
        "vault_token_present": False,
        "lookup_in_progress": False,
    }
    secret_step = next(s for s in run["report"]["steps"] if s["node"] == "colab-secret")
    assert secret_step["facts"]["consulted"] is False and secret_step["facts"]["checked"] is True


def test_download_thread_stuck_on_the_secret_prompt_is_named(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env, calls = _colab_env(home, hub, tmp_path, "block")
        run = run_cells(
            [
                IMPORT_HUB,
                "import threading, time, os\n"
                "def download():\n"
                "    huggingface_hub.hf_hub_download('acme/tiny-model', 'config.json')\n"
                "threading.Thread(target=download, name='cell-3-download', daemon=True).start()\n"
                "deadline = time.monotonic() + 10\n"
                "while time.monotonic() < deadline and not os.path.exists(os.environ['FAKE_COLAB_CALLS']):\n"
                "    time.sleep(0.02)",
                "from troubleshooter import diagnose\nemit('report', diagnose('fetching-stuck', timeout=2).data)",
            ],
            env,
            colab=True,
        )
    assert _lookups(calls) == ["HF_TOKEN"], "the stuck download asked once; the walk asked nothing"
    report = run["report"]
    assert report["diagnosis"]["cause"] == "colab-secret-prompt"
    threads_step = next(s for s in report["steps"] if s["node"] == "kernel-threads")
    assert threads_step["status"] == "fail"
    assert threads_step["facts"]["waiting_on"] == "colab-secret"
    (thread,) = threads_step["facts"]["threads"]
    assert thread["name"] == "cell-3-download" and thread["where"].startswith("google.colab.userdata.get")
    assert thread["stalled"] is True
    assert "cell-3-download" in threads_step["evidence"]
