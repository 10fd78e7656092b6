"""Where playbooks come from: the ones shipped inside the package, plus the user's folders.

It sits above lint, so every playbook a walk gets is lint-clean.

`discover` reads them all (for --list, lint, the TUI's home screen and the docs); a walk needs
one, and `find_playbook` reads just that file when it follows the `<id>.yaml` convention.

Playbooks cannot promote themselves: a user's playbook whose id is a shipped one's is refused
(it would silently replace a reviewed playbook, fixes included), and every playbook is linted
when it is loaded, so a walk only ever follows a lint-clean one (a `command.run` fix labelled
`safe`, an unresolvable `${...}` or an unknown action never reaches `--apply`). With
`on_error`, a broken user playbook is reported and skipped, never hiding the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from troubleshooter.engine.loader import ID_RE, read_playbook, shipped_dir
from troubleshooter.errors import PlaybookError, PlaybookErrors, UsageError
from troubleshooter.lint import lint_playbook
from troubleshooter.model.playbook import Playbook

__all__ = ["discover", "find_playbook", "load_clean", "shipped_dir"]


def _check_dirs(extra_dirs: Iterable[Path]) -> list[Path]:
    dirs = [Path(d) for d in extra_dirs]
    for directory in dirs:
        if not directory.is_dir():
            raise UsageError(f"--playbook-dir {directory}: no such folder")
    return [d for d in dirs if d.resolve() != shipped_dir().resolve()]


def load_clean(file: Path, shipped_ids: frozenset[str] | None, *, lint: bool = True) -> Playbook:
    """Read and lint one playbook; a user playbook (`shipped_ids` given) may not take a shipped id.

    `lint=False` is for the docs only (they describe a playbook, never walk it, and `docs check`
    reports what lint would).
    """
    playbook = read_playbook(file)
    errors = lint_playbook(playbook) if lint else []
    if shipped_ids is not None and playbook.id in shipped_ids:
        message = (
            f"playbook id {playbook.id!r} is the id of a shipped playbook; a playbook from --playbook-dir "
            "never replaces a shipped one: give it another id"
        )
        errors.insert(0, PlaybookError(playbook.ref, message))
    if errors:
        raise PlaybookErrors(errors)
    return playbook


def _shipped_ids() -> frozenset[str]:
    return frozenset(p.stem for p in shipped_dir().glob("*.yaml"))


def discover(
    extra_dirs: Iterable[Path] = (), on_error: Callable[[PlaybookErrors], None] | None = None, *, lint: bool = True
) -> dict[str, Playbook]:
    """Load the shipped playbooks plus any extra directories, keyed by id (all lint-clean)."""
    dirs = _check_dirs(extra_dirs)
    found: dict[str, Playbook] = {}
    shipped: frozenset[str] | None = None
    for directory in (shipped_dir(), *dirs):
        for file in sorted(Path(directory).glob("*.yaml")):
            try:
                playbook = load_clean(file, shipped, lint=lint)
            except PlaybookErrors as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            found[playbook.id] = playbook
        if shipped is None:
            shipped = frozenset(found) | _shipped_ids()
    return found


def find_playbook(playbook_id: str, extra_dirs: Iterable[Path] = ()) -> Playbook | None:
    """One playbook by id, reading only its own file when it is named `<id>.yaml` (the convention).

    A walk needs one playbook; parsing every file first cost most of a healthy walk's start-up.
    A shipped playbook is found first; a user file with the same name is refused, not used.
    """
    dirs = _check_dirs(extra_dirs)
    if ID_RE.match(playbook_id):
        shipped = shipped_dir() / f"{playbook_id}.yaml"
        for directory in dirs:
            candidate = directory / f"{playbook_id}.yaml"
            if candidate.is_file():
                load_clean(candidate, _shipped_ids())  # raises when it would shadow a shipped id
        if shipped.is_file():
            playbook = load_clean(shipped, None)
            if playbook.id == playbook_id:
                return playbook
        for directory in dirs:
            candidate = directory / f"{playbook_id}.yaml"
            if candidate.is_file():
                playbook = load_clean(candidate, _shipped_ids())
                if playbook.id == playbook_id:
                    return playbook
                break
    return discover(dirs).get(playbook_id)
