"""Hub access probes through the real huggingface_hub client: token, account, repo access.

Token resolution is huggingface_hub's own (environment, then the token file at its
HF_TOKEN_PATH); the Colab vault is consulted only by the `colab.secret` probe. Tokens are
registered for redaction the moment they are read and never put in facts.
"""

from __future__ import annotations

from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes._hubhttp import call_supported, classify, effective_endpoint, install_bounded_client
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.env import truthy
from troubleshooter.probes.net import dead_endpoint
from troubleshooter.redact import register_secret

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx")


def clean_token(raw: str | None) -> str | None:
    """huggingface_hub's cleaning of a token: newlines removed, spaces stripped, empty is none."""
    return (raw or "").replace("\r", "").replace("\n", "").strip() or None


def local_token(ctx: ProbeContext) -> tuple[str | None, str]:
    """(token, source) as huggingface_hub resolves it without Colab: env first, then the file."""
    from huggingface_hub import constants

    # The library's rule: HF_TOKEN if it is non-empty (even only spaces), else the legacy name;
    # then cleaned (newlines removed, stripped), and only an empty result falls back to the file.
    name = "HF_TOKEN" if ctx.env.get("HF_TOKEN") else "HUGGING_FACE_HUB_TOKEN"
    value = clean_token(ctx.env.get(name))
    if value:
        register_secret(value)
        return value, f"env:{name}"
    try:
        with open(constants.HF_TOKEN_PATH, encoding="utf-8") as handle:
            value = clean_token(handle.read()) or ""
    except OSError:
        value = ""
    if value:
        register_secret(value)
        return value, "file"
    return None, "none"


def walk_token(ctx: ProbeContext) -> tuple[str | None, str]:
    """The token this walk uses: local, else one a Colab secret lookup returned."""
    token, source = local_token(ctx)
    if token:
        return token, source
    if ctx.secrets.get("colab_token"):
        return ctx.secrets["colab_token"], "colab-vault"
    return None, "none"


