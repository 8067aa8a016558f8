"""Every format keeps violations (findings in the code) and practice gaps (practices not in
place, repository-level) apart, with counts that match what it shows."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET  # parses mlguard's own output only  # nosec B405
from pathlib import Path

import pytest

from conftest import make_repo
from mlguard import app
from mlguard.report import markdown

FILES = {
    "train.py": (
        "import pickle\nimport random\nimport pandas as pd\nrandom.seed(0)\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "df = pd.read_csv('data/train.csv')\nm = LogisticRegression().fit(df, df)\n"
        "pickle.load(open('m.pkl', 'rb'))\n"
    ),
    "requirements.txt": "pandas\nscikit-learn\n",
    "README.md": "# demo\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("sep") / "r", FILES)


@pytest.fixture
def report(cli, repo: Path) -> dict:
    result = cli(["scan", repo, "--no-config", "-f", "json"])
    assert result.code == 1, result.err
    return result.json()


def _kinds(report: dict) -> dict[str, str]:
    return {r["id"]: r["kind"] for r in report["rules"]}


def test_json_findings_carry_kind_category_and_fingerprint(cli, repo: Path, report) -> None:
    kinds = _kinds(report)
    findings = report["findings"]
    assert {f["kind"] for f in findings} == {"violation", "practice"}
    for f in findings:
        assert f["kind"] == kinds[f["rule_id"]]
        assert f["category"] == next(
            r["category"] for r in report["rules"] if r["id"] == f["rule_id"]
        )
    violations = [f for f in findings if f["kind"] == "violation"]
    gaps = [f for f in findings if f["kind"] == "practice"]
    assert report["counts"] == {"violations": len(violations), "practice_gaps": len(gaps)}
    sarif = json.loads(cli(["scan", repo, "--no-config", "-f", "sarif"]).out)["runs"][0]
    prints = {r["partialFingerprints"]["mlguard/v1"] for r in sarif["results"]}
    assert prints == {f["fingerprint"] for f in violations}


def test_passing_rules_carry_their_evidence(report) -> None:
    passing = [r for r in report["rules"] if r["status"] == "pass" and r["kind"] == "practice"]
    with_evidence = [r for r in passing if r["evidence"]]
    assert with_evidence, passing
    for rule in with_evidence:
        assert all(e["path"] and e["line"] >= 1 for e in rule["evidence"])
    failing = [r for r in report["rules"] if r["status"] == "fail"]
    assert all(r["evidence"] == [] for r in failing)


def test_text_report_lists_violations_and_gaps_apart(cli, repo: Path, report) -> None:
    out = cli(["scan", repo, "--no-config"]).out
    counts = report["counts"]
    assert f"Violations (findings in the code), {counts['violations']}:" in out
    assert f"Practice gaps ({counts['practice_gaps']}):" in out
    violations = out.split("Violations (findings in the code)")[1].split("Practice gaps")[0]
    gaps = out.split("Practice gaps")[1].split("Not checked")[0].split("Result:")[0]
    kinds = _kinds(report)
    listed_v = re.findall(r"\b([A-Z]{2,6}[0-9]{3})\b", violations)
    assert listed_v and all(kinds[i] == "violation" for i in listed_v)
    listed_g = re.findall(r"^  \S ([A-Z]{2,6}[0-9]{3})\b", gaps, re.M)
    assert len(listed_g) == counts["practice_gaps"]
    assert all(kinds[i] == "practice" for i in listed_g)
    assert "error" not in gaps  # a practice gap is not printed as an error finding
    assert "Result: FAILED — 1 violation at or above 'error'" in out


def test_annotations_are_for_violations_only(cli, repo: Path, report) -> None:
    out = cli(["scan", repo, "--no-config", "-f", "github"]).out
    annotated = re.findall(r"title=([A-Z]{2,6}[0-9]{3}) ", out)
    kinds = _kinds(report)
    assert annotated and all(kinds[i] == "violation" for i in annotated)
    assert len(annotated) == report["counts"]["violations"]
    gaps = report["counts"]["practice_gaps"]
    assert f"{gaps} practice gaps (in the job summary)" in out


def test_sarif_alerts_are_violations_and_gaps_are_run_properties(cli, repo: Path, report) -> None:
    run = json.loads(cli(["scan", repo, "--no-config", "-f", "sarif"]).out)["runs"][0]
    kinds = _kinds(report)
    assert run["results"] and all(kinds[r["ruleId"]] == "violation" for r in run["results"])
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    gaps = run["properties"]["practiceGaps"]
    expected = sorted(f["rule_id"] for f in report["findings"] if f["kind"] == "practice")
    assert [g["ruleId"] for g in gaps] == expected
    assert {g["status"] for g in gaps} <= {"fail", "partial"}
    assert run["properties"]["violations"] == report["counts"]["violations"]


def test_markdown_separates_and_counts(cli, repo: Path, report) -> None:
    out = cli(["scan", repo, "--no-config", "-f", "markdown"]).out
    counts = report["counts"]
    assert f"· {counts['violations']} violation in the code ·" in out
    assert f"· {counts['practice_gaps']} practice gaps ·" in out
    table = out.split("### Violations in the code")[1].split("<details>")[0]
    rows = re.findall(r"^\| \w+ \| ([A-Z]{2,6}[0-9]{3}) \|", table, re.M)
    assert rows == [f["rule_id"] for f in report["findings"] if f["kind"] == "violation"]
    assert f"<details><summary>{counts['practice_gaps']} practice gaps" in out


def test_markdown_mentions_a_cap_only_when_it_lowered_the_level(cli, tmp_path: Path) -> None:
    remote = (
        "import transformers\n"
        "m = transformers.AutoModel.from_pretrained('x', trust_remote_code=True)\n"
    )
    repo = make_repo(tmp_path / "r", {**FILES, "serve.py": remote})
    report = cli(["scan", repo, "--no-config", "-f", "json"]).json()
    assert report["maturity"]["capped_by"] == ["SEC003"]  # the gate fails...
    assert report["maturity"]["uncapped_level"] == report["maturity"]["level"] == 0
    real = app.run(app.ScanOptions(repo, no_config=True, no_cache=True))
    assert "Capped" not in markdown.render(real)  # ...but changed nothing
    lowered = dataclasses.replace(
        real, assessment=dataclasses.replace(real.assessment, level=1, uncapped_level=2)
    )
    text = markdown.render(lowered)
    assert "Capped at Level 1 (Level 2 otherwise) by failing gate rule: SEC003." in text


def test_junit_counts_match_each_kind(cli, repo: Path, report) -> None:
    root = ET.fromstring(cli(["scan", repo, "--no-config", "-f", "junit"]).out)
    practices, violations = root.findall("testsuite")
    gap_ids = {f["rule_id"] for f in report["findings"] if f["kind"] == "practice"}
    assert int(practices.get("failures", "0")) == len(gap_ids)
    failing_v = {f["rule_id"] for f in report["findings"] if f["kind"] == "violation"}
    assert int(violations.get("failures", "0")) == len(failing_v)
