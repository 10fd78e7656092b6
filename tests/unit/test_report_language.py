"""A report in --lang zh speaks Chinese in its own headings too, from the tool's one catalog."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import base_env, run_cli


def test_text_and_markdown_reports_in_chinese_have_chinese_headings(home: Path, tmp_path: Path) -> None:
    env = base_env(home)
    text = run_cli(["--playbook", "runtime-wont-connect", "--no-tui", "--lang", "zh", "--timeout", "3"], env).stdout
    assert "结论" in text and "Verdict:" not in text
    report = tmp_path / "r.md"
    run_cli(["--playbook", "runtime-wont-connect", "--json", "--lang", "zh", "--report", str(report)], env)
    markdown = report.read_text(encoding="utf-8")
    assert "### 检查路径" in markdown and "被诊断的 Python" in markdown
    assert "Path walked" not in markdown


def test_tui_and_reports_share_one_catalog() -> None:
    from troubleshooter.tui.strings import tr
    from troubleshooter.words import WORDS, word

    assert tr("app.title", "zh") == word("app.title", "zh") == WORDS["app.title"]["zh"]
    assert all(set(texts) >= {"en", "zh"} for texts in WORDS.values())
