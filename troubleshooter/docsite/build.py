"""Render the static docs site in memory, then write it: one page per playbook, cause and probe, in en and zh.

The whole site is first built as `{relative path: bytes}` so `docs check` can compare a
directory against a fresh build byte for byte. Output is deterministic (no dates, sorted
everything) and works from `file://`: every link is relative and the search index is a
script, not a fetched JSON file, so nothing is ever requested from another host.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from troubleshooter._version import __version__
from troubleshooter.docsite import content
from troubleshooter.docsite.labels import LABELS
from troubleshooter.docsite.layout import layout_playbook
from troubleshooter.docsite.rules import rule_markdown
from troubleshooter.i18n import LANGUAGES

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
STATIC = PACKAGE_DIR / "static"
MANIFEST = "manifest.json"
DOC_SLUGS = ("using", "writing-playbooks", "adding-probes")
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


@dataclass
class Site:
    """A built site: files by relative path, which source each page came from, and build warnings."""

    files: dict[str, bytes] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def default_docs_dir() -> Path | None:
    """The hand-written guides next to the package in a checkout (absent from a wheel install)."""
    candidate = PACKAGE_DIR.parent.parent / "docs"
    return candidate if (candidate / "using.md").is_file() else None


def load_catalog(extra_dirs: Iterable[Path] = (), docs_dir: Path | None = None) -> content.Catalog:
    from troubleshooter.catalog import discover
    from troubleshooter.causes import vocabulary
    from troubleshooter.probes import registry

    docs = {slug: docs_dir / f"{slug}.md" for slug in DOC_SLUGS if docs_dir and (docs_dir / f"{slug}.md").is_file()}
    return content.Catalog(discover(list(extra_dirs), lint=False), registry(), vocabulary(), docs)


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["playbook_file"] = content.playbook_file
    env.globals["cause_file"] = content.cause_file
    env.globals["probe_file"] = content.probe_file
    return env


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def render_markdown(text: str) -> tuple[str, Markup]:
    """A guide's title and HTML: raw HTML in the source stays text, `x.md` links become `x.html`."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    title = ""
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            words = tokens[index + 1].content
            if not title and token.tag == "h1":
                title = words
            anchor = _slug(words)
            while anchor in used:
                anchor += "-1"
            used.add(anchor)
            token.attrSet("id", anchor)
        for child in token.children or ():
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and "://" not in href and not href.startswith("mailto:"):
                child.attrSet("href", re.sub(r"\.md(?=$|#)", ".html", href))
    return title, Markup(md.renderer.render(tokens, md.options, {}))


def _page_context(lang: str, rel: str, title: str) -> dict[str, Any]:
    depth = rel.count("/")
    home = "../" * depth
    other = "zh" if lang == "en" else "en"
    return {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "L": LABELS[lang],
        "home": home,
        "root": home + "../",
        "switch_href": f"{home}../{other}/{rel}",
        "other_lang": other,
        "page_title": title,
        "version": __version__,
        "rel": rel,
    }


def _render(template: str, lang: str, rel: str, title: str, **values: Any) -> bytes:
    text = _env().get_template(template).render(**_page_context(lang, rel, title), **values)
    return text.encode("utf-8")


def _warn_unknown(catalog: content.Catalog, site: Site) -> None:
    from troubleshooter.model.playbook import CheckNode, DiagnosisNode

    for playbook in catalog.sorted_playbooks():
        for node in playbook.nodes.values():
            if isinstance(node, CheckNode) and node.probe not in catalog.probes:
                site.warnings.append(f"{node.probe_ref or node.ref}: unknown probe {node.probe!r}")
            if (
                isinstance(node, DiagnosisNode)
                and node.cause
                and node.cause not in catalog.causes
                and not (node.cause == "healthy" and node.verdict == "healthy")  # lint allows this pair
            ):
                site.warnings.append(f"{node.ref}: unknown cause {node.cause!r}")


