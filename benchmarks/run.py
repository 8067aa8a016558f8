"""Benchmark mlguard against bandit and detect-secrets on the same tree, in the same run.

    python benchmarks/run.py [PATH] [--synthetic DIR] [--peers-venv DIR] [--jobs N]

Without PATH a synthetic ML monorepo is generated (benchmarks/synth_repo.py). The peers
(bandit, detect-secrets) are installed into a throwaway virtual environment, never into
mlguard's. Printed: wall time and peak RSS of each command, and the ratios the project
tracks — mlguard cold / warm / 10-changed-files hook run against `bandit -r`, and
mlguard's secrets pass against `detect-secrets scan`, with recall on planted secrets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
RSS_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "dt = time.perf_counter() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'{dt:.3f} {rss} {p.returncode}')\n"
    "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:])\n"
)


def measure(label: str, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, *argv], capture_output=True, text=True, env=env
    )
    seconds, rss_kb, code = out.stdout.split()
    print(f"  {label:<34} {float(seconds):8.2f} s  {int(rss_kb) / 1024:7.0f} MB  exit {code}")
    if code not in ("0", "1"):
        sys.exit(f"benchmark aborted: {label} failed (exit {code}):\n{out.stderr[-2000:]}")
    return float(seconds), int(rss_kb)


def peers(venv_dir: Path) -> Path:
    bin_dir = venv_dir / "bin"
    if not (bin_dir / "detect-secrets").exists() or not (bin_dir / "bandit").exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", "bandit", "detect-secrets"], check=True
        )
    return bin_dir


def touch_ten(tree: Path) -> dict[str, bytes]:
    """Append a violation to 10 Python files; returns their original bytes to restore."""
    changed = {str(p): p.read_bytes() for p in sorted(tree.rglob("*.py"))[:10]}
    for path in changed:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\nimport pickle\nLOADED = pickle.loads(b'')\n")
    return changed


def recall(tree: Path, found_lines: set[tuple[str, int]]) -> str:
    planted = tree / ".planted-secrets.txt"
    if not planted.exists():
        return "n/a (no planted secrets list)"
    values = [v for v in planted.read_text().split() if v]
    hits = 0
    for value in values:
        located = [
            (str(p.relative_to(tree)), n)
            for p in tree.rglob("*")
            if p.is_file() and p.suffix in (".py", ".ipynb") and p.stat().st_size < 10**6
            for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
            if value in line
        ]
        if located and any(loc in found_lines for loc in located):
            hits += 1
    return f"{hits}/{len(values)}"


def detect_secrets_lines(report: Path) -> set[tuple[str, int]]:
    data = json.loads(report.read_text())
    return {
        (path, item["line_number"])
        for path, items in data.get("results", {}).items()
        for item in items
    }


def mlguard_lines(report: Path, rule: str) -> set[tuple[str, int]]:
    data = json.loads(report.read_text())
    return {(f["path"], f["line"]) for f in data["findings"] if f["rule_id"] == rule}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument(
        "--synthetic", type=Path, default=Path(tempfile.gettempdir()) / "mlguard-synth"
    )
    parser.add_argument(
        "--peers-venv", type=Path, default=Path(tempfile.gettempdir()) / "mlguard-peers"
    )
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()

    tree = args.path
    if tree is None:
        tree = args.synthetic
        if not tree.exists():
            print(f"generating synthetic repository in {tree} ...")
            subprocess.run([sys.executable, str(HERE / "synth_repo.py"), str(tree)], check=True)
    tree = tree.resolve()
    work = Path(tempfile.mkdtemp(prefix="mlguard-bench-"))
    bin_dir = peers(args.peers_venv)
    mlguard = [sys.executable, "-m", "mlguard"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    cache = work / "cache"
    common = ["--no-config", "--offline", "--format", "json", *jobs]
    print(f"tree: {tree}")

    print("baseline")
    bandit_s, bandit_rss = measure(
        "bandit -r",
        [
            str(bin_dir / "bandit"),
            "-r",
            "-q",
            "-f",
            "json",
            "-o",
            str(work / "bandit.json"),
            str(tree),
        ],
    )
    ds_report = work / "ds.json"
    ds_cmd = f"cd {tree} && {bin_dir / 'detect-secrets'} scan --all-files > {ds_report}"
    ds_s, _ = measure("detect-secrets scan", ["sh", "-c", ds_cmd])

    print("mlguard")
    cold_s, cold_rss = measure(
        "scan, cold cache",
        [
            *mlguard,
            "scan",
            str(tree),
            *common,
            "--cache-dir",
            str(cache),
            "-o",
            str(work / "cold.json"),
        ],
    )
    warm_s, warm_rss = measure(
        "scan, warm cache",
        [
            *mlguard,
            "scan",
            str(tree),
            *common,
            "--cache-dir",
            str(cache),
            "-o",
            str(work / "warm.json"),
        ],
    )
    secrets_s, _ = measure(
        "secrets only (SEC004), no cache",
        [
            *mlguard,
            "scan",
            str(tree),
            *common,
            "--no-cache",
            "--select",
            "SEC004",
            "-o",
            str(work / "secrets.json"),
        ],
    )
    changed = touch_ten(tree)  # in place: the warm cache covers every other file
    try:
        hook = " ".join([*mlguard, "hook", *changed])
        hook_s, _ = measure(
            "hook on 10 changed files",
            ["sh", "-c", f"cd {tree} && MLGUARD_CACHE_DIR={cache} {hook}"],
        )
    finally:
        for path, original in changed.items():
            Path(path).write_bytes(original)

    print("ratios (target)")
    print(f"  cold / bandit        {cold_s / bandit_s:6.3f}   (<= 0.6)")
    print(f"  warm / bandit        {warm_s / bandit_s:6.3f}   (<= 0.05)")
    print(f"  hook, 10 files       {hook_s:6.2f} s (<= 1.5 s)")
    print(f"  detect-secrets / mlguard secrets  {ds_s / secrets_s:6.1f}x faster   (>= 20x)")
    print(
        f"  peak RSS cold        {cold_rss / 1024:6.0f} MB (<= 500 MB); "
        f"bandit {bandit_rss / 1024:.0f} MB"
    )
    print(
        "  recall on planted secrets: mlguard "
        f"{recall(tree, mlguard_lines(work / 'secrets.json', 'SEC004'))}, "
        f"detect-secrets {recall(tree, detect_secrets_lines(ds_report))}"
    )
    print(f"  warm RSS {warm_rss / 1024:.0f} MB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
