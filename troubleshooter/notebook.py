"""Notebook mode: walk a playbook inside the running Jupyter / Colab kernel.

Some causes are only visible from inside the kernel that is stuck: a variable set in a cell
after huggingface_hub was imported, the version the kernel really imported, the Colab
secret lookup huggingface_hub already made, threads waiting in a download. A `!troubleshooter`
line runs in a child process and sees none of that, so `diagnose()` runs the same walker and
runner here, with the same per-probe deadlines, and `%troubleshoot` wraps it as a magic.

The vault is never asked from here: probes get `in_kernel=True`, which makes the Colab probes
read huggingface_hub's recorded state instead of calling `google.colab.userdata`.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from troubleshooter.errors import PlaybookErrors, UsageError
from troubleshooter.i18n import normalize_lang
from troubleshooter.report.document import Report

MAGIC_NAME = "troubleshoot"
RESERVED_KEYS = ("playbook_id", "timeout", "lang")  # diagnose()'s own parameters
MAGIC_USAGE = "%troubleshoot PLAYBOOK [key=value ...] [--timeout SECONDS] [--lang en|zh]"


def diagnose(playbook_id: str, *, timeout: float = 5.0, lang: str = "en", **answers: Any) -> Report:
    """Walk `playbook_id` in this process and return its report (shown as HTML in a notebook).

    `answers` are the playbook's inputs and question keys (`repo="org/name"`); None values
    are left out. Each probe is bounded by `timeout` seconds, so the call returns within
    about (probes on the path) × timeout even when a probe blocks. Afterwards
    huggingface_hub gets back the HTTP client factory it had before the walk.
    """
    from troubleshooter.catalog import discover
    from troubleshooter.service import DiagnoseOptions
    from troubleshooter.service import diagnose as run_diagnosis

    if not 0 < timeout <= 600:
        raise UsageError("timeout must be between 0 and 600 seconds")
    broken: list[PlaybookErrors] = []
    catalog = discover(on_error=broken.append)  # one unreadable playbook must not block the others
    playbook = catalog.get(playbook_id)
    if playbook is None:
        if broken:
            raise PlaybookErrors([error for errors in broken for error in errors.errors])
        raise UsageError(f"unknown playbook {playbook_id!r}; known: {', '.join(sorted(catalog))}")
    lang = normalize_lang(lang)
    given = {key: str(value) for key, value in answers.items() if value is not None}
    options = DiagnoseOptions(timeout_s=timeout, lang=lang, mode="notebook")  # the kernel is the target
    try:
        return run_diagnosis(playbook, given, options)
    finally:
        _restore_hub_client()


def _restore_hub_client() -> None:
    """Put the user's huggingface_hub client factory back, if a probe replaced it."""
    if "huggingface_hub.utils._http" not in sys.modules:
        return  # nothing imported it, so nothing was replaced
    from troubleshooter.probes._hubhttp import restore_client

    restore_client()


def parse_magic_line(line: str) -> tuple[str, dict[str, Any]]:
    """`fetching-stuck repo=x --timeout 3 --lang zh` -> ("fetching-stuck", {repo, timeout, lang})."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot parse {line!r}: {exc}", hint=MAGIC_USAGE) from None
    playbook: str | None = None
    options: dict[str, Any] = {}
    answers: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--"):
            name, sep, value = word[2:].partition("=")
            if name not in ("timeout", "lang"):
                raise UsageError(f"unknown option --{name}", hint=MAGIC_USAGE)
            if not sep:
                if index >= len(words):
                    raise UsageError(f"--{name} needs a value", hint=MAGIC_USAGE)
                value = words[index]
                index += 1
            options[name] = value
        elif "=" in word:
            key, _, value = word.partition("=")
            if not key or key in RESERVED_KEYS:
                raise UsageError(f"expected key=value (not {', '.join(RESERVED_KEYS)}), got {word!r}", hint=MAGIC_USAGE)
            answers[key] = value
        elif playbook is None:
            playbook = word
        else:
            raise UsageError(f"unexpected {word!r}", hint=MAGIC_USAGE)
    if playbook is None:
        raise UsageError("name a playbook", hint=MAGIC_USAGE)
    if "timeout" in options:
        try:
            options["timeout"] = float(options["timeout"])
        except ValueError:
            raise UsageError(f"--timeout needs a number, got {options['timeout']!r}", hint=MAGIC_USAGE) from None
    return playbook, {**answers, **options}


def troubleshoot_magic(line: str) -> Report | None:
    """The `%troubleshoot` line magic: the report is the cell's value, so the notebook shows it."""
    try:
        playbook, kwargs = parse_magic_line(line)
        return diagnose(playbook, **kwargs)
    except (UsageError, PlaybookErrors) as exc:
        sys.stderr.write(f"troubleshoot: {exc.render()}\n")
        return None


def register_magic(ipython: Any) -> None:
    """Register `%troubleshoot` with an IPython shell (`%load_ext troubleshooter` calls this)."""
    ipython.register_magic_function(troubleshoot_magic, magic_kind="line", magic_name=MAGIC_NAME)
