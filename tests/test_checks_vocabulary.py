"""Each declarative check kind, through a user rule file loaded from config (rule_paths)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import make_repo, status_of, write_files

RULE = """\
id: USR{num}
slug: user-rule-{num}
title: A user rule under test
category: {category}
level: 1
severity: warning
kind: {kind}
check:
{check}
docs:
  why: Why this matters to the team.
  fix: How to fix it properly.
"""


def scan_with_rule(
    cli, repo: Path, check: str, kind: str = "practice", category: str = "governance"
) -> dict:
    body = textwrap.indent(textwrap.dedent(check).strip(), "  ")
    write_files(
        repo,
        {
            "rules/USR001.yaml": RULE.format(num="001", check=body, kind=kind, category=category),
            ".mlguard.yaml": "rule_paths: [rules]\n",
        },
    )
    result = cli(["scan", repo, "--format", "json", "--select", "USR001"])
    assert result.code in (0, 1), result.err
    return result.json()


CASES = [
    ("any_file", "any_file: ['docs/*.md']", {"docs/a.md": "x"}, {"a.md": "x"}),
    (
        "file_contains",
        "file_contains: {files: ['*.cfg'], pattern: '^seed\\s*='}",
        {"s.cfg": "seed = 3\n"},
        {"s.cfg": "x = 3\n"},
    ),
    (
        "yaml_key",
        "yaml_key: {files: [params.yaml], key: train.seed, equals: 42}",
        {"params.yaml": "train: {seed: 42}\n"},
        {"params.yaml": "train: {seed: 7}\n"},
    ),
    (
        "toml_key",
        "toml_key: {files: [pyproject.toml], key: tool.kedro}",
        {"pyproject.toml": "[tool.kedro]\nx = 1\n"},
        {"pyproject.toml": "[tool.other]\n"},
    ),
    (
        "json_key",
        "json_key: {files: ['*.json'], key: 'models.*.name', matches: '^churn'}",
        {"m.json": '{"models": [{"name": "churn-v2"}]}'},
        {"m.json": '{"models": [{"name": "x"}]}'},
    ),
    (
        "any_import",
        "any_import: {modules: [mlflow]}",
        {"t.py": "from mlflow.sklearn import log_model\n"},
        {"t.py": "import mlflowx\n"},
    ),
    (
        "any_call",
        "any_call: {names: [numpy.random.seed], where: [{arg: 0, equals: 1}]}",
        {"t.py": "import numpy as np\nnp.random.seed(1)\n"},
        {"t.py": "import numpy as np\nnp.random.seed(2)\n"},
    ),
    (
        "any_call kwarg missing",
        "any_call: {names: ['*.fit'], where: [{kwarg: epochs, missing: true}]}",
        {"t.py": "model.fit(x)\n"},
        {"t.py": "model.fit(x, epochs=3)\n"},
    ),
    ("any", "any: [{any_file: [a.txt]}, {any_file: [b.txt]}]", {"b.txt": "x"}, {"c.txt": "x"}),
    (
        "all",
        "all: [{any_file: [a.txt]}, {any_file: [b.txt]}]",
        {"a.txt": "x", "b.txt": "x"},
        {"a.txt": "x"},
    ),
    ("not", "not: {any_file: [secret.txt]}", {"a.txt": "x"}, {"secret.txt": "x"}),
    ("tracked", "tracked: ['*.md']", {"a.md": "x"}, {"a.txt": "x"}),
]


@pytest.mark.parametrize(("name", "check", "good", "bad"), CASES, ids=[c[0] for c in CASES])
def test_declarative_kind_passes_and_fails(cli, tmp_path: Path, name, check, good, bad) -> None:
    good_repo = make_repo(tmp_path / "good", good)
    bad_repo = make_repo(tmp_path / "bad", bad)
    assert status_of(scan_with_rule(cli, good_repo, check), "USR001") == "pass"
    assert status_of(scan_with_rule(cli, bad_repo, check), "USR001") == "fail"


def test_partial_if(cli, tmp_path: Path) -> None:
    check = """
    pass_if: {any_file: [dvc.yaml]}
    partial_if: {any_file: [Makefile]}
    """
    repo = make_repo(tmp_path / "r", {"Makefile": "train:\n\tpython train.py\n"})
    report = scan_with_rule(cli, repo, check)
    assert status_of(report, "USR001") == "partial"
    [finding] = report["findings"]
    assert finding["path"] == "Makefile" and "Partly in place" in finding["message"]


def test_violation_rule_reports_each_match_with_line(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\nprint(x)\n\nprint(2)\n"})
    report = scan_with_rule(cli, repo, "any_call: {names: [print]}", kind="violation")
    assert status_of(report, "USR001") == "fail"
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("a.py", 2), ("a.py", 4)]


def test_tracked_is_not_checked_outside_git(cli, tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    report = scan_with_rule(cli, repo, "tracked: ['*.md']")
    rule = next(r for r in report["rules"] if r["id"] == "USR001")
    assert rule["status"] == "not-checked"
    assert "git" in rule["reason"]


def test_notebook_calls_point_to_notebook_lines(cli, tmp_path: Path) -> None:
    notebook = (
        '{\n "cells": [\n  {\n   "cell_type": "code",\n   "execution_count": null,\n'
        '   "metadata": {},\n   "outputs": [],\n   "source": [\n    "%pip install x\\n",\n'
        '    "import pickle\\n",\n    "pickle.load(f)"\n   ]\n  }\n ],\n "metadata": {},\n'
        ' "nbformat": 4,\n "nbformat_minor": 5\n}\n'
    )
    repo = make_repo(tmp_path / "r", {"nb.ipynb": notebook})
    result = cli(["scan", repo, "--format", "json", "--no-config", "--select", "SEC001"])
    [finding] = result.json()["findings"]
    assert (finding["path"], finding["line"]) == ("nb.ipynb", 11)
