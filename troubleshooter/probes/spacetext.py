"""Reading an AutoTrain Space's own words: stages, discussion titles and log lines.

Pure functions over strings (no I/O), so the rules that turn "Your training has failed ❌" or
a `GatedRepoError` traceback into a cause can be tested on their own and stay the same for
every probe that reads them. AutoTrain (autotrain-advanced, `trainers/common.py`) posts a
discussion titled "Your training has finished successfully ✅" or "Your training has failed ❌"
on the Space, logs "Pausing space...", then pauses the Space with the user's own token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from troubleshooter.redact import clip

# huggingface_hub 2.4.0's SpaceStage lacks some stages the Hub reports (SLEEPING), so the
# stage is read as an open string and sorted into groups the playbook routes on.
STAGE_GROUPS: dict[str, str] = {
    "RUNNING": "running",
    "RUNNING_BUILDING": "running",
    "RUNNING_APP_STARTING": "running",
    "BUILDING": "starting",
    "APP_STARTING": "starting",
    "SLEEPING": "sleeping",
    "STOPPED": "sleeping",
    "PAUSED": "paused",
    "BUILD_ERROR": "build-error",
    "CONFIG_ERROR": "build-error",
    "RUNTIME_ERROR": "build-error",
    "NO_APP_FILE": "build-error",
    "DELETING": "deleting",
}


def stage_group(stage: str | None) -> str:
    """running | starting | sleeping | paused | build-error | deleting | unknown, for any string."""
    text = (stage or "").strip().upper()
    if text in STAGE_GROUPS:
        return STAGE_GROUPS[text]
    for marker, group in (
        ("SLEEP", "sleeping"),
        ("PAUSE", "paused"),
        ("ERROR", "build-error"),
        ("RUNNING", "running"),
    ):
        if marker in text:
            return group
    return "unknown"


# What the Hub's runtime `errorMessage` says when a Space could not be placed on hardware at all
# (no capacity for the flavour asked, a quota, a policy refusing it), as opposed to an app or
# build that failed once placed. Only the scheduler's own words count: "Scheduling failure:
# not enough hardware capacity", "Scheduling failure: unable to schedule", "no capacity
# available", "quota exceeded" for a hardware flavour.
_SCHEDULING_ERROR = re.compile(
    r"scheduling failure|unable to schedule|could not (be )?schedul|failed to schedule"
    r"|not enough (hardware|gpu)?\s*capacity|insufficient (hardware |gpu )?capacity|no capacity"
    r"|hardware (is )?(currently )?(not |un)available|no (hardware|gpu)s? (is |are )?available"
    r"|(hardware|gpu)[\w ]{0,20}quota|quota[\w ]{0,20}(hardware|gpu)"
    r"|not allowed to (use|request) (this )?hardware|hardware[\w ]{0,30}not allowed",
    re.I,
)


def runtime_error_kind(message: str | None) -> str | None:
    """`scheduling` when the errorMessage says the Space could not be placed, else `app` (None: no message)."""
    if not message or not message.strip():
        return None
    return "scheduling" if _SCHEDULING_ERROR.search(message) else "app"


_FAILED_TITLE = re.compile(r"(training|job|run)\b.*\b(has )?failed|❌", re.I)
_FINISHED_TITLE = re.compile(
    r"finished successfully|(training|job|run)\b.*\b(succeeded|successful|complete[d]?)|✅", re.I
)


def job_outcome_of_title(title: str) -> str | None:
    """`failed`, `finished` or None for a discussion title (AutoTrain's or alike)."""
    if _FAILED_TITLE.search(title):
        return "failed"
    if _FINISHED_TITLE.search(title):
        return "finished"
    return None


_REPO_ID = r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*"
_NOT_REPO_PREFIXES = {
    "api",
    "datasets",
    "spaces",
    "docs",
    "settings",
    "models",
    "organizations",
    "blog",
    "join",
    "login",
}
_URL_REPO = re.compile(r"https?://[^/\s)\]]+/(" + _REPO_ID + r")")


def repo_in_url_text(text: str) -> str | None:
    """The first `owner/name` a Hub URL in `text` points at (model pages only)."""
    for match in _URL_REPO.finditer(text):
        repo = match.group(1).rstrip(".")
        if repo.split("/")[0].lower() not in _NOT_REPO_PREFIXES:
            return repo
    return None


# Ordered from the most specific cause to the least: the first kind found in the log wins.
_LOG_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "gated",
        re.compile(
            r"GatedRepoError|Cannot access gated repo"
            r"|is restricted and you are not in the authorized list"
            r"|awaiting a review from the repo authors|must have access to it and be authenticated",
            re.I,
        ),
    ),
    (
        "token-not-write",
        re.compile(
            r"40[13][^\n]*(/api/repos/create|/preupload/|/commit/)|don'?t have the rights to create"
            r"|do not have the rights to create|(don'?t|do not) have write access"
            r"|token does not have write"
            r"|\b(upload|push)\w*\s+(was\s+)?(refused|rejected|forbidden|denied)",
            re.I,
        ),
    ),
    (
        "oom",
        re.compile(
            r"CUDA out of memory|OutOfMemoryError|\bout of memory\b|\bMemoryError\b"
            r"|exit code 137|\bKilled\b",
            re.I,
        ),
    ),
    (
        "cuda",
        re.compile(
            r"CUDA error|NCCL error|cuDNN error|device-side assert|no kernel image is available",
            re.I,
        ),
    ),
)
_DATA_ERROR = re.compile(
    r"\b(KeyError|DatasetGenerationError|ArrowInvalid|JSONDecodeError|ParserError|UnicodeDecodeError)\b"
    r"|column[s]? .*(not found|missing|does not exist)|chat[_ ]template",
    re.I,
)
_CRASH = re.compile(
    r"has failed due to an exception|Traceback \(most recent call last\)"
    r"|^\s*[\w.]*(Error|Exception):",
    re.I,
)
_FINISHED = re.compile(
    r"Finished training|Pushing model to hub|Training completed|successfully pushed"
    r"|Model saved to hub",
    re.I,
)
_PAUSING = re.compile(r"Pausing space", re.I)
_RESTARTED = re.compile(r"^=+ Application Startup at ")  # the line Spaces print when a container starts

