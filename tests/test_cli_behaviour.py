"""What a user meets first on the command line: selectors, output files, colour, Ctrl-C,
exit codes in --help, an empty directory, suggestions, the rule list, error messages."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import make_repo, write_files

UNSAFE = {"train.py": "import pickle\npickle.load(open('m.pkl', 'rb'))\n"}


def _ran(report: dict) -> set[str]:
    return {r["id"] for r in report["rules"]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", UNSAFE)


# --- selectors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("SEC001,SEC003", {"SEC001", "SEC003"}),
        ("sec001", {"SEC001"}),
        ("SEC001, sec003", {"SEC001", "SEC003"}),
        ("sec003,ban30[12]", {"SEC003", "BAN301", "BAN302"}),
    ],
)
def test_select_accepts_lists_and_any_case(cli, repo: Path, selector: str, expected) -> None:
    result = cli(["scan", repo, "--no-config", "--select", selector, "-f", "json"])
    assert result.code in (0, 1), result.err
    ran = _ran(result.json())
    assert ran == expected
    assert result.code == (1 if "SEC001" in ran else 0)


def test_select_category_is_case_insensitive(cli, repo: Path) -> None:
    result = cli(["scan", repo, "--no-config", "--select", "Security", "-f", "json"])
    report = result.json()
    assert result.code == 1
    assert report["rules"] and all(r["category"] == "security" for r in report["rules"])


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("selector", ["XYZ*", "NOPE999", "securty", "SEC001,REP00"])
def test_selector_matching_no_rule_is_a_usage_error(
    cli, repo: Path, option: str, selector: str
) -> None:
    result = cli(["scan", repo, "--no-config", option, selector])
    assert result.code == 2, result.out
    assert option in result.err and "Traceback" not in result.err
    assert result.out == ""


def test_selector_error_suggests_close_names(cli, repo: Path) -> None:
    result = cli(["scan", repo, "--no-config", "--select", "securty", "--ignore", "REP00"])
    assert result.code == 2
    assert "did you mean security" in result.err
    assert "did you mean REP00" in result.err  # REP001... REP008
    assert len(result.err.strip().splitlines()) == 2  # both problems at once


def test_policy_selectors_follow_the_same_rules(cli, repo: Path) -> None:
    write_files(repo, {"ok.yaml": "rules:\n  select: ['sec001,Security']\n"})
    result = cli(["scan", repo, "--no-config", "--policy", repo / "ok.yaml", "-f", "json"])
    assert result.code == 1, result.err
    assert "SEC001" in _ran(result.json())
    write_files(repo, {"bad.yaml": "rules:\n  select: [security]\n  ignore: ['XYZ*']\n"})
    result = cli(["scan", repo, "--no-config", "--policy", repo / "bad.yaml"])
    assert result.code == 2
    assert "bad.yaml:3: rules.ignore: selector 'XYZ*' matches no rule" in result.err


# --- where reports go --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "{tmp}/missing/report.txt"],
        ["-o", "{tmp}"],
        ["-f", "json:{tmp}/missing/r.json"],
        ["-f", "sarif:{tmp}"],
    ],
)
def test_unwritable_output_is_a_usage_error(cli, repo: Path, tmp_path: Path, args) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = cli(["scan", repo, "--no-config", *args])
    assert result.code == 2, result.err
    assert "cannot write" in result.err and "internal error" not in result.err


def test_baseline_to_a_missing_directory_is_a_usage_error(cli, repo: Path, tmp_path: Path) -> None:
    result = cli(["baseline", repo, "--no-config", "-o", tmp_path / "nope" / "b.json"])
    assert result.code == 2
    assert f"cannot write {tmp_path / 'nope' / 'b.json'}" in result.err


def test_only_one_format_on_standard_output(cli, repo: Path, tmp_path: Path) -> None:
    result = cli(["scan", repo, "--no-config", "-f", "json", "-f", "sarif"])
    assert result.code == 2 and result.out == ""
    assert "only one format can go to standard output" in result.err
    ok = cli(["scan", repo, "--no-config", "-f", "json", "-f", f"sarif:{tmp_path / 'o.sarif'}"])
    assert ok.code == 1 and ok.json()["tool"]["name"] == "mlguard"


# --- colour, interrupts, help ------------------------------------------------------------


def test_no_color_and_force_color(cli, repo: Path, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in cli(["scan", repo, "--no-config"]).out  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in cli(["scan", repo, "--no-config"]).out
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli(["scan", repo, "--no-config"]).out
    assert "\x1b[" in cli(["scan", repo, "--no-config", "--color"]).out


def test_ctrl_c_exits_130(cli, repo: Path, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("mlguard.engine.scan.scan", interrupted)
    result = cli(["scan", repo, "--no-config"])
    assert result.code == 130
    assert "interrupted" in result.err and "Traceback" not in result.err


def test_each_command_lists_its_own_exit_codes(cli) -> None:
    helps = {
        name: cli([*name.split(), "--help"]).out
        for name in ["scan", "hook", "baseline", "rules", "explain", "init", "policy validate"]
    }
    for name, text in helps.items():
        assert "Exit codes:" in text, name
        assert "130" in text and "usage or configuration error" in text, name
    assert "the policy failed" in helps["scan"]
    assert "the policy failed" not in helps["baseline"]
    assert "the baseline file was written" in helps["baseline"]
    assert "level below" not in helps["hook"]


# --- an empty directory ------------------------------------------------------------------


def test_empty_directory_says_nothing_was_found_and_does_not_score(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    text = cli(["scan", empty, "--no-config"])
    assert text.code == 0
    assert "Nothing found to scan" in text.out
    assert "score" not in text.out.split("Nothing found")[0] and "Level" not in text.out
    result = cli(["scan", empty, "--no-config", "-f", "json"])
    report = result.json()
    assert report["nothing_to_scan"] is True and report["maturity"] is None
    assert report["findings"] == [] and report["counts"] == {"violations": 0, "practice_gaps": 0}
    assert report["rules"] == [] and report["categories"] == []
    schema = json.loads(
        resources.files("mlguard.rules.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    jsonschema.validate(report, schema)
    sarif = json.loads(cli(["scan", empty, "--no-config", "-f", "sarif"]).out)
    assert sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["properties"]["score"] is None


# --- explain and rules -------------------------------------------------------------------


@pytest.mark.parametrize(("typo", "close"), [("REP00", "REP00"), ("B301", "BAN301")])
def test_explain_suggests_the_closest_ids(cli, typo: str, close: str) -> None:
    result = cli(["explain", typo])
    assert result.code == 2
    assert "did you mean" in result.err and close in result.err


def test_explain_accepts_any_case_and_slugs(cli) -> None:
    assert cli(["explain", "sec001"]).out.startswith("# SEC001")
    assert cli(["explain", "bandit-pickle"]).out.startswith("# BAN301")


CUSTOM_RULE = """\
id: ACME001
slug: acme-readme
title: The repository has a README
category: governance
level: 1
severity: warning
kind: practice
check: {any_file: ["README*"]}
docs:
  why: Newcomers start from the README.
  fix: Write a README.md that says what the project does.
