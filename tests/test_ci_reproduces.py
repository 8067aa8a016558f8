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


BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands:\n      - {cmd}\n"


def test_aws_codebuild_buildspec_is_ci(cli, tmp_path: Path) -> None:
    tests = "from train import main\n\ndef test_main():\n    assert main([[0], [1]], [0, 1])\n"
    files = {
        "train.py": TRAIN,
        "tests/test_train.py": tests,
        "pipelines/buildspec.yml": BUILDSPEC.format(cmd="python -m pytest -q"),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    assert status_of(report, "CICD001") == "pass"
    assert {"name": "codebuild", "files": ["pipelines/buildspec.yml"]} in report["ci"]["systems"]


def test_a_yaml_with_phases_but_no_commands_is_not_ci(cli, tmp_path: Path) -> None:
    tests = "from train import main\n\ndef test_main():\n    assert main([[0], [1]], [0, 1])\n"
    files = {"train.py": TRAIN, "tests/test_train.py": tests, "buildspec.yml": "phases: {}\n"}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    assert status_of(report, "CICD001") != "pass"


MLPROJECT = "name: demo\nentry_points:\n  main:\n    command: python -m {pkg} {{conf}}\n"
JOB = (
    "from sklearn.linear_model import LogisticRegression\n\n"
    "def run(X, y):\n    return LogisticRegression().fit(X, y)\n"
)


def test_an_mlproject_running_the_training_package_is_a_partial_pipeline(cli, tmp_path) -> None:
    files = {
        "MLproject": MLPROJECT.format(pkg="shop"),
        "shop/__init__.py": "",
        "shop/__main__.py": "import sys\nprint(sys.argv)\n",
        "shop/jobs/__init__.py": "",
        "shop/jobs/training.py": JOB,
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "REP006")
    assert status_of(report, "REP006") == "partial"


def test_an_mlproject_running_another_package_is_not(cli, tmp_path) -> None:
    files = {
        "MLproject": MLPROJECT.format(pkg="tools"),
        "tools/__init__.py": "",
        "tools/__main__.py": "print('report')\n",
        "shop/__init__.py": "",
        "shop/jobs/__init__.py": "",
        "shop/jobs/training.py": JOB,
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "REP006")
    assert status_of(report, "REP006") == "fail"
