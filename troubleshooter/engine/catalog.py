"""Where playbooks come from: the ones shipped inside the package, plus the user's folders.

`discover` reads them all (for --list, lint, the TUI's home screen and the docs); a walk needs
one, and `find_playbook` reads just that file when it follows the `<id>.yaml` convention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from troubleshooter.engine.loader import ID_RE, read_playbook
from troubleshooter.errors import PlaybookErrors
from troubleshooter.model.playbook import Playbook


def shipped_dir() -> Path:
    """The playbooks that ship inside the package (found the same way from a wheel)."""
    return Path(__file__).resolve().parent.parent / "playbooks"


def discover(
    extra_dirs: Iterable[Path] = (), on_error: Callable[[PlaybookErrors], None] | None = None
) -> dict[str, Playbook]:
    """Load the shipped playbooks plus any extra directories, keyed by id."""
    found: dict[str, Playbook] = {}
    for directory in (shipped_dir(), *extra_dirs):
        for file in sorted(Path(directory).glob("*.yaml")):
            try:
                playbook = read_playbook(file)
            except PlaybookErrors as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            found[playbook.id] = playbook
    return found


def find_playbook(playbook_id: str, extra_dirs: Iterable[Path] = ()) -> Playbook | None:
    """One playbook by id, reading only its own file when it is named `<id>.yaml` (the convention).

    A walk needs one playbook; parsing every file first cost most of a healthy walk's start-up.
    Later directories win, as in `discover`, and anything unconventional falls back to it.
    """
    if ID_RE.match(playbook_id):
        for directory in reversed((shipped_dir(), *extra_dirs)):
            candidate = Path(directory) / f"{playbook_id}.yaml"
            if candidate.is_file():
                playbook = read_playbook(candidate)
                if playbook.id == playbook_id:
                    return playbook
                break
    return discover(extra_dirs).get(playbook_id)
