"""Markup or script in a playbook's texts comes out of the docs build as inert text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.docsite.conftest import HOSTILE, write_playbook
from troubleshooter.docsite.build import build_site

IMG = '<img src=x onerror="alert(2)">'


def _hostile_site(tmp_path: Path) -> dict[str, str]:
    write_playbook(
        tmp_path,
        "hostile",
        title=f"Stuck {HOSTILE}",
        symptom=f"symptom {IMG}",
        check_title=f"check {HOSTILE}",
        why=f"why {HOSTILE}",
        explanation=f"explanation {IMG}",
        step=f"step {HOSTILE}",
        command=f"echo {HOSTILE}",
        ref_title=f"ref {HOSTILE}",
    )
    site = build_site([tmp_path], None, ("en",))
    return {rel: data.decode("utf-8") for rel, data in site.files.items() if not rel.startswith("static/")}


def test_script_and_markup_in_playbook_texts_are_escaped_on_every_page(tmp_path: Path) -> None:
    pages = _hostile_site(tmp_path)
    for rel, text in pages.items():
        if rel.endswith(".html"):
            assert "<script>alert(1)" not in text, rel
            assert "<img src=x" not in text, rel
    page = pages["en/playbooks/hostile.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert page.count("&lt;script&gt;") >= 7  # title, svg labels, why, step, command, reference …


def test_escaped_text_inside_the_svg_stays_text(tmp_path: Path) -> None:
    page = _hostile_site(tmp_path)["en/playbooks/hostile.html"]
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg


def test_search_index_carries_hostile_text_as_data_not_markup(tmp_path: Path) -> None:
    pages = _hostile_site(tmp_path)
    entries = json.loads(pages["en/search-index.json"])
    hostile = next(e for e in entries if e["url"] == "playbooks/hostile.html")
    assert hostile["title"] == f"Stuck {HOSTILE}"  # search.js renders it with textContent
    assert "</script>" not in pages["en/index.html"].split("<script")[0]


def test_reference_urls_keep_query_strings_escaped(tmp_path: Path) -> None:
    page = _hostile_site(tmp_path)["en/playbooks/hostile.html"]
    assert 'href="https://example.org/env?a=1&amp;b=2"' in page
