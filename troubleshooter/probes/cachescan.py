"""What is in the cache: a repo's snapshot against its cached file list, leftovers, other roots.

snapshot_download (huggingface_hub 2.x) writes `trees/<commit>.json`, the repo's file list at
that commit, next to `snapshots/<commit>/`; comparing the two shows a snapshot an interrupted
download left short, without any network call. Partial downloads are `blobs/*.incomplete`.
A model "re-downloaded every time" is often complete, just in another cache root.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from troubleshooter.model.result import ProbeResult, failed, passed, skipped, unknown, warned
from troubleshooter.probes import probe
from troubleshooter.probes.cache import (
    LEGACY_TRANSFORMERS_VARS,
    _expand,
    expected_paths,
    library_cache_dir,
)
from troubleshooter.probes.context import ProbeContext
from troubleshooter.probes.mounts import Timeout, bounded
from troubleshooter.redact import clip

MAX_LISTED = 20


def repo_folder(repo: str, repo_type: str = "model") -> str:
    """`models--org--name` (huggingface_hub's repo_folder_name)."""
    return f"{repo_type}s--" + repo.replace("/", "--")


def inspect_repo_folder(folder: Path, revision: str = "main") -> dict[str, Any]:
    """Snapshot state of one cached repo folder: absent | complete | incomplete | unverifiable."""
    info: dict[str, Any] = {"folder": str(folder)}
    if not folder.is_dir():
        return {**info, "state": "absent"}
    ref = folder / "refs" / revision
    commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else None
    snapshots = folder / "snapshots"
    if commit is None and snapshots.is_dir():
        present = sorted(p.name for p in snapshots.iterdir())
        commit = present[-1] if len(present) == 1 else None
    blobs = folder / "blobs"
    incomplete = sorted(p.name for p in blobs.glob("*.incomplete")) if blobs.is_dir() else []
    info.update(commit=commit, incomplete_blobs=incomplete[:MAX_LISTED], incomplete_count=len(incomplete))
    if commit is None:
        return {**info, "state": "incomplete" if incomplete else "absent"}
    snapshot = snapshots / commit
    present_files: set[str] = set()
    broken: list[str] = []
    regular: list[str] = []
    if snapshot.is_dir():
        for path in snapshot.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(snapshot).as_posix()
            if not path.exists():  # a symlink to a missing blob
                broken.append(rel)
                continue
            present_files.add(rel)
            if not path.is_symlink():
                regular.append(rel)
    info.update(
        snapshot=str(snapshot),
        files_present=len(present_files),
        broken_links=broken[:MAX_LISTED],
        regular_files=len(regular),
    )
    tree = folder / "trees" / f"{commit}.json"
    expected: list[str] | None = None
    if tree.is_file():
        try:
            expected = sorted(json.loads(tree.read_text(encoding="utf-8")).get("files", {}))
        except (ValueError, AttributeError):
            expected = None
    missing = sorted(set(expected) - present_files) if expected is not None else sorted(broken)
    info.update(
        files_expected=len(expected) if expected is not None else None,
        missing=missing[:MAX_LISTED],
        missing_count=len(missing),
        tree_listing=expected is not None,
    )
    if missing or broken or incomplete:
        return {**info, "state": "incomplete"}
    if not present_files:
        return {**info, "state": "absent"}
    return {**info, "state": "complete" if expected is not None else "unverifiable"}


def _scan(cache: str) -> dict[str, Any]:
    """huggingface_hub's own cache scan: repos, leftovers and corruption warnings."""
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(cache)
    return {
        "repos": sorted(f"{r.repo_type}:{r.repo_id}" for r in info.repos)[:MAX_LISTED],
        "repo_count": len(info.repos),
        "size_on_disk": info.size_on_disk,
        "incomplete_files": len(getattr(info, "incomplete_files", ()) or ()),
        "warnings": [clip(w, 200) for w in info.warnings][:MAX_LISTED],
    }


@probe(
    "cache.snapshot",
    facts={
        "state": "absent | complete | incomplete | unverifiable (no tree listing) | no-cache",
        "missing": "files the cached tree listing names that the snapshot lacks",
        "incomplete_blobs": "partial downloads (blobs/*.incomplete) left in the repo folder",
        "broken_links": "snapshot links whose blob is gone",
        "scan": "huggingface_hub scan_cache_dir summary: repos, size, incomplete files, warnings",
        "incomplete_repos": "without a repo: the cached repos that are incomplete",
    },
)
def snapshot_probe(
    ctx: ProbeContext,
    repo: str | None = None,
    repo_type: str = "model",
    cache_dir: str | None = None,
    revision: str = "main",
) -> ProbeResult:
    """Check a cached snapshot against the cached file list, and scan the cache for leftovers.

    Without a repo every cached repo is checked. Reads only the local cache: no network.
    """
    cache, cache_source = library_cache_dir(ctx, cache_dir)
    budget = max(0.2, ctx.time_left() - 0.3)

    def look() -> dict[str, Any]:
        if not os.path.isdir(cache):
            return {"state": "no-cache"}
        result: dict[str, Any] = {}
        try:
            result["scan"] = _scan(cache)
        except Exception as exc:  # a corrupted cache makes scan_cache_dir raise: that is a finding too
            result["scan"] = {"error": clip(f"{type(exc).__name__}: {exc}", 200)}
        if repo:
            result.update(inspect_repo_folder(Path(cache) / repo_folder(repo, repo_type), revision))
            return result
        bad = []
        for folder in sorted(Path(cache).glob("*--*"))[:200]:
            state = inspect_repo_folder(folder, revision)
            if state["state"] == "incomplete":
                bad.append(
                    {
                        "repo": folder.name,
                        "missing": state.get("missing", []),
                        "incomplete_blobs": state.get("incomplete_count", 0),
                    }
                )
        result.update(state="incomplete" if bad else "complete", incomplete_repos=bad[:MAX_LISTED])
        return result

    try:
        facts = bounded(look, budget, "cache-scan")
    except Timeout:
        return unknown(f"scanning {cache} did not finish within {budget:.1f} s", state="timeout", hub_cache=cache)
    except OSError as exc:
        return unknown(f"cannot read {cache}: {exc.strerror}", state="unreadable", hub_cache=cache)
    facts.update(hub_cache=cache, cache_source=cache_source, repo=repo)
    state = facts["state"]
    target = repo or "the cache"
    if state == "no-cache":
        return skipped(f"{cache} does not exist yet: nothing is cached", **facts)
    if state == "incomplete":
        parts = []
        if facts.get("missing_count"):
            parts.append(f"{facts['missing_count']} file(s) missing ({', '.join(facts['missing'][:3])})")
        if facts.get("incomplete_count"):
            parts.append(f"{facts['incomplete_count']} partial download(s) left in blobs/")
        if facts.get("broken_links"):
            parts.append(f"{len(facts['broken_links'])} broken link(s)")
        if facts.get("incomplete_repos"):
            parts.append("incomplete: " + ", ".join(r["repo"] for r in facts["incomplete_repos"][:3]))
        return failed(f"{target} is incomplete in {cache}: " + "; ".join(parts), **facts)
    if state == "absent":
        return warned(f"{target} is not in {cache}", **facts)
    if state == "unverifiable":
        return passed(f"{target} has a snapshot in {cache} (no cached file list to compare with)", **facts)
    return passed(f"{target} is complete in {cache}", **facts)


def candidate_roots(ctx: ProbeContext, effective: str) -> list[tuple[str, str]]:
    """Other cache roots a tool may have used: (path, why it is a candidate)."""
    env = ctx.env
    roots: list[tuple[str, str]] = []
    for name in (*LEGACY_TRANSFORMERS_VARS, "HUGGINGFACE_HUB_CACHE", "SENTENCE_TRANSFORMERS_HOME", "HF_HUB_CACHE"):
        if env.get(name):
            roots.append((_expand(env[name], env), f"env:{name}"))
    if env.get("HF_HOME"):
        roots.append((os.path.join(_expand(env["HF_HOME"], env), "hub"), "env:HF_HOME/hub"))
    defaults = expected_paths(
        {k: v for k, v in env.items() if k not in ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")}
    )
    roots.append((defaults["hub_cache"][0], "default cache (" + defaults["hub_cache"][1] + ")"))
    home = env.get("HOME") or os.path.expanduser("~")
    roots.append((os.path.join(home, ".cache", "huggingface", "hub"), "~/.cache/huggingface/hub"))
    roots.append((os.path.join(home, ".cache", "huggingface", "transformers"), "transformers 4 default"))
    roots.append((os.path.join(os.getcwd(), ".cache", "huggingface", "hub"), "./.cache/huggingface/hub"))
    seen = {os.path.normpath(effective)}
    unique: list[tuple[str, str]] = []
    for path, why in roots:
        norm = os.path.normpath(os.path.abspath(path))
        if norm not in seen:
            seen.add(norm)
            unique.append((norm, why))
    return unique


@probe(
    "cache.candidates",
    facts={
        "state": "here | elsewhere | nowhere | no-repo",
        "found_in": "other cache roots that hold this repo, with the variable or default that names them",
        "hub_cache": "the effective hub cache",
        "checked": "the roots looked at",
    },
)
def candidate_probe(
    ctx: ProbeContext, repo: str | None = None, repo_type: str = "model", cache_dir: str | None = None
) -> ProbeResult:
    """Look for the repo in other cache roots than the effective one.

    An explicit `cache_dir=`, a variable another tool reads, or a changed HF_HOME makes a
    second copy of the cache; each tool then downloads the model into its own root.
    """
    if not repo:
        return skipped("no repo given", state="no-repo")
    effective, _ = library_cache_dir(ctx, cache_dir)
    folder = repo_folder(repo, repo_type)
    roots = candidate_roots(ctx, effective)

    def look() -> list[dict[str, Any]]:
        found = []
        for path, why in roots:
            state = inspect_repo_folder(Path(path) / folder)
            if state["state"] != "absent":
                found.append({"root": path, "why": why, "state": state["state"]})
        return found

    try:
        found = bounded(look, max(0.2, ctx.time_left() - 0.3), "cache-candidates")
    except (Timeout, OSError) as exc:
        return unknown(f"could not look through other cache roots ({type(exc).__name__})", state="unknown")
    here = inspect_repo_folder(Path(effective) / folder)["state"] != "absent"
    facts = {"hub_cache": effective, "found_in": found, "checked": [p for p, _ in roots], "in_effective": here}
    if found and not here:
        shown = "; ".join(f"{f['root']} ({f['why']})" for f in found[:3])
        return failed(f"{repo} is not in the effective cache {effective} but is in {shown}", state="elsewhere", **facts)
    if here:
        return passed(f"{repo} is in the effective cache {effective}", state="here", **facts)
    return warned(f"{repo} is in no cache root looked at", state="nowhere", **facts)
