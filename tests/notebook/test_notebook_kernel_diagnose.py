"""diagnose() inside a (simulated) kernel sees what a child process cannot.

Each test runs notebook cells in a fresh interpreter (see kernelsim): huggingface_hub is
imported by a cell, exactly as a notebook does, and the walk runs in that same process.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo
from tests.notebook.kernelsim import run_cells

REPO = "acme/tiny-model"


def _hub() -> FakeHub:
    return FakeHub(repos=[FakeRepo(REPO, files=[FakeFile("config.json", b'{"model_type": "gpt2"}')])])


def test_endpoint_changed_after_import_is_diagnosed_as_set_after_import(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        run = run_cells(
            [
                "import huggingface_hub\nfrom huggingface_hub import constants  # as transformers does",
                "import os\nos.environ['HF_ENDPOINT'] = 'https://mirror.invalid'  # too late: already read",
                "from troubleshooter import diagnose\n"
                "report = diagnose('fetching-stuck', timeout=3, repo='acme/tiny-model')\n"
                "emit('report', report.data)\nemit('html', report._repr_html_())\n"
                "emit('endpoint_used', constants.ENDPOINT)",
            ],
            env,
        )
    report = run["report"]
    assert report["verdict"] == "problem"
    assert report["diagnosis"]["cause"] == "env-set-after-import"
    first = report["steps"][0]
    assert first["node"] == "kernel-env" and first["status"] == "fail"
    stale = {item["constant"]: item for item in first["facts"]["stale"]}
    assert stale["ENDPOINT"]["effective"] == hub.url.rstrip("/") == run["endpoint_used"]
    assert stale["ENDPOINT"]["from_environment"] == "https://mirror.invalid"
    assert first["facts"]["stale_variables"] == ["HF_ENDPOINT"]
    assert len(report["steps"]) == 1, "the walk stops at the first cause, without touching the network"
    assert report["mode"] == "notebook"
    assert {r["id"] for r in report["remediations"]} == {"restart-set-first", "pass-explicitly"}
    html = run["html"]
    assert "env-set-after-import" in html and "mirror.invalid" in html and "<html" not in html


def test_variables_set_before_import_pass_and_the_walk_goes_on(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        run = run_cells(
            [
                "import huggingface_hub\nfrom huggingface_hub import constants\n"
                "from huggingface_hub.utils import _http\n"
                "def my_client_factory():  # the user's own HTTP client settings\n"
                "    return _http.default_client_factory()\n"
                "_http.set_client_factory(my_client_factory)",
                "from troubleshooter import diagnose\n"
                "report = diagnose('fetching-stuck', timeout=3, repo='acme/tiny-model')\n"
                "emit('report', report.data)\n"
                "emit('factory_restored', _http._GLOBAL_CLIENT_FACTORY is my_client_factory)",
            ],
            env,
        )
    report = run["report"]
    steps = {s["node"]: s for s in report["steps"]}
    assert steps["kernel-env"]["status"] == "pass"
    assert steps["kernel-version"]["status"] == "pass"
    assert steps["kernel-version"]["facts"]["imported_version"] == huggingface_hub_version()
    assert steps["kernel-threads"]["status"] == "pass"
    assert "endpoint" in steps, "after the in-kernel checks the usual walk continues"
    assert report["diagnosis"] is None or report["diagnosis"]["cause"] != "env-set-after-import"
    assert steps["file"]["status"] == "pass", "the network probes ran with their bounded client"
    assert run["factory_restored"] is True, "the user's huggingface_hub client factory is put back"


def test_nothing_imported_yet_means_nothing_can_be_stale(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        run = run_cells(
            [
                "import sys\nfrom troubleshooter.probes import kernel\n"
                "from troubleshooter.probes.context import ProbeContext\n"
                "import os\nos.environ['HF_ENDPOINT'] = 'https://mirror.invalid'\n"
                "result = kernel.hub_constants(ProbeContext(env=dict(os.environ), in_kernel=True))\n"
                "emit('result', result.to_dict())\nemit('imported', 'huggingface_hub.constants' in sys.modules)",
            ],
            env,
        )
    assert run["result"]["status"] == "pass"
    assert run["result"]["facts"]["hub_imported"] is False
    assert run["imported"] is False, "the probe must not import huggingface_hub just to compare"


def test_headless_run_skips_the_kernel_checks_with_a_reason(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        result = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--answer", f"repo={REPO}"], env)
    steps = {s["node"]: s for s in result.json["steps"]}
    for node in ("kernel-env", "kernel-version", "kernel-threads"):
        assert steps[node]["status"] == "skipped"
        assert "notebook kernel" in steps[node]["evidence"]
    assert result.json["steps"][0]["node"] == "kernel-env"
    assert "offline" in steps, "skipped kernel checks continue to the usual start"


def huggingface_hub_version() -> str:
    from importlib import metadata

    return metadata.version("huggingface_hub")


def test_report_serialises_from_the_kernel(home: Path, tmp_path: Path) -> None:
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "hf"))
        run = run_cells(
            [
                "import huggingface_hub.constants, os\nos.environ['HF_HUB_DISABLE_XET'] = '0'",
                "from troubleshooter import diagnose\nr = diagnose('fetching-stuck', timeout=3, lang='zh')\n"
                "emit('json', r.to_json())\nemit('md', r.to_markdown())\nemit('repr', repr(r))",
            ],
            env,
        )
    data = json.loads(run["json"])
    assert data["lang"] == "zh" and data["diagnosis"]["cause"] == "env-set-after-import"
    assert "变量" in data["diagnosis"]["title"]
    assert "HF_HUB_DISABLE_XET" in run["md"]
    assert run["repr"] == "<Report fetching-stuck: problem env-set-after-import>"


def test_cache_home_moved_after_import_explains_redownloads(home: Path, tmp_path: Path) -> None:
    persistent = tmp_path / "drive" / "hf"
    with _hub() as hub:
        env = base_env(home, hub.client_env(tmp_path / "ephemeral-hf"))
        run = run_cells(
            [
                "import huggingface_hub.constants",
                f"import os\nos.environ['HF_HOME'] = {str(persistent)!r}",
                "from troubleshooter import diagnose\nemit('report', diagnose('cache-redownloads', timeout=3).data)",
            ],
            env,
        )
    report = run["report"]
    assert report["diagnosis"]["cause"] == "env-set-after-import"
    stale = {item["constant"]: item for item in report["steps"][0]["facts"]["stale"]}
    assert stale["HF_HUB_CACHE"]["effective"] == str(tmp_path / "ephemeral-hf" / "hub")
    assert stale["HF_HUB_CACHE"]["from_environment"] == str(persistent / "hub")
    assert report["steps"][0]["facts"]["stale_variables"] == ["HF_HOME"]
