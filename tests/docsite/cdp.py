"""A tiny Chrome DevTools Protocol client over `--remote-debugging-pipe`, standard library only.

With that switch Chromium reads NUL-terminated JSON commands from fd 3 and writes replies and
events to fd 4, so no websocket library and no TCP port is needed. Just enough for the docs
tests: open a page, wait for its load event, evaluate JavaScript, type, take a screenshot, and
keep every event (console messages, exceptions, network requests) for assertions.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--remote-debugging-pipe",
)


STARTUP_S = 90.0  # a browser that has not answered by then is not usable here


class CdpError(RuntimeError):
    pass


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 10 or more, so moving them onto fds 3 and 4 cannot clash."""
    read_end, write_end = os.pipe()
    high = (fcntl.fcntl(read_end, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(write_end, fcntl.F_DUPFD_CLOEXEC, 10))
    os.close(read_end)
    os.close(write_end)
    return high


class Chromium:
    """A headless Chromium driven over a pipe; use as a context manager."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_child_r, self._to_child = _high_pipe()
        self._from_child, from_child_w = _high_pipe()
        # bash puts the pipe ends on fds 3 and 4, where Chromium expects them, then execs it.
        script = f'exec "$@" 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", script, "chromium", binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = ""

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._inbox.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self._inbox.put(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30.0, **kw: Any) -> Any:
        """Send a command (to the attached page unless `browser=True`) and wait for its answer."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not kw.get("browser"):
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline, method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _next(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        try:
            item = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise CdpError(f"no answer to {waiting_for} in time") from None
        if item is None:
            raise CdpError("Chromium closed the pipe")
        if "method" in item:
            self.events.append(item)
        return item

    def wait_event(self, method: str, *, since: int, timeout: float = 30.0) -> dict[str, Any]:
        """The first event named `method` at or after index `since` of `events`."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[since:]:
                if event["method"] == method:
                    return event
            self._next(deadline, method)

    def wait_ready(self, timeout: float = STARTUP_S) -> str:
        """Wait until the browser answers at all; a first start on a fresh machine (font caches,
        a new profile) can take far longer than any later command."""
        return str(self.call("Browser.getVersion", browser=True, timeout=timeout).get("product", ""))

    def open_page(self, width: int = 1400, height: int = 1000) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True})
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def navigate(self, url: str) -> None:
        """Open `url` and return once *that* document has loaded (not an earlier one's late event)."""
        since = len(self.events)
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise CdpError(f"{url}: {answer['errorText']}")
        self.wait_loaded(answer.get("loaderId"), since)

    def wait_loaded(self, loader_id: str | None, since: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[since:]:
                params = event.get("params", {})
                is_load = event["method"] == "Page.lifecycleEvent" and params.get("name") == "load"
                if is_load and (loader_id is None or params.get("loaderId") == loader_id):
                    return
            self._next(deadline, "the page load")

    def wait_redirect(self, url_suffix: str, since: int, timeout: float = 30.0) -> str:
        """Follow a client-side redirect (meta refresh) to a URL ending in `url_suffix` until it has loaded."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[since:]:
                frame = event.get("params", {}).get("frame", {})
                if event["method"] == "Page.frameNavigated" and frame.get("url", "").endswith(url_suffix):
                    self.wait_loaded(frame.get("loaderId"), since, max(0.1, deadline - time.monotonic()))
                    return str(frame["url"])
            self._next(deadline, f"a redirect to {url_suffix}")

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise CdpError(f"{expression!r}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def type_text(self, text: str) -> None:
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path: Path, clip: dict[str, float] | None = None) -> None:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        data = self.call("Page.captureScreenshot", params, timeout=20)["data"]
        path.write_bytes(base64.b64decode(data))

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        return found

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        with contextlib.suppress(CdpError, OSError):  # it may already be gone
            self.call("Browser.close", browser=True, timeout=3)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        os.close(self._to_child)
        self._reader.join(timeout=2)
        os.close(self._from_child)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
