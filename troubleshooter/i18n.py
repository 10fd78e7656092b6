"""Human-readable text in playbooks is a plain string or a mapping of language to string.

Playbook authors may write `title: Foo` or `title: {en: Foo, zh: 中文}`; everything that shows
text goes through `pick()` so a missing translation falls back to English instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "zh")
Text = str | Mapping[str, str]

_ALIASES = {"zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "cn": "zh", "en-us": "en", "en_us": "en"}


def normalize_lang(lang: str | None) -> str:
    """Map `zh-CN`, `zh_CN.UTF-8`, `en_US` and friends to one of LANGUAGES (default en)."""
    if not lang:
        return "en"
    key = lang.split(".")[0].strip().lower()
    key = _ALIASES.get(key, key)
    if key.startswith("zh"):
        return "zh"
    return key if key in LANGUAGES else "en"


def pick(text: Text | None, lang: str = "en") -> str:
    """The text in `lang`, falling back to English, then to any language present."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    lang = normalize_lang(lang)
    for key in (lang, "en", "zh-CN", "zh"):
        value = text.get(key)
        if value:
            return value
    return next(iter(text.values()), "")
