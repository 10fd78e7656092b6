"""The built site in a real headless Chromium: no console errors, nothing fetched from elsewhere, search works.

Skips where Debian's `chromium` is not installed (`.ci/run` installs it when it runs as root).
Set DOCSITE_SCREENSHOT_DIR to keep the playbook page screenshot somewhere you can look at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.docsite.cdp import STARTUP_S, CdpError, Chromium
from troubleshooter.catalog import discover

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason="Debian's chromium is not installed (apt-get install chromium)"
)


def _started(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    """A Chromium that answers; one fresh retry, then a skip: installed but unable to run here."""
    problem: CdpError | None = None
    for _ in range(2):
        chromium = Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
        try:
            chromium.wait_ready()
            chromium.open_page()
            return chromium
        except CdpError as exc:
            problem = exc
            chromium.close()
    pytest.skip(f"chromium is installed but did not answer within {STARTUP_S:g} s, twice: {problem}")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    with _started(tmp_path_factory) as chromium:
        yield chromium


def _url(site: Path, rel: str) -> str:
    return (site / rel).resolve().as_uri()


def _stays_on_this_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "about") or parts.hostname in ("127.0.0.1", "localhost")


def test_pages_render_without_console_errors_or_outside_requests(shipped_site: Path, browser: Chromium) -> None:
    pages = ["en/index.html", "zh/index.html", "en/causes/index.html", "en/probes/index.html"]
    pages += [f"{lang}/playbooks/{pb}.html" for pb in sorted(discover()) for lang in ("en", "zh")]
    pages += ["en/causes/lock-held.html", "zh/probes/env.offline_mode.html", "en/docs/writing-playbooks.html"]
    since = len(browser.events)
    for rel in pages:
        browser.navigate(_url(shipped_site, rel))
        assert browser.evaluate("document.querySelector('main, body p') !== null"), rel
    mark = len(browser.events)
    browser.navigate(_url(shipped_site, "index.html"))  # the site root sends people to the English index
    assert browser.wait_redirect("/en/index.html", mark).endswith("/en/index.html")
    new_events = browser.events[since:]
    assert browser.problems() == []
    requested = [e["params"]["request"]["url"] for e in new_events if e["method"] == "Network.requestWillBeSent"]
    assert requested, "the network domain saw the page loads"
    assert [u for u in requested if not _stays_on_this_machine(u)] == []


def test_playbook_page_shows_the_tree_as_svg_and_a_screenshot_is_taken(
    shipped_site: Path, browser: Chromium, tmp_path: Path
) -> None:
    pb = discover()["fetching-stuck"]
    browser.navigate(_url(shipped_site, "en/playbooks/fetching-stuck.html"))
    drawn = browser.evaluate(
        "(() => { const svg = document.querySelector('svg.tree'); if (!svg) return null;"
        " const r = svg.getBoundingClientRect();"
        " return {w: r.width, h: r.height, nodes: new Set([...svg.querySelectorAll('a.node')]"
        ".map(a => a.dataset.node)).size, edges: svg.querySelectorAll('path.edge').length}; })()"
    )
    assert drawn is not None, "no svg.tree on the page"
    assert drawn["w"] > 300 and drawn["h"] > 300
    assert drawn["nodes"] == len(pb.nodes)
    assert drawn["edges"] >= len(pb.nodes) - 1
    box = browser.evaluate(
        "(() => { const r = document.querySelector('h1').getBoundingClientRect();"
        " const t = document.querySelector('.treebox').getBoundingClientRect();"
        " return {x: 0, y: r.top + window.scrollY - 16, width: 1400, height: t.top - r.top + 1100}; })()"
    )
    shot_dir = Path(os.environ.get("DOCSITE_SCREENSHOT_DIR") or tmp_path)
    shot_dir.mkdir(parents=True, exist_ok=True)
    shot = shot_dir / "fetching-stuck.png"
    browser.screenshot(shot, clip=box)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


@pytest.mark.parametrize(
    ("lang", "phrase", "expected"),
    [
        ("en", "Fetching 19 files: 0%", "playbooks/fetching-stuck.html"),
        ("en", "paused by its owner", "playbooks/space-paused.html"),
        ("zh", "一直不动", "playbooks/fetching-stuck.html"),
    ],
)
def test_search_finds_a_playbook_by_a_symptom_phrase(
    shipped_site: Path, browser: Chromium, lang: str, phrase: str, expected: str
) -> None:
    browser.navigate(_url(shipped_site, f"{lang}/index.html"))
    browser.evaluate("document.getElementById('search-input').focus()")
    browser.type_text(phrase)
    hits = browser.evaluate(
        "[...document.querySelectorAll('#search-results li.hit a')].map(a => a.getAttribute('href'))"
    )
    assert hits, f"no results for {phrase!r}"
    assert hits[0] == expected


def test_the_header_search_of_any_page_lands_on_results(shipped_site: Path, browser: Chromium) -> None:
    browser.navigate(_url(shipped_site, "en/index.html") + "?q=lock+held+by+another+process")
    hits = browser.evaluate(
        "[...document.querySelectorAll('#search-results li.hit a')].map(a => a.getAttribute('href'))"
    )
    assert "causes/lock-held.html" in hits
