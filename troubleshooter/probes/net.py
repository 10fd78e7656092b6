"""Network reachability probes: proxies and the Hub endpoint, each bounded by its deadline.

They contact only what the user's configuration names: the effective endpoint
(huggingface_hub's own resolution of HF_ENDPOINT) and the proxy the environment selects for it.
A dead endpoint is remembered in the walk's memo so no later probe waits on it again.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from troubleshooter.model.result import ProbeResult, failed, passed, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes._hubhttp import classify, effective_endpoint, host_port, install_bounded_client, session_get
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.proxyroute import proxy_for
from troubleshooter.redact import clip, scrub

DEAD_ENDPOINT = "net.dead_endpoint"


def dead_endpoint(ctx: ProbeContext) -> ProbeResult | None:
    """An `unknown` result when an earlier probe of this walk found the endpoint dead."""
    dead = ctx.recall(DEAD_ENDPOINT)
    if dead:
        return unknown(
            f"not asked: {dead['endpoint']} was already found unreachable ({dead['kind']})",
            kind="endpoint-dead",
            endpoint=dead["endpoint"],
        )
    return None


STATE_WORDS = {  # first_answer / tcp_connect states, in words after "a host that …"
    "refused": "refuses connections",
    "timeout": "does not accept connections in time",
    "silent": "accepts connections but never answers",
    "closed": "closes connections without answering",
    "reset": "resets connections",
    "dns": "does not resolve",
    "unreachable": "cannot be reached",
}


def _open(host: str, port: int, timeout_s: float) -> tuple[socket.socket | None, dict[str, Any]]:
    """A connected socket (or None) and what happened: refused / dns / timeout / unreachable / ok."""
    start = time.monotonic()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return None, {"state": "dns", "error": str(exc), "elapsed_s": round(time.monotonic() - start, 3)}
    last: dict[str, Any] = {"state": "unreachable"}
    for family, kind, proto, _, address in infos[:3]:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(max(0.05, timeout_s - (time.monotonic() - start)))
        try:
            sock.connect(address)
            return sock, {"state": "ok", "address": address[0], "elapsed_s": round(time.monotonic() - start, 3)}
        except ConnectionRefusedError:
            last = {"state": "refused", "address": address[0]}
        except TimeoutError:
            last = {"state": "timeout", "address": address[0]}
        except OSError as exc:
            last = {"state": "unreachable", "address": address[0], "error": exc.strerror or str(exc)}
        sock.close()
    last["elapsed_s"] = round(time.monotonic() - start, 3)
    return None, last


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an endpoint (whitespace, scheme, host, port), or None when it can."""
    if any(ch.isspace() for ch in url):
        return "it contains whitespace"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"the scheme is {parts.scheme or 'missing'}, not http or https"
    if not parts.hostname:
        return "it has no host name"
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return "its port is not a number"
    return None


def _listing_or_auth(response: Any) -> bool:
    """A Hub answers /api/models?limit=1 with a JSON list, or refuses it with 401/403 (private Hubs).

    A 404 means no Hub API at this URL (a wrong path prefix); a JSON object with 200 is a gateway
    or a policy page that answers every path the same way.
    """
    if response.status_code in (401, 403):
        return True
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, list) and all(isinstance(item, dict) for item in body)


def tcp_connect(host: str, port: int, timeout_s: float) -> dict[str, Any]:
    """Open and close one TCP connection; say refused / dns / timeout / ok and how long it took."""
    sock, result = _open(host, port, timeout_s)
    if sock is not None:
        sock.close()
    return result


