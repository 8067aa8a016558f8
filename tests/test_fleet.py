"""`mlguard fleet`: many repositories' JSON reports (written by `mlguard scan -f json -o`)
rolled up into one view, through the CLI."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import maturity_projects as projects
from conftest import git, make_repo, write_files

NOT_IN_PLACE = ("fail", "partial")


def scan_to(cli: Any, repo: Path, dest: Path, *extra: str) -> dict[str, Any]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    result = cli(["scan", repo, "--no-config", "-f", "json", "-o", dest, *extra])
    assert result.code in (0, 1), result.err
    return json.loads(dest.read_text("utf-8"))


@pytest.fixture
def fleet3(cli: Any, tmp_path: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Three repositories' reports: a Level-0 notebook project, a Level-1 pipeline and an
    ML library (not assessed), one report file each, named after the repository."""
    out = tmp_path / "reports"
    reports = {
        name: scan_to(cli, make_repo(tmp_path / name, files), out / f"{name}.json")
        for name, files in (
            ("notebook", projects.LEVEL0),
            ("pipeline", projects.LEVEL1),
            ("lib", projects.LIBRARY),
        )
    }
    return out, reports


def files_of(out: Path) -> list[str]:
    return sorted(str(p) for p in out.glob("*.json"))


def test_json_rolls_up_level_score_and_missing_practices(cli: Any, fleet3: Any) -> None:
    out, reports = fleet3
    result = cli(["fleet", *files_of(out), "-f", "json"])
    assert result.code == 0, result.err
    view = result.json()
    repos = {r["name"]: r for r in view["repositories"]}
    assert [r["name"] for r in view["repositories"]] == ["lib", "notebook", "pipeline"]
    assert (repos["notebook"]["state"], repos["notebook"]["level"]) == ("Level 0", 0)
    assert (repos["pipeline"]["state"], repos["pipeline"]["level"]) == ("Level 1", 1)
    assert (repos["lib"]["state"], repos["lib"]["level"]) == ("not assessed", None)
    for name, report in reports.items():
        repo = repos[name]
        assert repo["score"] == report["maturity"]["score"]
        assert repo["violations"] == report["counts"]["violations"]
        assert repo["failed"] == report["result"]["failed"]
        assert repo["missing_for_next_level"] == [
            g["rule_id"] for g in report["maturity"]["missing"]
        ]
        assert repo["marks"] == [] and len(repo["trend"]["points"]) == 1
    assert view["reference"] == {
        "mlguard_version": reports["lib"]["tool"]["version"],
        "policy": "default",
    }
    assert view["totals"]["repositories"] == 3 and view["totals"]["reports"] == 3
    assert view["totals"]["states"] == {"Level 0": 1, "Level 1": 1, "not assessed": 1}
    # the practices most often missing: counted from the reports' rule statuses
    missing = view["most_missing"]
    assert missing and [m["missing"] for m in missing] == sorted(
        (m["missing"] for m in missing), reverse=True
    )
    for m in missing:
        expected = sum(
            any(r["id"] == m["rule_id"] and r["status"] in NOT_IN_PLACE for r in rep["rules"])
            for rep in reports.values()
        )
        blocking = sum(
            m["rule_id"] in {g["rule_id"] for g in rep["maturity"]["missing"]}
            for rep in reports.values()
        )
        assert (m["missing"], m["blocking"]) == (expected, blocking), m["rule_id"]
        assert 0 < m["missing"] <= m["applicable"] <= 3
    assert any(m["blocking"] for m in missing)


def test_csv_has_one_row_per_repository(cli: Any, fleet3: Any, tmp_path: Path) -> None:
    out, reports = fleet3
    dest = tmp_path / "fleet.csv"
    result = cli(["fleet", *files_of(out), "-f", "csv", "-o", dest])
    assert result.code == 0 and result.out == "", result.err
    rows = list(csv.DictReader(io.StringIO(dest.read_text("utf-8"))))
    assert [r["repository"] for r in rows] == ["lib", "notebook", "pipeline"]
    by_name = {r["repository"]: r for r in rows}
    assert by_name["notebook"]["level"] == "0" and by_name["pipeline"]["level"] == "1"
    assert by_name["lib"]["level"] == "" and by_name["lib"]["state"] == "not assessed"
    for name, report in reports.items():
        assert by_name[name]["score"] == str(report["maturity"]["score"])
        assert by_name[name]["reports"] == "1" and by_name[name]["notes"] == ""
        assert by_name[name]["report"].endswith(f"{name}.json")
    assert by_name["notebook"]["failed"] == "true"  # it loads a pickle


