"""fetching-stuck's newer causes, each rebuilt for real on loopback: TLS interception, 5xx, Xet stalls.

TLS: a CA made here with the `openssl` command signs a certificate for 127.0.0.1, as an
inspecting proxy's CA would; no trust store holds it. Xet: the fake Hub hands out a CAS URL on
its CDN origin that answers the reconstruction request's head and a few bytes, then stalls.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANARY, base_env, run_cli
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser, Fault

REPO = "acme/tiny-model"
ISSUER = "Example Inspection CA"


def _walk(url: str, home: Path, extra: dict[str, str] | None = None, repo: str | None = REPO) -> Any:
    env = base_env(home, {"HF_ENDPOINT": url, **(extra or {})})
    args = ["--playbook", "fetching-stuck", "--json", "--timeout", "5"]
    result = run_cli([*args, "--answer", f"repo={repo}"] if repo else args, env)
    assert CANARY not in result.stdout + result.stderr
    return result.json


def _make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server cert, server key): a CA named ISSUER and a certificate it signed for 127.0.0.1."""
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", "ca.key", "-out", "ca.pem",
        "-subj", f"/O={ISSUER}/CN={ISSUER}")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-out", "srv.pem", "-extfile", "ext.cnf")  # fmt: skip
    return folder / "ca.pem", folder / "srv.pem", folder / "srv.key"


class _HubLike(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def https_endpoint(cert: Path, key: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HubLike)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a CA")
def test_certificate_from_an_untrusted_ca_is_tls_interception_naming_the_issuer(home: Path, tmp_path: Path) -> None:
    ca, cert, key = _make_ca(tmp_path)
    with https_endpoint(cert, key) as url:
        intercepted = _walk(url, home, {"REQUESTS_CA_BUNDLE": str(ca)}, repo=None)
        trusted = _walk(url, home, {"SSL_CERT_FILE": str(ca)}, repo=None)
    assert intercepted["diagnosis"]["cause"] == "tls-interception"
    endpoint = next(s for s in intercepted["steps"] if s["node"] == "endpoint")
    assert endpoint["facts"]["issuer"]["CN"] == ISSUER
    assert endpoint["facts"]["ca_ignored_by_client"] == ["REQUESTS_CA_BUNDLE"], "httpx reads SSL_CERT_FILE, not it"
    assert ISSUER in intercepted["diagnosis"]["explanation"]
    trusted_endpoint = next(s for s in trusted["steps"] if s["node"] == "endpoint")
    assert trusted_endpoint["status"] == "pass", "with the CA in the variable the client reads, TLS verifies"


def _repo(xet: bool = False) -> FakeRepo:
    files = [FakeFile("config.json", b'{"model_type": "gpt2"}'), FakeFile("model.safetensors", size=65536, xet=xet)]
    return FakeRepo(REPO, files=files)


def test_server_errors_on_file_routes_only_are_hub_server_error(home: Path) -> None:
    fault = Fault(r"/resolve/", status=503, headers={"X-Request-Id": "Root=1-abc"}, body="<h1>503</h1>")
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo()], faults=[fault]) as hub:
        data = _walk(hub.url, home, {"HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"})
    assert data["diagnosis"]["cause"] == "hub-server-error"
    assert "(unknown)" not in data["diagnosis"]["explanation"] and "${" not in data["diagnosis"]["explanation"]


def test_xet_transfer_that_starts_then_stalls_is_xet_stalled(home: Path) -> None:
    stall = Fault(r"^/xet-cas/", status=200, body="{" + "x" * 200_000, stall_body=True)
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[_repo(xet=True)], faults=[stall]) as hub:
        data = _walk(hub.url, home, {"HF_TOKEN": CANARY})
    assert data["diagnosis"]["cause"] == "xet-stalled", [(s["node"], s["evidence"]) for s in data["steps"]]
    flow = next(s for s in data["steps"] if s["node"] == "file")["facts"]["xet_flow"]
    assert flow["state"] == "stalled" and flow["bytes"] < 1024
    assert "xet-fake-read-token" not in str(data), "the CAS access token is a secret"
