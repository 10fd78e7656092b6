"""`troubleshooter docs check DIR` passes a fresh site and fails (exit 2, path:line) on drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docsite.conftest import write_playbook

REPO = Path(__file__).resolve().parents[2]


def docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "troubleshooter", "docs", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A site built by the CLI from the shipped playbooks plus one extra playbook directory."""
    extra = tmp_path / "playbooks"
    extra.mkdir()
    write_playbook(extra, "extra-one")
    out = tmp_path / "site"
    result = docs("build", "--out", str(out), "--playbook-dir", str(extra), "--no-guides")
    assert result.returncode == 0, result.stderr
    return extra, out


def test_a_fresh_build_passes_the_check(built: tuple[Path, Path]) -> None:
    _, out = built
    result = docs("check", str(out))
    assert result.returncode == 0, result.stderr
    assert "current" in result.stderr


def test_a_changed_playbook_makes_its_pages_stale(built: tuple[Path, Path]) -> None:
    extra, out = built
    source = extra / "extra-one.yaml"
    source.write_text(source.read_text().replace("The widget frobnicates", "The gadget frobnicates"))
    result = docs("check", str(out))
    assert result.returncode == 2
    assert re.search(r"site/en/playbooks/extra-one\.html:\d+: stale page: differs from a fresh build", result.stderr)
    assert "extra-one.yaml" in result.stderr


def test_a_hand_edited_page_is_reported_with_the_line_that_differs(built: tuple[Path, Path]) -> None:
    _, out = built
    page = out / "en/causes/disk-full.html"
    lines = page.read_text().splitlines()
    lines[9] += " edited"
    page.write_text("\n".join(lines) + "\n")
    result = docs("check", str(out))
    assert result.returncode == 2
    assert "en/causes/disk-full.html:10: stale page" in result.stderr
    assert "edited by hand" in result.stderr


def test_a_removed_playbook_leaves_pages_no_source_produces(built: tuple[Path, Path]) -> None:
    extra, out = built
    (extra / "extra-one.yaml").unlink()
    result = docs("check", str(out))
    assert result.returncode == 2
    assert "en/playbooks/extra-one.html:1: stale page: no source produces it any more" in result.stderr


def test_broken_internal_links_and_missing_anchors_are_reported(built: tuple[Path, Path]) -> None:
    _, out = built
    (out / "zh/probes/env.offline_mode.html").unlink()
    page = out / "en/playbooks/extra-one.html"
    page.write_text(page.read_text().replace('href="#node-broken"', 'href="#node-nowhere"', 1))
    result = docs("check", str(out))
    assert result.returncode == 2
    assert "missing page" in result.stderr
    assert re.search(r"zh/probes/index\.html:\d+: broken link 'env\.offline_mode\.html'", result.stderr)
    assert re.search(r"en/playbooks/extra-one\.html:\d+: broken link '#node-nowhere': no id", result.stderr)


def test_unknown_probe_and_cause_in_a_playbook_fail_the_check(tmp_path: Path) -> None:
    extra = tmp_path / "playbooks"
    extra.mkdir()
    write_playbook(extra, "made-up", probe="no.such_probe", cause="no-such-cause")
    out = tmp_path / "site"
    built = docs("build", "--out", str(out), "--playbook-dir", str(extra), "--no-guides", "--lang", "en")
    assert built.returncode == 0
    assert "unknown probe 'no.such_probe'" in built.stderr  # a warning: the page still shows it
    result = docs("check", str(out))
    assert result.returncode == 2
    assert re.search(r"made-up\.yaml:\d+:\d+: unknown probe 'no\.such_probe'", result.stderr)
    assert re.search(r"made-up\.yaml:\d+:\d+: unknown cause 'no-such-cause'", result.stderr)
    assert re.search(r"en/playbooks/made-up\.html:\d+: unknown probe 'no\.such_probe'", result.stderr)


def test_an_external_script_is_reported_because_the_site_must_work_offline(built: tuple[Path, Path]) -> None:
    _, out = built
    page = out / "en/index.html"
    page.write_text(page.read_text().replace("</body>", '<script src="https://cdn.example/x.js"></script></body>'))
    result = docs("check", str(out))
    assert result.returncode == 2
    assert "external resource 'https://cdn.example/x.js'" in result.stderr


def test_a_directory_not_built_by_docs_build_is_a_usage_error(tmp_path: Path) -> None:
    result = docs("check", str(tmp_path))
    assert result.returncode == 2
    assert "manifest.json:1: not a site written by" in result.stderr


def test_a_one_language_site_has_no_switch_to_the_missing_language_and_passes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert docs("build", "--out", str(out), "--lang", "zh", "--no-guides").returncode == 0
    assert not (out / "en").exists()
    assert 'hreflang="en"' not in (out / "zh/index.html").read_text()
    result = docs("check", str(out))
    assert result.returncode == 0, result.stderr
