"""A probe that never returns: keys still answer at once, and the step shows `timeout` at
its deadline (the screen's watchdog abandons the worker; the thread is released afterwards)."""

from __future__ import annotations

import threading
import time

from textual.widgets import OptionList

from tests.tui.conftest import settle
from tests.tui.planning import FakeProbes
from troubleshooter.tui.messages import ProbeTimedOut
from troubleshooter.tui.screens.help import HelpScreen
from troubleshooter.tui.screens.walk import WATCHDOG_GRACE_S

DEADLINE_S = 1.0


async def test_keys_answer_while_a_probe_hangs_and_it_times_out_at_the_deadline(sample_app):
    gate = threading.Event()
    probes = FakeProbes(gate=gate)
    received: list[object] = []
    app = sample_app(probes, timeout_s=DEADLINE_S)
    try:
        async with app.run_test(message_hook=received.append) as pilot:
            screen = app.screen
            await settle(pilot, lambda: len(probes.calls) == 1, workers=False)
            status = screen.query_one("#probe-status")
            started = time.monotonic()
            assert status.running

            await pilot.press("l")  # switch language while the probe is stuck
            assert app.lang == "zh"
            first_key_s = time.monotonic() - started
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert first_key_s < DEADLINE_S / 2, f"a key took {first_key_s:.2f} s while the probe hung"
            # still undecided: every key above was handled before the deadline fired
            assert status.running and screen.decided is None and not gate.is_set()
            assert "正在运行" in str(status.render()), "the running line follows the language switch"

            await settle(pilot, lambda: screen.decided is not None, bound_s=DEADLINE_S + 3, workers=False)
            waited = time.monotonic() - started
            assert screen.decided is not None
            assert screen.decided.result.status.value == "timeout"
            assert DEADLINE_S * 0.5 <= waited <= DEADLINE_S + WATCHDOG_GRACE_S + 1.0
            assert "TIMEOUT" in str(status.render())
            assert any(isinstance(m, ProbeTimedOut) for m in received)
            options = screen.query_one("#branches", OptionList)
            assert options.get_option_at_index(options.highlighted).id == "1:slow-disk"
            await pilot.press("enter")
            await settle(pilot, workers=False)
            assert screen.session.outcome == "slow-disk"
            assert screen.session.steps[0].result.status.value == "timeout"
    finally:
        gate.set()


async def test_a_late_result_after_the_timeout_is_ignored(sample_app):
    gate = threading.Event()
    probes = FakeProbes(gate=gate)
    app = sample_app(probes, timeout_s=0.2)
    try:
        async with app.run_test() as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.decided is not None, bound_s=3, workers=False)
            assert screen.decided.result.status.value == "timeout"
            gate.set()
            await settle(pilot)
            assert screen.decided.result.status.value == "timeout", "the stale ProbeFinished is dropped"
    finally:
        gate.set()


async def test_quitting_while_a_probe_hangs_does_not_wait_for_it(sample_app):
    gate = threading.Event()
    probes = FakeProbes(gate=gate)
    app = sample_app(probes, timeout_s=30)
    try:
        started = 0.0
        async with app.run_test() as pilot:
            await settle(pilot, lambda: len(probes.calls) == 1, workers=False)
            started = time.monotonic()
            await pilot.press("q")
        assert time.monotonic() - started < 2.0, "quit waited for the hung probe"
        assert not gate.is_set()
    finally:
        gate.set()
