"""No secret reaches any output through a message: skip reasons, rule reasons, finding
messages and error messages all go through one redaction path, in every format."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from conftest import make_repo

# built at run time so that no literal token sits in the test sources
PROVIDER = "gh" + "p_" + "R8x2Kq9LmZ4vT7wN3pY6sB1cD5fG0hJ2kL8m"
GENERIC = "Zq7Xk2Lm9Pv4Rt8Wn3Ys6Bd1Cf5Gh0Jk2Lm8Np4Q"
AWS = "AK" + "IA" + "QX7ZK2LM9PV4RT8W"  # mlguard: ignore[SEC004] a fake credential the test plants
FORMATS = ("text", "json", "sarif", "markdown", "github", "gitlab", "junit")


def _bodies() -> list[str]:
    return [PROVIDER[4:], GENERIC[2:], AWS[4:]]


def _leaks(output: str) -> list[str]:
    return [body for body in _bodies() if body[:12] in output]


def _all_formats(cli: Any, root: Path, *extra: str) -> dict[str, str]:
    outputs = {}
    for fmt in FORMATS:
        result = cli(["scan", str(root), "--format", fmt, "--no-config", *extra])
        assert result.code in (0, 1), result.err
        outputs[fmt] = result.out + result.err
    return outputs


def test_secret_used_as_a_duplicated_yaml_key_is_redacted_everywhere(
    cli: Any, tmp_path: Path
) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            "dvc.yaml": f"stages:\n  {GENERIC}: 1\n  {GENERIC}: 2\n",
            ".github/workflows/ci.yml": f"on: push\n{PROVIDER}: 1\n{PROVIDER}: 2\n",
            "params.yaml": f"{AWS}: [\n",
        },
    )
    outputs = _all_formats(cli, root)
    for fmt, out in outputs.items():
        assert _leaks(out) == [], fmt
    report = cli(["scan", str(root), "--format", "json", "--no-config"]).json()
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "duplicate key" in reasons["dvc.yaml"]  # still says what is wrong, and where
    assert "line 3" in reasons["dvc.yaml"]
    assert "…(40 chars)" in reasons["dvc.yaml"]


def test_secret_in_the_repository_config_error_is_redacted(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {".mlguard.yaml": f"{PROVIDER}: 1\n{PROVIDER}: 2\n"})
    result = cli(["scan", str(root)])
    assert result.code == 2
    assert ".mlguard.yaml:2" in result.err
    assert "duplicate key" in result.err
    assert _leaks(result.err) == []


def test_secret_in_a_model_file_global_is_redacted_in_findings(cli: Any, tmp_path: Path) -> None:
    payload = f"c{GENERIC}\n{PROVIDER}\n(tR.".encode()
    assert pickle.PROTO not in payload[:1]  # a protocol-0 pickle the unpickler would run
    root = make_repo(tmp_path / "repo", {"model.pkl": payload})
    outputs = _all_formats(cli, root)
    for fmt, out in outputs.items():
        assert _leaks(out) == [], fmt
    report = cli(["scan", str(root), "--format", "json", "--no-config"]).json()
    assert any(f["path"] == "model.pkl" for f in report["findings"])


def test_ordinary_messages_are_left_alone(cli: Any) -> None:
    """Paths, stage names, git ids and package names in messages are not mistaken for
    secrets: nothing but SEC004's own findings shows a redacted form."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    for example in sorted(p for p in examples.iterdir() if p.is_dir()):
        report = cli(["scan", str(example), "--format", "json", "--no-config"]).json()
        texts = [f["message"] for f in report["findings"] if f["rule_id"] != "SEC004"]
        texts += [r["reason"] for r in report["rules"]] + [s["reason"] for s in report["skipped"]]
        assert [t for t in texts if "…(" in t] == [], example.name
