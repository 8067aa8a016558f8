"""The ML Test Score estimate in the JSON and text reports."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema

from conftest import make_repo, scan_json

TRAIN = """\
from sklearn.linear_model import LogisticRegression


def train(df):
    model = LogisticRegression()
    model.fit(df[["x"]], df["y"])
    return model
"""
QUALITY_TEST = """\
import numpy as np

from train import train


def test_quality(df, holdout):
    model = train(df)
    accuracy = model.score(*holdout)
    assert accuracy >= 0.8
    assert np.isfinite(model.predict_proba(holdout[0])).all()
"""


def _tests(report: dict) -> dict[str, dict]:
    return {t["id"]: t for t in report["ml_test_score"]["tests"]}


def test_passing_rules_score_their_tests_and_the_lowest_section_wins(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": TRAIN, "tests/test_model.py": QUALITY_TEST})
    _, report = scan_json(cli, repo, "--select", "TST003", "--select", "TST004")
    mts = report["ml_test_score"]
    tests = _tests(report)
    assert mts["estimate"] is True
    assert len(tests) == 28
    assert {t: tests[t]["value"] for t in ("Model5", "Infra2", "Infra4", "Monitor5")} == {
        "Model5": 1.0,
        "Infra2": 1.0,
        "Infra4": 1.0,
        "Monitor5": 1.0,
    }
    assert mts["sections"] == {"Data": 0.0, "Model": 1.0, "Infra": 2.0, "Monitor": 1.0}
    assert mts["score"] == 0.0
    assert mts["rules_counted"] == 2
    assert tests["Infra4"]["rules"] == [{"id": "TST004", "status": "pass"}]
    schema = (
        resources.files("mlguard.rules.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    jsonschema.Draft202012Validator(json.loads(schema)).validate(report)


def test_partial_counts_half_and_unscanned_rules_do_not_count(cli, tmp_path: Path) -> None:
    files = {
        "train.py": TRAIN,
        "evaluate.py": "from sklearn.metrics import f1_score\n"
        "\n\ndef report(y, p):\n    print(f1_score(y, p))\n",
    }
    repo = make_repo(tmp_path / "r", files)
    _, report = scan_json(cli, repo, "--select", "TST004")
    tests = _tests(report)
    assert tests["Model5"]["value"] == 0.5
    assert tests["Infra4"]["rules"] == [{"id": "TST004", "status": "partial"}]
    assert tests["Infra3"]["rules"] == []  # TST006 was not scanned
    assert tests["Data2"]["attest_only"] is True
    assert report["ml_test_score"]["sections"]["Model"] == 0.5


def test_text_report_labels_the_estimate(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": TRAIN, "tests/test_model.py": QUALITY_TEST})
    result = cli(["scan", repo, "--no-config", "--select", "testing"])
    assert "ML Test Score estimate: 1 (lowest section; static evidence only" in result.out
    assert "Infra       2 / 7   Infra2 1, Infra4 1" in result.out


def test_no_mapped_rule_scanned_means_no_text_section(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": TRAIN})
    result = cli(["scan", repo, "--no-config", "--select", "SEC001"])
    assert "ML Test Score" not in result.out
