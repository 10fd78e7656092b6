"""Which proxy huggingface_hub's client would use for a URL, by the rules of its HTTP stack.

httpx and httpx2 (huggingface_hub 1.x and 2.x) build a routing table from the proxy
variables: NO_PROXY entries as curl reads them (domains, `.suffix`, `*.suffix`, IPv4/IPv6
addresses and CIDR networks, `host:port`, full URLs), the most specific pattern first. This is
that table rebuilt with the standard library, so it holds for any release without importing
a private module. requests (huggingface_hub 0.x) has rules of its own, asked through its public
`requests.utils` functions.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


def environment_proxies(env: Mapping[str, str] | Any) -> dict[str, tuple[str, str]]:
    """scheme -> (proxy URL, variable), by urllib's rules, which httpx (huggingface_hub's client) uses.

    Any-case `*_proxy` names first; then lower-case names win, and a lower-case name that is
    set but empty removes that scheme's proxy (`http_proxy=` cancels an inherited HTTP_PROXY).
    """
    proxies: dict[str, tuple[str, str]] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            proxies[name.lower()[: -len("_proxy")]] = (value, name)
    for name, value in env.items():
        if name.endswith("_proxy"):
            if value:
                proxies[name[: -len("_proxy")]] = (value, name)
            else:
                proxies.pop(name[: -len("_proxy")], None)
    return proxies


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class Pattern:
    """One routing key as httpx reads it: `scheme://host:port`, `all://` for any scheme."""

    scheme: str
    host: str
    port: int | None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @classmethod
    def parse(cls, text: str) -> Pattern | None:
        scheme, sep, rest = text.partition("://")
        if not sep:
            return None
        rest = rest.split("/", 1)[0] if not re.search(r"/\d+$", rest) else rest
        network = None
        port: int | None = None
        host = rest
        cidr = re.fullmatch(r"\[?([0-9A-Fa-f:.]+)\]?/(\d+)", rest)
        if cidr:
            try:
                network = ipaddress.ip_network(f"{cidr.group(1)}/{cidr.group(2)}", strict=False)
            except ValueError:
                return None
            host = ""
        else:
            hostport = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::(\d*))?", rest)
            if hostport is None:
                return None
            host = hostport.group(1).lower()
            if hostport.group(2):
                port = int(hostport.group(2))
        return cls("" if scheme == "all" else scheme.lower(), "" if host == "*" else host, port, network)

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self.scheme and self.scheme != scheme:
            return False
        if self.network is not None:
            try:
                return ipaddress.ip_address(host.strip("[]")) in self.network
            except ValueError:
                return False
        if self.host:
            if self.host.startswith("*."):
                if not re.fullmatch(r".+\." + re.escape(self.host[2:]), host):
                    return False
            elif self.host.startswith("*"):
                if not re.fullmatch(r"(.+\.)?" + re.escape(self.host[1:]), host):
                    return False
            elif self.host != host:
                return False
        return self.port is None or self.port == port

    def priority(self) -> tuple[bool, int, int]:
        return (self.port is None, -len(self.host or str(self.network or "")), -len(self.scheme))


def routing_table(proxies: Mapping[str, tuple[str, str]]) -> list[tuple[Pattern, tuple[str, str] | None]]:
    """(pattern, proxy or None for "no proxy"), most specific first, as httpx builds it."""
    mounts: dict[str, tuple[str, str] | None] = {}
    for scheme in ("http", "https", "all"):
        if scheme in proxies:
            value, name = proxies[scheme]
            mounts[f"{scheme}://"] = (value if "://" in value else f"http://{value}", name)
    for host in (h.strip() for h in proxies.get("no", ("", ""))[0].split(",")):
        if host == "*":
            return []
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
        elif _is_ip(host.partition("/")[0]) or host.lower() == "localhost" or host.startswith("["):
            mounts[f"all://{host}"] = None
        elif ":" in host and _is_ip(host.split("/")[0]):
            mounts[f"all://[{host}]"] = None
        elif host.startswith("*.") and "/" not in host:
            mounts[f"all://{host}"] = None
        elif "/" not in host:
            mounts[f"all://*{host.lstrip('.')}"] = None
    table: list[tuple[Pattern, tuple[str, str] | None]] = []
    for key, chosen in mounts.items():
        pattern = Pattern.parse(key)
        if pattern is not None:  # like curl and httpx: an entry that cannot be parsed is ignored
            table.append((pattern, chosen))
    return sorted(table, key=lambda item: item[0].priority())


def _httpx_proxy(url: str, env: Mapping[str, str] | Any) -> tuple[str | None, str | None]:
    proxies = environment_proxies(env)
    if not any(scheme in proxies for scheme in ("http", "https", "all")):
        return None, None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = parts.port if parts.port not in (None, default) else None
    for pattern, chosen in routing_table(proxies):
        if pattern.matches(parts.scheme, host, port):
            return chosen if chosen is not None else (None, "NO_PROXY")
    return None, None


def _requests_proxy(url: str, env: Mapping[str, str] | Any) -> tuple[str | None, str | None]:
    """requests' own rules (huggingface_hub 0.x), read from the context's environment."""
    import os

    from requests import utils as requests_utils

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update({k: v for k, v in env.items() if k.lower().endswith("_proxy")})
        if requests_utils.should_bypass_proxies(url, no_proxy=None):
            has_proxy = any(k.lower() in ("http_proxy", "https_proxy", "all_proxy") and v for k, v in env.items())
            return (None, "NO_PROXY") if has_proxy else (None, None)
        chosen = requests_utils.select_proxy(url, requests_utils.get_environ_proxies(url))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if not chosen:
        return None, None
    variable = next((k for k, v in env.items() if v == chosen and k.lower().endswith("_proxy")), None)
    return (chosen if "://" in chosen else f"http://{chosen}"), variable


def proxy_for(url: str, env: Mapping[str, str] | Any) -> tuple[str | None, str | None]:
    """The proxy URL huggingface_hub's client would use for `url`, and the variable that set it.

    (None, "NO_PROXY") when NO_PROXY exempts the URL; (None, None) when no proxy applies.
    """
    try:
        from troubleshooter.probes._hubhttp import hub_major

        major = hub_major()
    except ImportError:
        major = 1
    if major == 0:
        try:
            return _requests_proxy(url, env)
        except ImportError:
            pass
    return _httpx_proxy(url, env)
