"""What the fake Hub serves: accounts, repositories, files, and injected faults.

Plain data plus the Hub's access rules and the JSON bodies huggingface_hub 2.4.0 parses.
The HTTP side lives in `hubserver.py`. Hashes are real (git blob sha1, sha256) so that the
client's cache layout and consistency checks behave exactly as against huggingface.co.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Literal

RepoType = Literal["model", "dataset", "space"]
Role = Literal["read", "write", "fineGrained"]
Gated = Literal[False, "auto", "manual"]

DATE = "2025-01-01T00:00:00.000Z"  # creation/modification date of everything on the fake Hub
RUNNING_STAGES = ("RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING")


def git_blob_sha1(data: bytes) -> str:
    """Git object id of a file: the Hub's ETag for regular (non-LFS) files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(data: bytes) -> bytes:
    """The git-lfs pointer that represents an LFS file inside the git tree."""
    digest = hashlib.sha256(data).hexdigest()
    spec = "version https://git-lfs.github.com/spec/v1"
    return f"{spec}\noid sha256:{digest}\nsize {len(data)}\n".encode()


def generated_bytes(seed: str, size: int) -> bytes:
    """Deterministic pseudo-content, so big LFS files need no fixture data on disk."""
    block = hashlib.sha256(seed.encode()).digest() * 256  # 8 KiB
    return (block * (size // len(block) + 1))[:size]


def object_id(text: str) -> str:
    """A stable 24-hex id, the shape of the Hub's Mongo `_id` fields."""
    return hashlib.sha1(text.encode()).hexdigest()[:24]


def iso(moment: datetime) -> str:
    """The timestamp format the Hub uses and `huggingface_hub.utils.parse_datetime` reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class FakeUser:
    """An account and the single token it authenticates with.

    `can_read_gated` only matters for fine-grained tokens: classic read/write tokens can always
    read the gated repos their user was granted, fine-grained ones need that extra permission.
    """

    token: str
    name: str
    role: Role = "read"
    orgs: tuple[str, ...] = ()
    can_read_gated: bool = False

    def owns(self, repo_id: str) -> bool:
        """Whether the repo lives in this user's namespace or in one of its orgs."""
        return repo_id.split("/", maxsplit=1)[0] in (self.name, *self.orgs)

    def whoami(self) -> dict[str, Any]:
        """Body of GET /api/whoami-v2 for this token."""
        token: dict[str, Any] = {
            "displayName": f"{self.name}-token",
            "role": self.role,
            "createdAt": DATE,
        }
        if self.role == "fineGrained":
            entities = [("user", self.name), *(("org", org) for org in self.orgs)]
            token["fineGrained"] = {
                "canReadGatedRepos": self.can_read_gated,
                "global": ["discussion.write", "post.write"],
                "scoped": [
                    {
                        "entity": {"_id": object_id(name), "type": kind, "name": name},
                        "permissions": ["repo.content.read", "repo.access.read"],
                    }
                    for kind, name in entities
                ],
            }
        return {
            "type": "user",
            "id": object_id(self.name),
            "name": self.name,
            "fullname": self.name.title(),
            "email": f"{self.name}@example.test",
            "emailVerified": True,
            "isPro": False,
            "canPay": False,
            "avatarUrl": "",
            "orgs": [{"type": "org", "name": o, "fullname": o, "roleInOrg": "read"} for o in self.orgs],
            "auth": {"type": "access_token", "accessToken": token},
        }


@dataclass
class FakeFile:
    """A file of a repository.

    Give `content` for a regular git file (ETag = git blob sha1) or `size` for an LFS file whose
    bytes are generated and served through the CDN origin (ETag = sha256). `xet=True` makes an
    LFS file also advertise Xet storage on HEAD.
    """

    path: str
    content: bytes | None = None
    size: int | None = None
    xet: bool = False

    def __post_init__(self) -> None:
        if (self.content is None) == (self.size is None):
            raise ValueError(f"FakeFile {self.path!r}: give exactly one of content= or size=")
        if self.xet and self.size is None:
            raise ValueError(f"FakeFile {self.path!r}: xet files are LFS files, give size=")

    @property
    def lfs(self) -> bool:
        return self.size is not None

    @cached_property
    def data(self) -> bytes:
        """The bytes a download yields."""
        if self.content is not None:
            return self.content
        return generated_bytes(self.path, self.size or 0)

    @cached_property
    def etag(self) -> str:
        """What the client stores the blob under (sha256 for LFS files, git sha1 otherwise)."""
        return hashlib.sha256(self.data).hexdigest() if self.lfs else git_blob_sha1(self.data)

    @property
    def git_oid(self) -> str:
        """The id git itself sees: the pointer's blob id for LFS files."""
        return git_blob_sha1(lfs_pointer(self.data)) if self.lfs else self.etag

    @property
    def xet_hash(self) -> str:
        return hashlib.sha256(b"xet:" + self.data).hexdigest()

    def tree_entry(self) -> dict[str, Any]:
        """Entry of GET /api/{type}s/{repo}/tree/{rev} for this file."""
        entry: dict[str, Any] = {
            "type": "file",
            "oid": self.git_oid,
            "size": len(self.data),
            "path": self.path,
        }
        if self.lfs:
            entry["lfs"] = {
                "oid": self.etag,
                "size": len(self.data),
                "pointerSize": len(lfs_pointer(self.data)),
            }
        if self.xet:
            entry["xetHash"] = self.xet_hash
        return entry


@dataclass
class FakeRepo:
    """A model, dataset or Space repository, who may read it, and for Spaces their runtime.

    Fields are read at request time, so a test may change e.g. `stage` between two calls.

    `discussions` are titles (newest first) or dicts with `title` and optionally `author`,
    `status`, `body` (the first comment), `comments` (more bodies), `events` (raw Hub events,
    used as-is) and `created_at` (ISO). `logs`/`build_logs` are the Space's log lines.

    `variables` are a Space's public variables (key -> value); the restart, pause and variables
    routes change `stage` and `variables`, and `restarts` counts restarts (`factory_reboots` the
    factory ones). A restarted Space comes up at `restart_stage` at once (no build to wait for).
    """

    id: str
    type: RepoType = "model"
    files: list[FakeFile] = field(default_factory=list)
    gated: Gated = False
    private: bool = False
    disabled: bool = False
    access: tuple[str, ...] = ()
    sha: str = ""
    stage: str | None = None
    hardware: str | None = None
    error_message: str | None = None
    discussions: list[str | dict[str, Any]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    build_logs: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    restart_stage: str = "RUNNING"
    restarts: int = 0
    factory_reboots: int = 0

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = hashlib.sha1(f"commit:{self.type}:{self.id}".encode()).hexdigest()
        if not re.fullmatch(r"[0-9a-f]{40}", self.sha):
            raise ValueError(f"FakeRepo {self.id!r}: sha must be 40 lowercase hex digits")

    @property
    def namespace(self) -> str:
        return self.id.split("/")[0]

    def file(self, path: str) -> FakeFile | None:
        return next((f for f in self.files if f.path == path), None)

    def has_revision(self, revision: str) -> bool:
        return revision in ("main", self.sha)

    # ---- access rules ---------------------------------------------------------------------
    def visible_to(self, user: FakeUser | None) -> bool:
        """Whether the repo exists for this caller: private repos are hidden from strangers."""
        return not self.private or self.granted(user)

    def granted(self, user: FakeUser | None) -> bool:
        """Whether the caller owns the repo (user or org namespace) or is on its access list."""
        return user is not None and (user.owns(self.id) or user.name in self.access)

    def gate_open_for(self, user: FakeUser | None) -> bool:
        """Whether the caller may read the files of a (possibly gated) repo."""
        if not self.gated:
            return True
        if user is None or not self.granted(user):
            return False
        return user.role != "fineGrained" or user.can_read_gated

    def writable_by(self, user: FakeUser | None) -> bool:
        """Whether the caller's token may push here (a write token of the namespace's owner)."""
        return user is not None and user.role == "write" and user.owns(self.id)

    # ---- JSON bodies ----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Body of GET /api/{type}s/{repo}[/revision/{rev}]: model_info/dataset_info/space_info."""
        body: dict[str, Any] = {
            **self.summary(),
            "author": self.namespace,
            "sha": self.sha,
            "lastModified": DATE,
            "disabled": self.disabled,
            "siblings": [{"rfilename": f.path} for f in sorted(self.files, key=lambda f: f.path)],
        }
        if self.type == "space":
            body.update(sdk="gradio", runtime=self.runtime())
        return body

    def summary(self) -> dict[str, Any]:
        """One item of the GET /api/{type}s listing."""
        return {
            "_id": object_id(f"{self.type}:{self.id}"),
            "id": self.id,
            "private": self.private,
            "gated": self.gated,
            "likes": 0,
            "downloads": 0,
            "tags": [],
            "createdAt": DATE,
        }

    def tree(self, prefix: str, recursive: bool) -> list[dict[str, Any]]:
        """Body of GET .../tree/{rev}[/{prefix}]: folders first, then files, like the Hub."""
        base = prefix.strip("/") + "/" if prefix.strip("/") else ""
        files = sorted((f for f in self.files if f.path.startswith(base)), key=lambda f: f.path)
        parts = [f.path.split("/") for f in files]
        folders = sorted({"/".join(p[:n]) for p in parts for n in range(1, len(p))})
        entries: list[dict[str, Any]] = [
            {"type": "directory", "oid": _tree_oid(d), "size": 0, "path": d} for d in folders if d.startswith(base)
        ]
        entries += [f.tree_entry() for f in files]
        if recursive:
            return entries
        return [e for e in entries if "/" not in e["path"][len(base) :]]

    def runtime(self) -> dict[str, Any]:
        """Body of GET /api/spaces/{repo}/runtime; `stage` is passed through even if unknown."""
        stage, hardware = self.stage or "RUNNING", self.hardware or "cpu-basic"
        running = stage in RUNNING_STAGES
        body: dict[str, Any] = {
            "stage": stage,
            "hardware": {"current": hardware if running else None, "requested": hardware},
            "storage": None,
            "gcTimeout": 172800 if hardware == "cpu-basic" else None,
            "replicas": {"current": 1 if running else 0, "requested": 1},
            "devMode": False,
            "domains": [
                {
                    "domain": self.id.replace("/", "-").replace("_", "-").lower() + ".hf.space",
                    "stage": "READY",
                }
            ],
            "sha": self.sha,
        }
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body

    def variables_body(self) -> dict[str, dict[str, Any]]:
        """Body of GET|POST|DELETE /api/spaces/{repo}/variables: key -> {value, updatedAt}."""
        return {k: {"value": v, "updatedAt": DATE} for k, v in sorted(self.variables.items())}

    def discussion_details(self) -> list[dict[str, Any]]:
        """Every discussion as GET .../discussions/{num} returns it, newest first."""
        now = datetime.now(UTC)
        out = []
        for index, item in enumerate(self.discussions):
            spec: dict[str, Any] = {"title": item} if isinstance(item, str) else dict(item)
            num = len(self.discussions) - index
            created = spec.get("created_at") or iso(now - timedelta(hours=index + 1))
            author = spec.get("author", self.namespace)
            bodies = ([spec["body"]] if "body" in spec else []) + list(spec.get("comments", []))
            events = spec.get("events") or [
                _comment(f"{self.id}#{num}/{i}", author=author, body=b, created=created) for i, b in enumerate(bodies)
            ]
            pull = bool(spec.get("pull_request", False))
            details: dict[str, Any] = {
                "num": num,
                "title": spec["title"],
                "status": spec.get("status", "open"),
                "isPullRequest": pull,
                "createdAt": created,
                "numComments": len(events),
                "pinned": False,
                "author": {"name": author, "type": "user"},
                "repo": {"name": self.id, "type": self.type},
                "events": events,
            }
            if pull:
                details.update(changes={"base": "refs/heads/main"}, filesWithConflicts=[], diff="")
            out.append(details)
        return out


def _tree_oid(folder: str) -> str:
    return hashlib.sha1(f"tree:{folder}".encode()).hexdigest()


def _comment(key: str, *, author: str, body: str, created: str) -> dict[str, Any]:
    """A `comment` event in the shape `huggingface_hub.community.deserialize_event` reads."""
    return {
        "id": object_id(key),
        "type": "comment",
        "createdAt": created,
        "author": {"name": author, "type": "user"},
        "data": {
            "edited": False,
            "hidden": False,
            "latest": {
                "raw": body,
                "html": f"<p>{body}</p>",
                "updatedAt": created,
                "author": {"name": author},
            },
            "numEdits": 0,
            "editors": [author],
            "reactions": [],
        },
    }


@dataclass
class Fault:
    """A replacement answer for requests whose URL path matches `path_regex` (re.search).

    The first matching fault wins. `status` answers with `status`/`headers`/`body`; without a
    status the normal answer follows after `delay` seconds. `hang` accepts the request and never
    answers (until the hub stops); `stall_body` sends the headers and a few bytes of the body,
    then stalls (GET only: a HEAD has no body). `times` is how many requests it takes (0 = all).
    Faults apply to both origins, so `^/lfs/` targets the CDN.
    """

    path_regex: str
    methods: tuple[str, ...] | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str = b""
    delay: float = 0.0
    hang: bool = False
    times: int = 0
    stall_body: bool = False
    hits: int = 0  # how many requests this fault has taken so far

    def take(self, method: str, path: str) -> bool:
        """Whether the fault applies to this request, counting the use (caller holds the lock)."""
        if self.methods is not None and method.upper() not in {m.upper() for m in self.methods}:
            return False
        if (self.times and self.hits >= self.times) or not re.search(self.path_regex, path):
            return False
        self.hits += 1
        return True
