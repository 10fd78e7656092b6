"""The JSON Schema comes from the loader's own tables, ships current, and accepts what the loader accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from troubleshooter.engine.loader import shipped_dir
from troubleshooter.engine.schema import KINDS, render, shipped_path

jsonschema = pytest.importorskip("jsonschema")


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_is_current(kind: str) -> None:
    assert shipped_path(kind).read_text(encoding="utf-8") == render(kind), "run: troubleshooter schema --write"


def _validator(kind: str) -> Any:
    import json

    data = json.loads(render(kind))
    jsonschema.Draft202012Validator.check_schema(data)
    return jsonschema.Draft202012Validator(data)


@pytest.mark.parametrize("path", sorted(shipped_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_playbooks_validate(path: Path) -> None:
    errors = list(_validator("playbook").iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert not errors, [e.message for e in errors[:3]]


def test_library_and_fixtures_validate() -> None:
    library = sorted((shipped_dir().parent / "causes").glob("*.yaml"))
    fixtures = sorted((shipped_dir() / "tests").glob("*/*.yaml"))
    for kind, files in (("library", library), ("fixture", fixtures)):
        for path in files:
            errors = list(_validator(kind).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
            assert not errors, (path, [e.message for e in errors[:3]])


def test_schema_rejects_an_unknown_key() -> None:
    doc = {"id": "x", "title": "X", "colour": "red"}
    assert list(_validator("playbook").iter_errors(doc))
