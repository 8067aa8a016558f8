"""README's sample outputs are what the code prints (regenerate them with
``python scripts/readme_samples.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
README = (PROJECT / "README.md").read_text("utf-8")
SAMPLES = re.findall(r"<!-- sample: (.+?) -->\n```\w*\n(.*?)```\n<!-- sample:end -->", README, re.S)
MAX_WHOLE = 20


def test_readme_has_samples() -> None:
    assert len(SAMPLES) >= 2


@pytest.mark.parametrize(("args", "sample"), SAMPLES, ids=[a for a, _ in SAMPLES])
def test_readme_sample_matches_the_output(cli, monkeypatch, args: str, sample: str) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    result = cli(args.split(), cwd=PROJECT)
    assert result.code in (0, 1), result.err
    out = result.out.splitlines()
    lines = sample.splitlines()
    if len(out) <= MAX_WHOLE:
        assert lines == out
    else:
        start = out.index(lines[0]) if lines[0] in out else -1
        assert start >= 0, f"README sample line {lines[0]!r} not in the output of mlguard {args}"
        assert out[start : start + len(lines)] == lines
