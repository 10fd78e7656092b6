"""The tool's own words in English and Simplified Chinese: one catalog for the TUI and the reports.

Playbook text comes from the playbooks; everything the tool itself says (TUI labels, report
headings, verdict words) is looked up here by name, so a language switch is a lookup and a
report in `--lang zh` has Chinese headings too.
"""

from __future__ import annotations

from troubleshooter.i18n import pick

WORDS: dict[str, dict[str, str]] = {
    # --- the TUI ---
    "app.title": {"en": "Troubleshooter", "zh": "故障排查"},
    "home.search": {
        "en": "Describe the symptom (e.g. fetching 0%, paused)…",
        "zh": "描述症状（例如 fetching 0%、paused）…",
    },
    "home.none": {"en": "No playbook matches “{query}”.", "zh": "没有与“{query}”匹配的排查手册。"},
    "home.count": {
        "en": "{shown} of {total} playbooks — Enter opens one",
        "zh": "共 {total} 个排查手册，显示 {shown} 个 — 回车打开",
    },
    "walk.tree": {"en": "Playbook", "zh": "排查手册"},
    "walk.inputs": {"en": "Before the walk: what do you already know?", "zh": "开始之前：你已经知道哪些信息？"},
    "walk.inputs.hint": {
        "en": "Optional fields may stay empty. Enter in the last field (or ctrl+s) starts.",
        "zh": "可选项可以留空。在最后一个输入框按回车（或 ctrl+s）开始。",
    },
    "walk.required": {"en": "required", "zh": "必填"},
    "walk.start": {"en": "Start the walk", "zh": "开始排查"},
    "walk.missing": {"en": "The input “{key}” is required.", "zh": "必须填写“{key}”。"},
    "walk.running": {"en": "running {probe}", "zh": "正在运行 {probe}"},
    "walk.deadline": {"en": "deadline", "zh": "时限"},
    "walk.evidence": {"en": "Evidence", "zh": "证据"},
    "walk.facts": {"en": "Facts", "zh": "事实"},
    "walk.branches": {
        "en": "Where to go next (Enter confirms, pick another to override)",
        "zh": "下一步（回车确认，选择其他项即为改判）",
    },
    "walk.recommended": {"en": "recommended", "zh": "推荐"},
    "walk.otherwise": {"en": "otherwise", "zh": "其他情况"},
    "walk.question.choose": {"en": "Choose an answer (Enter)", "zh": "选择一个答案（回车）"},
    "walk.question.type": {"en": "Type the answer and press Enter", "zh": "输入答案后按回车"},
    "walk.overridden": {
        "en": "Override recorded: {node} → {target} (probe recommended {recommended})",
        "zh": "已记录改判：{node} → {target}（探测推荐 {recommended}）",
    },
    "walk.needs_input": {"en": "The walk needs “{key}” to go on.", "zh": "排查需要“{key}”才能继续。"},
    "walk.inconclusive": {"en": "The walk ended without a diagnosis.", "zh": "排查结束，但没有得出诊断。"},
    "walk.timeout": {
        "en": "probe {probe} did not answer within its {deadline:g} s deadline",
        "zh": "探测 {probe} 未在 {deadline:g} 秒时限内应答",
    },
    "diag.cause": {"en": "Cause", "zh": "原因"},
    "diag.verdict": {"en": "Verdict", "zh": "结论"},
    "verdict.problem": {"en": "problem", "zh": "发现问题"},
    "verdict.healthy": {"en": "healthy", "zh": "正常"},
    "verdict.inconclusive": {"en": "inconclusive", "zh": "无法确定"},
    "verdict.needs-input": {"en": "needs input", "zh": "需要输入"},
    "diag.remediations": {"en": "Fixes (Enter on one: preview / apply)", "zh": "修复方法（回车：预览 / 应用）"},
    "diag.commands": {"en": "Commands (c copies them)", "zh": "命令（按 c 复制）"},
    "diag.references": {"en": "Upstream threads and docs", "zh": "上游讨论与文档"},
    "diag.copied": {"en": "Commands copied to the clipboard", "zh": "命令已复制到剪贴板"},
    "diag.nothing_to_copy": {"en": "This fix has no commands to copy", "zh": "该修复没有可复制的命令"},
    "diag.display_only": {
        "en": "This fix is done by hand: follow the steps above.",
        "zh": "该修复需要手动完成：请按上面的步骤操作。",
    },
    "diag.applied": {"en": "Applied {rem}: {message}", "zh": "已应用 {rem}：{message}"},
    "diag.not_applied": {"en": "Not applied: {message}", "zh": "未应用：{message}"},
    "diag.verify": {"en": "Re-check {probe}: {before} → {after}", "zh": "复查 {probe}：{before} → {after}"},
    "consent.title": {"en": "Apply “{rem}”?", "zh": "应用“{rem}”？"},
    "consent.unsafe": {
        "en": "This changes your machine. Nothing happens unless you choose Yes.",
        "zh": "此操作会修改你的机器。除非选择“是”，否则不会做任何更改。",
    },
    "consent.safe": {
        "en": "This cannot lose data, but it still changes your setup.",
        "zh": "此操作不会丢失数据，但仍会修改你的设置。",
    },
    "consent.changes": {"en": "Exactly what will change (dry-run):", "zh": "将要进行的具体更改（演练）："},
    "consent.unavailable": {
        "en": "Applying fixes is not available in this version. Run these yourself:",
        "zh": "此版本无法自动应用修复。请自行运行：",
    },
    "consent.not_possible": {"en": "Cannot apply here: {reason}", "zh": "无法在此应用：{reason}"},
    "consent.yes": {"en": "Yes, apply", "zh": "是，应用"},
    "consent.no": {"en": "No", "zh": "否"},
    "consent.close": {"en": "Close", "zh": "关闭"},
    "export.title": {"en": "Export the report", "zh": "导出报告"},
    "export.path": {"en": "File (the extension picks the format)", "zh": "文件（扩展名决定格式）"},
    "export.write": {"en": "Write", "zh": "写入"},
    "export.cancel": {"en": "Cancel", "zh": "取消"},
    "export.done": {"en": "Report written to {path}", "zh": "报告已写入 {path}"},
    "export.failed": {"en": "Could not write the report: {error}", "zh": "无法写入报告：{error}"},
    "help.title": {"en": "Help", "zh": "帮助"},
    "lang.switched": {"en": "Language: English", "zh": "语言：中文"},
    "cmd.export": {"en": "Export report", "zh": "导出报告"},
    "cmd.export.help": {"en": "Write the report as JSON, Markdown or HTML", "zh": "将报告写为 JSON、Markdown 或 HTML"},
    "cmd.restart": {"en": "Restart the walk", "zh": "重新开始排查"},
    "cmd.restart.help": {
        "en": "Forget every step and start from the first check",
        "zh": "清除所有步骤，从第一项检查重新开始",
    },
    "cmd.lang": {"en": "Switch language: 中文", "zh": "切换语言：English"},
    "cmd.lang.help": {"en": "Show the interface and playbooks in Chinese", "zh": "以英文显示界面和排查手册"},
    "cmd.jump": {"en": "Jump to: {node}", "zh": "跳转到：{node}"},
    "cmd.jump.help": {
        "en": "Go back to this visited step (later steps are forgotten)",
        "zh": "回到这个已访问的步骤（之后的步骤会被清除）",
    },
    "cmd.home": {"en": "Choose another playbook", "zh": "选择其他排查手册"},
    "cmd.home.help": {"en": "Back to the list of symptoms", "zh": "返回症状列表"},
    "cmd.theme": {"en": "Toggle dark / light theme", "zh": "切换深色 / 浅色主题"},
    "cmd.theme.help": {"en": "Switch between the dark and the light theme", "zh": "在深色与浅色主题之间切换"},
    # --- reports (Markdown, HTML, text) ---
    "report.verdict": {"en": "Verdict", "zh": "结论"},
    "report.cause": {"en": "Cause", "zh": "原因"},
    "report.severity": {"en": "severity", "zh": "严重程度"},
    "report.outcome": {"en": "Outcome", "zh": "结果"},
    "report.missing": {"en": "Missing input", "zh": "缺少输入"},
    "report.missing_hint": {"en": "pass --answer {key}=VALUE", "zh": "请传入 --answer {key}=VALUE"},
    "report.timed_out": {"en": "Timed out", "zh": "超时"},
    "report.deadline_each": {"en": "deadline {seconds} s each", "zh": "每项时限 {seconds} 秒"},
    "report.target": {"en": "Diagnosed Python", "zh": "被诊断的 Python"},
    "report.interpreter": {"en": "interpreter", "zh": "解释器"},
    "report.chosen_by": {"en": "chosen by {how}", "zh": "选择方式：{how}"},
    "report.none_found": {"en": "none found", "zh": "未找到"},
    "report.problem": {"en": "problem", "zh": "问题"},
    "report.not_installed": {"en": "not installed", "zh": "未安装"},
    "report.none_tracked": {"en": "none of the tracked packages installed", "zh": "未安装任何被跟踪的包"},
    "report.environment": {"en": "Environment (the troubleshooter's own)", "zh": "环境（本工具自身）"},
    "report.path": {"en": "Path walked", "zh": "检查路径"},
    "report.fix": {"en": "Fix", "zh": "修复"},
    "report.applied": {"en": "applied", "zh": "已应用"},
    "report.references": {"en": "References", "zh": "参考资料"},
    "report.verified": {"en": "verified", "zh": "核实于"},
    "report.verdict.healthy": {"en": "Healthy — nothing found wrong", "zh": "正常——未发现问题"},
    "report.verdict.problem": {"en": "Problem found", "zh": "发现问题"},
    "report.verdict.inconclusive": {"en": "Inconclusive", "zh": "无法确定"},
    "report.verdict.needs-input": {"en": "Needs input", "zh": "需要输入"},
}


