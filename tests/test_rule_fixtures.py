"""Every rule proves itself on fixture repositories.

``tests/fixtures/rules/<ID>/<case>/`` is a file tree; the test copies it into a fresh git
repository, scans it with only that rule selected, and checks the status the case's name
promises: ``good*`` -> pass, ``bad*`` -> fail, ``partial*`` -> partial, ``na*`` -> n/a.
A case may hold ``.mlguard-fixture.yaml`` with ``commit: false`` (files left untracked).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import git, scan_json, status_of

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
EXPECT = {"good": "pass", "bad": "fail", "partial": "partial", "na": "n/a"}
META = ".mlguard-fixture.yaml"


def _cases() -> list[tuple[str, Path]]:
    cases = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for case in sorted(p for p in rule_dir.iterdir() if p.is_dir()):
            cases.append((rule_dir.name, case))
    return cases


def _expected(case: Path) -> str:
    for prefix, status in EXPECT.items():
        if case.name.startswith(prefix):
            return status
    raise AssertionError(f"fixture case {case} must start with one of {sorted(EXPECT)}")


@pytest.mark.parametrize(("rule_id", "case"), _cases(), ids=lambda v: getattr(v, "name", v))
def test_rule_fixture(cli, tmp_path: Path, rule_id: str, case: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(case, repo, ignore=shutil.ignore_patterns(META))
    git(repo, "init", "-q", "-b", "main")
    meta_text = (case / META).read_text() if (case / META).exists() else ""
    meta = yaml.safe_load(meta_text) or {}
    if meta.get("config"):  # e.g. a rule that is off by default, enabled for its cases
        (repo / ".mlguard.yaml").write_text(meta["config"], encoding="utf-8")
    if meta.get("commit", True):
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "fixture", "--allow-empty")
    if meta.get("config"):
        result = cli(["scan", repo, "--format", "json", "--select", rule_id])
        assert result.code in (0, 1), result.err
        report = result.json()
    else:
        _, report = scan_json(cli, repo, "--select", rule_id)
    assert status_of(report, rule_id) == _expected(case), report["rules"]


# Rules whose failing (or passing) repositories cannot be plain committed file trees: the
# named test module builds them at run time (binary artifacts, git history, an advisory
# database passed on the command line).
GENERATED = {
    "SEC002": ("bad", "test_artifacts.py"),
    "SEC012": ("good and bad", "test_vulnerabilities_offline.py"),
    "VER002": ("bad", "test_history_blobs.py"),
}


def test_every_rule_has_good_and_bad_cases() -> None:
    rules_dir = Path(__file__).resolve().parent.parent / "rules"
    missing = []
    for rule in sorted(rules_dir.glob("*.yaml")):
        cases = {p.name for p in (FIXTURES / rule.stem).glob("*") if p.is_dir()}
        for kind in ("good", "bad"):
            if (
                not any(c.startswith(kind) for c in cases)
                and kind not in GENERATED.get(rule.stem, ("", ""))[0]
            ):
                missing.append(f"{rule.stem}: no {kind}* case")
    assert not missing, missing
    for rule_id, (_, module) in GENERATED.items():
        text = (Path(__file__).parent / module).read_text()
        assert rule_id in text, f"{module} does not exercise {rule_id}"
