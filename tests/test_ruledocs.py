"""Rule documentation: complete for every rule, identical in explain, SARIF and docs/rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_repo
from mlguard.rules import docsgen
from mlguard.rules.catalog import Catalog

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
RULE_FILES = Path(__file__).resolve().parent.parent / "rules"
SECTIONS = ("## Why it matters", "## How to fix", "## Bad", "## Good", "## References")


def _rule_ids(cli) -> list[str]:
    result = cli(["rules", "--format", "json"])
    assert result.code == 0, result.err
    return [row["id"] for row in result.json()]


def test_every_rule_has_complete_docs(cli, tmp_path: Path) -> None:
    """Rule files need every section; rules synthesised from bandit's metadata (BAN...) have
    no examples of their own, only why, fix and bandit's reference."""
    assert cli(["docs", "--out", tmp_path]).code == 0
    yaml_rules = {p.stem for p in RULE_FILES.glob("*.yaml")}
    assert len(yaml_rules) >= 40
    incomplete = {}
    for rule_id in _rule_ids(cli):
        page = (tmp_path / f"{rule_id}.md").read_text()  # the text `mlguard explain` prints
        wanted = SECTIONS if rule_id in yaml_rules else SECTIONS[:2] + SECTIONS[4:]
        missing = [s for s in wanted if s not in page]
        if "## References\n\n- " not in page:
            missing.append("a reference")
        if missing:
            incomplete[rule_id] = missing
    assert incomplete == {}


def test_docs_are_generated_and_checked(cli, tmp_path: Path) -> None:
    out = tmp_path / "rules"
    assert cli(["docs", "--check", "--out", out]).code == 1
    written = cli(["docs", "--out", out])
    assert written.code == 0, written.err
    ids = _rule_ids(cli)
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{i}.md" for i in ids), "README.md"])
    assert cli(["docs", "--check", "--out", out]).code == 0
    index = (out / "README.md").read_text()
    assert "| [TST001](TST001.md) | An ML-aware test suite exists | 2 | error | practice |" in index

    (out / "TST001.md").write_text("edited by hand\n")
    (out / "OLD001.md").write_text("a rule that no longer exists\n")
    stale = cli(["docs", "--check", "--out", out])
    assert stale.code == 1
    assert "OLD001.md" in stale.err and "TST001.md" in stale.err
    assert "README.md" not in stale.err
    cli(["docs", "--out", out])
    assert not (out / "OLD001.md").exists()
    assert cli(["docs", "--check", "--out", out]).code == 0


def test_explain_sarif_help_and_docs_page_agree(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": "import sklearn\n"})
    sarif = cli(["scan", repo, "--no-config", "--select", "TST001", "--format", "sarif"]).json()
    (rule,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    explained = cli(["explain", "TST001"]).out
    cli(["docs", "--out", tmp_path / "docs"])
    page = (tmp_path / "docs" / "TST001.md").read_text()
    assert rule["help"]["markdown"] == explained == page
    assert page.startswith("# TST001: An ML-aware test suite exists\n")


def test_committed_rule_docs_are_current() -> None:
    if not DOCS.is_dir():
        pytest.skip("docs/rules is not part of this distribution")
    assert docsgen.stale(DOCS, Catalog.load()) == []
