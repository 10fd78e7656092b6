"""Benchmarks for troubleshooter, reported as ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py [--runs 5] [--timeout 2] [--quick]

Prints one table: cold starts (median wall time and peak RSS of N runs) of `python -c pass`,
`hf env`, `troubleshooter --list` and a healthy `fetching-stuck` walk against a loopback Hub;
walks against a silent endpoint, a refused port and (as root, with bindfs) a hung FUSE mount,
compared with the probe deadline; TUI first paint and key latency while a probe hangs (when the
TUI is installed); load+lint and docs build for 10 / 100 / 1,000 synthetic playbooks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
# The Python a walk diagnoses (the user's); `--target VENV` names another one. `hf env` is run in
# that same target, so the baseline and the walk use the same huggingface_hub.
TARGET = {"prefix": Path(sys.prefix)}


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "HF_HUB_DISABLE_XET": "1",
        "VIRTUAL_ENV": str(TARGET["prefix"]),
    }
    env.update(extra or {})
    return env


def measure(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, int]:
    """Median wall seconds, median peak RSS (MiB) and the last exit code over `runs` runs."""
    walls, rss, code = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(walls), statistics.median(rss), code


def synthetic_playbooks(directory: Path, count: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        nodes = []
        for j in range(8):
            nodes.append(f"""  n{j}:
    type: check
    title: {{en: "Check {j}", zh: "检查 {j}"}}
    probe: env.offline_mode
    branches:
      - when: {{fact: offline, equals: true}}
        next: bad{j}
    otherwise: {"n" + str(j + 1) if j < 7 else "ok"}
  bad{j}:
    type: diagnosis
    cause: offline-mode
    title: Bad {j}
    remediations: [fix]""")
        text = f"""id: synth-{i:04d}
title: Synthetic {i}
symptoms: ["synthetic symptom {i}"]
start: n0
nodes:
{chr(10).join(nodes)}
  ok: {{type: diagnosis, verdict: healthy, title: OK}}
remediations:
  fix: {{title: Fix, applicability: display-only, steps: [Do it]}}
