"""Property: a secret placed anywhere in any text the tool reads never comes out, not even 10 characters of it.

Hypothesis builds secrets of every shape the tool promises to hide (Hub user and OAuth tokens,
URL userinfo of every form, secret query parameters, Authorization headers, `*TOKEN*=`
assignments, `--hub_token` flags), puts them between any two words of a long text, and feeds
that text through each real source that cuts text (Space logs, the DriveFS log, a Hub error
message, a lock holder's command line, a probe's exception). The walk's report is then
rendered in every output format; no 10-character window of the secret may appear.
"""

from __future__ import annotations

import json
import string
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from troubleshooter.engine.loader import parse_playbook
from troubleshooter.engine.runner import RunOptions, walk
from troubleshooter.model.result import ProbeResult, Status
from troubleshooter.probes import _hubhttp, drive, locks, spacetext
from troubleshooter.probes.context import ProbeContext
from troubleshooter.report.build import build_report
from troubleshooter.report.document import Report

ALNUM = string.ascii_letters + string.digits
TEMPLATES = [
    "hf_{s}",
    "hf_oauth_{s}",
    "http://{s}@proxy.corp:3128",
    "https://{s}:@mirror.example/models",
    "https://user:{s}@mirror.example/x",
    "https://hub.example/api/models/x?token={s}&a=1",
    "https://cdn.example/f.bin?X-Amz-Signature={s}",
    "?access_token={s}",
    "https://x.blob.core.windows.net/c?sv=2020&sig={s}",
    "Authorization: Bearer {s}",
    'authorization="{s}"',
    "{{'authorization': 'Bearer {s}'}}",
    "HF_TOKEN={s}",
    "WANDB_API_KEY: {s}",
    "--hub_token {s}",
    "--hub-token={s}",
    '"hub_token": "{s}"',
]
PLAYBOOK = """id: prop
title: Property
start: a
nodes:
  a: {type: check, probe: env.offline_mode, otherwise: b}
  b: {type: check, probe: env.offline_mode, otherwise: ok}
  ok: {type: diagnosis, verdict: healthy, title: OK}
"""

ENV = {"tool_version": "0", "python": "3", "platform": "linux", "executable": "python", "versions": {}}
words = st.text(alphabet=string.ascii_letters + string.digits + " .,:;/=-_()[]{}'\"<>#?&@", min_size=0, max_size=12)


def _windows(secret: str) -> list[str]:
    return [secret[i : i + 10] for i in range(len(secret) - 9)]


def _sources(text: str, tmp: Path) -> tuple[dict[str, Any], str]:
    """Feed `text` through every source that reads and cuts text; their facts and evidence."""
    facts: dict[str, Any] = {}
    reading = spacetext.read_log(["Traceback (most recent call last):", f"RuntimeError: {text}", text])
    facts["space_log"] = reading.facts()
    logs = tmp / "home" / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "drive_fs.txt").write_text(f"QUOTA_EXCEEDED {text}\n")
    quota = drive.drive_quota(ProbeContext(env={"HOME": str(tmp / "home")}, timeout_s=2.0), str(tmp / "nodrive"))
    facts["drive"] = quota.facts
    facts["hub_error"] = _hubhttp.classify(RuntimeError(text))
    proc = tmp / "proc" / "4242"
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "cmdline").write_bytes(b"\0".join(part.encode() for part in text.split(" ")))
    facts["lock_holder"] = locks.process_command(tmp / "proc", 4242)
    return facts, f"{quota.evidence} | {reading.error_line}"


def _raising_probe(text: str) -> ProbeResult:
    """What the runner records for a probe that raised an exception carrying `text`."""
    from troubleshooter.engine import runner

    class _Probes:
        @staticmethod
        def get(name: str) -> object:
            import types

            return types.SimpleNamespace(name=name, deadline_s=None, side="tool")

        @staticmethod
        def call(spec: object, ctx: object, args: object) -> ProbeResult:
            raise ValueError(text)

    saved = runner.probes
    runner.probes = _Probes  # type: ignore[assignment]
    try:
        result, _ = runner.run_probe("x.raiser", ProbeContext(env={}), {}, 2.0)
    finally:
        runner.probes = saved
    return result


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    template=st.sampled_from(TEMPLATES),
    secret=st.text(alphabet=ALNUM, min_size=34, max_size=40),
    before=st.lists(words, min_size=0, max_size=60),
    after=st.lists(words, min_size=0, max_size=60),
)
def test_no_secret_fragment_in_any_output(
    template: str, secret: str, before: list[str], after: list[str], tmp_path: Path
) -> None:
    planted = template.format(s=secret)
    text = " ".join([*before, planted, *after])
    facts, evidence = _sources(text, tmp_path)
    crashed = _raising_probe(text)
    playbook = parse_playbook(PLAYBOOK, "prop.yaml")
    injected = {"a": ProbeResult(Status.WARN, facts, evidence), "b": crashed}
    session = walk(playbook, {}, ProbeContext(env={}), RunOptions(injected=injected))
    report = Report(build_report(session, environment=ENV))
    outputs = {
        "json": report.to_json(),
        "md": report.to_markdown(),
        "html": report.to_html(),
        "text": report.to_text(),
    }
    json.loads(outputs["json"])  # redaction never breaks the document
    for fmt, out in outputs.items():
        for piece in _windows(secret):
            assert piece not in out, (fmt, template, piece)


@pytest.mark.parametrize("word", ["verdict", "status", "schema_version", "inconclusive", "steps"])
def test_a_token_that_is_a_common_word_does_not_damage_output(word: str) -> None:
    from troubleshooter.redact import register_secret

    register_secret(word)
    playbook = parse_playbook(PLAYBOOK, "prop.yaml")
    injected = {"a": ProbeResult(Status.PASS, {}, "ok"), "b": ProbeResult(Status.PASS, {}, "ok")}
    session = walk(playbook, {}, ProbeContext(env={}), RunOptions(injected=injected))
    data = json.loads(Report(build_report(session, environment=ENV)).to_json())
    assert {"schema_version", "verdict", "steps"} <= set(data) and data["verdict"] == "healthy"


def test_authorization_in_a_hub_message_keeps_the_json_valid() -> None:
    playbook = parse_playbook(PLAYBOOK, "prop.yaml")
    message = "upstream said: authorization=\"x y\" and Authorization: 'z'"
    injected = {
        "a": ProbeResult(Status.WARN, {"server_message": message}, message),
        "b": ProbeResult(Status.PASS, {}, "ok"),
    }
    session = walk(playbook, {}, ProbeContext(env={}), RunOptions(injected=injected))
    data = json.loads(Report(build_report(session, environment=ENV)).to_json())
    assert data["steps"][0]["evidence"].startswith("upstream said: authorization=")


def test_scrubbing_is_idempotent_and_leaves_hf_transfer_alone() -> None:
    from troubleshooter.redact import scrub

    for template in TEMPLATES:
        once = scrub(template.format(s="A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"))
        assert scrub(once) == once
    assert scrub("pip install hf_transfer; HF_HUB_ENABLE_HF_TRANSFER=1") == (
        "pip install hf_transfer; HF_HUB_ENABLE_HF_TRANSFER=1"
    )
    assert threading.current_thread() is threading.main_thread()
