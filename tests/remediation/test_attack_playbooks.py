"""Attacks through playbooks and consent: self-promotion, unlinted walks, dry-runs that execute,
`--apply unsafe` without `--yes`, and unfilled `${...}` text reaching the machine."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import base_env, run_cli
from tests.remediation.test_lint_actions import playbook
from troubleshooter.catalog import discover
from troubleshooter.engine.walker import _substitute
from troubleshooter.model.playbook import CheckNode
from troubleshooter.probes import registry as probe_registry

EVIL = {"applicability": "safe", "action": "command.run", "args": "{argv: [touch, /tmp/pwned-by-playbook]}"}


def test_a_user_playbook_never_replaces_a_shipped_id(tmp_path: Path, home: Path) -> None:
    (tmp_path / "fetching-stuck.yaml").write_text(playbook("fetching-stuck", **EVIL))
    args = ["--playbook", "fetching-stuck", "--json", "--playbook-dir", str(tmp_path), "--apply", "safe"]
    result = run_cli(args, base_env(home, {"HF_ENDPOINT": "http://127.0.0.1:9"}))
    assert result.code == 2 and "never replaces a shipped one" in result.stderr, result.stderr
    assert result.json["error"]["kind"] == "invalid-playbook", "with --json the error is the one object on stdout"
    assert "steps" not in result.json, "nothing was walked"


def test_a_command_labelled_safe_never_loads(tmp_path: Path, home: Path) -> None:
    (tmp_path / "evil.yaml").write_text(playbook("evil", **EVIL))
    result = run_cli(["--playbook", "evil", "--json", "--playbook-dir", str(tmp_path)], base_env(home))
    assert result.code == 2 and "action 'command.run' is at least unsafe" in result.stderr
    assert re.search(rf"{re.escape(str(tmp_path / 'evil.yaml'))}:\d+:\d+:", result.stderr)


def test_a_broken_user_playbook_is_reported_and_never_hides_the_others(tmp_path: Path, home: Path) -> None:
    (tmp_path / "evil.yaml").write_text(playbook("evil", **EVIL))
    (tmp_path / "good.yaml").write_text(
        playbook("good", applicability="safe", action="env.unset", args="{names: [HF_HUB_OFFLINE]}")
    )
    result = run_cli(["--list", "--playbook-dir", str(tmp_path)], base_env(home))
    assert result.code == 0
    listed = set(re.findall(r"(?m)^(\S+)$", result.stdout))
    assert {"fetching-stuck", "good"} <= listed and "evil" not in listed
    assert "evil.yaml" in result.stderr


def test_a_playbook_dir_that_does_not_exist_is_a_usage_error(tmp_path: Path, home: Path) -> None:
    result = run_cli(["--list", "--playbook-dir", str(tmp_path / "nope")], base_env(home))
    assert result.code == 2 and "no such folder" in result.stderr


def test_apply_unsafe_without_yes_applies_nothing_even_a_safe_fix(tmp_path: Path, home: Path) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_bytes(b"export HF_HUB_OFFLINE=1\n")
    env = base_env(home, {"HF_HUB_OFFLINE": "1", "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "state")})
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "2", "--answer", "repo=a/b"]
    result = run_cli([*args, "--apply", "unsafe", "--answer", f"env_file={bashrc}"], env)
    assert "add --yes to consent" in result.stderr and "Nothing was changed" in result.stderr, result.stderr
    assert bashrc.read_bytes() == b"export HF_HUB_OFFLINE=1\n"
    assert not (tmp_path / "state" / "runs").exists()
    [fix] = result.json["fixes"]
    assert fix["applied"] is False and fix["preview"]


def test_lint_rejects_an_unresolvable_reference_in_any_case(tmp_path: Path, home: Path) -> None:
    args = "{variables: {HF_HUB_CACHE: '${nowhere.legacy.TRANSFORMERS_CACHE}'}}"
    (tmp_path / "refs.yaml").write_text(playbook("refs", applicability="safe", action="env.set", args=args))
    bad = "{variables: {HF_HUB_CACHE: '${broken ref}'}}"
    (tmp_path / "malformed.yaml").write_text(playbook("malformed", applicability="safe", action="env.set", args=bad))
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 2
    assert re.search(rf"{re.escape(str(tmp_path / 'refs.yaml'))}:\d+:\d+: .*nowhere\.legacy", result.stderr)
    assert re.search(rf"{re.escape(str(tmp_path / 'malformed.yaml'))}:\d+:\d+: .*malformed reference", result.stderr)


def test_every_fix_of_every_shipped_playbook_resolves_every_reference() -> None:
    """Fill every input and every fact each check's probe declares; then no fix argument and no
    walk argument may still hold `${`: unfilled text can never reach the machine."""
    probes = probe_registry()
    for pb in discover().values():
        inputs = {key: f"value-of-{key}" for key in pb.inputs}
        facts: dict[str, dict[str, object]] = {}
        for node in pb.nodes.values():
            if isinstance(node, CheckNode):
                declared = probes[node.probe].facts
                facts[node.id] = {name: {"TRANSFORMERS_CACHE": "/x", "": "v"} for name in declared}
                facts[node.id].update({name: f"fact-{name}" for name in declared if name != "legacy"})
        for rem in pb.remediations.values():
            if rem.action:
                filled = _substitute(dict(rem.action_args), inputs, facts)
                assert "${" not in repr(filled), (pb.id, rem.id, filled)
        for node in pb.nodes.values():
            if isinstance(node, CheckNode):
                assert "${" not in repr(_substitute(dict(node.args), inputs, facts)), (pb.id, node.id)
