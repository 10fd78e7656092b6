"""Hostile playbooks: tags, alias bombs, deep nesting, huge strings, templates, markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import base_env, run_cli

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

HOSTILE = {
    "python-tag": "id: x\ntitle: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "python-name": "id: !!python/name:os.system x\n",
    "alias-bomb": BOMB,
    "deep-nesting": "id: x\ntitle: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge-string": "id: x\ntitle: '" + "A" * 2_000_000 + "'\n",
    "binary": "id: x\ntitle: !!binary aGVsbG8=\n",
    "not-utf8": None,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_clean_error(name: str, tmp_path: Path, home: Path) -> None:
    path = tmp_path / f"{name}.yaml"
    text = HOSTILE[name]
    if text is None:
        path.write_bytes(b"id: x\ntitle: \xff\xfe\x00bad\n")
    else:
        path.write_text(text)
    result = run_cli(["lint", str(path)], base_env(home), timeout=60)
    assert result.code == 2, result.stderr[-500:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}:"), result.stderr[:300]
    assert not Path("/tmp/pwned").exists()


def test_template_like_text_is_shown_verbatim_never_executed(tmp_path: Path, home: Path) -> None:
    (tmp_path / "tpl.yaml").write_text("""id: tpl
title: "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} ${HOME} <script>alert(1)</script>"
start: a
nodes:
  a: {type: check, probe: env.offline_mode, otherwise: ok}
  ok: {type: diagnosis, verdict: healthy, title: "{{ config.__class__ }}", explanation: "<img src=x onerror=alert(1)>"}
""")
    report = tmp_path / "r.html"
    result = run_cli(
        ["--playbook-dir", str(tmp_path), "--playbook", "tpl", "--json", "--report", str(report)], base_env(home)
    )
    assert result.code == 0, result.stderr
    data = result.json
    assert data["playbook_title"].startswith("{{ 7*7 }}") and "49" not in data["playbook_title"]
    html = report.read_text()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "{{ 7*7 }}" in html


def test_unknown_keys_and_traversal_args_are_rejected(tmp_path: Path, home: Path) -> None:
    (tmp_path / "trav.yaml").write_text("""id: trav
title: T
start: a
nodes:
  a: {type: check, probe: fs.mount, args: {path: ../../../etc, evil: 1}, otherwise: ok, onclick: x}
  ok: {type: diagnosis, verdict: healthy, title: OK}
""")
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 2
    assert "unknown key 'onclick'" in result.stderr
    trav = tmp_path / "trav.yaml"
    trav.write_text(trav.read_text().replace(", onclick: x", ""))
    result = run_cli(["lint", str(tmp_path)], base_env(home))
    assert result.code == 2 and "takes no argument 'evil'" in result.stderr
