"""Does a Xet transfer make progress once it has started? Measured over a short window.

A Xet download first asks the CAS host for the file's reconstruction
(`GET /v2/reconstructions/<hash>`, with the access token the Hub's xet-read-token answer gave).
A host that accepts, sends its answer's head and a few bytes, then nothing (or a byte every few
seconds) leaves hf_xet waiting without any timeout firing: the progress bar freezes at a few
MB. This asks the same question and counts the bytes that arrive within the window.
"""

from __future__ import annotations

import http.client
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from troubleshooter.probes.versions import version_tuple

STALL_RATE_BPS = 1024  # below this, after the answer started, the transfer is stalled
FIXED_HF_XET = (1, 5, 2)  # hf_xet releases before this could hang on poor networks (xet-core#850)
CHUNK = 65536
MAX_BYTES = 4 * 1024 * 1024


def known_bad_hf_xet(version: str | None) -> bool:
    found = version_tuple(version)
    return found is not None and found < FIXED_HF_XET


def measure(cas_url: str, file_hash: str, access_token: str | None, window_s: float) -> dict[str, Any]:
    """state: ok (complete or flowing) | stalled | silent | refused | error, and what arrived when."""
    parts = urlsplit(cas_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path.rstrip("/") or "") + f"/v2/reconstructions/{file_hash}"
    started = time.monotonic()
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=window_s, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=window_s)
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
    except TimeoutError:
        conn.close()
        return {"state": "silent", "after_s": round(time.monotonic() - started, 2)}
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return {"state": "error", "error": type(exc).__name__}
    head_s = round(time.monotonic() - started, 2)
    declared = response.getheader("Content-Length")
    if response.status >= 400:
        conn.close()
        return {"state": "refused", "status": response.status, "head_s": head_s}
    received = 0
    complete = False
    deadline = started + window_s
    try:
        while time.monotonic() < deadline and received < MAX_BYTES:
            if conn.sock is not None:
                conn.sock.settimeout(max(0.05, deadline - time.monotonic()))
            chunk = response.read1(CHUNK)
            if not chunk:
                complete = True
                break
            received += len(chunk)
    except TimeoutError:
        pass
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()
    elapsed = max(0.001, time.monotonic() - started - head_s)
    facts: dict[str, Any] = {
        "status": response.status,
        "head_s": head_s,
        "bytes": received,
        "declared_bytes": int(declared) if declared and declared.isdigit() else None,
        "window_s": round(window_s, 2),
    }
    rate = received / elapsed
    facts["rate_bps"] = round(rate, 1)
    if complete or received >= MAX_BYTES or rate >= STALL_RATE_BPS:
        facts["state"] = "ok"
    else:
        facts["state"] = "stalled"
    return facts
