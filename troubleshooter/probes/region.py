"""Does this machine look set up for mainland China, where huggingface.co is often unreachable?

Only local settings are read (locale variables, the time zone): no host is contacted. The
answer only decides whether the diagnosis of an unreachable default endpoint also shows the
mirror route as display-only advice; it never changes the tool's own behaviour.
"""

from __future__ import annotations

import os
from typing import Any

from troubleshooter.model.result import ProbeResult, passed
from troubleshooter.probes import probe
from troubleshooter.probes.context import ProbeContext

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
CHINA_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi", "Asia/Kashgar", "PRC")
MAX_READ = 256


def _china_locale(value: str) -> bool:
    lowered = value.lower().replace("-", "_")
    return any(part.startswith(("zh_cn", "zh_hans_cn", "zh_sg")) for part in lowered.split(":"))


def _zone_from_files(root: str) -> str | None:
    """The system time zone from /etc/timezone or the /etc/localtime link (bounded, no network)."""
    try:
        with open(os.path.join(root, "etc", "timezone"), encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_READ).strip()
        if text:
            return text
    except OSError:
        pass
    try:
        target = os.readlink(os.path.join(root, "etc", "localtime"))
    except OSError:
        return None
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else None


@probe(
    "env.region",
    facts={
        "mainland_china": "the locale or the time zone points at mainland China",
        "signals": "which settings say so (variable=value, or the system time zone)",
    },
)
def region_probe(ctx: ProbeContext) -> ProbeResult:
    """Read the locale and time zone settings to decide whether mirror advice is relevant.

    Users in mainland China usually reach huggingface.co only through a mirror set with
    HF_ENDPOINT; telling them so turns an unreachable endpoint into a next step. Nothing is sent
    anywhere: this reads variables and /etc/timezone or the /etc/localtime link.
    """
    signals: list[str] = []
    for name in LOCALE_VARIABLES:
        value = ctx.env.get(name) or ""
        if value and _china_locale(value):
            signals.append(f"{name}={value}")
    zone = ctx.env.get("TZ") or ""
    zone = zone.lstrip(":")
    if not zone:
        zone = _zone_from_files(str(ctx.proc_root.parent)) or ""
    if zone in CHINA_ZONES or zone.startswith("CST-8"):
        signals.append(f"time zone {zone}")
    facts: dict[str, Any] = {"mainland_china": bool(signals), "signals": signals, "time_zone": zone or None}
    if signals:
        return passed(f"locale or time zone points at mainland China ({', '.join(signals)})", **facts)
    return passed("locale and time zone do not point at mainland China", **facts)