HELP: dict[str, str] = {
    "en": (
        "[b]Troubleshooter[/b] walks a playbook. Each step runs a small probe with a "
        "deadline, shows its facts and evidence, and recommends where to go next. You "
        "stay in control.\n"
        "\n"
        "[b]Home[/b]\n"
        "  type      filter the symptoms\n"
        "  ↓ / ↑     move between cards;  Enter opens one\n"
        "[b]Walk[/b]\n"
        "  Enter     confirm the highlighted branch; another one than\n"
        "            the ★ recommended is an override (in the report)\n"
        "  b         back one step        r       re-run the probe\n"
        "  ctrl+r    restart the walk     a       auto-confirm\n"
        "  e         export the report    c       copy a fix's commands\n"
        "  escape    back to the list of playbooks\n"
        "[b]Always[/b]\n"
        "  ? / f1    this help            l       English / 中文\n"
        "  d         dark / light         ctrl+p  command palette\n"
        "  q         quit (ctrl+q while typing)\n"
        "\n"
        "A probe that hangs is abandoned at its deadline and shows [b]timeout[/b]; keys "
        "keep working. Fixes marked [b]unsafe[/b] change your machine: they apply only "
        "after you see the exact change and answer Yes. Export the report (e) to paste "
        "into an issue: secrets are redacted."
    ),
    "zh": (
        "[b]故障排查[/b] 按排查手册逐步进行：每一步运行一个带时限的小探测，"
        "显示事实与证据，并推荐下一步。一切由你掌控。\n"
        "\n"
        "[b]首页[/b]\n"
        "  输入      筛选症状\n"
        "  ↓ / ↑     在卡片间移动；回车打开\n"
        "[b]排查[/b]\n"
        "  回车      确认高亮的分支；选择 ★ 推荐以外的分支\n"
        "            即为改判（记录在报告中）\n"
        "  b         后退一步             r       重新运行探测\n"
        "  ctrl+r    重新开始             a       自动确认推荐\n"
        "  e         导出报告             c       复制修复命令\n"
        "  escape    返回排查手册列表\n"
        "[b]随时[/b]\n"
        "  ? / f1    帮助                 l       English / 中文\n"
        "  d         深色 / 浅色          ctrl+p  命令面板\n"
        "  q         退出（输入时用 ctrl+q）\n"
        "\n"
        "卡住的探测会在时限到达时被放弃并显示 [b]timeout[/b]；按键始终有响应。"
        "标记为 [b]unsafe[/b] 的修复会修改你的机器：只有在你看到具体更改并选择"
        '"是"之后才会应用。按 e 导出报告以便粘贴到 issue 中：其中的密钥已被隐去。'
    ),
}


def word(name: str, lang: str, /, **values: object) -> str:
    """The text `name` in `lang` (English fallback), formatted with `values`."""
    text = pick(WORDS.get(name, {"en": name}), lang)
    return text.format(**values) if values else text
