"""The bundled examples are assessed at their intended levels (what the README shows)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_level0_example(cli) -> None:
    result = cli(["scan", EXAMPLES / "level0-notebook", "--no-config", "--format", "json"])
    report = result.json()
    assert report["maturity"]["level"] == 0
    missing = {m["rule_id"] for m in report["maturity"]["missing"]}
    assert {"REP006", "VER003"} <= missing
    assert {"VER001", "REP001"} <= {m["rule_id"] for m in report["maturity"]["to_improve"]}
    text = cli(["scan", EXAMPLES / "level0-notebook", "--no-config"]).out
    assert "Maturity: Level 0" in text and "Missing for Level 1:" in text and "REP006" in text


def test_level1_example(cli) -> None:
    result = cli(["scan", EXAMPLES / "level1-pipeline", "--no-config", "--format", "json"])
    report = result.json()
    assert result.code == 0
    assert report["maturity"]["level"] == 1, report["maturity"]
    assert report["maturity"]["next_level"] == 2
    missing = {m["rule_id"] for m in report["maturity"]["missing"]}
    assert "CICD001" in missing
