"""Which lines of a shell profile or `.env` file a variable fix owns, and the byte-exact rewrite.

A profile is the user's, not ours: only a line that does nothing but assign one of the fix's
variables at the top level may change; every other byte stays as it was. Lines are split the
way the shell splits them, on LF only, so CRLF, a lone CR, a form feed or U+2028 are just bytes
of a line (never turned into line breaks), and each line keeps its own ending. One pass over
the file (linear in its size) tracks what the shell would be in at each line start: inside a
quote that spans lines, after a `\\` continuation, or in a heredoc body. Such lines are never
edited; an assignment of a fix's variable that *starts* such a construct is refused.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

HEREDOC = re.compile(rb"<<(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([A-Za-z0-9_.-]+))")


@dataclass
class Line:
    start: int  # byte offset in the file
    body: bytes  # without the LF (a CR before it stays part of the line, as for the shell)
    ending: bytes  # b"\n" or b"" (last line without newline)
    top_level: bool  # starts outside any quote, continuation or heredoc
    closes: bool  # ends outside any of them (the next line is top level)


def _scan_line(body: bytes, quote: bytes) -> tuple[bytes, bool, list[tuple[bytes, bool]]]:
    """Walk one line: (the quote still open at its end, ends with a continuation, heredocs it opens)."""
    heredocs: list[tuple[bytes, bool]] = []
    i, n = 0, len(body)
    word_start = True
    while i < n:
        c = body[i : i + 1]
        if quote == b"'":
            quote = b"" if c == b"'" else quote
            i += 1
            continue
        if quote in (b'"', b"$'"):
            if c == b"\\":
                if i + 1 == n:
                    return quote, True, heredocs
                i += 2
                continue
            if (quote == b'"' and c == b'"') or (quote == b"$'" and c == b"'"):
                quote = b""
            i += 1
            continue
        if c == b"\\":
            if i + 1 == n:
                return quote, True, heredocs
            i += 2
            word_start = False
            continue
        if c == b"#" and word_start:
            break
        if c == b"'":
            quote = b"'"
        elif c == b'"':
            quote = b'"'
        elif c == b"$" and body[i + 1 : i + 2] == b"'":
            quote, i = b"$'", i + 1
        elif c == b"<" and body[i : i + 2] == b"<<" and body[i : i + 3] != b"<<<":
            match = HEREDOC.match(body, i)
            if match:
                word = next(g for g in match.group(2, 3, 4) if g is not None)
                heredocs.append((word, bool(match.group(1))))
                i = match.end()
                continue
        word_start = c in (b" ", b"\t", b";", b"&", b"|", b"(", b")")
        i += 1
    return quote, False, heredocs


def lines_of(data: bytes) -> Iterator[Line]:
    """Every physical line with what the shell is in at its start and end (one linear pass)."""
    quote = b""
    continued = False
    pending: list[tuple[bytes, bool]] = []  # heredoc delimiters whose bodies come next
    start, size = 0, len(data)
    while start < size:
        end = data.find(b"\n", start)
        stop = size if end < 0 else end
        body, ending = data[start:stop], (b"" if end < 0 else b"\n")
        top = not quote and not continued and not pending
        if pending:
            word, strip_tabs = pending[0]
            if (body.lstrip(b"\t") if strip_tabs else body) == word:
                pending.pop(0)
            yield Line(start, body, ending, False, not pending)
        else:
            quote, continued, opened = _scan_line(body, quote)
            pending.extend(opened)
            yield Line(start, body, ending, top, not quote and not continued and not pending)
        start = stop + len(ending)


def assigns(body: bytes, name: str) -> bool:
    """True when the line assigns `name` somewhere (`NAME=`, `export A=1 NAME=`), not `MY_NAME=`."""
    return re.search(rb"(?:^|[ \t;&|(])" + re.escape(name.encode()) + rb"=", body) is not None


def lone_assignment(body: bytes, name: str) -> bool:
    """True when the line does nothing but assign `name` (`NAME=v` or `export NAME=v`, maybe a comment).

    Words split like the shell's (space and tab only), so `A=1<CR>NAME=2` is one word of `A`.
    """
    try:
        lexer = shlex.shlex(body.decode("utf-8"), posix=True)
        lexer.whitespace, lexer.whitespace_split, lexer.commenters = " \t", True, "#"
        words = list(lexer)
    except (ValueError, UnicodeDecodeError):
        return False
    if words[:1] == ["export"]:
        words = words[1:]
    return len(words) == 1 and words[0].startswith(name + "=")


class NotOurs(Exception):
    """A line sets a fix's variable together with something else (or across lines): hands off."""

    def __init__(self, number: int, name: str) -> None:
        super().__init__(f"line {number} sets {name} together with something else")
        self.number, self.name = number, name


def rewrite(data: bytes, edits: Mapping[str, bytes | None]) -> tuple[bytes, list[bytes], list[bytes]]:
    """(new content, removed lines, added lines): each variable assigned once (None: removed).

    Replaced lines keep their own ending; appended lines use the first line's ending (CRLF or
    LF). Raises NotOurs for an assignment among other commands or one spanning several lines.
    """
    out: list[bytes] = []
    removed: list[bytes] = []
    added: list[bytes] = []
    placed: set[str] = set()
    crlf = False
    for number, line in enumerate(lines_of(data), 1):
        if number == 1:
            crlf = line.body.endswith(b"\r") and line.ending == b"\n"
        hit = next((n for n in edits if line.top_level and assigns(line.body, n)), None)
        if hit is None:
            out.append(line.body + line.ending)
            continue
        cr = b"\r" if line.body.endswith(b"\r") else b""
        if not line.closes or not lone_assignment(line.body[: len(line.body) - len(cr)], hit):
            raise NotOurs(number, hit)
        removed.append(line.body)
        value = edits[hit]
        if value is not None and hit not in placed:
            out.append(value + cr + line.ending)
            added.append(value)
            placed.add(hit)
    tail = [v for n, v in edits.items() if v is not None and n not in placed]
    if tail:
        newline = b"\r\n" if crlf else b"\n"
        if out and not out[-1].endswith(b"\n"):
            out.append(newline)
        out.extend(v + newline for v in tail)
        added.extend(tail)
    unchanged = [r for r in removed if r in added]
    removed = [r for r in removed if r not in unchanged]
    added = [a for a in added if a not in unchanged]
    return b"".join(out), removed, added
