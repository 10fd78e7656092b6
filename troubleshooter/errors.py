"""Errors that carry a location, a message and a hint, so the CLI can print them without a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRef:
    """A place in a playbook file; line and column are 1-based like editors show them."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class TroubleshooterError(Exception):
    """Base class for errors a user can act on (never a bug)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PlaybookError(TroubleshooterError):
    """A playbook that cannot be loaded or fails a lint rule, reported as file:line:col.

    `code` is the stable rule code (`TS101`, see engine.rules) printed after the message, so
    scripts and the docs site can name a rule while the message wording may improve.
    """

    def __init__(self, ref: SourceRef, message: str, *, hint: str | None = None, code: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.ref = ref
        self.code = code

    def render(self) -> str:
        text = f"{self.ref}: {self.message}"
        if self.code:
            text += f" [{self.code}]"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class PlaybookErrors(TroubleshooterError):
    """Several playbook problems found in one pass; lint reports them all at once."""

    def __init__(self, errors: list[PlaybookError]) -> None:
        super().__init__(f"{len(errors)} playbook error(s)")
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class UsageError(TroubleshooterError):
    """Bad command-line input: unknown playbook, malformed --answer, unreadable file."""
