"""Bounded access to huggingface_hub's own HTTP client, and error classification.

huggingface_hub 2.4.0's shared httpx2 client has no timeout, and several calls pass
`timeout=None` explicitly, so a silent endpoint would block forever. We install a client
factory with a request hook that clamps every request's timeout to the probe budget; the
library's own request hook (offline mode, request ids) stays first. The previous factory is
kept so notebook mode can put the user's client back.
"""

from __future__ import annotations

import errno
import threading
from typing import Any
from urllib.parse import urlsplit

from troubleshooter.redact import clip

_lock = threading.Lock()
_state: dict[str, Any] = {"installed": None, "previous": None}


def install_bounded_client(timeout_s: float) -> None:
    """Make huggingface_hub's shared client time out after `timeout_s` (idempotent per value)."""
    import httpx2
    from huggingface_hub.utils import _http

    with _lock:
        if _state["installed"] == timeout_s:
            return
        cap = httpx2.Timeout(timeout_s).as_dict()

        def clamp_timeout(request: httpx2.Request) -> None:
            current = dict(request.extensions.get("timeout") or {})
            request.extensions["timeout"] = {
                key: cap[key] if current.get(key) is None else min(current[key], cap[key]) for key in cap
            }

        def factory() -> httpx2.Client:
            return httpx2.Client(
                event_hooks={"request": [_http.hf_request_event_hook, clamp_timeout]},
                follow_redirects=True,
                timeout=httpx2.Timeout(timeout_s),
            )

        if _state["previous"] is None:
            _state["previous"] = _http._GLOBAL_CLIENT_FACTORY
        _http.set_client_factory(factory)
        _state["installed"] = timeout_s


def restore_client() -> None:
    """Give huggingface_hub back the client factory it had before (notebook mode)."""
    from huggingface_hub.utils import _http

    with _lock:
        if _state["previous"] is not None:
            _http.set_client_factory(_state["previous"])
        _state.update(installed=None, previous=None)


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
    while exc.__cause__ is not None and seen < 10:
        exc = exc.__cause__
        seen += 1
    return exc


def classify(exc: BaseException) -> dict[str, Any]:
    """Name what went wrong in a huggingface_hub / httpx2 call, as plain facts.

    `kind` is one of: offline, refused, dns, connect-timeout, read-timeout, network,
    invalid-token, gated, repo-not-found, revision-not-found, entry-not-found, disabled,
    rate-limited, forbidden, unauthorized, server-error, http-error, not-hub, no-token, other.
    """
    import httpx2
    from huggingface_hub import errors as hf_errors

    facts: dict[str, Any] = {"exception": type(exc).__name__}
    response = getattr(exc, "response", None)
    if isinstance(exc, hf_errors.HfHubHTTPError) and response is not None:
        status = response.status_code
        headers = response.headers
        error_code = headers.get("X-Error-Code")
        message = headers.get("X-Error-Message") or getattr(exc, "server_message", None) or ""
        facts.update(status_code=status, error_code=error_code, server_message=clip(message, 300))
        for name in ("Retry-After", "RateLimit", "RateLimit-Policy"):
            if name in headers:
                facts[name.lower().replace("-", "_")] = headers[name]
        if isinstance(exc, hf_errors.GatedRepoError) or error_code == "GatedRepo":
            facts["kind"] = "gated"
        elif isinstance(exc, hf_errors.RevisionNotFoundError):
            facts["kind"] = "revision-not-found"
        elif isinstance(exc, hf_errors.DisabledRepoError):
            facts["kind"] = "disabled"
        elif status == 429:
            facts["kind"] = "rate-limited"
        elif status == 401 and ("invalid" in str(message).lower() or "invalid user token" in str(exc).lower()):
            facts["kind"] = "invalid-token"
        elif isinstance(exc, hf_errors.RepositoryNotFoundError) or error_code == "RepoNotFound":
            facts["kind"] = "repo-not-found"
        elif error_code == "EntryNotFound" or status == 404:
            facts["kind"] = "entry-not-found" if error_code == "EntryNotFound" else "not-found"
        elif status == 401:
            facts["kind"] = "unauthorized"
        elif status == 403:
            facts["kind"] = "forbidden"
        elif status >= 500:
            facts["kind"] = "server-error"
        else:
            facts["kind"] = "http-error"
        return facts
    if isinstance(exc, hf_errors.OfflineModeIsEnabled):
        facts["kind"] = "offline"
        return facts
    if isinstance(exc, hf_errors.LocalTokenNotFoundError):
        facts["kind"] = "no-token"
        return facts
    if isinstance(exc, hf_errors.FileMetadataError):
        facts["kind"] = "not-hub"
        facts["message"] = clip(exc, 300)
        return facts
    root = _root_cause(exc)
    if isinstance(exc, httpx2.ProxyError):
        facts["kind"] = "proxy"
    elif isinstance(exc, httpx2.ConnectTimeout):
        facts["kind"] = "connect-timeout"
    elif isinstance(exc, httpx2.TimeoutException):
        facts["kind"] = "read-timeout"
    elif isinstance(exc, httpx2.ConnectError):
        text = str(exc).lower()
        if isinstance(root, ConnectionRefusedError) or "refused" in text:
            facts["kind"] = "refused"
        elif "name or service" in text or "nodename" in text or "getaddrinfo" in text or "resolution" in text:
            facts["kind"] = "dns"
        else:
            facts["kind"] = "network"
    elif isinstance(exc, httpx2.TransportError | OSError):
        facts["kind"] = "refused" if getattr(root, "errno", None) == errno.ECONNREFUSED else "network"
    else:
        facts["kind"] = "other"
    facts["message"] = clip(exc, 300)
    return facts
