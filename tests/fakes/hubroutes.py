"""The fake Hub's routes: from a parsed request to a `Reply`, following the real Hub's rules.

Every route mirrors a URL that huggingface_hub 2.4.0 builds (hf_api.py, file_download.py,
utils/_xet.py). Most are read-only (GET/HEAD); the Space settings routes (restart, pause,
variables) also take POST/DELETE and change the `FakeRepo`. Error answers carry the
`X-Error-Code`/`X-Error-Message` headers that `hf_raise_for_status` turns into the right
exception class: a bare 401/404 would not do, because the client only trusts status codes for
`https://` endpoints.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from .hubdata import FakeRepo, FakeUser, RepoType, iso

if TYPE_CHECKING:
    from .hubserver import FakeHub

INVALID_TOKEN = "Invalid credentials in Authorization header"
DISABLED = "Access to this resource is disabled."
FINE_GRAINED_GATED = (
    "Please enable access to public gated repositories in your fine-grained token settings to view this repository."
)
TYPES: dict[str, RepoType] = {"models": "model", "datasets": "dataset", "spaces": "space"}
READ = ("GET", "HEAD")
Route = Callable[["Call", re.Match[str]], "Reply"]
PAGE_SIZE = 50  # discussions per page, as on the Hub


@dataclass
class Reply:
    """A complete HTTP answer; HEAD sends the same headers without the body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Call:
    """One request as the routes see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    user: FakeUser | None
    body: bytes = b""

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def json(self) -> Any:
        """The JSON body (POST/DELETE payloads of the Space settings routes); None if unreadable."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(body).encode(), dict(headers or {}))


def error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """An error the way the Hub sends it: JSON body plus X-Error-Message (and X-Error-Code)."""
    extra = {
        "X-Error-Message": message,
        **({"X-Error-Code": code} if code else {}),
        **(headers or {}),
    }
    return json_reply({"error": message}, status, extra)


