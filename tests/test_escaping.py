"""Text from the scanned repository cannot act in a report: Markdown renders no link,
image or HTML from it, and bidirectional controls are shown escaped in every format."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo

RLO = "\u202e"
IMAGE = "![pwn](https://evil.example/t.png)"
LINK = "[click](https://evil.example/login)"
HTML = "<img src=x onerror=alert(1)>"
FORMATS = ("text", "json", "sarif", "markdown", "github", "junit")


def _pickle(module: str, name: str) -> bytes:
    """A protocol-4 pickle calling ``module.name`` through STACK_GLOBAL and REDUCE (a
    global the scanner names in its finding); built here, never loaded."""
    mod, attr = module.encode(), name.encode()
    return (
        b"\x80\x04\x8c" + bytes([len(mod)]) + mod + b"\x8c" + bytes([len(attr)]) + attr + b"\x93)R."
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "model.pkl": _pickle(f"o{RLO}s{IMAGE}{LINK}", f"system{HTML}`x`|y{RLO}z"),
            f"train{RLO}gnp.py": "import pickle\npickle.load(open('m', 'rb'))\n",
            f"{LINK}.py": "import pickle\npickle.load(open('m', 'rb'))\n",
        },
    )


def _outputs(cli: Any, root: Path) -> dict[str, str]:
    found = {}
    for fmt in FORMATS:
        result = cli(["scan", str(root), "--format", fmt, "--no-config"])
        assert result.code == 1, result.err
        found[fmt] = result.out
    return found


def test_markdown_renders_nothing_from_the_repository(cli: Any, hostile: Path) -> None:
    out = _outputs(cli, hostile)["markdown"]
    assert "pwn" in out and "evil.example" in out  # the text is there ...
    out = re.sub(r"`[^`\n]*`", "`code`", out)  # nothing renders inside a code span
    for active in ("![", "](", "<img", "[click]", "https://"):
        assert active not in out, active  # ... but no image, link or HTML
    for line in out.splitlines():
        if line.startswith("| error | SEC002"):
            assert line.count(" | ") == 3  # the message did not open new table cells


def test_bidi_controls_are_escaped_in_every_format(cli: Any, hostile: Path) -> None:
    for fmt, out in _outputs(cli, hostile).items():
        if fmt == "json":  # messages escaped; the path fields stay exact (see below)
            report = json.loads(out)
            out = json.dumps([f["message"] for f in report["findings"]], ensure_ascii=False)
        if fmt == "sarif":  # artifact URIs are percent-encoded
            out = json.dumps(
                [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]],
                ensure_ascii=False,
            )
        if fmt == "github":  # file= must name the real file; the messages are escaped
            out = "\n".join(line.split("::", 2)[-1] for line in out.splitlines())
        assert RLO not in out, fmt
    report = cli(["scan", str(hostile), "--format", "json", "--no-config"]).json()
    messages = [f["message"] for f in report["findings"] if f["path"] == "model.pkl"]
    assert any("\\u202e" in m for m in messages)
    # data fields keep the real path: tools must find the file
    assert f"train{RLO}gnp.py" in {f["path"] for f in report["findings"]}


def test_json_keeps_real_paths_while_text_shows_them_escaped(cli: Any, hostile: Path) -> None:
    text = cli(["scan", str(hostile), "--no-config"]).out
    assert "train\\u202egnp.py" in text
    github = cli(["scan", str(hostile), "--format", "github", "--no-config"]).out
    line = next(ln for ln in github.splitlines() if "gnp.py" in ln)
    assert f"file=train{RLO}gnp.py" not in line or RLO not in line.split("::", 2)[2]
    sarif = json.loads(cli(["scan", str(hostile), "--format", "sarif", "--no-config"]).out)
    texts = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert all(RLO not in t for t in texts)
