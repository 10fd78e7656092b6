"""A token planted everywhere never comes out; two runs on one cache do not interfere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import CANARY, REPO_ROOT, base_env
from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser


def _pieces(secret: str) -> list[str]:
    return [secret[i : i + 12] for i in range(len(secret) - 11)]


def test_canary_in_env_file_and_logs_never_appears(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    hf_home.mkdir()
    (hf_home / "token").write_text(CANARY)
    logs = home / ".config" / "Google" / "DriveFS" / "Logs"
    logs.mkdir(parents=True)
    (logs / "drive_fs.txt").write_text(f"auth header Authorization: Bearer {CANARY}\nQUOTA_EXCEEDED\n")
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}")])
    outputs = []
    with FakeHub(users=[FakeUser("hf_otherUserTokenBBBBBBBBBBBBBBBBBBBBB", "bob")], repos=[repo]) as hub:
        env = base_env(
            home,
            {
                "HF_ENDPOINT": hub.url,
                "HF_HOME": str(hf_home),
                "HUGGING_FACE_HUB_TOKEN": CANARY,
                "SOME_SECRET": CANARY,
                "HF_HUB_DISABLE_XET": "1",
            },
        )
        for playbook in ("fetching-stuck", "cache-redownloads", "drive-not-syncing"):
            for fmt in ("json", "md", "html"):
                out = tmp_path / f"{playbook}.{fmt}"
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "troubleshooter",
                        "--playbook",
                        playbook,
                        "--json",
                        "-v",
                        "--answer",
                        "repo=acme/m",
                        "--answer",
                        f"drive_root={home}/drive",
                        "--report",
                        str(out),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    cwd=REPO_ROOT,
                    stdin=subprocess.DEVNULL,
                )
                if proc.returncode == 2 and "unknown playbook" in proc.stderr:
                    continue  # that playbook is not installed in this build
                outputs += [proc.stdout, proc.stderr, out.read_text() if out.exists() else ""]
            text = subprocess.run(
                [sys.executable, "-m", "troubleshooter", "--playbook", playbook, "--no-tui", "--answer", "repo=acme/m"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
            )
            outputs += [text.stdout, text.stderr]
    blob = "\n".join(outputs)
    assert "token-invalid" in blob
    for piece in _pieces(CANARY):
        assert piece not in blob


def test_two_walks_at_once_on_one_cache(home: Path, tmp_path: Path) -> None:
    hf_home = tmp_path / "hf"
    repo = FakeRepo("acme/m", files=[FakeFile("config.json", b"{}"), FakeFile("model.safetensors", size=4096)])
    with FakeHub(users=[FakeUser(CANARY, "alice")], repos=[repo]) as hub:
        env = base_env(
            home, {"HF_ENDPOINT": hub.url, "HF_HOME": str(hf_home), "HF_TOKEN": CANARY, "HF_HUB_DISABLE_XET": "1"}
        )
        argv = [
            sys.executable,
            "-m",
            "troubleshooter",
            "--playbook",
            "fetching-stuck",
            "--json",
            "--answer",
            "repo=acme/m",
        ]
        procs = [
            subprocess.Popen(
                argv,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        results = [p.communicate(timeout=60) for p in procs]
    import json

    verdicts = [json.loads(out)["verdict"] for out, _ in results]
    assert verdicts == ["healthy", "healthy"], results
    leftovers = list(hf_home.rglob("*.lock")) + list(hf_home.rglob("*.incomplete"))
    assert not [p for p in leftovers if p.suffix == ".incomplete"]
