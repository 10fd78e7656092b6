"""Mirror advice only where the machine's own settings point at mainland China."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import base_env, run_cli
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.region import region_probe


def _root_with_zone(tmp_path: Path, zone: str | None) -> Path:
    (tmp_path / "etc").mkdir(parents=True, exist_ok=True)
    (tmp_path / "proc").mkdir(exist_ok=True)
    if zone:
        (tmp_path / "etc" / "timezone").write_text(zone + "\n")
    return tmp_path / "proc"


def test_shanghai_time_zone_file_counts(tmp_path: Path) -> None:
    result = region_probe(ProbeContext(env={}, proc_root=_root_with_zone(tmp_path, "Asia/Shanghai")))
    assert result.facts["mainland_china"] is True
    assert result.facts["signals"] == ["time zone Asia/Shanghai"]


def test_zh_cn_locale_counts_and_tz_variable_wins_over_files(tmp_path: Path) -> None:
    proc = _root_with_zone(tmp_path, "Asia/Shanghai")
    assert region_probe(ProbeContext(env={"TZ": "Europe/Berlin"}, proc_root=proc)).facts["mainland_china"] is False
    found = region_probe(ProbeContext(env={"LANG": "zh_CN.UTF-8", "TZ": "UTC"}, proc_root=proc))
    assert found.facts["signals"] == ["LANG=zh_CN.UTF-8"]


def test_taiwan_locale_and_no_zone_do_not_count(tmp_path: Path) -> None:
    proc = _root_with_zone(tmp_path, None)
    assert region_probe(ProbeContext(env={"LANG": "zh_TW.UTF-8"}, proc_root=proc)).facts["mainland_china"] is False


def test_unreachable_default_endpoint_in_china_shows_the_mirror_route(home: Path, tmp_path: Path) -> None:
    facts = {"endpoint": {"status": "fail", "facts": {"kind": "dns", "endpoint_source": "default"}, "evidence": "x"}}
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    for zone, node in (("Asia/Shanghai", "hub-unreachable-mirror"), ("Europe/Paris", "hub-unreachable")):
        env = base_env(home, {"TZ": zone, "HF_ENDPOINT": "http://127.0.0.1:9"})
        result = run_cli(["--playbook", "fetching-stuck", "--json", "--timeout", "3", "--facts", str(path)], env)
        data = result.json
        assert data["diagnosis"]["node"] == node, [s["node"] for s in data["steps"]]
        assert data["diagnosis"]["cause"] == "hub-unreachable"
        mirror = [r for r in data["remediations"] if r["id"] == "use-mirror"]
        assert bool(mirror) == (node == "hub-unreachable-mirror")
        if mirror:
            assert mirror[0]["applicability"] == "display-only"
    assert os.environ.get("TZ") != "Asia/Shanghai"
