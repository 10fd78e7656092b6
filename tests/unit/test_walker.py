"""The pure walker: results choose branches, answers fill questions, back and override work."""

from __future__ import annotations

from troubleshooter.engine import walker
from troubleshooter.engine.loader import parse_playbook
from troubleshooter.model.playbook import Playbook
from troubleshooter.model.result import ProbeResult, Status

TEXT = """\
id: w
title: W
inputs:
  root: {default: /content/drive}
  target: {default: '${root}/MyDrive'}
start: a
nodes:
  a:
    type: check
    probe: fs.mount
    args: {path: '${target}'}
    branches:
      - when: {status: timeout}
        next: hung
      - when: {all: [{fact: size, gt: 10}, {not: {fact: name, matches: '^tmp'}}]}
        next: q
    otherwise: ok
  q:
    type: question
    key: flushed
    choices: ['yes', 'no']
    branches:
      - when: {input: flushed, equals: 'no'}
        next: bad
    otherwise: ok
  hung: {type: diagnosis, cause: drive-mount-hung, title: Hung, remediations: [r]}
  bad: {type: diagnosis, cause: drive-unflushed, title: Unflushed, remediations: [r]}
  ok: {type: diagnosis, verdict: healthy, title: OK}
remediations:
  r: {title: R, applicability: display-only}
"""


def _pb() -> Playbook:
    return parse_playbook(TEXT, "w.yaml")


def test_defaults_refer_to_other_inputs_and_args_are_substituted() -> None:
    session = walker.begin(_pb(), {"root": "/mnt/d"})
    request = walker.pending(session)
    assert isinstance(request, walker.ProbeRequest)
    assert request.args == {"path": "/mnt/d/MyDrive"}


def test_timeout_status_routes_explicitly() -> None:
    session = walker.advance(walker.begin(_pb(), {}), ProbeResult(Status.TIMEOUT, {}, "slow"))
    assert session.verdict == "problem" and session.outcome == "hung"


def test_fact_predicates_then_question_answer() -> None:
    session = walker.advance(walker.begin(_pb(), {}), ProbeResult(Status.PASS, {"size": 11, "name": "x"}))
    assert isinstance(walker.pending(session), walker.QuestionRequest)
    done = walker.answer(session, "no")
    assert done.outcome == "bad" and done.steps[-1].answer == "no"
    assert walker.answer(session, "yes").verdict == "healthy"


def test_back_returns_to_the_previous_node_and_forgets_the_answer() -> None:
    session = walker.advance(walker.begin(_pb(), {}), ProbeResult(Status.PASS, {"size": 11, "name": "x"}))
    done = walker.answer(session, "no")
    again = walker.back(done)
    assert again.current == "q" and not again.done and "flushed" not in again.inputs


def test_override_is_recorded_with_the_recommendation() -> None:
    session = walker.advance(walker.begin(_pb(), {}), ProbeResult(Status.PASS, {"size": 1}), override="hung")
    step = session.steps[-1]
    assert step.overridden and step.recommended == "ok" and step.next == "hung"
    assert step.to_dict()["overridden"] is True


def test_walker_is_pure_sessions_are_not_mutated() -> None:
    start = walker.begin(_pb(), {})
    walker.advance(start, ProbeResult(Status.TIMEOUT, {}))
    assert start.steps == () and start.current == "a"


def test_a_pasted_hub_url_becomes_a_repo_id_and_says_its_type() -> None:
    from troubleshooter.engine.walker import repo_id_of, resolve_inputs

    assert repo_id_of("https://huggingface.co/spaces/alice/x/discussions/3") == "alice/x"
    assert repo_id_of("http://127.0.0.1:8000/Qwen/Qwen2.5-0.5B/resolve/main/config.json") == "Qwen/Qwen2.5-0.5B"
    assert repo_id_of("Qwen/Qwen2.5-0.5B") == "Qwen/Qwen2.5-0.5B"
    assert repo_id_of("https://hf-mirror.com") == "https://hf-mirror.com"
    text = TEXT.replace("inputs:\n", "inputs:\n  repo: {kind: repo-id}\n  repo_type: {default: model}\n", 1)
    pb = parse_playbook(text, "w.yaml")
    values = resolve_inputs(pb, {"repo": "https://huggingface.co/datasets/acme/corpus/tree/main"})
    assert values["repo"] == "acme/corpus" and values["repo_type"] == "dataset"
    values = resolve_inputs(pb, {"repo": "https://huggingface.co/datasets/acme/corpus", "repo_type": "model"})
    assert values["repo_type"] == "model", "an explicit answer wins"