"""


def test_rules_shows_gates_off_rules_and_custom_rules(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"acme/ACME001.yaml": CUSTOM_RULE, ".mlguard.yaml": "rule_paths: [acme]\n"},
    )
    rows = {r["id"]: r for r in cli(["rules", "--format", "json"], cwd=repo).json()}
    assert rows["ACME001"]["custom"] is True and rows["SEC001"]["custom"] is False
    assert rows["SEC003"]["gate"] is True and rows["REP001"]["gate"] is False
    assert rows["BAN311"]["enabled"] is False and rows["BAN602"]["enabled"] is True
    text = cli(["rules"], cwd=repo).out
    line = {ln.split()[0]: ln for ln in text.splitlines() if ln.strip()}
    assert " gate " in line["SEC003"] and " off " in line["BAN311"]
    assert "(custom)" in line["ACME001"]
    assert " gates (failing one caps" in text and " off (not run" in text.splitlines()[-2]
    explained = cli(["explain", "acme001"], cwd=repo)
    assert explained.code == 0 and explained.out.startswith("# ACME001")
    assert cli(["explain", "ACME001", "--no-config"], cwd=repo).code == 2


# --- policy and config errors ------------------------------------------------------------


def test_all_errors_of_a_policy_file_at_once_with_lines(cli, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "extends: default\n"
        "rules:\n"
        "  select: [security, NOPE001]\n"
        "  ignore: ['xyz*']\n"
        "maturity:\n"
        "  gates: [SEC011]\n"
    )
    result = cli(["policy", "validate", policy])
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 3, result.err
    assert f"{policy}:3: rules.select: unknown rule id 'NOPE001'" in lines[0]
    assert f"{policy}:4: rules.ignore" in lines[1]
    assert f"{policy}:6: unknown rule id 'SEC011'; did you mean" in lines[2]
    schema = tmp_path / "s.yaml"
    schema.write_text("name: X\nrules:\n  selec: []\nfail: {on: maybe}\n")
    lines = cli(["policy", "validate", schema]).err.strip().splitlines()
    assert [ln.split(":")[3] for ln in lines] == ["1", "3", "4"], lines


def test_extends_typo_has_file_and_line(cli, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("name: mine\nextends: strcit\n")
    result = cli(["policy", "validate", policy])
    assert result.code == 2
    assert f"{policy}:2: extends: no built-in policy named 'strcit'" in result.err
    assert "did you mean 'strict'" in result.err


def test_tool_mlguard_errors_have_lines(cli, tmp_path: Path) -> None:
    pyproject = (
        "[project]\nname = 'x'\n\n[tool.mlguard.rules]\nselect = ['SEC01']\nignore = ['XYZ']\n"
    )
    repo = make_repo(tmp_path / "r", {"pyproject.toml": pyproject})
    result = cli(["scan", repo])
    assert result.code == 2
    assert "pyproject.toml:5: rules.select: selector 'SEC01' matches no rule" in result.err
    assert "pyproject.toml:6: rules.ignore: selector 'XYZ' matches no rule" in result.err
    write_files(repo, {"pyproject.toml": "[project]\nname = 'x'\n[tool.mlguard]\nfail = 'yes'\n"})
    result = cli(["scan", repo])
    assert result.code == 2 and "pyproject.toml:4: [tool.mlguard] fail:" in result.err


def test_config_policy_typo_points_at_the_config_line(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".mlguard.yaml": "# mine\npolicy: defualt\n"})
    result = cli(["scan", repo])
    assert result.code == 2
    assert ".mlguard.yaml:2: policy: no built-in policy named 'defualt'" in result.err


# --- mlguard docs is for mlguard's own checkout -----------------------------------------


def test_docs_is_hidden_and_refuses_outside_the_checkout(cli, tmp_path: Path) -> None:
    assert "docs" not in cli(["--help"]).out.split("Commands:")[1]
    result = cli(["docs"], cwd=tmp_path)
    assert result.code == 2 and "mlguard's checkout" in result.err
    assert not (tmp_path / "docs").exists()


# --- wording -----------------------------------------------------------------------------


def test_baseline_message_counts_entries_in_words(cli, repo: Path, tmp_path: Path) -> None:
    result = cli(["baseline", repo, "--no-config", "--select", "SEC001", "-o", tmp_path / "b.json"])
    assert result.code == 0
    assert "entr(ies)" not in result.out and "(s)" not in result.out
    assert "1 finding as 1 entry" in result.out


def test_skipped_file_says_how_to_raise_the_budget(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"notes.md": "x" * 3000 + "\n", ".mlguard.yaml": "settings: {max_text_kb: 1}\n"},
    )
    report = cli(["scan", repo, "-f", "json"]).json()
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "settings.max_text_kb" in reasons["notes.md"]


def _notebook(counts: list[int]) -> str:
    cells = [
        {"cell_type": "code", "execution_count": c, "metadata": {}, "outputs": [], "source": "x"}
        for c in counts
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_order_message_reads_well(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {"same.ipynb": _notebook([1, 1]), "back.ipynb": _notebook([1, 3, 2])}
    )
    report = cli(["scan", repo, "--no-config", "-f", "json"]).json()
    messages = {f["path"]: f["message"] for f in report["findings"] if "ran as" in f["message"]}
    assert "Cells 1 and 2 both ran as [1]" in messages["same.ipynb"]
    assert "Cell 3 ran as [2], before cell 2 above it ([3])" in messages["back.ipynb"]
    assert "after a cell that ran as" not in json.dumps(messages)