def _request_bytes(url: str, via_proxy: bool) -> bytes:
    """The smallest request that makes a server (or a proxy) answer: HEAD, or CONNECT for TLS via a proxy."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    authority = host if parts.port is None else f"{host}:{port}"
    if via_proxy and parts.scheme == "https":
        return f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii", "replace")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = f"{parts.scheme}://{authority}{path}" if via_proxy else path
    head = f"HEAD {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: troubleshooter\r\nConnection: close\r\n\r\n"
    return head.encode("ascii", "replace")


def first_answer(url: str, timeout_s: float, proxy: str | None = None) -> dict[str, Any]:
    """Connect to the host of `url` (or to `proxy`) and wait for the first bytes of an answer.

    A TCP connect alone is not enough: a firewall, a dead proxy or a stalled CDN can accept
    connections and never send a byte, which is exactly how a download hangs at 0%. The state
    is `ok` only when something answered (an HTTP status line, a TLS handshake, even an error),
    `silent` when the connection was accepted but nothing came back before the deadline.
    """
    start = time.monotonic()
    peer = (proxy if "://" in proxy else f"http://{proxy}") if proxy else url
    host, port = host_port(peer)
    tls = urlsplit(peer).scheme == "https"
    sock, result = _open(host, port, timeout_s)
    if sock is None:
        return result

    def left() -> float:
        return max(0.05, timeout_s - (time.monotonic() - start))

    try:
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # liveness only: the library does the real verification
            sock.settimeout(left())
            sock = context.wrap_socket(sock, server_hostname=host)
        sock.settimeout(left())
        sock.sendall(_request_bytes(url, via_proxy=bool(proxy)))
        sock.settimeout(left())
        data = sock.recv(256)
    except TimeoutError:
        result.update(state="silent")
    except ssl.SSLError as exc:  # it answered, if only with a TLS error
        result.update(state="ok", answer=f"TLS: {exc.reason or exc}")
    except OSError as exc:
        result.update(state="reset", error=exc.strerror or str(exc))
    else:
        if data:
            result.update(state="ok", answer=clip(data.split(b"\r\n", 1)[0].decode("latin-1"), 120))
        else:
            result.update(state="closed")
    finally:
        sock.close()
    result["elapsed_s"] = round(time.monotonic() - start, 3)
    return result


@probe(
    "net.proxy",
    network=True,
    facts={
        "endpoint": "the Hub endpoint whose traffic is checked",
        "proxy": "proxy URL selected for the endpoint (credentials removed), or null",
        "proxy_variable": "which variable selected it (or NO_PROXY when exempted)",
        "state": "none | bypassed | ok | refused | timeout | silent | closed | reset | dns | unreachable",
        "proxy_variables": "proxy-related variables that are set (names only)",
    },
)
def proxy_probe(ctx: ProbeContext, endpoint: str | None = None) -> ProbeResult:
    """Check whether a proxy variable routes Hub traffic to a proxy that refuses or never answers.

    httpx (used by huggingface_hub) honours HTTP(S)_PROXY / ALL_PROXY and does not exempt
    loopback by itself, so a leftover proxy variable silently breaks every request.
    """
    url = endpoint or effective_endpoint()
    names = sorted(
        k for k in ctx.env if k.lower() in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"} and ctx.env[k]
    )
    proxy, variable = proxy_for(url, ctx.env)
    base: dict[str, Any] = {"endpoint": url, "proxy_variables": names, "proxy_variable": variable}
    if proxy is None:
        state = "bypassed" if variable == "NO_PROXY" else "none"
        return passed(
            f"no proxy applies to {url}" + (" (exempted by NO_PROXY)" if state == "bypassed" else ""),
            **base,
            proxy=None,
            state=state,
        )
    shown = scrub(proxy)
    result = first_answer(url, min(ctx.time_left() - 0.1, 3.0), proxy=proxy)
    state = result["state"]
    facts = {**base, "proxy": shown, "state": state, "elapsed_s": result.get("elapsed_s")}
    if state == "ok":
        return passed(f"{variable} routes {url} through {shown}, which answers ({result.get('answer')})", **facts)
    return failed(
        f"{variable}={shown} routes Hub traffic to a proxy that {STATE_WORDS.get(state, 'cannot be reached')}", **facts
    )


@probe(
    "net.endpoint",
    network=True,
    facts={
        "endpoint": "effective endpoint (huggingface_hub constants)",
        "endpoint_source": "HF_ENDPOINT or default",
        "kind": "ok | refused | dns | tls | connect-timeout | read-timeout | proxy | not-hub | server-error"
        " | rate-limited | network | offline",
        "status_code": "HTTP status of the API probe request",
        "content_type": "content type of the API answer",
        "elapsed_s": "seconds until the answer (or the failure)",
        "request_id": "X-Request-Id of a 5xx answer, to quote to the Hub or the mirror",
        "issuer": "CN / O of the certificate's issuer when TLS verification failed",
        "ca_variables": "CA bundle variables that are set",
        "ca_read_by_client": "those the target's HTTP client reads",
        "ca_ignored_by_client": "those it ignores (requests reads REQUESTS_CA_BUNDLE, httpx SSL_CERT_FILE)",
    },
)
def endpoint_probe(ctx: ProbeContext) -> ProbeResult:
    """Ask the effective endpoint one small API question through huggingface_hub's own client.

    Distinguishes refused, unresolvable and silent endpoints (the classic "Fetching 0%"
    hang behind a firewall that drops packets) from an endpoint that answers but is not a Hub
    (a captive portal or a wrong HF_ENDPOINT: no JSON from its API).
    """
    url = effective_endpoint()
    source = "HF_ENDPOINT" if ctx.env.get("HF_ENDPOINT") else "default"
    base: dict[str, Any] = {"endpoint": url, "endpoint_source": source}
    malformed = url_problem(url)
    if malformed:
        return failed(
            f"{source}={url!r} is not a usable URL ({malformed}): huggingface_hub cannot connect to it",
            **base,
            kind="not-hub",
            malformed=malformed,
        )

    budget = max(0.2, ctx.time_left() - 0.3)
    install_bounded_client(budget)
    start = time.monotonic()
    try:
        # after the URL check: a bad HF_ENDPOINT breaks huggingface_hub's own import
        response = session_get(f"{url}/api/models", params={"limit": 1}, timeout=budget)
    except Exception as exc:
        facts = {**base, **classify(exc), "elapsed_s": round(time.monotonic() - start, 3)}
        kind = facts["kind"]
        if kind in {"refused", "dns", "connect-timeout", "read-timeout", "network", "proxy"}:
            ctx.remember(DEAD_ENDPOINT, {"endpoint": url, "kind": kind})
        words = {
            "refused": "refuses connections",
            "dns": "does not resolve",
            "connect-timeout": "does not accept connections in time",
            "read-timeout": f"accepts connections but sends nothing back within {budget:.1f} s",
            "offline": "is not contacted: offline mode is on",
        }
        if kind == "tls":
            return _tls_failure(ctx, url, facts)
        return failed(f"{url} {words.get(kind, 'cannot be reached')} ({facts['exception']})", **facts)
    elapsed = round(time.monotonic() - start, 3)
    content_type = response.headers.get("content-type", "")
    facts = {**base, "status_code": response.status_code, "content_type": content_type, "elapsed_s": elapsed}
    if response.status_code >= 500:
        facts["request_id"] = scrub(str(response.headers.get("X-Request-Id") or ""))[:120] or None
        return failed(
            f"{url} answers HTTP {response.status_code}: the Hub (or what stands in front of it) is failing",
            **facts,
            kind="server-error",
            retry_after=response.headers.get("Retry-After"),
        )
    hub_like = "json" in content_type.lower() and _listing_or_auth(response)
    if response.status_code == 429:
        return warned(
            f"{url} answers 429 Too Many Requests",
            **facts,
            kind="rate-limited",
            retry_after=response.headers.get("Retry-After"),
        )
    if not hub_like:
        return failed(
            f"{url} answers HTTP {response.status_code} ({content_type or 'no content type'}), not a Hub API",
            **facts,
            kind="not-hub",
        )
    return passed(f"{url} answers like a Hub in {elapsed:.2f} s", **facts, kind="ok")


def _tls_failure(ctx: ProbeContext, url: str, facts: dict[str, Any]) -> ProbeResult:
    """Verification failed: name the certificate's issuer and the CA variables the client reads."""
    from troubleshooter.probes._hubhttp import hub_major
    from troubleshooter.probes.tlspeer import ca_settings, peer_issuer

    seen = peer_issuer(url, min(2.0, max(0.2, ctx.time_left() - 0.3)))
    issuer = seen.get("issuer") or {}
    facts.update(issuer=issuer, **ca_settings(ctx.env, "requests" if hub_major() == 0 else "httpx"))
    who = issuer.get("CN") or issuer.get("O") or "an unknown issuer"
    ignored = facts["ca_ignored_by_client"]
    extra = f"; {', '.join(ignored)} is set but this client does not read it" if ignored else ""
    return failed(
        f"{url} presents a certificate issued by {who} that this Python does not trust "
        f"(certificate verification failed){extra}",
        **facts,
    )


@probe(
    "net.connect",
    network=True,
    facts={"url": "the URL whose host was contacted", "state": "ok | refused | timeout | dns | unreachable"},
)
def connect_probe(ctx: ProbeContext, url: str | None = None) -> ProbeResult:
    """Open one TCP connection to the host of a URL the Hub or the configuration named."""
    if not url:
        return unknown("no URL to contact", url=None, state=None)
    host, port = host_port(url)
    result = tcp_connect(host, port, ctx.time_left() - 0.1)
    if result["state"] == "ok":
        return passed(f"{host}:{port} accepts connections", url=scrub(url), **result)
    return failed(f"{host}:{port}: {result['state']}", url=scrub(url), **result)
