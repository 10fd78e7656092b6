"""TUI timings for bench/run.py: first paint, and key latency while a probe hangs (Pilot).

Prints Markdown table rows. The hanging probe is a runner that blocks on an Event until the
measurement ends, exactly what a probe stuck on a dead socket looks like to the screen.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def measure() -> list[str]:
    from troubleshooter.catalog import discover
    from troubleshooter.model.result import ProbeResult, Status
    from troubleshooter.tui.app import TroubleshooterApp

    playbooks = discover()
    start = time.perf_counter()
    home = TroubleshooterApp(playbooks)
    async with home.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first_paint = time.perf_counter() - start

    gate = threading.Event()

    def hanging_runner(name: str, ctx: Any, args: Any, timeout_s: float) -> tuple[ProbeResult, float]:
        gate.wait(60)
        return ProbeResult(Status.TIMEOUT, {}, "released"), timeout_s

    app = TroubleshooterApp(playbooks, playbook="fetching-stuck", timeout_s=30, probe_runner=hanging_runner)
    latencies: list[float] = []
    light: list[float] = []
    screen_name = ""
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for _ in range(3):  # reach the walk screen whatever form comes first
                if type(app.screen).__name__ == "WalkScreen":
                    break
                await pilot.press("ctrl+s")
                await pilot.pause()
            screen_name = type(app.screen).__name__
            for _ in range(20):
                before = app.lang
                tick = time.perf_counter()
                press = asyncio.create_task(pilot.press("l"))
                while app.lang == before and time.perf_counter() - tick < 5:
                    await asyncio.sleep(0.0005)  # the handler has run once the language flipped
                latencies.append(time.perf_counter() - tick)
                await press
            for _ in range(20):
                tick = time.perf_counter()
                await pilot.press("down")
                light.append(time.perf_counter() - tick)
    finally:
        gate.set()
    median_ms = statistics.median(latencies) * 1000
    worst_ms = max(latencies) * 1000
    return [
        f"| TUI first paint (home screen, 80x24, Pilot) | {first_paint:8.3f} s |       - | target <= 0.5 s |",
        f"| TUI key press while a probe hangs (20 x 'l') | {median_ms / 1000:8.3f} s |       - | "
        f"median {median_ms:.1f} ms, worst {worst_ms:.1f} ms from key to handler (language switch); target <= 50 ms |",
        f"| TUI Pilot press round trip while hanging (20 x down) | {statistics.median(light):8.3f} s |       - | "
        f"median {statistics.median(light) * 1000:.1f} ms incl. Pilot's wait for idle + repaint on {screen_name} |",
    ]


if __name__ == "__main__":
    for line in asyncio.run(measure()):
        print(line)
