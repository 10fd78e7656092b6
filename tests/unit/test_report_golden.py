"""Golden files for every report format, rendered from a fixed walk (no clock, no machine facts).

Set TROUBLESHOOTER_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from troubleshooter.engine.loader import parse_playbook
from troubleshooter.engine.runner import RunOptions, walk
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes.context import ProbeContext
from troubleshooter.redact import register_secret
from troubleshooter.report.build import build_report
from troubleshooter.report.document import Report

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SECRET = "hf_GoldenSecretValue0123456789abcdefgh"
PLAYBOOK = """\
id: golden
title: {en: "Golden <b>report</b> | test", zh: "黄金报告"}
inputs:
  repo: {description: Repo id}
start: first
nodes:
  first:
    type: check
    probe: env.offline_mode
    branches:
      - when: {fact: offline, equals: true}
        next: broken
    otherwise: fine
  broken:
    type: diagnosis
    cause: offline-mode
    severity: error
    title: "Offline <script>alert(1)</script>"
    explanation: "HF_HUB_OFFLINE is set | so nothing is fetched."
    remediations: [fix]
    references:
      - {title: Docs, url: 'https://example.invalid/docs', verified_on: '2026-11-22'}
  fine: {type: diagnosis, verdict: healthy, title: Fine}
remediations:
  fix:
    title: Unset it
    applicability: safe
    steps: [Remove the variable]
    commands: ['unset HF_HUB_OFFLINE']
"""
ENV = {
    "tool_version": "0.0.0",
    "python": "3.11",
    "platform": "test",
    "executable": "python",
    "versions": {"huggingface_hub": "2.4.0", "torch": None},
}


def _report() -> Report:
    register_secret(SECRET)
    pb = parse_playbook(PLAYBOOK, "golden.yaml")
    result = ProbeResult(
        Status.FAIL,
        {
            "offline": True,
            "variables": {"HF_HUB_OFFLINE": "1"},
            "note": f"Authorization: Bearer {SECRET}",
            "HF_TOKEN": SECRET,
        },
        "offline mode is on",
    )
    session = walk(pb, {"repo": "acme/x"}, ProbeContext(env={}), RunOptions(injected={"first": result}))
    return Report(build_report(session, environment=ENV, generated_at="2026-11-22T00:00:00+00:00", mode="injected"))


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_report_matches_golden(fmt: str) -> None:
    report = _report()
    text = {"json": report.to_json, "md": report.to_markdown, "html": report.to_html}[fmt]()
    path = GOLDEN / f"report.{fmt}"
    if os.environ.get("TROUBLESHOOTER_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert SECRET[:12] not in text


def test_html_escapes_playbook_markup() -> None:
    html = _report().to_html()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;report&lt;/b&gt;" in html