def byte_reply(call: Call, data: bytes, headers: dict[str, str]) -> Reply:
    """File bytes with `Range: bytes=a-[b]` support, as resumed downloads use it."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", call.headers.get("range", ""))
    if match and call.method == "GET":
        start, end = int(match[1]), int(match[2]) if match[2] else len(data) - 1
        if start >= len(data):
            return Reply(416, b"", {**headers, "Content-Range": f"bytes */{len(data)}"}, "text/plain")
        headers["Content-Range"] = f"bytes {start}-{min(end, len(data) - 1)}/{len(data)}"
        return Reply(206, data[start : end + 1], headers, "application/octet-stream")
    return Reply(200, data, headers, "application/octet-stream")


class Refused(Exception):
    """Raised inside a route to answer with the Hub's refusal instead."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class Routes:
    """Answers requests to the Hub origin and to the CDN origin of one `FakeHub`."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub
        t = r"(?P<t>models|datasets|spaces)"
        repo = r"(?P<repo>[^/]+(?:/[^/]+)?)"  # "ns/name", or a legacy canonical id like "gpt2"
        api = rf"^/api/{t}/{repo}"
        writes: list[tuple[str, Route, tuple[str, ...]]] = [
            (rf"^/api/spaces/{repo}/restart$", self.restart, ("POST",)),
            (rf"^/api/spaces/{repo}/pause$", self.pause, ("POST",)),
            (rf"^/api/spaces/{repo}/variables$", self.variables, ("GET", "POST", "DELETE")),
        ]
        self.table: list[tuple[re.Pattern[str], Route, tuple[str, ...]]] = [
            (re.compile(p), f, methods) for p, f, methods in writes
        ]
        self.table += [
            (re.compile(p), f, READ)
            for p, f in [
                (r"^/api/whoami-v2$", self.whoami),
                (
                    r"^/api/agent-harnesses$",
                    lambda c, m: json_reply({"standardEnvVars": [], "harnesses": {}}),
                ),
                (rf"^/api/{t}$", self.listing),
                (api + r"/auth-check(?P<write>/write)?$", self.auth_check),
                (rf"^/api/spaces/{repo}/runtime$", self.runtime),
                (rf"^/api/spaces/{repo}/logs/(?P<kind>run|build)$", self.logs),
                (api + r"/discussions$", self.discussions),
                (api + r"/discussions/(?P<num>\d+)$", self.discussion),
                (api + r"/xet-read-token/(?P<rev>[^/]+)$", self.xet_token),
                (api + r"/tree/(?P<rev>[^/]+)(?:/(?P<sub>.+))?$", self.tree),
                (api + r"(?:/revision/(?P<rev>[^/]+))?$", self.info),
                (
                    rf"^/(?:(?P<t>datasets|spaces)/)?{repo}/resolve/(?P<rev>[^/]+)/(?P<file>.+)$",
                    self.resolve,
                ),
            ]
        ]

    # ---- dispatch -------------------------------------------------------------------------
    def hub_origin(self, call: Call) -> Reply:
        """Answer a request to the Hub origin."""
        if "authorization" in call.headers and call.user is None:
            return error(401, INVALID_TOKEN)
        for pattern, route, methods in self.table:
            match = pattern.match(call.path)
            if match and call.method in methods:
                try:
                    return route(call, match)
                except Refused as refusal:
                    return refusal.reply
        if call.method not in READ:
            return error(405, f"{call.method} is not served by the fake Hub (add a Fault)")
        return error(404, "Sorry, we can't find the page you are looking for.")

    def cdn_origin(self, call: Call) -> Reply:
        """Answer a request to the CDN origin: signed LFS URLs `/lfs/{sha256}?...`."""
        match = re.fullmatch(r"/lfs/(?P<sha>[0-9a-f]{64})", call.path)
        data = self.hub.lfs_blob(match["sha"]) if match else None
        if match is None or data is None:
            return Reply(404, b"<Error><Code>NoSuchKey</Code></Error>", {}, "application/xml")
        return byte_reply(call, data, {"ETag": f'"{match["sha"]}"'})

    def _repo(self, call: Call, m: re.Match[str], files: bool, revision: str | None = None) -> FakeRepo:
        """The repo named in the URL, if the caller may see it (and its files); else `Refused`.

        Gated repos show metadata and tree to anyone; files, auth-check and Xet tokens are behind
        the gate.
        """
        kind = TYPES[m["t"]] if m.groupdict().get("t") else ("space" if "/api/spaces/" in call.path else "model")
        repo_id, user = unquote(m["repo"]), call.user
        repo = self.hub.repo(kind, repo_id)
        if repo is None or not repo.visible_to(user):
            raise Refused(error(401 if user is None else 404, "Repository not found", "RepoNotFound"))
        if repo.disabled:
            raise Refused(error(403, DISABLED))
        if files and not repo.gate_open_for(user):
            raise Refused(self._gate_refusal(f"{kind} {repo_id}", repo, user))
        if revision is not None and not repo.has_revision(revision):
            raise Refused(error(404, f"Invalid rev id: {revision}", "RevisionNotFound"))
        return repo

    def _gate_refusal(self, label: str, repo: FakeRepo, user: FakeUser | None) -> Reply:
        """401/403 for a closed gate, worded like the Hub (public issue reports)."""
        if user is None:
            message = (
                f"Access to {label} is restricted. You must have access to it and be "
                "authenticated to access it. Please log in."
            )
            return error(401, message, "GatedRepo")
        if user.role == "fineGrained" and repo.granted(user):
            return error(403, FINE_GRAINED_GATED)  # no GatedRepo code: the client raises a plain 403
        message = f"Access to {label} is restricted and you are not in the authorized list."
        return error(403, f"{message} Visit {self.hub.url}/{repo.id} to ask for access.", "GatedRepo")

    # ---- account --------------------------------------------------------------------------
    def whoami(self, call: Call, m: re.Match[str]) -> Reply:
        if call.user is None:
            return error(401, "Invalid username or password.")
        return json_reply(call.user.whoami())

    def listing(self, call: Call, m: re.Match[str]) -> Reply:
        """GET /api/{type}s?author&search&limit, paginated with a `Link: rel="next"` header."""
        author, search = call.arg("author"), call.arg("search")
        items = [
            r.summary()
            for r in self.hub.repos_of(TYPES[m["t"]])
            if r.visible_to(call.user) and (not author or r.namespace == author) and search in r.id
        ]
        limit, cursor = int(call.arg("limit", "1000") or 1000), int(call.arg("cursor", "0") or 0)
        page, headers = items[cursor : cursor + limit], {}
        if cursor + limit < len(items):
            query = {k: v[0] for k, v in call.query.items()} | {"cursor": str(cursor + limit)}
            headers["Link"] = f'<{self.hub.url}{call.path}?{urlencode(query)}>; rel="next"'
        return json_reply(page, headers=headers)

    # ---- repositories ---------------------------------------------------------------------
    def auth_check(self, call: Call, m: re.Match[str]) -> Reply:
        repo = self._repo(call, m, files=True)
        if m["write"] and not repo.writable_by(call.user):
            return error(403, f"You don't have write access to {repo.type} {repo.id}.")
        return Reply(200, b"", {}, "text/plain; charset=utf-8")

    def info(self, call: Call, m: re.Match[str]) -> Reply:
        return json_reply(self._repo(call, m, files=False, revision=unquote(m["rev"] or "main")).info())

    def tree(self, call: Call, m: re.Match[str]) -> Reply:
        repo = self._repo(call, m, files=False, revision=unquote(m["rev"]))
        recursive = call.arg("recursive", "false").lower() == "true"
        return json_reply(repo.tree(unquote(m["sub"] or ""), recursive))

    def resolve(self, call: Call, m: re.Match[str]) -> Reply:
        """HEAD/GET of a file: bytes for git files, a 302 to the CDN (+ Xet hints) for LFS ones."""
        revision, path = unquote(m["rev"]), unquote(m["file"])
        repo = self._repo(call, m, files=True, revision=revision)
        file = repo.file(path)
        commit = {"X-Repo-Commit": repo.sha}
        if file is None:
            return error(
                404,
                f"Entry not found: {path} does not exist on {revision}",
                "EntryNotFound",
                commit,
            )
        if not file.lfs:
            return byte_reply(call, file.data, {**commit, "ETag": f'"{file.etag}"'})
        headers = {
            **commit,
            "ETag": f'"{file.git_oid}"',
            "X-Linked-Etag": f'"{file.etag}"',
            "X-Linked-Size": str(len(file.data)),
            "Location": f"{self.hub.cdn_url}/lfs/{file.etag}?X-Amz-Expires=3600&X-Amz-Signature=x",
        }
        if file.xet:
            token_url = f"{self.hub.url}/api/{repo.type}s/{repo.id}/xet-read-token/{repo.sha}"
            headers.update({"X-Xet-Hash": file.xet_hash, "Link": f'<{token_url}>; rel="xet-auth"'})
        return Reply(302, b"", headers, "text/plain; charset=utf-8")

    def xet_token(self, call: Call, m: re.Match[str]) -> Reply:
        self._repo(call, m, files=True)
        expires, cas = int(time.time()) + 3600, self.hub.xet_cas_url
        headers = {
            "X-Xet-Cas-Url": cas,
            "X-Xet-Access-Token": "xet-fake-read-token",
            "X-Xet-Token-Expiration": str(expires),
        }
        return json_reply({"casUrl": cas, "accessToken": "xet-fake-read-token", "exp": expires}, headers=headers)

    # ---- Spaces and community -------------------------------------------------------------
    def runtime(self, call: Call, m: re.Match[str]) -> Reply:
        return json_reply(self._repo(call, m, files=False).runtime())

    def logs(self, call: Call, m: re.Match[str]) -> Reply:
        """Server-sent events, one `data: {"data": line, "timestamp": ...}` per log line."""
        repo = self._repo(call, m, files=False)
        lines = repo.build_logs if m["kind"] == "build" else repo.logs
        now = datetime.now(UTC)
        events = [
            {
                "data": line if line.endswith("\n") else line + "\n",
                "timestamp": iso(now - timedelta(seconds=len(lines) - i)),
            }
            for i, line in enumerate(lines)
        ]
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()
        return Reply(200, body, {"Cache-Control": "no-cache"}, "text/event-stream")

    def _settings(self, call: Call, m: re.Match[str], write: bool) -> FakeRepo:
        """The Space, if the caller may read its settings (owner) or change them (+ write token)."""
        repo = self._repo(call, m, files=False)
        if not repo.granted(call.user):
            raise Refused(error(403, f"You don't have access to the settings of space {repo.id}."))
        if write and not repo.writable_by(call.user):
            raise Refused(error(403, f"You don't have write access to space {repo.id}."))
        return repo

    def restart(self, call: Call, m: re.Match[str]) -> Reply:
        """POST /api/spaces/{repo}/restart[?factory=true]: the Space comes up at `restart_stage`."""
        repo = self._settings(call, m, write=True)
        repo.restarts += 1
        repo.factory_reboots += int(call.arg("factory") == "true")
        repo.stage = repo.restart_stage
        return json_reply(repo.runtime())

    def pause(self, call: Call, m: re.Match[str]) -> Reply:
        """POST /api/spaces/{repo}/pause."""
        repo = self._settings(call, m, write=True)
        repo.stage = "PAUSED"
        return json_reply(repo.runtime())

    def variables(self, call: Call, m: re.Match[str]) -> Reply:
        """GET lists, POST `{key, value}` adds or updates, DELETE `{key}` removes; each answers
        the list, as `get_space_variables`/`add_space_variable`/`delete_space_variable` read it."""
        repo = self._settings(call, m, write=call.method not in READ)
        if call.method in READ:
            return json_reply(repo.variables_body())
        payload = call.json()
        key = payload.get("key") if isinstance(payload, dict) else None
        if not isinstance(key, str) or not key:
            return error(400, "key is required", "BadRequest")
        if call.method == "POST":
            value = payload.get("value")
            if not isinstance(value, str):
                return error(400, "value must be a string", "BadRequest")
            repo.variables[key] = value
        else:
            repo.variables.pop(key, None)
        return json_reply(repo.variables_body())

    def discussions(self, call: Call, m: re.Match[str]) -> Reply:
        """The paginated listing `get_repo_discussions` reads: discussions, count, start, ..."""
        repo = self._repo(call, m, files=False)
        status, author = call.arg("status", "all"), call.arg("author")
        items = [
            {k: v for k, v in d.items() if k not in ("events", "changes", "filesWithConflicts", "diff")}
            for d in repo.discussion_details()
            if status in ("all", d["status"]) and author in ("", d["author"]["name"])
        ]
        start = int(call.arg("p", "0") or 0) * PAGE_SIZE
        closed = sum(1 for d in items if d["status"] != "open")
        body = {
            "discussions": items[start : start + PAGE_SIZE],
            "count": len(items),
            "start": start,
        }
        return json_reply(body | {"numClosedDiscussions": closed})

    def discussion(self, call: Call, m: re.Match[str]) -> Reply:
        repo = self._repo(call, m, files=False)
        found = [d for d in repo.discussion_details() if d["num"] == int(m["num"])]
        return json_reply(found[0]) if found else error(404, "Discussion not found")