def test_markdown_lists_repositories_and_top_missing(cli: Any, fleet3: Any) -> None:
    out, _ = fleet3
    view = cli(["fleet", *files_of(out), "-f", "json"]).json()
    result = cli(["fleet", *files_of(out), "-f", "markdown", "--top", "2"])
    assert result.code == 0, result.err
    md = result.out
    assert md.startswith("## mlguard fleet")
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Repository | Level | Score")
    assert any(line.startswith("| notebook | 0 |") for line in table)
    assert any(line.startswith("| pipeline | 1 |") for line in table)
    assert any(line.startswith("| lib | n/a |") for line in table)
    rules = [line for line in md.splitlines() if line.startswith("| `")]
    assert [line.split("`")[1] for line in rules] == [
        m["rule_id"] for m in view["most_missing"][:2]
    ]
    left = len(view["most_missing"]) - 2
    assert f"... and {left} more practices" in md


def test_text_is_the_default(cli: Any, fleet3: Any) -> None:
    out, _ = fleet3
    text = cli(["fleet", *files_of(out)]).out
    assert text.startswith("mlguard fleet: 3 repositories from 3 reports")
    assert "Level 0: 1, Level 1: 1, not assessed: 1" in text
    assert "Practices most often missing" in text


def test_trend_and_reports_from_other_versions_or_policies(cli: Any, tmp_path: Path) -> None:
    shop = make_repo(tmp_path / "shop", projects.LEVEL0)
    reports = tmp_path / "reports"
    before = scan_to(cli, shop, reports / "shop" / "2026-01.json")
    git(shop, "rm", "-rq", ".")
    write_files(shop, projects.LEVEL1)
    git(shop, "add", "-A")
    git(shop, "commit", "-qm", "pipeline")
    after = scan_to(cli, shop, reports / "shop" / "2026-02.json")
    scan_to(cli, make_repo(tmp_path / "lib", projects.LIBRARY), reports / "lib" / "2026-02.json")
    strict = scan_to(cli, shop, reports / "strict-shop" / "2026-02.json", "--policy", "strict")
    assert strict["policy"]["name"] == "strict"

    files = sorted(str(p) for p in reports.glob("*/*.json"))
    view = cli(["fleet", "--by", "dir", *files, "-f", "json"]).json()
    repos = {r["name"]: r for r in view["repositories"]}
    assert sorted(repos) == ["lib", "shop", "strict-shop"]
    trend = repos["shop"]["trend"]
    assert [p["level"] for p in trend["points"]] == [0, 1]
    assert trend["level_change"] == 1
    assert trend["score_change"] == after["maturity"]["score"] - before["maturity"]["score"]
    assert trend["comparable"] is True and trend["note"] == ""
    assert view["reference"]["policy"] == "default"
    assert repos["strict-shop"]["marks"] == ["policy strict (fleet: default)"]
    assert repos["shop"]["marks"] == []

    # a report from another mlguard version: the trend is no longer comparable
    old = json.loads(Path(files[1]).read_text("utf-8"))
    assert files[1].endswith("shop/2026-01.json")
    old["tool"]["version"] = "0.0.1"
    Path(files[1]).write_text(json.dumps(old), "utf-8")
    view = cli(["fleet", "--by", "dir", *files, "-f", "json"]).json()
    trend = {r["name"]: r for r in view["repositories"]}["shop"]["trend"]
    assert trend["comparable"] is False and "mlguard 0.0.1 -> " in trend["note"]
    text = cli(["fleet", "--by", "dir", *files]).out
    assert "level 0 -> 1 (+1)" in text and "not comparable: mlguard 0.0.1 -> " in text
    rows = list(csv.DictReader(io.StringIO(cli(["fleet", "--by", "dir", *files, "-f", "csv"]).out)))
    shop_row = next(r for r in rows if r["repository"] == "shop")
    assert shop_row["reports"] == "2" and shop_row["level_change"] == "1"
    assert "not comparable" in shop_row["notes"]

    # the same file name in different folders, named by file: one "repository", and a hint
    result = cli(["fleet", *files])
    assert result.code == 0
    assert "--by dir" in result.err