def download_token(ctx: ProbeContext) -> tuple[str | None, str]:
    """The token a download sends when its caller passes none (from_pretrained, hf_hub_download).

    With HF_HUB_DISABLE_IMPLICIT_TOKEN set, huggingface_hub sends no token at all unless the code
    passes one explicitly, so a gated or private repo answers 401 although a token is configured.
    """
    token, source = walk_token(ctx)
    if token and truthy(ctx.env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")):
        return None, f"{source}, not sent: HF_HUB_DISABLE_IMPLICIT_TOKEN={ctx.env['HF_HUB_DISABLE_IMPLICIT_TOKEN']}"
    return token, source


def repo_size_key(repo: str, repo_type: str) -> str:
    """Memo key for a repo's total size, which hub.repo reads and fs.free_space needs."""
    return f"hub.repo_size:{repo_type}:{repo}"


def _api(ctx: ProbeContext) -> Any:
    from huggingface_hub import HfApi

    install_bounded_client(max(0.2, ctx.time_left() - 0.3))
    return HfApi(endpoint=effective_endpoint(), library_name="troubleshooter")


def _check_access(api: Any, repo: str, repo_type: str, token: str | None, *, probe_file: Any, timeout: float) -> None:
    """Raise what a download of this repo would meet: `auth_check`, or on releases without it
    (huggingface_hub before 0.24) the metadata request of one file, which gated repos refuse too."""
    if hasattr(api, "auth_check"):
        api.auth_check(repo, repo_type=repo_type, token=token or False)
        return
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    url = hf_hub_url(repo, str(probe_file or ".gitattributes"), repo_type=repo_type, endpoint=effective_endpoint())
    call_supported(get_hf_file_metadata, url, token=token or False, timeout=timeout)


@probe(
    "hub.token",
    facts={
        "token_present": "a token is available without Colab secrets",
        "token_source": "env:HF_TOKEN | env:HUGGING_FACE_HUB_TOKEN | file | colab-vault | none",
        "token_path": "where huggingface_hub looks for the token file",
        "token_file_exists": "whether that file exists",
        "implicit_token_disabled": "HF_HUB_DISABLE_IMPLICIT_TOKEN is set",
    },
)
def token_probe(ctx: ProbeContext) -> ProbeResult:
    """Find which token huggingface_hub would send, and where it comes from (never the token)."""
    import os

    from huggingface_hub import constants

    token, source = walk_token(ctx)
    facts = {
        "token_present": bool(token),
        "token_source": source,
        "token_path": str(constants.HF_TOKEN_PATH),
        "token_file_exists": os.path.exists(constants.HF_TOKEN_PATH),
        "implicit_token_disabled": truthy(ctx.env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")),
        "oidc": bool(ctx.env.get("HF_OIDC_RESOURCE")),
    }
    if token:
        return passed(f"a token is available from {source}", **facts)
    return warned("no token: requests are anonymous (gated and private repos will refuse)", **facts)


@probe(
    "hub.whoami",
    network=True,
    facts={
        "account": "the account name the token belongs to",
        "role": "token role: read | write | fineGrained",
        "kind": "ok | invalid-token | rate-limited | no-token | <network kinds>",
        "can_read_gated": "fine-grained tokens: whether gated repos may be read",
    },
)
def whoami_probe(ctx: ProbeContext) -> ProbeResult:
    """Ask the Hub whose token this is (401 means the token itself is rejected everywhere)."""
    token, source = walk_token(ctx)
    if not token:
        return skipped("no token to check", kind="no-token", token_source=source)
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    try:
        info = _api(ctx).whoami(token=token)
    except Exception as exc:
        facts = {**classify(exc), "token_source": source}
        if facts["kind"] in ("invalid-token", "unauthorized"):
            facts["kind"] = "invalid-token"
            return failed(f"the Hub rejects the token from {source} (401)", **facts)
        if facts["kind"] == "rate-limited":
            return warned("whoami answered 429: rate limited", **facts)
        return unknown(f"whoami failed: {facts['exception']}", **facts)
    auth = (info.get("auth") or {}).get("accessToken") or {}
    role = auth.get("role")
    scoped = (auth.get("fineGrained") or {}).get("global") or []
    can_read_gated = (
        None if role != "fineGrained" else ("read-repos" in scoped or any("gated" in str(s) for s in scoped))
    )
    facts = {
        "kind": "ok",
        "account": info.get("name"),
        "account_type": info.get("type"),
        "role": role,
        "orgs": [o.get("name") for o in info.get("orgs") or []],
        "token_source": source,
        "can_read_gated": can_read_gated,
    }
    return passed(f"token from {source} belongs to {info.get('name')} (role {role})", **facts)


def _pick_file(siblings: list[Any]) -> tuple[str | None, int | None]:
    """The file a stuck download most likely waits on: the largest weight file, else any."""
    best: tuple[str | None, int | None] = (None, None)
    sized = [(s.rfilename, getattr(s, "size", None) or 0) for s in siblings]
    weights = [s for s in sized if s[0].endswith(WEIGHT_SUFFIXES)]
    pool = weights or sized
    if pool:
        name, size = max(pool, key=lambda item: item[1])
        best = (name, size or None)
    return best


@probe(
    "hub.repo",
    network=True,
    facts={
        "repo": "repo id checked",
        "kind": "when the Hub call failed, what failed: refused | dns | connect-timeout | … (see _hubhttp.classify)",
        "access": "ok | needs-token | denied | not-found | token-rejected | rate-limited | disabled | unreachable",
        "gated": "false | auto | manual",
        "private": "repo is private",
        "token_present": "whether a token was sent",
        "files": "number of files in the repo",
        "total_size": "bytes of all files (when the Hub lists sizes)",
        "probe_file": "the file the metadata check will use",
    },
)
def repo_probe(ctx: ProbeContext, repo: str | None = None, repo_type: str = "model") -> ProbeResult:
    """Check the repo exists and this token may download it (metadata, then auth-check).

    The Hub shows gated repos' metadata to anyone but refuses their files: 401 without a
    token (auth-required), 403 when the account was not granted (gated-no-access).
    """
    if not repo:
        return skipped("no repo given: only the endpoint, token and cache are checked", access=None)
    if (dead := dead_endpoint(ctx)) is not None:
        return dead
    token, source = download_token(ctx)
    api = _api(ctx)
    facts: dict[str, Any] = {"repo": repo, "repo_type": repo_type, "token_present": bool(token), "token_source": source}
    try:
        info = api.repo_info(repo, repo_type=repo_type, token=token or False, files_metadata=True)
        siblings = list(info.siblings or [])
        facts.update(
            gated=getattr(info, "gated", False),
            private=bool(getattr(info, "private", False)),
            sha=getattr(info, "sha", None),
            files=len(siblings),
            total_size=sum(getattr(s, "size", None) or 0 for s in siblings) or None,
        )
        facts["probe_file"], facts["probe_file_size"] = _pick_file(siblings)
        if facts["total_size"]:
            ctx.remember(repo_size_key(repo, repo_type), facts["total_size"])
        _check_access(
            api, repo, repo_type, token, probe_file=facts.get("probe_file"), timeout=max(0.2, ctx.time_left() - 0.3)
        )
    except Exception as exc:
        err = classify(exc)
        facts.update(err)
        kind = err["kind"]
        status = err.get("status_code")
        if kind == "invalid-token":
            facts["access"] = "token-rejected"
            return failed(f"the Hub rejects the token from {source} for {repo} (401)", **facts)
        if kind == "gated":
            facts["access"] = "needs-token" if status == 401 or not token else "denied"
            if facts["access"] == "needs-token":
                return failed(f"{repo} is gated and no token is sent (401; token: {source})", **facts)
            return failed(f"{repo} is gated and this account has no access (403)", **facts)
        if kind in ("repo-not-found", "revision-not-found", "not-found"):
            if status == 401 and not token:
                # The Hub answers 401 for a missing repo too when no token is sent: a misspelled
                # public id is far more common than a private repo, so this is "not found" first.
                facts.update(access="not-found", maybe_private=True)
                return failed(
                    f"{repo} does not exist (check the spelling), or it is private and no token is sent "
                    f"(401 RepoNotFound; token: {source})",
                    **facts,
                )
            facts["access"] = "not-found"
            return failed(f"{repo} does not exist or is private to another account ({status})", **facts)
        if kind == "rate-limited":
            facts["access"] = "rate-limited"
            return failed(f"the Hub answers 429 for {repo}: rate limited", **facts)
        if kind == "disabled":
            facts["access"] = "disabled"
            return failed(f"{repo} is disabled on the Hub", **facts)
        if kind in ("unauthorized", "forbidden"):
            facts["access"] = "needs-token" if not token else "denied"
            return failed(f"the Hub refuses {repo} ({status})", **facts)
        facts["access"] = "unreachable"
        return unknown(f"could not check {repo}: {err['exception']}", **facts)
    facts["access"] = "ok"
    gated = facts.get("gated")
    return passed(
        f"{repo} is reachable and downloadable with this token"
        + (f" (gated: {gated}, access granted)" if gated else ""),
        **facts,
    )


@probe(
    "hub.cached",
    facts={
        "cached": "the repo's snapshot resolves from the local cache alone",
        "snapshot": "the cached snapshot folder",
        "reason": "why it does not (LocalEntryNotFoundError, IncompleteSnapshotError …)",
    },
)
def cached_probe(ctx: ProbeContext, repo: str | None = None, repo_type: str = "model") -> ProbeResult:
    """Check whether huggingface_hub could serve the repo from the cache with no network at all."""
    if not repo:
        return skipped("no repo given", cached=None)
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(repo, repo_type=repo_type, local_files_only=True)
    except Exception as exc:
        return warned(
            f"{repo} is not fully in the cache ({type(exc).__name__})", cached=False, reason=type(exc).__name__
        )
    return passed(f"{repo} is fully cached", cached=True, snapshot=str(folder))
