"""A fake Hugging Face Hub on 127.0.0.1 that the real huggingface_hub 2.4.0 client talks to.

Two stdlib `ThreadingHTTPServer`s on ephemeral ports: the Hub origin (`url`, the value for
`HF_ENDPOINT`) and a CDN origin (`cdn_url`) that LFS downloads are redirected to. A different
port is a different origin, so the client drops `Authorization` on the redirect, as it does for
the real CDN. What is served lives in `hubdata`, how it is answered in `hubroutes`; faults
(`hubdata.Fault`) replace answers to simulate errors, slowness, hangs and stalled downloads.

    with FakeHub() as hub:
        hub.add_user(FakeUser("hf_alice", "alice"))
        hub.add_repo(FakeRepo("acme/tiny", files=[FakeFile("config.json", b"{}")]))
        env = {**os.environ, **hub.client_env(tmp_path)}   # then run a probe with env
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, overload
from urllib.parse import parse_qs, urlsplit

from .hubdata import FakeFile, FakeRepo, FakeUser, Fault, RepoType
from .hubroutes import Call, Reply, Routes

__all__ = ["FakeFile", "FakeHub", "FakeRepo", "FakeUser", "Fault", "RecordedRequest", "RequestLog"]

STALL_BYTES = 3  # how much of a body a `stall_body` fault lets through


class RecordedRequest(NamedTuple):
    """A request as received: `path` is the raw target (with query); header names lower-case."""

    method: str
    path: str
    headers: dict[str, str]

    @property
    def url_path(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


class RequestLog(Sequence[RecordedRequest]):
    """Thread-safe record of every request both origins received, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...
    def __getitem__(self, index: int | slice) -> RecordedRequest | list[RecordedRequest]:
        with self._lock:
            return self._items[index]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            return iter(list(self._items))

    def matching(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        """Requests with this method (any if None) whose URL path starts with `path_prefix`."""
        return [r for r in self if (method is None or r.method == method) and r.url_path.startswith(path_prefix)]


class FakeHub:
    """The fake Hub: users, repos and faults, served on two 127.0.0.1 origins.

    `add_*` may be called before or while serving. `xet_cas_url` is what the xet-read-token
    route advertises; it defaults to a path on the CDN origin that answers 404, so a client
    that really tries Xet fails fast instead of hanging.
    """

    def __init__(
        self,
        users: Sequence[FakeUser] = (),
        repos: Sequence[FakeRepo] = (),
        faults: Sequence[Fault] = (),
        xet_cas_url: str = "",
    ) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, FakeUser] = {}
        self._repos: dict[tuple[str, str], FakeRepo] = {}
        self._faults: list[Fault] = []
        self._servers: list[_Server] = []
        self._stopping = threading.Event()
        self.requests = RequestLog()
        self.xet_cas_url = xet_cas_url
        self.routes = Routes(self)
        for user in users:
            self.add_user(user)
        for repo in repos:
            self.add_repo(repo)
        for fault in faults:
            self.add_fault(fault)

    # ---- state ----------------------------------------------------------------------------
    def add_user(self, user: FakeUser) -> FakeUser:
        with self._lock:
            self._users[user.token] = user
        return user

    def add_repo(self, repo: FakeRepo) -> FakeRepo:
        with self._lock:
            self._repos[(repo.type, repo.id)] = repo
        return repo

    def add_fault(self, fault: Fault) -> Fault:
        """Register a fault; earlier faults win over later ones for the same request."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def user(self, token: str) -> FakeUser | None:
        with self._lock:
            return self._users.get(token)

    def repo(self, repo_type: str, repo_id: str) -> FakeRepo | None:
        with self._lock:
            return self._repos.get((repo_type, repo_id))

    def repos_of(self, repo_type: RepoType) -> list[FakeRepo]:
        with self._lock:
            return sorted((r for (t, _), r in self._repos.items() if t == repo_type), key=_repo_id)

    def lfs_blob(self, sha256: str) -> bytes | None:
        """Bytes of the LFS file with this sha256, from any repo: the CDN is content-addressed."""
        with self._lock:
            files = [f for r in self._repos.values() for f in r.files if f.lfs]
        return next((f.data for f in files if f.etag == sha256), None)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            return next((f for f in self._faults if f.take(method, path)), None)

    # ---- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The Hub origin, e.g. http://127.0.0.1:41234 (the value for HF_ENDPOINT)."""
        return self._origin(0)

    @property
    def cdn_url(self) -> str:
        return self._origin(1)

    def _origin(self, index: int) -> str:
        if not self._servers:
            raise RuntimeError("FakeHub is not started")
        return f"http://127.0.0.1:{self._servers[index].server_address[1]}"

    def start(self) -> FakeHub:
        """Serve both origins on fresh ephemeral ports (a stopped hub cannot be restarted)."""
        if self._stopping.is_set():
            raise RuntimeError("this FakeHub was stopped; create a new one")
        if self._servers:
            return self
        for is_cdn in (False, True):
            server = _Server(self, is_cdn)
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._servers.append(server)
        self.xet_cas_url = self.xet_cas_url or f"{self.cdn_url}/xet-cas"
        return self

    def stop(self) -> None:
        """Stop both origins, release hung/stalled handlers and drop open connections."""
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
            server.drop_connections()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def wait_stopped(self, seconds: float | None) -> bool:
        """Sleep up to `seconds` (None: forever), returning early (True) when the hub stops."""
        return self._stopping.wait(seconds)

    def client_env(self, hf_home: str | Path, *, xet: bool = False) -> dict[str, str]:
        """Environment for a huggingface_hub subprocess pointed at this hub (merge into a copy
        of os.environ, and drop HF_TOKEN from it unless the test sets one)."""
        env = {
            "HF_ENDPOINT": self.url,
            "HF_HOME": str(hf_home),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        if not xet:
            env["HF_HUB_DISABLE_XET"] = "1"
        return env


def _repo_id(repo: FakeRepo) -> str:
    return repo.id


class _Server(ThreadingHTTPServer):
    """One origin; remembers its open connections so `stop()` can cut them."""

    daemon_threads = True

    def __init__(self, hub: FakeHub, is_cdn: bool) -> None:
        self.hub, self.is_cdn = hub, is_cdn
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        conn, addr = super().get_request()
        with self._open_lock:
            self._open.add(conn)
        return conn, addr

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up early (a probe that gave up) is expected, not an error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests read `hub.requests` instead of a log."""

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle(self._body())

    def do_DELETE(self) -> None:
        self._handle(self._body())

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""  # all of it: the connection stays usable

    def _handle(self, body: bytes = b"") -> None:
        hub = self.server.hub
        headers = {k.lower(): v for k, v in self.headers.items()}
        hub.requests.append(RecordedRequest(self.command, self.path, headers))
        split = urlsplit(self.path)
        fault = hub.take_fault(self.command, split.path)
        if fault is not None and fault.hang:
            hub.wait_stopped(None)
            self.close_connection = True
            return
        if fault is not None and fault.delay and hub.wait_stopped(fault.delay):
            self.close_connection = True
            return
        if fault is not None and fault.status is not None:
            body = fault.body.encode() if isinstance(fault.body, str) else fault.body
            reply = Reply(fault.status, body, dict(fault.headers))
        else:
            auth = headers.get("authorization", "")
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
            query, user = parse_qs(split.query), hub.user(token)
            call = Call(self.command, split.path, query, headers, user, body)
            routes = hub.routes
            reply = routes.cdn_origin(call) if self.server.is_cdn else routes.hub_origin(call)
        self._send(reply, stall=fault is not None and fault.stall_body)

    def _send(self, reply: Reply, stall: bool) -> None:
        self.send_response(reply.status)
        headers = {
            "Content-Type": reply.content_type,
            "X-Request-Id": "Root=1-fake",
            **reply.headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if not stall:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[:STALL_BYTES])
        self.wfile.flush()
        self.server.hub.wait_stopped(None)
        self.close_connection = True
