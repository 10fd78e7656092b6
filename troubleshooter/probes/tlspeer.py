"""Who signed the certificate an endpoint presents, and which CA settings the client reads.

A TLS-inspecting proxy or firewall answers for the Hub with a certificate its own CA issued;
verification then fails with "unable to get local issuer certificate". Naming that issuer (the
company's inspection CA) is the evidence, and so is which CA variables the target's client
honours: httpx (huggingface_hub 1.x and 2.x) reads SSL_CERT_FILE / SSL_CERT_DIR, requests
(0.x) reads REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, so a bundle set in the other family's variable
changes nothing. The certificate is read with a handshake that does not verify, and its issuer
is decoded from DER here: the standard library decodes only verified certificates.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
READ_BY = {"requests": ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"), "httpx": ("SSL_CERT_FILE", "SSL_CERT_DIR")}
_NAMES = {"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C"}
MAX_CERT = 64 * 1024


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        tag, begin, stop = _tlv(data, start)
        out.append((tag, begin, stop))
        start = stop
    return out


def _oid(raw: bytes) -> str:
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def issuer_of(der: bytes) -> dict[str, str]:
    """The issuer's CN / O / OU / C from a DER certificate (empty when it cannot be parsed)."""
    try:
        _, start, end = _tlv(der, 0)  # Certificate
        _, start, end = _children(der, start, end)[0]  # TBSCertificate
        fields = _children(der, start, end)
        offset = 1 if fields[0][0] == 0xA0 else 0  # optional [0] version
        _, begin, stop = fields[offset + 2]  # serial, signature, issuer
        names: dict[str, str] = {}
        for _, set_start, set_end in _children(der, begin, stop):
            for _, seq_start, seq_end in _children(der, set_start, set_end):
                (_, oid_start, oid_end), (_, val_start, val_end) = _children(der, seq_start, seq_end)[:2]
                key = _NAMES.get(_oid(der[oid_start:oid_end]))
                if key:
                    names[key] = der[val_start:val_end].decode("utf-8", "replace")[:200]
        return names
    except (IndexError, ValueError):
        return {}


def peer_issuer(url: str, timeout_s: float) -> dict[str, Any]:
    """Handshake without verification and name the issuer of the certificate presented."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            raw.settimeout(timeout_s)
            with context.wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True) or b""
    except (OSError, ssl.SSLError) as exc:
        return {"issuer": {}, "error": type(exc).__name__}
    return {"issuer": issuer_of(der[:MAX_CERT])}


def ca_settings(env: Any, client_family: str) -> dict[str, Any]:
    """Which CA variables are set, which the client reads, and which it ignores."""
    set_vars = {name: env[name] for name in CA_VARIABLES if env.get(name)}
    read = READ_BY.get(client_family, ())
    return {
        "ca_variables": set_vars,
        "ca_read_by_client": [n for n in set_vars if n in read],
        "ca_ignored_by_client": [n for n in set_vars if n not in read],
        "client_family": client_family,
    }
