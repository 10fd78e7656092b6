"""Dead ends on 127.0.0.1 for the network failures a probe must survive.

* `Blackhole`: the TCP handshake succeeds, then silence: what a firewall that drops traffic,
  a wedged proxy or an overloaded Hub look like. Without a timeout a client waits forever.
* `closed_port_url()`: nothing listens, the kernel answers RST: "connection refused" at once.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType


class Blackhole:
    """A listener that accepts every connection and never sends a byte, until `close()`.

    Accepted sockets are kept open on purpose: closing them would send a FIN, which a client
    reads as an answer (end of stream) instead of a hang.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self._accepted: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        """How many connections were accepted so far (a client's retries show up here)."""
        with self._lock:
            return len(self._accepted)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.05)
                if ready:
                    conn, _ = self._listener.accept()
                    with self._lock:
                        self._accepted.append(conn)
            except (OSError, ValueError):
                return  # listener closed under us

    def close(self) -> None:
        """Stop accepting and close every held connection (clients then see end of stream)."""
        self._closed.set()
        self._thread.join(timeout=2)
        self._listener.close()
        with self._lock:
            conns, self._accepted = self._accepted, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> Blackhole:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class ClosedPort:
    """A 127.0.0.1 port that refuses connections, reserved so no other test can take it.

    The socket is bound but never listens: the port stays ours, and a connect gets RST.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ClosedPort:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def closed_port_url() -> ClosedPort:
    """Reserve a refusing port; use `.url`, and `.close()` it (or use `with`) when done."""
    return ClosedPort()
