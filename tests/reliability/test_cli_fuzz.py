"""Fuzzing the door: random command lines and random --facts/--replay contents.

Whatever hypothesis throws at `troubleshooter` (in-process, so hundreds of runs fit in a few
seconds; every walk is a replay, so no live probe runs), the promises hold: the exit code is
one of the contract's ordinary ones (never 4, the "bug" code), and with --json stdout holds
exactly one strict JSON object (an `error` object when the run was refused).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from troubleshooter.cli import main

BASE = {"schema_version": 1, "playbook": "runtime-wont-connect", "inputs": {}, "steps": []}
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["pass", "fail", "warn", "unknown", "timeout", "nvml", "steps", "\udcff", "NaN"]),
)
json_values = st.recursive(
    json_leaf,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)
step = st.fixed_dictionaries(
    {"node": st.sampled_from(["nvml", "torch", "x", ""]), "status": json_leaf},
    optional={"facts": json_values, "evidence": json_leaf, "kind": st.sampled_from(["check", "question", 3])},
)
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"playbook": st.sampled_from(["runtime-wont-connect", "nope", 3, None]), "steps": st.lists(step, max_size=4)},
        optional={"inputs": json_values},
    ),
    st.dictionaries(st.sampled_from(["nvml", "torch", "gpu.nvml"]), json_values, max_size=3),
)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().out


def _check(argv: list[str], code: int, out: str) -> None:
    assert code in (0, 1, 2, 3), (argv, code)
    if "--json" in argv:

        def refuse(constant: str) -> Any:
            raise AssertionError(f"{constant} in JSON output")

        data = json.loads(out, parse_constant=refuse)  # one object, nothing else
        assert isinstance(data, dict) and data.get("schema_version") == 1
        assert ("error" in data) == (code == 2), (argv, data)


@pytest.fixture(scope="module")
def base_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("fuzz") / "base.json"
    path.write_text(json.dumps(BASE))
    return str(path)


option = st.one_of(
    st.just(["--json"]),
    st.just(["--list"]),
    st.just(["--no-tui"]),
    st.just(["-v"]),
    st.tuples(st.just("--playbook"), st.sampled_from(["runtime-wont-connect", "fetching-stuck", "", "../x", "Nope"])),
    st.tuples(
        st.just("--answer"),
        st.one_of(st.text(max_size=12), st.sampled_from(["expected_gpu=A100", "repo=x", "=", "repo_type=datasets"])),
    ),
    st.tuples(st.just("--timeout"), st.one_of(st.text(max_size=6), st.sampled_from(["nan", "-1", "1e309", "0", "3"]))),
    st.tuples(st.just("--lang"), st.sampled_from(["en", "zh", "xx", ""])),
    st.tuples(st.just("--apply"), st.sampled_from(["safe", "unsafe", "all"])),
    st.tuples(st.just("--fix"), st.text(max_size=6)),
    st.tuples(st.just("--facts"), st.sampled_from(["/dev/zero", "/nonexistent", "/"])),
    st.lists(st.text(max_size=10), max_size=2),
).map(list)


@SETTINGS
@given(options=st.lists(option, max_size=6))
def test_random_command_lines(options: list[list[str]], base_report: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--replay", base_report] + [part for group in options for part in group]
    if "--list" in argv or "--no-tui" not in argv:
        argv = [a for a in argv if a != "--no-tui"]
    code, out = _run(argv, capsys)
    _check(argv, code, out)


@SETTINGS
@given(document=documents, as_facts=st.booleans())
def test_random_facts_and_replay_files(
    document: Any, as_facts: bool, tmp_path_factory: pytest.TempPathFactory, base_report: str, capsys: Any
) -> None:
    path = tmp_path_factory.mktemp("doc") / "doc.json"
    path.write_text(json.dumps(document, allow_nan=True), encoding="utf-8", errors="surrogateescape")
    argv = ["--replay", base_report, "--facts", str(path), "--json"] if as_facts else ["--replay", str(path), "--json"]
    code, out = _run(argv, capsys)
    _check(argv, code, out)


def test_fuzz_files_may_hold_surrogates(tmp_path: Path, base_report: str, capsys: Any) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"nvml": {"status": "warn", "facts": {"n": "\\udcff", "v": NaN}}}')
    code, out = _run(["--replay", base_report, "--facts", str(path), "--json"], capsys)
    _check(["--json"], code, out)
