"""Time ``mlguard history`` against one cold scan of the same repository.

    python benchmarks/history.py /path/to/a/git/clone [--last 20] [--jobs N]

Measures, back to back in this run: one cold scan (``scan --no-cache``), ``history --last
N`` with an empty cache directory (cold), and the same ``history`` again (warm), each a
separate ``python -m mlguard`` process with ``--no-config --offline``. Prints the times,
the ratios against the cold scan and what ``history --stats`` says was reused. The
repository is only read (history never checks anything out); the cache lives in a
temporary directory removed at the end. Timings on a shared machine are noisy: run it
more than once.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return elapsed, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--last", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: all)")
    args = parser.parse_args()
    mlguard = [sys.executable, "-m", "mlguard"]
    common = ["--no-config", "--offline"] + (["--jobs", str(args.jobs)] if args.jobs else [])
    with tempfile.TemporaryDirectory(prefix="mlguard-bench-") as scratch:
        cache = Path(scratch) / "cache"
        scan_s, _ = timed(
            [
                *mlguard,
                "scan",
                str(args.repo),
                *common,
                "--no-cache",
                "-f",
                "json",
                "-o",
                str(Path(scratch) / "scan.json"),
            ]
        )
        history = [*mlguard, "history", str(args.repo), "--last", str(args.last), *common]
        history += ["--cache-dir", str(cache), "--stats"]
        cold_s, cold = timed(history)
        warm_s, warm = timed(history)
    rows = [line for line in cold.stdout.splitlines() if re.match(r"[0-9a-f]{12}  ", line)]
    print(f"repository: {args.repo}")
    print(f"history --last {args.last}: {len(rows)} commits")
    print(f"one cold scan (--no-cache):      {scan_s:8.2f} s")
    print(f"history cold (empty cache dir):  {cold_s:8.2f} s  = {cold_s / scan_s:5.2f} x cold scan")
    print(f"history warm (same cache again): {warm_s:8.2f} s  = {warm_s / scan_s:5.2f} x cold scan")
    print(f"cold stats: {cold.stderr.strip()}")
    print(f"warm stats: {warm.stderr.strip()}")
    print()
    print(cold.stdout)


if __name__ == "__main__":
    main()
