"""`docs check DIR`: is a built site current, are its internal links whole, are its probes and causes real?

A page is stale when it differs from what a fresh in-memory build would write (a playbook,
probe docstring or cause changed since), when a fresh build has it and DIR does not, or when
DIR still has a page no source produces any more. Links are checked offline: every relative
href/src/action must name a file in DIR, and a `#fragment` an id in that file; a script,
stylesheet or image from another host is an error too, because the site must work offline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from troubleshooter.docsite.build import MANIFEST, Site

LINK_ATTRS = {"href", "src", "action", "xlink:href"}
RESOURCE_TAGS = {"script", "img", "link", "iframe", "source", "audio", "video", "embed", "object", "image", "use"}


@dataclass(frozen=True)
class Problem:
    """One finding, printed as `path:line: message` like a compiler would."""

    path: str
    line: int
    message: str

    def render(self) -> str:
        if self.line <= 0:  # already positioned (a playbook's file:line:col)
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class _Link:
    url: str
    line: int
    tag: str
    attr: str


class _PageScan(HTMLParser):
    """Collect links, element ids and data-probe / data-cause mentions with their line numbers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[_Link] = []
        self.ids: set[str] = set()
        self.probes: list[tuple[str, int]] = []
        self.causes: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in LINK_ATTRS:
                self.links.append(_Link(value, line, tag, name))
            elif name == "data-probe":
                self.probes.append((value, line))
            elif name == "data-cause":
                self.causes.append((value, line))

    handle_startendtag = handle_starttag


def _first_difference(old: bytes, new: bytes) -> int:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return number
    return min(len(old_lines), len(new_lines)) + 1


def stale_pages(out: Path, site: Site, shown: str) -> list[Problem]:
    problems: list[Problem] = []
    for rel, data in sorted(site.files.items()):
        if rel == MANIFEST:
            continue
        target = out / rel
        source = site.sources.get(rel)
        because = f" (source: {source})" if source else ""
        if not target.is_file():
            problems.append(Problem(f"{shown}/{rel}", 1, f"missing page: a fresh build has it{because}"))
            continue
        present = target.read_bytes()
        if present != data:
            line = _first_difference(present, data)
            problems.append(Problem(f"{shown}/{rel}", line, f"stale page: differs from a fresh build{because}"))
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if rel not in site.files and path.suffix in (".html", ".js", ".json", ".css"):
            problems.append(Problem(f"{shown}/{rel}", 1, "stale page: no source produces it any more"))
    return problems


def _scan(out: Path) -> dict[str, _PageScan]:
    scans: dict[str, _PageScan] = {}
    for path in sorted(out.rglob("*.html")):
        scan = _PageScan()
        scan.feed(path.read_text(encoding="utf-8", errors="replace"))
        scan.close()
        scans[path.relative_to(out).as_posix()] = scan
    return scans


def broken_links(out: Path, shown: str, scans: Mapping[str, _PageScan] | None = None) -> list[Problem]:
    scans = scans if scans is not None else _scan(out)
    problems: list[Problem] = []
    for rel, scan in scans.items():
        page = PurePosixPath(rel)
        for link in scan.links:
            parts = urlsplit(link.url)
            where = f"{shown}/{rel}"
            if parts.scheme in ("http", "https") or link.url.startswith("//"):
                if link.tag in RESOURCE_TAGS:
                    problems.append(
                        Problem(where, link.line, f"external resource {link.url!r}: the site must work offline")
                    )
                continue
            if parts.scheme in ("mailto", "data"):
                continue
            if parts.scheme:
                problems.append(Problem(where, link.line, f"link with scheme {parts.scheme!r}: {link.url!r}"))
                continue
            target = _resolve(page, unquote(parts.path)) if parts.path else rel
            if target is None or not (out / target).is_file():
                problems.append(Problem(where, link.line, f"broken link {link.url!r}: no such file in the site"))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.endswith(".html"):
                ids = scans[target].ids if target in scans else set()
                if fragment not in ids:
                    problems.append(Problem(where, link.line, f"broken link {link.url!r}: no id {fragment!r} there"))
    return problems


def _resolve(page: PurePosixPath, path: str) -> str | None:
    """A relative URL from `page`, as a path inside the site (None when it climbs out of it)."""
    parts: list[str] = list(page.parent.parts)
    for piece in path.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(piece)
    resolved = "/".join(parts)
    return resolved + "index.html" if path.endswith("/") else resolved


def unknown_names(
    out: Path, shown: str, probes: Iterable[str], causes: Iterable[str], scans: Mapping[str, _PageScan] | None = None
) -> list[Problem]:
    """Pages that mention a probe the registry lacks or a cause outside the vocabulary."""
    scans = scans if scans is not None else _scan(out)
    probe_set, cause_set = set(probes), set(causes)
    problems: list[Problem] = []
    for rel, scan in scans.items():
        for name, line in scan.probes:
            if name not in probe_set:
                problems.append(Problem(f"{shown}/{rel}", line, f"unknown probe {name!r} (not in the probe registry)"))
        for slug, line in scan.causes:
            if slug not in cause_set:
                problems.append(Problem(f"{shown}/{rel}", line, f"unknown cause {slug!r} (not in the cause library)"))
    return problems


def edited_after_build(out: Path, shown: str, recorded: Mapping[str, str]) -> list[Problem]:
    """Files whose bytes no longer match the hash the build recorded: someone edited generated output."""
    problems = []
    for rel, digest in sorted(recorded.items()):
        path = out / rel
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(Problem(f"{shown}/{rel}", 1, "edited after the build (hash differs from manifest.json)"))
    return problems


def check_site(
    out: Path, site: Site, probes: Iterable[str], causes: Iterable[str], recorded: Mapping[str, str]
) -> list[Problem]:
    shown = str(out).rstrip("/") or "."
    scans = _scan(out)
    problems = [Problem(w.split(": ", 1)[0], 0, w.split(": ", 1)[-1]) for w in site.warnings]
    stale = stale_pages(out, site, shown)
    edited = {p.path for p in edited_after_build(out, shown, recorded)}
    problems += [
        Problem(p.path, p.line, p.message + " — edited by hand after the build") if p.path in edited else p
        for p in stale
    ]
    problems += broken_links(out, shown, scans)
    problems += unknown_names(out, shown, probes, causes, scans)
    return problems