"""
        (directory / f"synth-{i:04d}.yaml").write_text(text)


def row(name: str, seconds: float, base: float | None, extra: str = "") -> str:
    ratio = f"{seconds / base:6.2f}x" if base else "      -"
    return f"| {name:<46} | {seconds:8.3f} s | {ratio} | {extra} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=2.0, help="probe deadline for the hang walks")
    parser.add_argument("--quick", action="store_true", help="skip the 1,000-playbook scale step")
    parser.add_argument(
        "--target", type=Path, default=Path(sys.prefix), help="the venv to diagnose (default: this one)"
    )
    args = parser.parse_args()
    TARGET["prefix"] = args.target.absolute()
    from tests.fakes.hubserver import FakeFile, FakeHub, FakeRepo, FakeUser
    from tests.fakes.netdead import Blackhole, closed_port_url

    tmp = Path(tempfile.mkdtemp(prefix="tsbench-"))
    home = tmp / "home"
    home.mkdir()
    ts = [str(VENV_BIN / "troubleshooter")]
    hf = str(TARGET["prefix"] / "bin" / "hf")
    lines = ["| measurement | median | ratio | notes |", "|---|---|---|---|"]

    py, py_rss, _ = measure([sys.executable, "-c", "pass"], _env(home), args.runs)
    lines.append(row("python -c pass (baseline)", py, None, f"peak {py_rss:.0f} MiB"))
    hf_env, hf_rss, _ = measure([hf, "env"], _env(home), args.runs)
    lines.append(row("hf env in the target (baseline)", hf_env, py, f"peak {hf_rss:.0f} MiB; ratio vs python"))
    lst, lst_rss, _ = measure([*ts, "--list"], _env(home), args.runs)
    lines.append(row("troubleshooter --list", lst, hf_env, f"peak {lst_rss:.0f} MiB; {lst / py:.2f}x python"))

    token = "hf_BenchTokenAAAAAAAAAAAAAAAAAAAAAAAAA"
    repo = FakeRepo("acme/tiny", files=[FakeFile("config.json", b"{}"), FakeFile("model.safetensors", size=1 << 20)])
    with FakeHub(users=[FakeUser(token, "alice")], repos=[repo]) as hub:
        env = _env(home, {"HF_ENDPOINT": hub.url, "HF_TOKEN": token})
        walk, walk_rss, code = measure(
            [*ts, "--playbook", "fetching-stuck", "--json", "--answer", "repo=acme/tiny"], env, args.runs
        )
        lines.append(
            row(
                "healthy fetching-stuck walk, probes in the target agent (loopback Hub)",
                walk,
                hf_env,
                f"peak {walk_rss:.0f} MiB; exit {code}; target <= 1.0x hf env",
            )
        )
        lines.extend(_fix_apply(ts, home, env, walk, args.runs))

    hang_cases: list[tuple[str, Callable[[], object]]] = [
        ("silent endpoint (accepts, never answers)", Blackhole),
        ("refused port", closed_port_url),
    ]
    for name, factory in hang_cases:
        with factory() as dead:  # type: ignore[attr-defined]
            env = _env(home, {"HF_ENDPOINT": dead.url, "HF_TOKEN": token})
            wall, _, code = measure(
                [
                    *ts,
                    "--playbook",
                    "fetching-stuck",
                    "--json",
                    "--timeout",
                    str(args.timeout),
                    "--answer",
                    "repo=acme/tiny",
                ],
                env,
                1,
            )
        lines.append(
            row(
                f"walk, {name}",
                wall,
                args.timeout,
                f"ratio vs the {args.timeout:g} s deadline; exit {code}; target <= deadline + 1 s",
            )
        )
    lines.extend(_hung_mount(ts, home, args.timeout))
    lines.extend(_tui())
    lines.extend(_scale(tmp, ts, home, quick=args.quick))
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _fix_apply(ts: list[str], home: Path, env: dict[str, str], healthy: float, runs: int) -> list[str]:
    """Diagnose offline mode, write the fix to a profile and verify it by walking again in a new
    process (`--apply safe`), against the same walk without applying; the profile is reset each run."""
    profile = home / ".bashrc-bench"
    offline = {**env, "HF_HUB_OFFLINE": "1", "TROUBLESHOOTER_STATE_DIR": str(home / "state")}
    base = [*ts, "--playbook", "fetching-stuck", "--json", "--answer", "repo=acme/tiny"]
    plain, _, plain_code = measure(base, offline, runs)
    walls, code = [], 0
    for _ in range(runs):
        profile.write_text("export HF_HUB_OFFLINE=1\n")
        wall, _, code = measure([*base, "--apply", "safe", "--answer", f"env_file={profile}"], offline, 1)
        walls.append(wall)
    applied = statistics.median(walls)
    return [
        row("offline-mode walk (problem found)", plain, healthy, f"exit {plain_code}; ratio vs the healthy walk"),
        row(
            "same walk + --apply safe (write, re-walk to verify)",
            applied,
            plain,
            f"exit {code} (verified fix ends healthy); ratio vs the walk without applying",
        ),
    ]


def _hung_mount(ts: list[str], home: Path, timeout: float) -> list[str]:
    """A real bindfs FUSE mount whose daemon is SIGSTOPped: every stat under it blocks."""
    if os.geteuid() != 0 or not shutil.which("bindfs") or not os.path.exists("/dev/fuse"):
        return ["| walk, hung FUSE mount | skipped | - | needs root, bindfs and /dev/fuse |"]
    import signal

    base = Path(tempfile.mkdtemp(prefix="tsbench-fuse-"))
    source, mount = base / "src", base / "drive"
    source.mkdir()
    mount.mkdir()
    (source / "MyDrive").mkdir()
    proc = subprocess.Popen(
        ["bindfs", "-f", "-o", "subtype=drive,attr_timeout=0,entry_timeout=0", str(source), str(mount)]
    )
    try:
        for _ in range(50):
            if os.path.ismount(mount):
                break
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGSTOP)
        start = time.perf_counter()
        result = subprocess.run(
            [
                *ts,
                "--playbook",
                "drive-not-syncing",
                "--json",
                "--timeout",
                str(timeout),
                "--answer",
                f"drive_root={mount}",
            ],
            env=_env(home),
            capture_output=True,
            timeout=120,
        )
        wall = time.perf_counter() - start
        return [
            row(
                "walk, hung FUSE mount (drive-not-syncing)",
                wall,
                timeout,
                f"ratio vs the {timeout:g} s deadline; exit {result.returncode}",
            )
        ]
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        subprocess.run(["fusermount", "-u", str(mount)], capture_output=True)
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        proc.terminate()


def _tui() -> list[str]:
    script = ROOT / "bench" / "tui_latency.py"
    if not script.exists():
        return ["| TUI first paint / key latency | skipped | - | bench/tui_latency.py not present |"]
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    return [line for line in out.stdout.splitlines() if line.startswith("|")] or [
        f"| TUI | failed | - | {out.stderr[-200:]!r} |"
    ]


def _scale(tmp: Path, ts: list[str], home: Path, *, quick: bool) -> list[str]:
    lines = []
    counts = (10, 100) if quick else (10, 100, 1000)
    for count in counts:
        directory = tmp / f"synth{count}"
        synthetic_playbooks(directory, count)
        start = time.perf_counter()
        subprocess.run([*ts, "lint", str(directory)], env=_env(home), capture_output=True, timeout=600)
        lint_s = time.perf_counter() - start
        lines.append(
            row(
                f"load + lint {count} playbooks",
                lint_s,
                None,
                f"{lint_s / count * 1000:.1f} ms each; target 1,000 <= 5 s",
            )
        )
        start = time.perf_counter()
        docs = subprocess.run(
            [*ts, "docs", "build", "--out", str(tmp / f"site{count}"), "--playbook-dir", str(directory)],
            env=_env(home),
            capture_output=True,
            timeout=600,
        )
        docs_s = time.perf_counter() - start
        note = (
            f"{docs_s / count * 1000:.1f} ms each"
            if docs.returncode == 0
            else f"exit {docs.returncode}: {docs.stderr[-120:]!r}"
        )
        lines.append(row(f"docs build {count} playbooks (+ shipped)", docs_s, None, note))
    return lines


if __name__ == "__main__":
    sys.exit(main())
