"""Command-line input checked at the door: answers, the deadline, and the files `--facts`/`--replay` name.

Everything here turns a mistake into a UsageError (exit 2) with a message that names what
would have been valid, because a misspelled `--answer rep=…` that is silently ignored walks to
a confident wrong verdict, and a malformed file is the user's input, never a bug (exit 4).
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
from collections.abc import Sequence
from typing import Any, NoReturn

from troubleshooter.boundedio import BoundedReadError, read_text_bounded
from troubleshooter.errors import UsageError
from troubleshooter.model.playbook import Playbook, QuestionNode

MAX_TIMEOUT_S = 600.0
MAX_JSON_BYTES = 16 * 1024 * 1024
# Keys every playbook accepts although none declares them: the file a fix writes to.
GLOBAL_KEYS = {"env_file": "the file a fix may write variables to (remediations)"}


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so `--json` can still print its object."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint="troubleshooter --help")


def timeout_seconds(text: str) -> float:
    """`--timeout`: a finite number of seconds, more than 0 and at most 600."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"needs a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds, got {text!r}")
    return value


def parse_answers(items: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs; the last one for a key wins."""
    answers: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--answer needs KEY=VALUE, got {item!r}")
        answers[key.strip()] = value
    return answers


def _suggest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}? " if close else ""


def accepted_keys(playbook: Playbook) -> dict[str, tuple[str, ...]]:
    """Every key an `--answer` may name for this playbook, with its declared choices (empty: free)."""
    keys: dict[str, tuple[str, ...]] = dict.fromkeys(GLOBAL_KEYS, ())
    for key, spec in playbook.inputs.items():
        keys[key] = tuple(spec.choices)
    for node in playbook.nodes.values():
        if isinstance(node, QuestionNode):
            keys[node.key] = tuple(c.value for c in node.choices) or keys.get(node.key, ())
    return keys


def check_answers(playbook: Playbook, answers: dict[str, str]) -> None:
    """Unknown keys and values outside a declared choice are usage errors naming the valid ones."""
    keys = accepted_keys(playbook)
    for key, value in answers.items():
        if key not in keys:
            valid = ", ".join(sorted(keys)) or "none"
            raise UsageError(
                f"--answer {key}=…: {playbook.id} has no input {key!r}; {_suggest(key, sorted(keys))}"
                f"valid keys: {valid}"
            )
        choices = keys[key]
        if choices and value not in choices:
            raise UsageError(
                f"--answer {key}={value!r}: not one of {', '.join(choices)}; {_suggest(value, choices)}".rstrip("; ")
            )


def read_json_file(path: str, what: str) -> Any:
    """A JSON document from a file the user named, bounded; every problem is a UsageError."""
    try:
        text = read_text_bounded(path, MAX_JSON_BYTES)
    except BoundedReadError as exc:
        raise UsageError(f"{what} {path}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} {path}: not a JSON file ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise UsageError(f"{what} {path}: JSON nested too deeply") from None


def injected_results(data: Any, path: str, what: str) -> dict[str, Any]:
    """Probe results by node id or probe name, from a report (`steps`) or a plain mapping."""
    from troubleshooter.model.result import ProbeResult

    if isinstance(data, dict) and isinstance(data.get("steps"), list):
        items = {
            str(s["node"]): s
            for s in data["steps"]
            if isinstance(s, dict) and isinstance(s.get("node"), str) and s.get("kind", "check") == "check"
        }
    elif isinstance(data, dict):
        items = data
    else:
        raise UsageError(f"{what} {path}: expected a JSON object")
    out: dict[str, Any] = {}
    for key, value in items.items():
        if not isinstance(value, dict):
            raise UsageError(f"{what} {path}: entry {key!r} must be an object with status, facts, evidence")
        try:
            out[str(key)] = ProbeResult.from_dict(value)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{what} {path}: entry {key!r}: {exc}") from None
    return out


def replay_inputs(data: Any, path: str) -> tuple[str | None, dict[str, str]]:
    """The playbook id and answers a replayed report recorded."""
    if not isinstance(data, dict):
        raise UsageError(f"--replay {path}: expected a report (a JSON object)")
    playbook = data.get("playbook")
    if playbook is not None and not isinstance(playbook, str):
        raise UsageError(f"--replay {path}: 'playbook' must be a string")
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise UsageError(f"--replay {path}: 'inputs' must be an object")
    return playbook, {str(k): str(v) for k, v in inputs.items() if v is not None}