def _build_lang(
    catalog: content.Catalog, lang: str, site: Site, guides: dict[str, tuple[str, Markup]], langs: Sequence[str]
) -> None:
    labels = LABELS[lang]
    playbooks = [content.playbook_view(pb, catalog, lang) for pb in catalog.sorted_playbooks()]
    named_by = content.diagnoses_by_cause(catalog, lang)
    users = content.probe_users(catalog, lang)
    doc_titles = {slug: title for slug, (title, _) in guides.items()}
    entries = content.search_entries(catalog, lang, doc_titles)
    causes = [content.cause_view(c, catalog, lang, named_by.get(s, [])) for s, c in sorted(catalog.causes.items())]
    probes = [content.probe_view(spec, users.get(name, [])) for name, spec in sorted(catalog.probes.items())]
    common = {"guides": doc_titles, "built_langs": tuple(langs)}

    def put(rel: str, data: bytes, source: str = "") -> None:
        site.files[f"{lang}/{rel}"] = data
        if source:
            site.sources[f"{lang}/{rel}"] = source

    put("index.html", _render("index.html.j2", lang, "index.html", labels["site"], playbooks=playbooks, **common))
    index_json = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=1)
    put("search-index.json", (index_json + "\n").encode("utf-8"))
    put("search-index.js", f"window.TROUBLESHOOTER_SEARCH = {index_json};\n".encode())
    for pb, view in zip(catalog.sorted_playbooks(), playbooks, strict=True):
        rel = content.playbook_file(pb.id)
        tree = layout_playbook(pb, lang)
        put(rel, _render("playbook.html.j2", lang, rel, view["title"], pb=view, tree=tree, **common), pb.path)
    put(
        "causes/index.html",
        _render("causes.html.j2", lang, "causes/index.html", labels["causes"], causes=causes, **common),
    )
    for view in causes:
        rel = content.cause_file(view["slug"])
        put(rel, _render("cause.html.j2", lang, rel, view["title"], cause=view, **common), "troubleshooter/causes/")
    put(
        "probes/index.html",
        _render("probes.html.j2", lang, "probes/index.html", labels["probes"], probes=probes, **common),
    )
    for view in probes:
        rel = content.probe_file(view["name"])
        put(rel, _render("probe.html.j2", lang, rel, view["name"], probe=view, **common), view["module"])
    for slug, (title, body) in guides.items():
        rel = f"docs/{slug}.html"
        source = str(catalog.docs[slug])
        put(rel, _render("doc.html.j2", lang, rel, title, body=body, **common), source)
    for rel, text in rule_markdown().items():
        title, body = render_markdown(text)
        put(rel, _render("doc.html.j2", lang, rel, title, body=body, **common), "troubleshooter/engine/rules.py")


def build_site(extra_dirs: Sequence[Path] = (), docs_dir: Path | None = None, langs: Sequence[str] = LANGUAGES) -> Site:
    """Build every page in memory (see `write_site` to put it on disk)."""
    catalog = load_catalog(extra_dirs, docs_dir)
    site = Site()
    _warn_unknown(catalog, site)
    guides = {slug: render_markdown(path.read_text(encoding="utf-8")) for slug, path in catalog.docs.items()}
    for lang in langs:
        _build_lang(catalog, lang, site, guides, langs)
    site.files["index.html"] = _render("root.html.j2", langs[0], "index.html", LABELS[langs[0]]["site"], langs=langs)
    for path in sorted(STATIC.iterdir()):
        if path.is_file():
            site.files[f"static/{path.name}"] = path.read_bytes()
    manifest = {
        "generator": "troubleshooter docs",
        "version": __version__,
        "langs": list(langs),
        "playbook_dirs": [str(d) for d in extra_dirs],
        "docs_dir": str(docs_dir) if docs_dir else None,
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(site.files.items())},
    }
    site.files[MANIFEST] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8")
    return site


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == "troubleshooter docs" else None


SAFE_REL = re.compile(r"(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\Z")


def _ours_to_remove(out: Path, rel: object, digest: object) -> Path | None:
    """The stale page `rel` of an earlier build, if it is provably ours to delete, else None.

    A manifest can be stale or forged (it is a file in the output folder), so it never names
    what to delete by itself: the name must be a plain relative path of the shapes this
    builder writes (no `..`, not absolute), lie inside `out` with no symlink on the way, and
    the file must still hold exactly the bytes the manifest says this builder wrote.
    """
    if not isinstance(rel, str) or not isinstance(digest, str) or not SAFE_REL.match(rel):
        return None
    if any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    target = out / rel
    current = out
    for part in rel.split("/"):
        current = current / part
        if current.is_symlink():
            return None
    if not target.is_file() or not Path(os.path.realpath(target)).is_relative_to(os.path.realpath(out)):
        return None
    return target if hashlib.sha256(target.read_bytes()).hexdigest() == digest else None


def write_site(site: Site, out: Path) -> list[str]:
    """Write the files; remove pages an earlier build wrote that no longer exist. Returns removed paths.

    Only files this builder wrote are removed (see `_ours_to_remove`), and only inside `out`.
    """
    previous = read_manifest(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel, data in sorted(site.files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    removed = []
    files = (previous or {}).get("files")
    for rel, digest in sorted(files.items() if isinstance(files, dict) else []):
        if rel in site.files:
            continue
        stale = _ours_to_remove(out, rel, digest)
        if stale is not None:
            stale.unlink()
            removed.append(rel)
    return removed
