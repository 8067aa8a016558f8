"""bandit's tests as mlguard rules, through the CLI; and the adapter's contract with bandit."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_repo, scan_json, status_of
from mlguard.analyzers.bandit_adapter import run_bandit

ROOT = Path(__file__).resolve().parent.parent

APP = """\
import subprocess


def run(cmd):
    subprocess.call(cmd, shell=True)
    subprocess.call(cmd, shell=True)  # nosec B602 - cmd is a constant
    try:
        return cmd
    except Exception:
        pass
"""
TEST = """\
from app import run


def test_run():
    assert run("true") == "true"
"""


def _notebook() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n", "text"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [
                "import subprocess\n",
                "%matplotlib inline\n",
                "subprocess.run(c, shell=True)",
            ],
        },
    ]
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1) + "\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"app.py": APP, "tests/test_app.py": TEST, "explore.ipynb": _notebook()}
    return make_repo(tmp_path_factory.mktemp("bandit") / "repo", files)


def _nb_line(root: Path, needle: str) -> int:
    lines = (root / "explore.ipynb").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_bandit_findings_with_nosec_and_test_asserts(cli, repo: Path) -> None:
    _, report = scan_json(cli, repo, "--select", "tag:bandit")
    got = sorted((f["rule_id"], f["path"], f["line"]) for f in report["findings"])
    nb_line = _nb_line(repo, "shell=True")
    assert got == [
        ("BAN110", "app.py", 9),
        ("BAN602", "app.py", 5),
        ("BAN602", "explore.ipynb", nb_line),
    ]
    assert status_of(report, "BAN602") == "fail"
    assert status_of(report, "BAN311") == "n/a"  # off by default for ML code
    assert status_of(report, "BAN102") == "pass"
    assert not any(p["path"].startswith("explore") for p in report["skipped"])


def test_sarif_lists_bandit_rules_with_security_severity(cli, repo: Path) -> None:
    result = cli(["scan", str(repo), "--no-config", "--select", "tag:bandit", "--format", "sarif"])
    run = json.loads(result.out)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    shell = rules["BAN602"]
    assert shell["properties"]["security-severity"] == "8.0"
    assert "security" in shell["properties"]["tags"]
    assert "cwe-78" in shell["properties"]["tags"]
    assert shell["defaultConfiguration"]["level"] == "warning"
    assert rules["BAN110"]["properties"]["security-severity"] == "3.0"
    assert {r["ruleId"] for r in run["results"]} == {"BAN110", "BAN602"}
    assert len(rules) > 60


def test_a_bandit_crash_makes_its_rules_not_checked(cli, repo: Path, monkeypatch) -> None:
    from bandit.core import manager

    def boom(self: object) -> None:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(manager.BanditManager, "run_tests", boom)
    _, report = scan_json(cli, repo, "--select", "BAN602", "--select", "BAN110")
    rows = {r["id"]: r for r in report["rules"]}
    assert rows["BAN602"]["status"] == "not-checked"
    assert "bandit failed" in rows["BAN602"]["reason"]
    assert rows["BAN110"]["status"] == "not-checked"
    assert report["findings"] == []


def test_a_test_the_installed_bandit_lacks_is_not_checked(cli, repo: Path, monkeypatch) -> None:
    from bandit.core import extension_loader

    monkeypatch.delitem(extension_loader.MANAGER.plugins_by_id, "B602")
    _, report = scan_json(cli, repo, "--select", "BAN602", "--select", "BAN110")
    rows = {r["id"]: r for r in report["rules"]}
    assert rows["BAN602"]["status"] == "not-checked"
    assert "has no test B602" in rows["BAN602"]["reason"]
    assert rows["BAN110"]["status"] == "fail"


def test_a_rule_that_is_off_by_default_can_be_enabled(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"aug.py": "import random\n\nx = random.random()\n"})
    _, report = scan_json(cli, root, "--select", "BAN311")
    assert status_of(report, "BAN311") == "n/a"
    config = tmp_path / "mlguard.yaml"
    config.write_text("rules:\n  configure:\n    BAN311:\n      params: {enabled: true}\n")
    result = cli(["scan", str(root), "--config", str(config), "--select", "BAN311", "-f", "json"])
    report = result.json()
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("BAN311", 3)]


def test_bandit_password_findings_never_show_the_value(tmp_path: Path) -> None:
    value = "Zq" + "8vT2" + "mLp"
    run = run_bandit([("cfg.py", f'password = "{value}"\n')])
    assert [i.test_id for i in run.issues] == ["B105"]
    from mlguard.checks.security.bandit import REDACTED_MESSAGES

    assert value not in REDACTED_MESSAGES["B105"]


def test_bandit_api_has_the_shape_the_adapter_needs() -> None:
    from bandit.core import config, issue, manager

    params = inspect.signature(manager.BanditManager.__init__).parameters
    assert {"config", "agg_type", "quiet", "ignore_nosec"} <= set(params)
    for name in ("discover_files", "run_tests", "get_issue_list", "get_skipped"):
        assert callable(getattr(manager.BanditManager, name))
    assert callable(config.BanditConfig)
    from bandit.core import extension_loader

    assert "B602" in extension_loader.MANAGER.plugins_by_id
    blacklisted = [b for items in extension_loader.MANAGER.blacklist.values() for b in items]
    assert {"id", "name", "message", "level"} <= set(blacklisted[0])
    keys = issue.Issue("LOW", cwe=78, confidence="HIGH", text="t", test_id="B000").as_dict(
        with_code=False
    )
    needed = {"test_id", "issue_severity", "issue_confidence", "issue_text", "line_number"}
    assert needed | {"filename", "col_offset"} <= set(keys)
    run = run_bandit(
        [("a.py", "import subprocess\nsubprocess.call(x, shell=True)\n"), ("b.py", "def (:\n")]
    )
    assert run.error == ""
    assert [(i.label, i.test_id, i.line) for i in run.issues if i.test_id == "B602"] == [
        ("a.py", "B602", 2)
    ]
    assert [label for label, _ in run.skipped] == ["b.py"]


def test_generated_bandit_metadata_matches_the_installed_bandit() -> None:
    script = ROOT / "scripts" / "gen_bandit_rules.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_synthesised_bandit_rule_is_a_valid_rule() -> None:
    import jsonschema

    from mlguard.rules.bandit_rules import rule_specs
    from mlguard.rules.schemas import load_schema

    validator = jsonschema.Draft202012Validator(load_schema("rule"))
    specs = rule_specs()
    for spec in specs:
        doc = {
            "id": spec.id,
            "slug": spec.slug,
            "title": spec.title,
            "category": spec.category,
            "level": spec.level,
            "severity": spec.severity.value,
            "kind": spec.kind.value,
            "check": dict(spec.check),
            "docs": {
                "why": spec.docs.why,
                "fix": spec.docs.fix,
                "references": list(spec.docs.references),
            },
            "applies_when": list(spec.applies_when),
            "tags": list(spec.tags),
            "params": dict(spec.params),
            "precision": spec.precision,
            "security_severity": spec.security_severity,
        }
        validator.validate(doc)
    assert len({s.id for s in specs}) == len({s.slug for s in specs}) == len(specs)


def test_bandit_rules_are_reported_but_not_scored(cli, repo: Path) -> None:
    _, alone = scan_json(cli, repo, "--select", "SEC001")
    _, both = scan_json(cli, repo, "--select", "SEC001", "--select", "tag:bandit")
    # the practice score counts practices only: neither selection has one
    assert alone["maturity"]["score"] is None and both["maturity"]["score"] is None
    security = next(c for c in both["categories"] if c["name"] == "security")
    assert (security["pass"], security["fail"]) == (1, 0)
    assert {f["rule_id"] for f in both["findings"]} == {"BAN110", "BAN602"}


def test_bandit_messages_carry_no_object_addresses(cli, tmp_path: Path) -> None:
    # bandit's B202 message quotes an AST node's repr ("<ast.List object at 0x7f...>"):
    # an address would make every run's report differ.
    source = (
        "import tarfile\n\nwith tarfile.open('a.tar') as tar:\n    tar.extractall(members=[])\n"
    )
    root = make_repo(tmp_path / "r", {"unpack.py": source})
    _, report = scan_json(cli, root, "--select", "BAN202")
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "BAN202"]
    assert len(messages) == 1
    assert "ast.List object" in messages[0]
    assert "0x" not in messages[0]


def test_asserts_and_duplicates_of_ml_rules_are_off_by_default(cli, tmp_path: Path) -> None:
    """bandit's assert test (B101) and its torch.load / hub download tests (B614, B615),
    which SEC001 and SEC013 report with ML-aware conditions, stay quiet by default."""
    code = (
        "import torch\nfrom transformers import AutoModel\n\n"
        "def load(path):\n    assert path\n    m = AutoModel.from_pretrained('org/m')\n"
        "    return torch.load(path), m\n"
    )
    root = make_repo(tmp_path / "r", {"serve.py": code})
    _, report = scan_json(cli, root)
    by_rule = {f["rule_id"] for f in report["findings"]}
    assert {"SEC001", "SEC013"} <= by_rule
    assert not by_rule & {"BAN101", "BAN614", "BAN615"}
    assert {status_of(report, r) for r in ("BAN101", "BAN614", "BAN615")} == {"n/a"}
