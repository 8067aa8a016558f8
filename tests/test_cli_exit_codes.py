"""Exit codes 0/1/2/3 and statuses through the CLI."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo, scan_json, status_of

UNSAFE = {"train.py": "import pickle\npickle.load(open('m.pkl', 'rb'))\nimport sklearn\n"}


def test_exit_0_when_clean(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "print('hi')\n"})
    result = cli(["scan", repo, "--no-config"])
    assert result.code == 0, result.out
    assert "Result: passed" in result.out


def test_exit_1_on_error_finding(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", UNSAFE)
    result = cli(["scan", repo, "--no-config"])
    assert result.code == 1
    assert "train.py:2" in result.out and "SEC001" in result.out


def test_fail_on_never_and_min_level(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", UNSAFE)
    assert cli(["scan", repo, "--no-config", "--fail-on", "never"]).code == 0
    result = cli(["scan", repo, "--no-config", "--fail-on", "never", "--min-level", "1"])
    assert result.code == 1
    assert "below the required 1" in result.out


def test_min_level_does_not_apply_where_maturity_is_not_assessed(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"tool.py": "import pickle\npickle.load(open('m', 'rb'))\n"})
    result = cli(["scan", repo, "--no-config", "--fail-on", "never", "--min-level", "1"])
    assert result.code == 0, result.out
    assert "Maturity: not assessed" in result.out and "Repository: other" in result.out


def test_exit_2_on_usage_errors(cli, tmp_path: Path) -> None:
    assert cli(["scan", tmp_path / "missing"]).code == 2
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    result = cli(["scan", repo, "--select", "NOPE999"])
    assert result.code == 2 and "unknown rule id" in result.err
    assert cli(["scan", repo, "--format", "yaml"]).code == 2
    assert "Traceback" not in result.err


def test_exit_3_on_internal_error_without_traceback(cli, tmp_path: Path, monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("mlguard.engine.scan.scan", boom)
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    result = cli(["scan", repo, "--no-config"])
    assert result.code == 3
    assert "internal error" in result.err and "Traceback" not in result.err


def test_crashed_check_is_error_status_and_scan_goes_on(cli, tmp_path: Path, monkeypatch) -> None:
    from mlguard.checks.families import PYTHON_CHECKS

    def crash(ctx):
        raise ValueError("kaboom")

    monkeypatch.setitem(
        PYTHON_CHECKS, "reproducibility.seeds.training_seeded", crash
    )  # REP003's check
    training = "from sklearn.svm import SVC\nSVC().fit(X, y)\n"
    repo = make_repo(tmp_path / "r", {**UNSAFE, "fit.py": training})
    code, report = scan_json(cli, repo)
    rule = next(r for r in report["rules"] if r["id"] == "REP003")
    assert rule["status"] == "error" and "kaboom" in rule["reason"]
    assert status_of(report, "SEC001") == "fail"
    assert code == 1


def test_not_applicable_rules_leave_the_score(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "print('no ml here')\n"})
    _, report = scan_json(cli, repo)
    rule = next(r for r in report["rules"] if r["id"] == "REP003")
    assert rule["status"] == "n/a" and rule["reason"]
    versioning = next(c for c in report["categories"] if c["name"] == "versioning")
    assert versioning["other"] >= 1


def test_output_file_and_several_formats(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", UNSAFE)
    out = tmp_path / "out"
    result = cli(
        [
            "scan",
            repo,
            "--no-config",
            "-f",
            f"sarif:{out}.sarif",
            "-f",
            f"json:{out}.json",
            "-f",
            "text",
        ]
    )
    assert result.code == 1
    assert (tmp_path / "out.sarif").read_text().startswith("{")
    assert '"schema_version"' in (tmp_path / "out.json").read_text()
    assert "Maturity: Level" in result.out
    result = cli(["scan", repo, "--no-config", "-f", "json", "-o", tmp_path / "o.json"])
    assert result.out == "" and (tmp_path / "o.json").exists()


def test_rules_explain_and_policy_show(cli) -> None:
    listing = cli(["rules", "--category", "security"])
    assert listing.code == 0 and "SEC001" in listing.out and "VER001" not in listing.out
    explain = cli(["explain", "sec001"])
    assert explain.code == 0 and "How to fix" in explain.out
    assert cli(["explain", "XYZ123"]).code == 2
    shown = cli(["policy", "show", "strict"])
    assert shown.code == 0 and "extends: default" in shown.out
    assert cli(["policy", "show", "nope"]).code == 2
