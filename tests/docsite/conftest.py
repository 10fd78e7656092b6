"""Fixtures for the docs-site tests: a site built once from the shipped playbooks, and hostile playbooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from troubleshooter.docsite.build import build_site, default_docs_dir, write_site

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the shipped playbooks and guides, written once for the read-only tests."""
    out = tmp_path_factory.mktemp("site")
    write_site(build_site([], default_docs_dir()), out)
    return out


def write_playbook(directory: Path, playbook_id: str, title: str = "A test playbook", **extra: str) -> Path:
    """A small valid playbook: one check, a problem and a healthy end. `extra` overrides texts."""
    texts = {
        "symptom": "The widget frobnicates at 0% forever",
        "check_title": "Is offline mode on?",
        "why": "offline mode blocks requests",
        "explanation": "Offline mode stops every request.",
        "step": "Unset HF_HUB_OFFLINE.",
        "command": "unset HF_HUB_OFFLINE",
        "ref_title": "huggingface_hub environment variables",
        "probe": "env.offline_mode",
        "cause": "offline-mode",
        **extra,
    }

    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    body = textwrap.dedent(
        f"""\
        id: {playbook_id}
        title: {{en: {q(title)}, zh: {q(title + " 中文")}}}
        symptoms:
          - {{en: {q(texts["symptom"])}, zh: "小部件一直 0%"}}
        start: first
        nodes:
          first:
            type: check
            title: {q(texts["check_title"])}
            probe: {texts["probe"]}
            branches:
              - when: {{fact: offline, equals: true}}
                next: broken
                why: {q(texts["why"])}
            otherwise: fine
          broken:
            type: diagnosis
            cause: {texts["cause"]}
            title: {q(texts["check_title"] + " — yes")}
            explanation: {q(texts["explanation"])}
            remediations: [fix]
            references:
              - {{title: {q(texts["ref_title"])}, url: "https://example.org/env?a=1&b=2", verified_on: "2026-11-22"}}
          fine:
            type: diagnosis
            verdict: healthy
            title: "All good"
        remediations:
          fix:
            title: "Turn it off"
            applicability: unsafe
            steps: [{q(texts["step"])}]
            commands: [{q(texts["command"])}]
        """
    )
    path = directory / f"{playbook_id}.yaml"
    path.write_text(body, encoding="utf-8")
    return path
