"""Test code is recognised wherever practitioners put it: nested ``tests/`` folders
(``src/tests/``, ``pkg/tests/unit/``), ``*_test.py`` / ``*_tests.py`` files and a package's
``tests.py`` module, by every rule
that cares (TST001 sees the tests; bandit's assert check leaves them alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_repo, status_of

MODEL = "from sklearn.linear_model import LinearRegression\n\nmodel = LinearRegression()\n"
TEST_BODY = (
    "from sklearn.linear_model import LinearRegression\n\n\n"
    "def test_fit():\n    model = LinearRegression().fit([[0], [1]], [0, 1])\n"
    "    assert model.predict([[2]])[0] > 1\n"
)
TEST_LOCATIONS = [
    "src/tests/checks.py",
    "src/pkg/tests/unit/checks.py",
    "pkg/model_test.py",
    "pkg/model_tests.py",
    "pkg/tests.py",
    "test/integration/run.py",
]
NOT_TESTS = [
    "pkg/model_testing.py",
    "src/latest.py",
    "src/attests/checks.py",
    "contest.py",
    "pkg/unittests_report.py",
]
# bandit's assert test is off by default; enabled, it still leaves test code alone
ASSERTS_ON = "rules:\n  configure:\n    BAN101: {params: {enabled: true}}\n"


def _scan(cli, repo: Path) -> dict:
    result = cli(["scan", repo, "--select", "TST001", "--select", "BAN101", "-f", "json"])
    assert result.code in (0, 1), result.err
    return result.json()


@pytest.mark.parametrize("path", TEST_LOCATIONS)
def test_test_files_anywhere(cli, tmp_path: Path, path: str) -> None:
    files = {"src/model.py": MODEL, path: TEST_BODY, ".mlguard.yaml": ASSERTS_ON}
    report = _scan(cli, make_repo(tmp_path / "r", files))
    assert status_of(report, "TST001") == "pass", report["rules"]
    assert status_of(report, "BAN101") == "pass"  # asserts in tests are how tests work


@pytest.mark.parametrize("path", NOT_TESTS)
def test_names_that_only_look_like_tests(cli, tmp_path: Path, path: str) -> None:
    files = {"src/model.py": MODEL, path: TEST_BODY, ".mlguard.yaml": ASSERTS_ON}
    report = _scan(cli, make_repo(tmp_path / "r", files))
    assert status_of(report, "TST001") == "fail", report["rules"]
    assert status_of(report, "BAN101") == "fail"
    assert [f["path"] for f in report["findings"] if f["rule_id"] == "BAN101"] == [path]
