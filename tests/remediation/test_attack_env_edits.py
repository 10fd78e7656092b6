"""Attacks on env-file edits: unrelated bytes changed, metadata lost, lost updates in races, slow diffs.

Before: form feeds, lone CRs and U+2028 became newlines, mixed endings came out all CRLF,
lines in heredocs, after `\\` or in multi-line quotes were edited; a uid-1000 0600 file came
back root-owned and hard links were split; an edit saved between the check and the replace
was dropped; two concurrent applies lost an update; a 30,000-line file took 93 s.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from tests.remediation.support import action_context, plan, run_worker
from troubleshooter.remediation.actions import ActionContext, Refused

TRICKY = (
    b"# profile\r\n"
    b"export A=1\x0cB\n"  # a form feed inside a line
    b"X=1\rHF_HUB_OFFLINE=1\n"  # a lone CR: for the shell this assigns X only
    b"echo '\xe2\x80\xa8' # U+2028\r\n"
    b"cat <<EOF\nHF_HUB_OFFLINE=1\nEOF\n"  # a heredoc body
    b"cat <<-'END'\n\tHF_HUB_OFFLINE=1\n\tEND\n"
    b"python x.py \\\nHF_HUB_OFFLINE=1\n"  # a continuation
    b"MSG='two\nHF_HUB_OFFLINE=1 lines'\n"  # a multi-line quote
    b"export HF_HUB_OFFLINE=1\r\n"  # the one line that is ours (CRLF kept)
    b"tail-without-newline"
)


def test_only_the_owned_line_changes_byte_for_byte(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(TRICKY)
    planned = plan(actx, "env.set", variables={"HF_HUB_OFFLINE": "0"}, file=str(profile))
    assert planned.run is not None
    planned.run()
    assert profile.read_bytes() == TRICKY.replace(b"export HF_HUB_OFFLINE=1\r\n", b"export HF_HUB_OFFLINE=0\r\n")


def test_unset_leaves_heredocs_continuations_and_quotes_alone(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(TRICKY)
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert planned.run is not None
    planned.run()
    assert profile.read_bytes() == TRICKY.replace(b"export HF_HUB_OFFLINE=1\r\n", b"")


def test_an_assignment_that_opens_a_multi_line_quote_is_refused(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"export HF_HUB_OFFLINE='1\n'\n")
    with pytest.raises(Refused, match="together with something else"):
        plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))


def test_appending_to_a_file_without_final_newline_keeps_its_last_line(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"alias x=y")
    planned = plan(actx, "env.set", variables={"HF_HUB_DISABLE_XET": "1"}, file=str(profile))
    assert planned.run is not None
    planned.run()
    assert profile.read_bytes() == b"alias x=y\nexport HF_HUB_DISABLE_XET=1\n"


def test_hard_links_mode_and_owner_are_kept(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"export HF_HUB_OFFLINE=1\n")
    os.chmod(profile, 0o600)
    other = home / "profile-link"
    os.link(profile, other)
    if os.getuid() == 0:
        os.chown(profile, 1000, 1000)
    before = profile.stat()
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert planned.run is not None
    planned.run()
    after = profile.stat()
    assert other.read_bytes() == b"" == profile.read_bytes()
    assert (after.st_ino, after.st_nlink) == (before.st_ino, 2)
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)


@pytest.mark.skipif(os.getuid() != 0, reason="only root can make a file owned by another user")
def test_a_rewritten_file_keeps_its_owner_when_root_edits_it(actx: ActionContext, home: Path) -> None:
    profile = home / ".profile"
    profile.write_bytes(b"export HF_HUB_OFFLINE=1\nalias a=b\n")
    os.chmod(profile, 0o600)
    os.chown(profile, 1000, 1000)
    planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"], file=str(profile))
    assert planned.run is not None
    planned.run()
    st = profile.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (1000, 1000, 0o600)


def test_a_30000_line_file_is_edited_in_linear_time(actx: ActionContext, home: Path) -> None:
    profile = home / "big.env"
    body = b"".join(b"VAR_%d=%d\n" % (i, i) for i in range(30_000))
    profile.write_bytes(body + b"HF_HUB_OFFLINE=1\n")
    started = time.monotonic()
    planned = plan(actx, "env.set", variables={"HF_HUB_OFFLINE": "0"}, file=str(profile))
    assert planned.run is not None
    planned.run()
    assert time.monotonic() - started < 3.0
    assert profile.read_bytes() == body + b"HF_HUB_OFFLINE=0\n"


def test_an_edit_saved_while_the_fix_writes_is_never_lost(env: dict[str, str], state_dir: Path, home: Path) -> None:
    """A real race: a writer thread saves the file (editor-style, write then rename) in a loop
    while fixes apply. Whatever the last completed save was must survive: either the fix was
    refused, or its edit sits on top of that very save."""
    profile = home / ".profile"
    profile.write_bytes(b"# v0\nexport HF_HUB_OFFLINE=1\n")
    stop = threading.Event()
    last = [0]

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            temp = home / f".profile.editor{n}"
            temp.write_bytes(b"# v%d\nexport HF_HUB_OFFLINE=1\n" % n)
            os.replace(temp, profile)
            last[0] = n

    thread = threading.Thread(target=writer)
    thread.start()
    outcomes = []
    try:
        for _ in range(20):
            actx = action_context(env, state_dir, {"env_file": str(profile)})
            try:
                planned = plan(actx, "env.unset", names=["HF_HUB_OFFLINE"])
                assert planned.run is not None
                planned.run()
                outcomes.append("applied")
            except Refused as exc:
                outcomes.append(str(exc))
    finally:
        stop.set()
        thread.join()
    final = profile.read_bytes()
    assert final in (b"# v%d\nexport HF_HUB_OFFLINE=1\n" % last[0], b"# v%d\n" % last[0]), (final, last[0])
    assert all(o == "applied" or "changed" in o or "saved by something else" in o for o in outcomes), outcomes


def test_two_concurrent_applies_never_lose_an_update(env: dict[str, str], state_dir: Path, home: Path) -> None:
    """Two processes set different variables in one file at the same time, many times: each run
    either lands (and stays) or says it refused; no run reports success for an edit that is gone."""
    profile = home / ".profile"
    for round_ in range(6):
        profile.write_bytes(b"# start\n")
        specs = [
            {
                "action": "env.set",
                "args": {"variables": {name: str(round_)}},
                "inputs": {"env_file": str(profile)},
                "state_dir": str(state_dir),
                "run": True,
            }
            for name in ("FIRST_VAR", "SECOND_VAR")
        ]
        results: list[dict[str, object]] = [{}, {}]

        def go(i: int) -> None:
            done = run_worker(env, specs[i])  # noqa: B023
            results[i] = done.data or {"stderr": done.stderr}  # noqa: B023

        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        text = profile.read_bytes()
        for name, result in zip(("FIRST_VAR", "SECOND_VAR"), results, strict=True):
            if "outcome" in result:
                assert f"export {name}={round_}".encode() in text, (round_, results, text)
            else:
                assert re.search("changed|saved by something else", str(result.get("refused"))), result
