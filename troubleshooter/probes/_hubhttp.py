"""Bounded access to huggingface_hub's own HTTP client, for every release the target may have.

huggingface_hub 0.x talks through requests, 1.x through httpx and 2.x through httpx2; 2.x's
shared client has no timeout and several calls pass `timeout=None`, so a silent endpoint would
block forever. `install_bounded_client` clamps every request to the probe budget with each
release's public hook (`configure_http_backend` in 0.x, `set_client_factory` since 1.0),
keeping the library's own request hooks first. Errors are classified by the library's public
exception classes and by the transport exception's class names, which the three HTTP stacks
share (`ConnectTimeout`, `ReadTimeout`, `ProxyError`, `ConnectError`/`ConnectionError`), so no
private module of any version is imported.
"""

from __future__ import annotations

import errno
import importlib
import re
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

from troubleshooter.redact import clip

_lock = threading.Lock()
_state: dict[str, Any] = {"installed": None, "previous": None, "major": None}


def hub_major() -> int:
    """The major release of the huggingface_hub this process imports (0, 1, 2, …)."""
    import huggingface_hub

    found = re.match(r"\d+", str(getattr(huggingface_hub, "__version__", "0")))
    return int(found.group()) if found else 0


def http_module() -> Any:
    """The HTTP library huggingface_hub's client is built on: httpx2 (2.x), httpx (1.x) or requests."""
    major = hub_major()
    return importlib.import_module("httpx2" if major >= 2 else "httpx" if major == 1 else "requests")


def _clamp(value: Any, cap: float) -> Any:
    if value is None:
        return cap
    if isinstance(value, tuple):
        return tuple(_clamp(part, cap) for part in value)
    try:
        return min(float(value), cap)
    except (TypeError, ValueError):
        return cap


def _install_requests(timeout_s: float) -> None:
    import requests
    from huggingface_hub import configure_http_backend

    class BoundedAdapter(requests.adapters.HTTPAdapter):
        """Every request times out within the probe budget, whatever the caller passed."""

        def send(self, request: Any, **kwargs: Any) -> Any:
            kwargs["timeout"] = _clamp(kwargs.get("timeout"), timeout_s)
            return super().send(request, **kwargs)

    def factory() -> Any:
        session = requests.Session()
        session.mount("http://", BoundedAdapter())
        session.mount("https://", BoundedAdapter())
        return session

    configure_http_backend(backend_factory=factory)


