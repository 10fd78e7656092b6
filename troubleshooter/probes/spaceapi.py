"""The Hub calls every Space probe shares: a bounded HfApi, and the walk's dead-endpoint memo.

`space`, `spacelogs` and `spacerepo` all ask the Hub about a Space, and a remedy (restart a
Space) asks through the same client; keeping these helpers in their own module lets each of
them import it without importing one another.

All calls go through huggingface_hub's own client with the bounded factory (the client has no
timeout of its own), to the endpoint the user's environment names. A dead endpoint is
remembered in the walk's memo so the next probe does not wait on it again: a silent Hub costs
one deadline, not one per probe.
"""

from __future__ import annotations

from typing import Any

from troubleshooter.probes._hubhttp import classify, effective_endpoint, install_bounded_client
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.net import DEAD_ENDPOINT

NETWORK_KINDS = frozenset({"refused", "dns", "connect-timeout", "read-timeout", "network", "proxy"})


def hub_api(ctx: ProbeContext, reserve_s: float = 0.3) -> Any:
    """An HfApi on the effective endpoint whose requests time out before this probe's deadline."""
    from huggingface_hub import HfApi

    install_bounded_client(max(0.2, ctx.time_left() - reserve_s))
    return HfApi(endpoint=effective_endpoint(), library_name="troubleshooter")


def hub_error(ctx: ProbeContext, exc: BaseException) -> dict[str, Any]:
    """Classify a failed call; remember the endpoint as dead when the network itself failed."""
    facts = classify(exc)
    if facts["kind"] in NETWORK_KINDS:
        ctx.remember(DEAD_ENDPOINT, {"endpoint": effective_endpoint(), "kind": facts["kind"]})
    return facts


def repo_url(repo_id: str, repo_type: str = "model") -> str:
    prefix = {"space": "spaces/", "dataset": "datasets/"}.get(repo_type, "")
    return f"{effective_endpoint()}/{prefix}{repo_id}"
