"""A small playbook written for these tests: a check, a choice question, a text question and
diagnoses with display-only, safe and unsafe fixes — every TUI path in six nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troubleshooter.engine.loader import parse_playbook
from troubleshooter.model.playbook import Playbook

SAMPLE_YAML = """
id: sample-walk
title: {en: "Sample: the disk looks full", zh: "示例：磁盘看起来满了"}
summary: {en: "A playbook for the TUI tests.", zh: "用于界面测试的排查手册。"}
symptoms:
  - {en: "No space left on device", zh: "设备上没有剩余空间"}
inputs:
  path: {default: /tmp, description: {en: "Where files are written", zh: "写入文件的位置"}}
start: disk
nodes:
  disk:
    type: check
    title: {en: "Is the disk full?", zh: "磁盘满了吗？"}
    probe: fake.disk
    args: {path: '${path}'}
    branches:
      - when: {fact: free_gb, lt: 1}
        next: cleanup-ok
        why: {en: "Less than 1 GB is free", zh: "可用空间不足 1 GB"}
      - when: {status: timeout}
        next: slow-disk
        why: {en: "The disk did not answer in time", zh: "磁盘未及时应答"}
    otherwise: where
  where:
    type: question
    key: runtime
    title: {en: "Where does this run?", zh: "在哪里运行？"}
    choices:
      - {value: colab, label: {en: "Google Colab", zh: "Google Colab"}}
      - {value: local, label: {en: "My own machine", zh: "我自己的机器"}}
    branches:
      - when: {input: runtime, equals: colab}
        next: colab-note
    otherwise: which-file
  which-file:
    type: question
    key: big_file
    title: {en: "Which file is the largest?", zh: "哪个文件最大？"}
    otherwise: disk-full
  cleanup-ok:
    type: diagnosis
    cause: disk-full
    title: {en: "The disk is full", zh: "磁盘已满"}
    explanation: {en: "Free some space.", zh: "请释放一些空间。"}
    remediations: [clean-cache, show-usage]
    references:
      - {title: "df(1)", url: "https://man7.org/linux/man-pages/man1/df.1.html"}
  disk-full:
    type: diagnosis
    cause: disk-full
    title: {en: "A large file fills the disk", zh: "一个大文件占满了磁盘"}
    remediations: [show-usage, trim-logs]
  colab-note:
    type: diagnosis
    verdict: healthy
    title: {en: "Colab disks are reset with the runtime", zh: "Colab 磁盘随运行时重置"}
  slow-disk:
    type: diagnosis
    verdict: inconclusive
    title: {en: "The disk check timed out", zh: "磁盘检查超时"}
remediations:
  clean-cache:
    title: {en: "Delete the cache", zh: "删除缓存"}
    applicability: unsafe
    steps: [{en: "Remove the cache folder.", zh: "删除缓存目录。"}]
    commands: ["rm -rf ~/.cache/sample"]
    action: fake.remove
  show-usage:
    title: {en: "See what uses the space", zh: "查看空间占用"}
    applicability: display-only
    commands: ["du -sh ~/.cache/* | sort -h"]
  trim-logs:
    title: {en: "Trim the logs", zh: "截断日志"}
    applicability: safe
    commands: ["truncate -s 0 /tmp/sample.log"]
"""


def sample_playbook() -> Playbook:
    return parse_playbook(SAMPLE_YAML, "sample-walk.yaml")


@dataclass
class Preview:
    remediation_id: str
    applicability: str
    available: bool
    reason: str
    changes: list[str]


@dataclass
class ApplyRecord:
    applied: bool
    message: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    undo: list[dict[str, Any]] = field(default_factory=list)
    verify: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "message": self.message,
            "changes": self.changes,
            "undo": self.undo,
            "verify": self.verify,
        }


@dataclass
class FakeFlow:
    """The remediation API contract (preview / apply_remediation), recording every call."""

    available: bool = True
    previews: list[str] = field(default_factory=list)
    applies: list[tuple[str, bool]] = field(default_factory=list)

    def preview(self, rem: Any, session: Any, ctx: Any) -> Preview:
        self.previews.append(rem.id)
        return Preview(
            rem.id,
            rem.applicability.value,
            self.available,
            "" if self.available else "nothing to remove",
            [f"remove directory {ctx.env.get('HOME')}/.cache/sample (12 files, 3.1 GB)"],
        )

    def apply_remediation(self, rem: Any, session: Any, ctx: Any, *, consent: bool) -> ApplyRecord:
        self.applies.append((rem.id, consent))
        return ApplyRecord(
            True,
            "removed 12 files",
            [{"removed": "~/.cache/sample"}],
            [{"restore": "from trash"}],
            {"before": "fail", "after": "pass", "probe": "fake.disk"},
        )
