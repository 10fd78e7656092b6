"""Every lint rule code has its page on the docs site, linked from the rules index."""

from __future__ import annotations

from troubleshooter.docsite.build import build_site
from troubleshooter.engine.rules import RULES


def test_each_rule_has_a_page() -> None:
    site = build_site(langs=("en",))
    index = site.files["en/rules/index.html"].decode("utf-8")
    for rule in RULES:
        page = site.files[f"en/rules/{rule.code}.html"].decode("utf-8")
        assert rule.code in page and rule.name in page
        assert f'href="{rule.code}.html"' in index
