"""Fixtures for the probe tests: the stand-in NVML module, loaded under a private name."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import FAKE_MODULES


@pytest.fixture
def fake_nvml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    """The stand-in pynvml under a private name, configured by a JSON file the test writes."""
    name = "fake_pynvml_for_probe_tests"
    spec = importlib.util.spec_from_file_location(name, FAKE_MODULES / "pynvml.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    config = tmp_path / "nvml.json"
    monkeypatch.setenv("FAKE_NVML", str(config))

    def configure(**data: Any) -> ModuleType:
        config.write_text(json.dumps(data))
        return module

    yield configure
    sys.modules.pop(name, None)