def _install_httpx(timeout_s: float) -> None:
    import huggingface_hub
    from huggingface_hub.utils import get_session

    http = http_module()
    library_hooks = dict(getattr(get_session(), "event_hooks", {}) or {})
    cap = http.Timeout(timeout_s).as_dict()

    def clamp_timeout(request: Any) -> None:
        current = dict(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {
            key: cap[key] if current.get(key) is None else min(current[key], cap[key]) for key in cap
        }

    def factory() -> Any:
        return http.Client(
            event_hooks={
                "request": [*library_hooks.get("request", []), clamp_timeout],
                "response": list(library_hooks.get("response", [])),
            },
            follow_redirects=True,
            timeout=http.Timeout(timeout_s),
        )

    if _state["previous"] is None:
        private = sys.modules.get("huggingface_hub.utils._http")
        _state["previous"] = getattr(private, "_GLOBAL_CLIENT_FACTORY", None)
    huggingface_hub.set_client_factory(factory)


def install_bounded_client(timeout_s: float) -> None:
    """Make huggingface_hub's shared client time out after `timeout_s` (idempotent per value)."""
    with _lock:
        if _state["installed"] == timeout_s:
            return
        major = hub_major()
        if major == 0:
            _install_requests(timeout_s)
        else:
            _install_httpx(timeout_s)
        _state.update(installed=timeout_s, major=major)


def restore_client() -> None:
    """Give huggingface_hub back its own client (notebook mode: the kernel keeps working)."""
    with _lock:
        if _state["installed"] is None:
            return
        import huggingface_hub

        if _state["major"] == 0:
            huggingface_hub.configure_http_backend()
        elif _state["previous"] is not None:
            huggingface_hub.set_client_factory(_state["previous"])
        _state.update(installed=None, previous=None, major=None)


def session_get(
    url: str, *, timeout: float, headers: dict[str, str] | None = None, follow: bool = True, **kw: Any
) -> Any:
    """GET through huggingface_hub's own session: requests and httpx name `follow` differently."""
    from huggingface_hub.utils import get_session

    redirect_key = "allow_redirects" if hub_major() == 0 else "follow_redirects"
    options: dict[str, Any] = {redirect_key: follow, **kw}
    session: Any = get_session()
    return session.get(url, headers=headers, timeout=timeout, **options)


def effective_endpoint() -> str:
    """The endpoint huggingface_hub itself will use (its constants, read at its import)."""
    from huggingface_hub import constants

    return str(constants.ENDPOINT).rstrip("/")


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def _root_cause(exc: BaseException) -> BaseException:
    seen = 0
    while (exc.__cause__ or exc.__context__) is not None and seen < 10:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        seen += 1
    return exc


def _hub_errors() -> dict[str, type[BaseException]]:
    """huggingface_hub's public exception classes by name (a name a release lacks is left out)."""
    from huggingface_hub import utils

    names = (
        "HfHubHTTPError",
        "GatedRepoError",
        "RevisionNotFoundError",
        "DisabledRepoError",
        "RepositoryNotFoundError",
        "OfflineModeIsEnabled",
        "LocalTokenNotFoundError",
        "FileMetadataError",
    )
    found: dict[str, type[BaseException]] = {}
    for name in names:
        cls = getattr(utils, name, None)
        if cls is None:
            try:
                cls = getattr(importlib.import_module("huggingface_hub.errors"), name, None)
            except ImportError:
                cls = None
        if isinstance(cls, type):
            found[name] = cls
    return found


def _is(exc: BaseException, errors: dict[str, type[BaseException]], name: str) -> bool:
    cls = errors.get(name)
    return cls is not None and isinstance(exc, cls)


def _http_kind(
    exc: BaseException, errors: dict[str, type[BaseException]], status: int, error_code: str | None, message: str
) -> str:
    if _is(exc, errors, "GatedRepoError") or error_code == "GatedRepo":
        return "gated"
    if _is(exc, errors, "RevisionNotFoundError") or error_code == "RevisionNotFound":
        return "revision-not-found"
    if _is(exc, errors, "DisabledRepoError") or error_code == "DisabledRepo":
        return "disabled"
    if status == 429:
        return "rate-limited"
    if status == 401 and ("invalid" in message.lower() or "invalid user token" in str(exc).lower()):
        return "invalid-token"
    if _is(exc, errors, "RepositoryNotFoundError") or error_code == "RepoNotFound":
        return "repo-not-found"
    if error_code == "EntryNotFound":
        return "entry-not-found"
    if status == 404:
        return "not-found"
    if status == 401:
        return "unauthorized"
    if status == 403:
        return "forbidden"
    if status >= 500:
        return "server-error"
    return "http-error"


def _transport_kind(exc: BaseException) -> str:
    """refused / dns / tls / proxy / connect-timeout / read-timeout / network / other, by class names."""
    from troubleshooter.redact import scrub

    names = {cls.__name__ for cls in type(exc).__mro__}
    root = _root_cause(exc)
    text = scrub(f"{exc} {root}").lower()
    if "ProxyError" in names:
        return "proxy"
    if "SSLError" in names or isinstance(root, __import__("ssl").SSLError) or "certificate_verify_failed" in text:
        return "tls"
    if "ConnectTimeout" in names:
        return "connect-timeout"
    if names & {"ReadTimeout", "TimeoutException", "Timeout", "WriteTimeout", "PoolTimeout"} or isinstance(
        exc, TimeoutError
    ):
        return "read-timeout"
    if names & {"ConnectError", "ConnectionError", "NetworkError", "TransportError", "RequestException"} or isinstance(
        exc, OSError
    ):
        if (
            isinstance(root, ConnectionRefusedError)
            or getattr(root, "errno", None) == errno.ECONNREFUSED
            or "refused" in text
        ):
            return "refused"
        if any(word in text for word in ("name or service", "nodename", "getaddrinfo", "resolution", "resolve")):
            return "dns"
        return "network"
    return "other"


def classify(exc: BaseException) -> dict[str, Any]:
    """Name what went wrong in a huggingface_hub call, as plain facts.

    `kind` is one of: offline, refused, dns, tls, connect-timeout, read-timeout, network,
    invalid-token, gated, repo-not-found, revision-not-found, entry-not-found, disabled,
    rate-limited, forbidden, unauthorized, server-error, http-error, not-hub, no-token, other.
    """

    errors = _hub_errors()
    facts: dict[str, Any] = {"exception": type(exc).__name__}
    response = getattr(exc, "response", None)
    names = {cls.__name__ for cls in type(exc).__mro__}
    is_http = _is(exc, errors, "HfHubHTTPError") or "HTTPError" in names or "HTTPStatusError" in names
    if is_http and response is not None and hasattr(response, "status_code"):  # 0.x whoami raises requests' own
        status = int(response.status_code)
        headers = response.headers
        error_code = headers.get("X-Error-Code")
        message = clip(headers.get("X-Error-Message") or getattr(exc, "server_message", None) or "", 10_000)
        facts.update(status_code=status, error_code=error_code, server_message=clip(message, 300))
        for name in ("Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-Id"):
            if name in headers:
                facts[name.lower().replace("-", "_")] = clip(headers[name], 200)
        facts["kind"] = _http_kind(exc, errors, status, error_code, message)
        return facts
    if _is(exc, errors, "OfflineModeIsEnabled"):
        facts["kind"] = "offline"
        return facts
    if _is(exc, errors, "LocalTokenNotFoundError"):
        facts["kind"] = "no-token"
        return facts
    if _is(exc, errors, "FileMetadataError"):
        facts["kind"] = "not-hub"
        facts["message"] = clip(exc, 300)
        return facts
    facts["kind"] = _transport_kind(exc)
    facts["message"] = clip(exc, 300)
    return facts


def call_supported(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a huggingface_hub function with only the keyword arguments its release accepts.

    Parameters were added over releases (`endpoint=` of `get_hf_file_metadata`, …): an older
    target simply does not get them, as the user's own code on that release would not.
    """
    import inspect

    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return func(*args, **kwargs)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return func(*args, **kwargs)
    return func(*args, **{key: value for key, value in kwargs.items() if key in params})


def xet_cas_url(meta: Any, token: str | None, timeout: float) -> tuple[str, str | None]:
    """(CAS URL, CAS access token) for a file, asked as hf_xet would (its `xet-auth` refresh route).

    The access token is registered as a secret at once: it must never reach any output."""
    from huggingface_hub.utils import build_hf_headers

    from troubleshooter.redact import register_secret

    data = getattr(meta, "xet_file_data", None)
    route = str(getattr(data, "refresh_route", "") or "")
    if not route:
        raise ValueError("no xet refresh route")
    response = session_get(route, timeout=timeout, headers=build_hf_headers(token=token or False))
    response.raise_for_status()
    cas = response.headers.get("X-Xet-Cas-Url")
    if not cas:
        raise ValueError("no X-Xet-Cas-Url in the answer")
    access = response.headers.get("X-Xet-Access-Token")
    register_secret(access)
    return str(cas), (str(access) if access else None)


def sample_bytes(url: str, *, headers: dict[str, str], window_s: float, max_bytes: int = 65536) -> dict[str, Any]:
    """Read the first `max_bytes` of `url` through huggingface_hub's session, for at most `window_s`.

    Streams (never buffers a whole file, even from a server that ignores Range) and measures the
    time to the first byte and the rate after it: what a download's read timeout meets.
    """
    import time

    from huggingface_hub.utils import get_session

    session: Any = get_session()
    started = time.monotonic()
    first: float | None = None
    received = 0
    ranged = {**headers, "Range": f"bytes=0-{max_bytes - 1}"}
    if hub_major() == 0:
        response = session.get(url, headers=ranged, timeout=window_s, stream=True, allow_redirects=True)
        chunks = response.iter_content(16384)
    else:
        manager = session.stream("GET", url, headers=ranged, timeout=window_s, follow_redirects=True)
        response = manager.__enter__()
        chunks = response.iter_bytes(16384)
    try:
        status = int(response.status_code)
        for chunk in chunks:
            if first is None:
                first = time.monotonic() - started
            received += len(chunk)
            if received >= max_bytes or time.monotonic() - started > window_s:
                break
    finally:
        response.close()
    elapsed = time.monotonic() - started
    after_first = max(0.001, elapsed - (first or 0.0))
    return {
        "status": status,
        "bytes": received,
        "first_byte_s": round(first, 3) if first is not None else None,
        "elapsed_s": round(elapsed, 3),
        "rate_bps": round(received / after_first, 1) if received else 0.0,
    }
