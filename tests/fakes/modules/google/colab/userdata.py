"""Stand-in for `google.colab.userdata`, the notebook secrets vault.

`FAKE_COLAB` names a JSON file that decides what `get(key)` does:

    {"mode": "value", "value": "hf_..."}   return the value (after "delay" seconds, default 0)
    {"mode": "block"}                      never return: an access prompt nobody answers
    {"mode": "timeout", "delay": 10}       TimeoutException after "delay" s, as outside the UI
    {"mode": "denied"}                     NotebookAccessError (the user refused access)
    {"mode": "missing"}                    SecretNotFoundError (no such secret)

Without `FAKE_COLAB` every secret is missing. When `FAKE_COLAB_CALLS` names a file, each call
appends one line (the key) to it first, so a test can prove that no lookup happened.
Exception classes and messages match colabtools (NotebookAccessError is not a colab Error).
"""

import json
import os
import re
import threading
import time
from typing import Any

from google.colab import errors


class NotebookAccessError(Exception):
    """The current notebook has not been granted access to the secret."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(errors.Error):
    """The requested secret does not exist."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Secret {key} does not exist.")


class TimeoutException(errors.Error):
    """The secret could not be fetched in time (no Colab UI to answer)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Requesting secret {key} timed out. Secrets can only be fetched when running from the Colab UI."
        )


_lock = threading.Lock()


def _behaviour() -> dict[str, Any]:
    path = os.environ.get("FAKE_COLAB")
    if not path:
        return {"mode": "missing"}
    with open(path, encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


def get(key: str) -> str:
    """Fetch a secret's value; behaviour set by FAKE_COLAB (see the module docstring)."""
    calls = os.environ.get("FAKE_COLAB_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as f:
            f.write(f"{key}\n")
    if not key or not isinstance(key, str):
        raise ValueError("Please enter a valid secret name")
    if re.search(r"\s", key):
        raise ValueError("Secret name cannot contain spaces or whitespace")
    behaviour = _behaviour()
    mode = behaviour.get("mode", "missing")
    with _lock:  # the real call is serialised too
        if mode == "block":
            threading.Event().wait()
        time.sleep(float(behaviour.get("delay", 0)))
    if mode == "value":
        return str(behaviour.get("value", ""))
    if mode == "timeout":
        raise TimeoutException(key)
    if mode == "denied":
        raise NotebookAccessError(key)
    raise SecretNotFoundError(key)
