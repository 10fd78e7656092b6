"""The lint rules as guide pages: an index and one short page per stable code (`rules/TS101.html`).

Pages are Markdown rendered like the guides, so a rule's text lives once, in engine.rules,
next to the code that reports it.
"""

from __future__ import annotations

from troubleshooter.engine.rules import RULES


def rule_markdown() -> dict[str, str]:
    """Markdown by page path (relative to a language's root)."""
    rows = "\n".join(f"| [{r.code}]({r.code}.html) | `{r.name}` | {r.summary} |" for r in RULES)
    pages = {
        "rules/index.html": "# Lint rules\n\n`troubleshooter lint` prints `file:line:col: message [CODE]`. "
        "Codes are stable: they never change meaning and are never reused.\n\n"
        f"| code | name | reported when |\n| --- | --- | --- |\n{rows}\n"
    }
    for rule in RULES:
        example = f"\n\nExample:\n\n```yaml\n{rule.example}\n```" if rule.example else ""
        pages[f"rules/{rule.code}.html"] = (
            f"# {rule.code} {rule.name}\n\n**{rule.summary}**\n\n{rule.explanation}{example}\n\n"
            "[All lint rules](index.html)\n"
        )
    return pages
