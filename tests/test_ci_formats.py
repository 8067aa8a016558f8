"""markdown (job summary), github (annotations) and junit reports, and GitHub's limits."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import make_repo
from mlguard import app
from mlguard.model import Finding, Location, Severity
from mlguard.report import github, markdown

BAD = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", {"train.py": BAD, "ok.py": "import sklearn\n"})


def synthetic(report, count: int, message: str = "problem"):
    severities = [Severity.NOTE, Severity.WARNING, Severity.ERROR]
    findings = tuple(
        Finding(
            "SEC001",
            f"{message} {i}",
            Location(f"pkg/module_{i % 97}.py", i + 1),
            severities[i % 3],
            snippet=f"s{i}",
        )
        for i in range(count)
    )
    return dataclasses.replace(report, findings=findings)


def base_report(repo: Path):
    return app.run(app.ScanOptions(repo, no_config=True))


def test_several_formats_from_one_scan(cli, repo: Path, tmp_path: Path) -> None:
    sarif, summary, junit_file = tmp_path / "o.sarif", tmp_path / "s.md", tmp_path / "j.xml"
    result = cli(
        [
            "scan",
            repo,
            "--no-config",
            *("--format", f"sarif:{sarif}", "--format", f"markdown:{summary}"),
            *("--format", f"junit:{junit_file}", "--format", "github"),
        ]
    )
    assert result.code == 1
    assert "::error file=train.py,line=3,title=SEC001 " in result.out
    levels = [line.split(" ", 1)[0] for line in result.out.splitlines() if line.startswith("::")]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)
    text = summary.read_text()
    assert text.startswith("## mlguard: Level 0 of 3")
    assert "failed" in text
    assert "| error | SEC001 | `train.py:3` |" in text
    assert "### Missing for Level 1" in text
    assert "| Category | Score |" in text
    assert sarif.read_text().startswith("{")
    ET.parse(junit_file)  # well-formed


def test_junit_one_testcase_per_rule(cli, repo: Path) -> None:
    result = cli(["scan", repo, "--no-config", "--format", "junit"])
    root = ET.fromstring(result.out)
    suites = root.findall("testsuite")
    assert [s.get("name", "").split()[1] for s in suites] == ["practices", "violations"]
    cases = [c for s in suites for c in s.findall("testcase")]
    report = cli(["scan", repo, "--no-config", "--format", "json"]).json()
    assert len(cases) == len(report["rules"]) == int(root.get("tests", "0"))
    for suite, kind in zip(suites, ("practice", "violation"), strict=True):
        ids = {c.get("name", "").split()[0] for c in suite.findall("testcase")}
        assert ids == {r["id"] for r in report["rules"] if r["kind"] == kind}
        assert int(suite.get("tests", "0")) == len(ids)
    by_id = {c.get("name", "").split()[0]: c for c in cases}
    failure = by_id["SEC001"].find("failure")
    assert failure is not None
    assert "train.py:3" in (failure.text or "")
    assert by_id["SEC003"].find("failure") is None
    failed = [r for r in report["rules"] if r["status"] == "fail" or r["findings"]]
    assert int(root.get("failures", "0")) == len(failed)


def test_markdown_stays_under_one_mib_with_20000_findings(repo: Path) -> None:
    report = synthetic(base_report(repo), 20_000, message="x" * 3000)
    text = markdown.render(report)
    assert len(text.encode("utf-8")) < markdown.LIMIT_BYTES
    assert "19950 more violations not shown" in text
    top = [line for line in text.splitlines() if line.startswith("| error | SEC001")]
    assert len(top) == markdown.TOP_FINDINGS  # the most severe first


def test_markdown_fit_cuts_oversized_text() -> None:
    text = "line\n" * 400_000
    cut = markdown.fit(text)
    assert len(cut.encode("utf-8")) < markdown.LIMIT_BYTES
    assert "cut to stay under" in cut


def test_markdown_cells_cannot_break_the_table(repo: Path) -> None:
    report = synthetic(base_report(repo), 1, message="a | b\nc <script>")
    row = next(line for line in markdown.render(report).splitlines() if "a \\| b" in line)
    assert row.count(" | ") == 3  # 4 cells; the message's pipe is escaped
    assert "<script>" not in row


def test_annotations_respect_github_limits(repo: Path) -> None:
    report = synthetic(base_report(repo), 75)
    lines = github.render(report).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    levels = [line.split(" ", 1)[0] for line in commands]
    assert levels == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"] * 10
    assert len(commands) <= github.PER_JOB
    assert any("45 violations not shown as annotations" in line for line in lines)


def test_annotation_escaping() -> None:
    f = Finding(
        "SEC001", "50% bad\nsecond line", Location("a,b:c.py", 2, end_line=4), Severity.ERROR
    )
    line = github.annotation(f, "SEC001 title: x, y", prefix="ml")
    assert line == (
        "::error file=ml/a%2Cb%3Ac.py,line=2,endLine=4,title=SEC001 title%3A x%2C y"
        "::50%25 bad%0Asecond line"
    )
    assert re.fullmatch(r"::error [^:]*::.*", line)
