"""CICD002: CI that re-runs the training pipeline on changes reproduces it (an ML check)."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo, scan_json, status_of

TRAIN = (
    "from sklearn.linear_model import LogisticRegression\n\n"
    "def main(X, y):\n    return LogisticRegression().fit(X, y)\n\n"
    "if __name__ == '__main__':\n    main([[0], [1]], [0, 1])\n"
)
PIN = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


def _workflow(on: str) -> str:
    return (
        f"on: {on}\npermissions: {{contents: read}}\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n      - uses: {PIN}\n      - run: python train.py\n"
    )


def test_ci_training_on_push_counts_as_reproduction(cli, tmp_path: Path) -> None:
    files = {"train.py": TRAIN, ".github/workflows/train.yml": _workflow("[push]")}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD002")
    assert status_of(report, "CICD002") == "pass"


def test_scheduled_training_is_not_a_check_of_changes(cli, tmp_path: Path) -> None:
    schedule = "{schedule: [{cron: '0 3 * * 1'}]}"
    files = {"train.py": TRAIN, ".github/workflows/train.yml": _workflow(schedule)}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD002")
    assert status_of(report, "CICD002") != "pass"