def test_nothing_to_scan_report(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = scan_to(cli, empty, tmp_path / "r" / "empty.json")
    assert report["maturity"] is None
    view = cli(["fleet", tmp_path / "r" / "empty.json", "-f", "json"]).json()
    [repo] = view["repositories"]
    assert (repo["state"], repo["level"], repo["score"]) == ("nothing to scan", None, None)
    assert view["most_missing"] == [] and view["totals"]["mean_score"] is None
    assert "nothing to scan" in cli(["fleet", tmp_path / "r" / "empty.json"]).out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "not valid JSON (line 1"),
        ('{"version": "2.1.0", "runs": []}', "a SARIF file"),
        ("[]", "a JSON array"),
        ('{"hello": 1}', "not an mlguard JSON report"),
        ('{"tool": {"name": "mlguard", "version": "1"}, "schema_version": "2.0"}', "2.0"),
        ('{"tool": {"name": "mlguard", "version": "1"}, "schema_version": "1.1"}', "policy"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_report_is_a_usage_error(
    cli: Any, tmp_path: Path, content: str | bytes, says: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = cli(["fleet", bad])
    assert result.code == 2
    assert f"mlguard: error: {bad}: " in result.err and says in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_missing_file_directory_and_no_argument(cli: Any, tmp_path: Path) -> None:
    missing = cli(["fleet", tmp_path / "nope.json"])
    assert missing.code == 2 and "nope.json: no such file" in missing.err
    folder = cli(["fleet", tmp_path])
    assert folder.code == 2 and "a directory" in folder.err
    assert cli(["fleet"]).code == 2


def test_names_from_reports_cannot_render_in_markdown(cli: Any, fleet3: Any) -> None:
    out, _ = fleet3
    shutil.copy(out / "lib.json", out / "[click](evil.example).json")
    shutil.copy(out / "lib.json", out / "=HYPERLINK(1).json")
    md = cli(["fleet", *files_of(out), "-f", "markdown"]).out
    assert "[click](" not in md and "\\[click\\]\\(" in md
    rows = list(csv.DictReader(io.StringIO(cli(["fleet", *files_of(out), "-f", "csv"]).out)))
    assert "'=HYPERLINK(1)" in {r["repository"] for r in rows}  # no formula in a spreadsheet


def test_help_teaches(cli: Any) -> None:
    text = cli(["fleet", "--help"]).out
    for expected in (
        "-f json:mlguard.json",
        "Examples:",
        "--by",
        "oldest",
        "csv",
        "--top",
        "Exit codes",
    ):
        assert expected in text, expected
    assert "fleet" in cli(["--help"]).out


def test_html_is_one_self_contained_page(cli: Any, fleet3: Any) -> None:
    out, _ = fleet3
    view = cli(["fleet", *files_of(out), "-f", "json"]).json()
    result = cli(["fleet", *files_of(out), "-f", "html", "--top", "2"])
    assert result.code == 0, result.err
    page = result.out
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "src=" not in page and "href=" not in page
    rows = [line for line in page.splitlines() if line.startswith("<tr")]
    names = [line.split("<td>")[1].split("</td>")[0] for line in rows if "<td>" in line]
    assert names[:3] == ["lib", "notebook", "pipeline"]
    assert "<td>Level 1</td>" in page and "<td>not assessed</td>" in page
    shown = [line.split("<code>")[1].split("</code>")[0] for line in rows if "<code>" in line]
    assert shown == [m["rule_id"] for m in view["most_missing"][:2]]


def test_names_from_reports_cannot_render_in_html(cli: Any, fleet3: Any) -> None:
    out, _ = fleet3
    shutil.copy(out / "lib.json", out / "<img onerror=x>.json")
    page = cli(["fleet", *files_of(out), "-f", "html"]).out
    assert "<img" not in page and "&lt;img onerror=x&gt;" in page
