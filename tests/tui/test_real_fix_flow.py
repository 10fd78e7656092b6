"""The TUI drives the real remediation flow: dry-run in the consent dialog, a file written only
after an explicit yes, then the re-check (a new process that sees the change) on screen."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import settle
from troubleshooter.engine.loader import read_playbook
from troubleshooter.probes.context import ProbeContext
from troubleshooter.tui.app import TroubleshooterApp
from troubleshooter.tui.screens.consent import ConsentScreen
from troubleshooter.tui.screens.walk import WalkScreen

PLAYBOOK = """id: offline-demo
title: Offline demo
symptoms: [Nothing downloads]
start: offline
nodes:
  offline:
    type: check
    title: Is offline mode on?
    probe: env.offline_mode
    branches:
      - when: {status: fail}
        next: is-offline
    otherwise: fine
  is-offline:
    type: diagnosis
    verdict: problem
    cause: offline-mode
    title: Offline mode is on
    remediations: [unset-offline]
  fine: {type: diagnosis, verdict: healthy, title: Online}
remediations:
  unset-offline:
    title: Turn offline mode off
    applicability: safe
    action: env.unset
    args: {names: [HF_HUB_OFFLINE]}
"""


async def test_a_real_fix_edits_the_chosen_file_only_after_yes_and_shows_the_recheck(tmp_path: Path) -> None:
    book_dir = tmp_path / "books"
    book_dir.mkdir()
    (book_dir / "offline-demo.yaml").write_text(PLAYBOOK)
    book = read_playbook(book_dir / "offline-demo.yaml")
    profile = tmp_path / ".bashrc"
    before = b"alias ll='ls -l'\nexport HF_HUB_OFFLINE=1\n"
    profile.write_bytes(before)
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "TROUBLESHOOTER_STATE_DIR": str(tmp_path / "state"),
    }
    app = TroubleshooterApp(
        {book.id: book},
        playbook=book.id,
        answers={"env_file": str(profile)},
        context_factory=lambda: ProbeContext(env=env, timeout_s=5.0),
    )
    async with app.run_test() as pilot:
        walk = app.screen
        assert isinstance(walk, WalkScreen)
        await settle(pilot, lambda: walk.decided is not None)
        await pilot.press("enter")
        await settle(pilot, lambda: walk.session.done)
        assert walk.session.diagnosis is not None
        assert walk.session.diagnosis.cause == "offline-mode"
        await pilot.press("enter")  # the only fix
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        text = str(app.screen.query_one("#consent-text").render())
        assert f"edit {profile}" in text and "- export HF_HUB_OFFLINE=1" in text
        assert profile.read_bytes() == before, "the preview changes nothing"
        await pilot.press("n")
        await settle(pilot)
        assert profile.read_bytes() == before and "unset-offline" not in walk.applied
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, ConsentScreen))
        await pilot.press("y")
        await settle(pilot, lambda: "unset-offline" in walk.applied, bound_s=30)
        record = walk.applied["unset-offline"]
        assert record["applied"] is True
        assert profile.read_bytes() == b"alias ll='ls -l'\n"
        assert record["verify"]["verified"] is True
        assert record["verify"]["before"] == "fail" and record["verify"]["after"] == "pass"
        detail = str(walk.query_one("#fix-detail").render())
        assert "fail → pass" in detail
