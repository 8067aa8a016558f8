"""Regenerate (or, with --check, verify) the sample outputs in README.md.

Each sample sits between ``<!-- sample: ARGS -->`` and ``<!-- sample:end -->`` and holds
what ``mlguard ARGS`` prints, run in the repository root: a short output whole, of a long
one the lines from the sample's first word on, as many as the sample has. So the README
shows what the code prints; tests/test_readme_samples.py checks it.

    python scripts/readme_samples.py [--check]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_WHOLE = 20  # outputs up to this many lines are shown whole
SAMPLE = re.compile(r"(<!-- sample: (.+?) -->\n```\w*\n)(.*?)(```\n<!-- sample:end -->)", re.S)


def run(args: str) -> str:
    env = {**os.environ, "NO_COLOR": "1", "MLGUARD_OFFLINE": "1"}
    env.pop("MLGUARD_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "mlguard", *args.split(), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def refreshed(block: str, output: str) -> str:
    """A short output whole; of a long one, as many lines as ``block`` has, from the line
    starting with ``block``'s first word."""
    out = output.splitlines()
    if len(out) <= MAX_WHOLE:
        return output
    lines = block.splitlines()
    first = lines[0].split()[0] if lines and lines[0].split() else ""
    start = next((i for i, line in enumerate(out) if first and line.startswith(first)), 0)
    return "\n".join(out[start : start + max(len(lines), 1)]) + "\n"


def main(argv: list[str]) -> int:
    text = README.read_text("utf-8")
    new = SAMPLE.sub(lambda m: m[1] + refreshed(m[3], run(m[2])) + m[4], text)
    if "--check" in argv:
        if new != text:
            print("README.md samples are stale: run python scripts/readme_samples.py")
            return 1
        return 0
    README.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
