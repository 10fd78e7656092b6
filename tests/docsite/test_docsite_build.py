"""The built site documents every playbook, node, cause and probe, in English and Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path

from troubleshooter.catalog import discover
from troubleshooter.causes import vocabulary
from troubleshooter.docsite.build import build_site, write_site
from troubleshooter.engine.conditions import describe
from troubleshooter.i18n import pick
from troubleshooter.model.playbook import CheckNode, DiagnosisNode, QuestionNode
from troubleshooter.probes import registry


def _page(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_every_playbook_has_a_page_per_language_with_its_symptoms(shipped_site: Path) -> None:
    for pb in discover().values():
        for lang in ("en", "zh"):
            page = _unescape(_page(shipped_site, f"{lang}/playbooks/{pb.id}.html"))
            assert pick(pb.title, lang) in page
            for symptom in pb.symptoms:
                assert pick(symptom, lang) in page


def test_playbook_page_draws_every_node_in_the_svg_and_documents_it(shipped_site: Path) -> None:
    for pb in discover().values():
        page = _page(shipped_site, f"en/playbooks/{pb.id}.html")
        svg = page[page.index("<svg") : page.index("</svg>")]
        drawn = set(re.findall(r'data-node="([^"]+)"', svg))
        assert drawn == set(pb.nodes), pb.id
        sections = set(re.findall(r'<section class="node-doc[^"]*" id="node-([^"]+)"', page))
        assert sections == set(pb.nodes), pb.id
        edges = re.findall(r'<path class="edge', svg)
        assert len(edges) >= len(pb.nodes) - 1


def test_branch_conditions_are_written_in_words_in_both_languages(shipped_site: Path) -> None:
    pb = discover()["fetching-stuck"]
    for lang in ("en", "zh"):
        page = _unescape(_page(shipped_site, f"{lang}/playbooks/{pb.id}.html"))
        for node in pb.nodes.values():
            if isinstance(node, CheckNode | QuestionNode):
                for branch in node.branches:
                    assert describe(branch.when, lang) in page


def test_diagnoses_show_cause_remediations_with_applicability_and_dated_references(shipped_site: Path) -> None:
    pb = discover()["fetching-stuck"]
    page = _unescape(_page(shipped_site, f"en/playbooks/{pb.id}.html"))
    section = page[page.index('id="node-offline-mode"') :]
    section = section[: section.index("</section>")]
    assert 'href="../causes/offline-mode.html"' in section
    assert 'class="badge app-' in section
    assert "verified on 2026-11-22" in section
    for node in pb.nodes.values():
        if isinstance(node, DiagnosisNode):
            for rem_id in node.remediations:
                assert f'id="node-{node.id}--{rem_id}"' in page


def test_cause_pages_link_back_to_every_diagnosis_naming_them(shipped_site: Path) -> None:
    named: dict[str, set[str]] = {}
    for pb in discover().values():
        for node in pb.nodes.values():
            if isinstance(node, DiagnosisNode) and node.cause in vocabulary():
                named.setdefault(node.cause, set()).add(f"../playbooks/{pb.id}.html#node-{node.id}")
    assert named, "the shipped playbooks name causes"
    for slug in vocabulary():
        page = _page(shipped_site, f"en/causes/{slug}.html")
        for link in named.get(slug, ()):
            assert f'href="{link}"' in page


def test_probe_pages_come_from_the_registry_with_facts_and_deadline(shipped_site: Path) -> None:
    for name, spec in registry().items():
        page = _unescape(_page(shipped_site, f"en/probes/{name}.html"))
        assert spec.summary in page
        for fact in spec.facts:
            assert f"<code>{fact}</code>" in page
        assert "Deadline" in page
        zh = _unescape(_page(shipped_site, f"zh/probes/{name}.html"))
        assert "时限" in zh


def test_each_page_links_to_the_same_page_in_the_other_language(shipped_site: Path) -> None:
    page = _page(shipped_site, "en/playbooks/space-paused.html")
    assert 'href="../../zh/playbooks/space-paused.html"' in page
    zh = _page(shipped_site, "zh/causes/disk-full.html")
    assert 'href="../../en/causes/disk-full.html"' in zh
    assert '<html lang="zh-Hans">' in zh


def test_search_index_lists_playbooks_by_symptom_causes_and_probes(shipped_site: Path) -> None:
    entries = json.loads(_page(shipped_site, "en/search-index.json"))
    kinds = {e["kind"] for e in entries}
    assert {"playbook", "cause", "probe"} <= kinds
    fetching = next(e for e in entries if e["url"] == "playbooks/fetching-stuck.html")
    assert any("Fetching" in line for line in fetching["lines"])
    script = _page(shipped_site, "en/search-index.js")
    assert script.startswith("window.TROUBLESHOOTER_SEARCH = ")


def test_guides_from_docs_are_rendered_and_linked_from_every_page(shipped_site: Path) -> None:
    for slug in ("using", "writing-playbooks", "adding-probes"):
        assert (shipped_site / f"en/docs/{slug}.html").is_file()
    index = _page(shipped_site, "en/index.html")
    assert 'href="docs/writing-playbooks.html"' in index
    guide = _page(shipped_site, "en/docs/using.html")
    assert 'href="writing-playbooks.html"' in guide  # .md links become .html


def test_the_build_is_deterministic_and_never_references_another_host(tmp_path: Path) -> None:
    first, second = build_site([], None), build_site([], None)
    assert first.files == second.files
    for rel, data in first.files.items():
        if rel.endswith((".html", ".css", ".js")):
            text = data.decode("utf-8")
            assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=\"https?://", text), rel
    write_site(first, tmp_path)
    assert (tmp_path / "manifest.json").is_file()


def test_rebuilding_removes_pages_of_a_playbook_that_is_gone(tmp_path: Path) -> None:
    from tests.docsite.conftest import write_playbook

    extra = tmp_path / "extra"
    extra.mkdir()
    write_playbook(extra, "doomed")
    out = tmp_path / "site"
    write_site(build_site([extra], None), out)
    assert (out / "en/playbooks/doomed.html").is_file()
    (extra / "doomed.yaml").unlink()
    removed = write_site(build_site([extra], None), out)
    assert "en/playbooks/doomed.html" in removed
    assert not (out / "en/playbooks/doomed.html").exists()


def test_a_stale_or_forged_manifest_never_deletes_outside_what_the_builder_wrote(tmp_path: Path) -> None:
    """Attack: `docs build` deleted whatever a forged `site/manifest.json` listed, `../` and
    absolute paths included. Only files inside the output folder that still hold the bytes this
    builder recorded are removed."""
    import hashlib
    import json

    out = tmp_path / "site"
    write_site(build_site([], None), out)
    victims = {
        "outside": tmp_path / "precious.txt",
        "absolute": tmp_path / "abs.txt",
        "user-edited": out / "en" / "notes.html",
        "through-link": tmp_path / "linked" / "page.html",
    }
    for path in victims.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine\n")
    (out / "linkdir").symlink_to(tmp_path / "linked", target_is_directory=True)
    digest = hashlib.sha256(b"mine\n").hexdigest()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].update(
        {
            "../precious.txt": digest,
            str(victims["absolute"]): digest,
            "en/notes.html": "0" * 64,  # the user's file, not the bytes we wrote
            "linkdir/page.html": digest,
        }
    )
    (out / "manifest.json").write_text(json.dumps(manifest))
    removed = write_site(build_site([], None), out)
    assert removed == []
    assert all(path.read_text() == "mine\n" for path in victims.values())
