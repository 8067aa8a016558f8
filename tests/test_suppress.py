"""Inline ignores: every comment style, the line-above form, notebooks, MLG001/MLG002."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of, write_files

# A user rule flagging every line containing FORBIDDEN, so that each file type can carry
# findings; loaded through an explicit config file outside the scanned repository.
MARKER_RULE = """\
id: XTST001
slug: forbidden-marker
title: No FORBIDDEN marker
category: security
level: 0
severity: error
kind: violation
check:
  file_contains: {files: ["*"], pattern: "FORBIDDEN"}
docs:
  why: A marker that tests place in every kind of file to produce findings there.
  fix: Remove the marker from the file, or ignore it inline with a reason.
"""


@pytest.fixture
def marker_config(tmp_path: Path) -> Path:
    write_files(tmp_path / "cfg", {"rules/XTST001.yaml": MARKER_RULE})
    config = tmp_path / "cfg" / "mlguard.yaml"
    config.write_text("rule_paths: [rules]\n")
    return config


def scan_with(cli: Any, repo: Path, config: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli(["scan", repo, "--format", "json", "--config", config, *extra])
    assert result.code in (0, 1), result.err
    return result.code, result.json()


def lines_of(report: dict[str, Any], rule_id: str) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == rule_id]


PY_BAD = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"


def test_python_same_line_and_line_above_suppress(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "train.py": (
                "import pickle\n"
                "a = pickle.load(f)  # mlguard: ignore[SEC001] our own cache file\n"
                "# mlguard: ignore[SEC003, SEC001] -- produced by train.py in this job\n"
                "b = pickle.load(f)\n"
                "c = pickle.load(f)\n"
            )
        },
    )
    code, report = scan_json(cli, repo, "--select", "SEC001", "--select", "MLG002")
    assert lines_of(report, "SEC001") == [("train.py", 5)]
    assert report["suppressed"] == 2
    assert code == 1
    # SEC003 was not selected: its id in the ignore is not judged unused
    assert lines_of(report, "MLG002") == []


def test_all_findings_ignored_passes_and_stays_out_of_sarif(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"train.py": "import pickle\nm = pickle.load(f)  # mlguard: ignore[SEC001] trusted\n"},
    )
    code, report = scan_json(cli, repo, "--select", "SEC001")
    assert (code, status_of(report, "SEC001"), report["findings"]) == (0, "pass", [])
    sarif = cli(["scan", repo, "--no-config", "--select", "SEC001", "--format", "sarif"]).json()
    run = sarif["runs"][0]
    assert run["results"] == []
    assert run["properties"]["suppressed"] == 1


def test_ignore_text_inside_a_python_string_is_not_an_ignore(cli, tmp_path: Path) -> None:
    src = 'import pickle\nm = pickle.load(f); s = "# mlguard: ignore[SEC001] not a comment"\n'
    repo = make_repo(tmp_path / "r", {"train.py": src})
    _, report = scan_json(cli, repo, "--select", "SEC001")
    assert lines_of(report, "SEC001") == [("train.py", 2)]
    assert report["suppressed"] == 0


@pytest.mark.parametrize(
    "name",
    ["params.yaml", "pyproject.toml", "Dockerfile", "train.sh", "requirements.txt", "setup.cfg"],
)
def test_hash_comment_styles(cli, tmp_path: Path, marker_config: Path, name: str) -> None:
    content = (
        "first: FORBIDDEN  # mlguard: ignore[XTST001] fixture data, never shipped\n"
        "# mlguard: ignore[xtst001] the next line is documentation\n"
        "second: FORBIDDEN\n"
        "third: FORBIDDEN\n"
    )
    repo = make_repo(tmp_path / "r", {name: content})
    code, report = scan_with(cli, repo, marker_config, "--select", "XTST001")
    assert lines_of(report, "XTST001") == [(name, 4)]
    assert report["suppressed"] == 2
    assert code == 1


def _notebook() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n", "notes"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [
                "import pickle\n",
                "# mlguard: ignore[SEC001] weights we trained ourselves\n",
                "a = pickle.load(f)\n",
                "b = pickle.load(f)",
            ],
        },
    ]
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1) + "\n"


def test_notebook_cell_ignore_maps_to_file_lines(cli, tmp_path: Path) -> None:
    text = _notebook()
    repo = make_repo(tmp_path / "r", {"nb.ipynb": text})
    _, report = scan_json(cli, repo, "--select", "SEC001")
    file_lines = text.splitlines()
    expected = next(i for i, line in enumerate(file_lines, 1) if "b = pickle.load" in line)
    assert lines_of(report, "SEC001") == [("nb.ipynb", expected)]
    assert report["suppressed"] == 1


def test_missing_reason_and_missing_ids_are_findings(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "train.py": (
                "import pickle\n"
                "a = pickle.load(f)  # mlguard: ignore[SEC001]\n"
                "b = pickle.load(f)  # mlguard: ignore because reasons\n"
                "c = pickle.load(f)  # mlguard: ignore[SEC001] trusted, produced by us\n"
            )
        },
    )
    _, report = scan_json(cli, repo, "--select", "SEC001", "--select", "MLG001")
    assert lines_of(report, "MLG001") == [("train.py", 2), ("train.py", 3)]
    # an ignore without a reason still applies; one without ids applies to nothing
    assert lines_of(report, "SEC001") == [("train.py", 3)]


def test_unused_ignores_are_reported(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "train.py": (
                "import json, pickle\n"
                "a = json.load(f)  # mlguard: ignore[SEC001] was pickle once\n"
                "b = pickle.load(f)  # mlguard: ignore[SEC001, NOPE123] trusted\n"
                "c = 1  # mlguard: ignore[VER001] not selected in this run\n"
            )
        },
    )
    code, report = scan_json(cli, repo, "--select", "SEC001", "--select", "MLG002")
    hits = [(f["line"], f["message"]) for f in report["findings"] if f["rule_id"] == "MLG002"]
    assert [line for line, _ in hits] == [2, 3]
    assert "no SEC001 finding" in hits[0][1]
    assert "no rule NOPE123 exists" in hits[1][1]
    assert status_of(report, "MLG002") == "fail"
    assert code == 0  # MLG002 is a warning: the default policy fails on errors only


def test_no_ignores_shows_everything(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"train.py": "import pickle\nm = pickle.load(f)  # mlguard: ignore[SEC001] trusted\n"},
    )
    code, report = scan_json(cli, repo, "--select", "SEC001", "--select", "MLG002", "--no-ignores")
    assert lines_of(report, "SEC001") == [("train.py", 2)]
    assert report["suppressed"] == 0
    assert status_of(report, "MLG002") == "not-checked"
    assert code == 1


def test_meta_rules_cannot_be_ignored_inline(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": "x = 1  # mlguard: ignore[MLG001]\n"})
    _, report = scan_json(cli, repo, "--select", "MLG001", "--select", "MLG002")
    assert lines_of(report, "MLG001") == [("train.py", 1)]
    assert "cannot be ignored inline" in next(
        f["message"] for f in report["findings"] if f["rule_id"] == "MLG002"
    )


def test_yaml_block_scalars_and_quoted_hashes(cli, tmp_path: Path, marker_config: Path) -> None:
    content = (
        "docs: |\n"
        "  x = FORBIDDEN  # mlguard: ignore[XTST001] text of a block scalar, not a comment\n"
        "next: it's FORBIDDEN  # mlguard: ignore[XTST001] apostrophe in a plain scalar\n"
        'url: "a # b FORBIDDEN"  # mlguard: ignore[XTST001] hash inside quotes\n'
        "tail: >-\n"
        "  # mlguard: ignore[XTST001] folded text\n"
        "last: FORBIDDEN\n"
    )
    repo = make_repo(tmp_path / "r", {"ci.yml": content})
    _, report = scan_with(cli, repo, marker_config, "--select", "XTST001", "--select", "MLG001")
    assert lines_of(report, "XTST001") == [("ci.yml", 2), ("ci.yml", 7)]
    assert report["suppressed"] == 2