_BASE_MODEL_PATTERNS = (
    re.compile(r"https?://[^/\s]+/(?!datasets/|spaces/|api/)(" + _REPO_ID + r")/resolve/"),
    re.compile(r"Access to model (" + _REPO_ID + r") is restricted"),
    re.compile(r"""["']?(?:base_)?model["']?\s*[:=]\s*["'](""" + _REPO_ID + r""")["']"""),
    re.compile(r"--model[= ](" + _REPO_ID + r")\b"),
)
_OUTPUT_REPO_PATTERNS = (
    re.compile(r"""["']?repo_id["']?\s*[:=]\s*["'](""" + _REPO_ID + r""")["']"""),
    re.compile(r"/api/models/(" + _REPO_ID + r")/(?:preupload|commit)/"),
)
_USERNAME = re.compile(r"""["']?username["']?\s*[:=]\s*["']([\w.-]+)["']""")
_PROJECT = re.compile(r"""["']?project_name["']?\s*[:=]\s*["']([\w.-]+)["']""")


@dataclass
class LogReading:
    """What a Space's log says about the job that ran in it."""

    lines: int = 0
    error_kind: str = "none"  # gated | token-not-write | oom | cuda | data | crash | none
    error_line: str | None = None
    outcome: str = "unknown"  # failed | finished | unknown
    paused_by_job: bool = False
    base_model: str | None = None
    output_repo: str | None = None
    tail: list[str] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        inferred = {k: v for k, v in (("base_model", self.base_model), ("output_repo", self.output_repo)) if v}
        return {
            "lines": self.lines,
            "error_kind": self.error_kind,
            "error_line": self.error_line,
            "outcome": self.outcome,
            "paused_by_job": self.paused_by_job,
            "tail": self.tail,
            **({"inferred": inferred} if inferred else {}),
        }


def read_log(lines: list[str], tail_size: int = 8) -> LogReading:
    """Find the exception that ended the job, whether it finished, and repos it names."""
    reading = LogReading(lines=len(lines), tail=[clip(line.rstrip(), 300) for line in lines[-tail_size:]])
    found: dict[str, str] = {}
    crashed = False
    username = project = None
    current_run = lines
    for number, raw in enumerate(lines):
        line = raw.rstrip()
        if _RESTARTED.search(line):  # the container started again: errors before it are history
            current_run = lines[number + 1 :]
            found, crashed = {}, False
            reading.outcome, reading.paused_by_job = "unknown", False
            continue
        for kind, pattern in _LOG_KINDS:
            if kind not in found and pattern.search(line):
                found[kind] = line
        if _CRASH.search(line):
            crashed = True
            found.setdefault("crash-line", line)
        if "data" not in found and _DATA_ERROR.search(line):
            found["data"] = line
        if _FINISHED.search(line):
            reading.outcome = "finished"
        if _PAUSING.search(line):
            reading.paused_by_job = True
        reading.base_model = reading.base_model or _first(_BASE_MODEL_PATTERNS, line)
        reading.output_repo = reading.output_repo or _first(_OUTPUT_REPO_PATTERNS, line)
        username = username or _group(_USERNAME, line)
        project = project or _group(_PROJECT, line)
    if not reading.output_repo and username and project:
        reading.output_repo = f"{username}/{project}"
    for kind in ("gated", "token-not-write", "oom", "cuda"):
        if kind in found:
            reading.error_kind, reading.error_line = kind, found[kind]
            break
    else:
        if crashed and "data" in found:
            reading.error_kind, reading.error_line = "data", found["data"]
        elif crashed:
            reading.error_kind, reading.error_line = (
                "crash",
                _last_exception(current_run) or found.get("crash-line"),
            )
    if reading.error_kind != "none":
        reading.outcome = "failed"
    if reading.error_line:
        reading.error_line = clip(reading.error_line, 400)
    return reading


def _first(patterns: tuple[re.Pattern[str], ...], line: str) -> str | None:
    for pattern in patterns:
        if match := pattern.search(line):
            return match.group(1)
    return None


def _group(pattern: re.Pattern[str], line: str) -> str | None:
    match = pattern.search(line)
    return match.group(1) if match else None


_EXCEPTION_LINE = re.compile(r"^\s*[\w.]*(Error|Exception)\b.*:")


def _last_exception(lines: list[str]) -> str | None:
    """The last `SomeError: message` line: the exception that ended a traceback."""
    for line in reversed(lines):
        if _EXCEPTION_LINE.search(line):
            return line.rstrip()
    return None
