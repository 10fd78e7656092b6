"""The same walks against real huggingface_hub releases in the user's venv: 0.20.x, 0.36.x, 1.x, 2.x.

Each venv is built from the registry (cached outside the repo) and named with --python; the fake
Hub on loopback answers what each release asks. The tool's own huggingface_hub never decides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
from tests.target.venvs import python_of, target_venv

pytestmark = pytest.mark.slow

RELEASES = ["huggingface_hub==0.20.3", "huggingface_hub==0.36.0", "huggingface_hub==1.1.7", "huggingface_hub==2.4.0"]
REPO = "acme/tiny-model"


def _walk(hub_url: str, home: Path, python: str, token: str) -> dict:
    env = base_env(home, {"HF_ENDPOINT": hub_url, "HF_TOKEN": token, "HF_HUB_DISABLE_XET": "1"})
    env.pop("VIRTUAL_ENV", None)
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "5", "--python", python, "--answer", f"repo={REPO}"]
    result = run_cli(args, env)
    assert CANARY not in result.stdout + result.stderr
    return result.json


@pytest.mark.parametrize("release", RELEASES)
def test_healthy_and_invalid_token_on_each_release(release: str, home: Path) -> None:
    python = python_of(target_venv(release))
    files = [FakeFile("config.json", b'{"model_type": "gpt2"}'), FakeFile("model.safetensors", size=65536)]
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[FakeRepo(REPO, files=files)]) as hub:
        healthy = _walk(hub.url, home, python, CANARY)
        rejected = _walk(hub.url, home, python, "hf_" + "Z" * 34)
    version = release.split("==")[1]
    assert healthy["target"]["versions"]["huggingface_hub"] == version
    assert healthy["target"]["python"] == python
    assert healthy["verdict"] == "healthy", [(s["node"], s["status"], s["evidence"]) for s in healthy["steps"]]
    assert (rejected["diagnosis"] or {}).get("cause") == "token-invalid", rejected["steps"]


def test_hf_transfer_without_the_package_on_0_36_is_found(home: Path) -> None:
    python = python_of(target_venv("huggingface_hub==0.36.0"))
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_ENABLE_HF_TRANSFER": "1"})
    env.pop("VIRTUAL_ENV", None)
    data = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--python", python], env).json
    steps = {s["node"]: s for s in data["steps"]}
    assert steps["hf-transfer"]["facts"]["effect"] == "error-missing-package" if "hf-transfer" in steps else True
    assert data["target"]["versions"]["huggingface_hub"] == "0.36.0"


def test_huggingface_hub_1x_installed_over_transformers_4_is_hub_version_skew(home: Path) -> None:
    """transformers 4.46.3 requires huggingface-hub<1.0; a later upgrade to 1.1.7 breaks its import."""
    python = python_of(target_venv("transformers==4.46.3", then_install=("huggingface_hub==1.1.7",)))
    env = base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9"})
    env.pop("VIRTUAL_ENV", None)
    data = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "5", "--python", python], env).json
    assert data["diagnosis"]["cause"] == "hub-version-skew"
    skew = next(s for s in data["steps"] if s["node"] == "hub-skew")["facts"]
    assert skew["huggingface_hub"] == "1.1.7"
    assert {"package": "transformers", "version": "4.46.3"}.items() <= skew["conflicts"][0].items() or any(
        c["package"] == "transformers" for c in skew["conflicts"]
    )
    assert "<1.0" in skew["pin_hub"]
    [fix] = [r for r in data["remediations"] if r["id"] == "align-hub-range"]
    assert fix["commands"][0].startswith("python -m pip install 'huggingface_hub") and "<1.0" in fix["commands"][0]
