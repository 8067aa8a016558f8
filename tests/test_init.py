"""``mlguard init``: a starter config that validates, starts green and never overwrites."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from conftest import make_repo

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _copy(example: str, tmp_path: Path) -> Path:
    dest = tmp_path / example
    shutil.copytree(EXAMPLES / example, dest)
    return dest


def test_init_writes_a_config_the_gate_accepts_today(cli, tmp_path: Path) -> None:
    repo = _copy("level1-pipeline", tmp_path)
    result = cli(["init"], cwd=repo)
    assert result.code == 0, result.err
    assert "wrote .mlguard.yaml: policy default, fail.below_level 1" in result.out
    text = (repo / ".mlguard.yaml").read_text()
    config = yaml.safe_load(text)
    assert config["policy"] == "default"
    assert config["fail"]["below_level"] == 1
    assert "# Detected: " in text and "training" in text
    assert cli(["policy", "validate", repo / ".mlguard.yaml"]).code == 0
    scan = cli(["scan", repo, "-f", "json"])
    assert scan.code == 0, scan.out  # the gate starts green...
    assert scan.json()["maturity"]["level"] == 1
    assert scan.json()["policy"]["sources"][-1] == ".mlguard.yaml"
    # ...and fails when the level drops
    (repo / "dvc.yaml").unlink()
    assert cli(["scan", repo]).code == 1


def test_init_lists_not_applicable_rules_with_reasons(cli, tmp_path: Path) -> None:
    repo = _copy("level1-pipeline", tmp_path)
    assert cli(["init"], cwd=repo).code == 0
    text = (repo / ".mlguard.yaml").read_text()
    report = cli(["scan", repo, "-f", "json"]).json()
    na = {r["id"]: r["reason"] for r in report["rules"] if r["status"] == "n/a"}
    na = {k: v for k, v in na.items() if not k.startswith(("BAN", "ZIZ"))}
    assert na
    for rule_id, reason in na.items():
        assert f"#   {rule_id}  {reason}" in text


def test_init_prints_the_precommit_and_action_snippets(cli, tmp_path: Path) -> None:
    repo = _copy("level1-pipeline", tmp_path)
    out = cli(["init"], cwd=repo).out
    assert "- id: mlguard-changed" in out and "rev: v" in out
    assert "uses: mlguard/mlguard@" in out and "actions read" in out


def test_init_never_overwrites(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".mlguard.yaml": "policy: strict\n", "a.py": "x = 1\n"})
    result = cli(["init"], cwd=repo)
    assert result.code == 2 and "never overwrites" in result.err
    assert (repo / ".mlguard.yaml").read_text() == "policy: strict\n"
    other = make_repo(tmp_path / "p", {"pyproject.toml": "[tool.mlguard]\nfail = {on = 'never'}\n"})
    assert cli(["init", other]).code == 2
    assert not (other / ".mlguard.yaml").exists()
    forced = cli(["init", "--force"], cwd=repo)
    assert forced.code == 0, forced.err
    assert "policy: strict" not in (repo / ".mlguard.yaml").read_text()


def test_init_picks_the_security_policy_outside_ml(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "print('hello')\n"})
    result = cli(["init"], cwd=repo)
    assert result.code == 0, result.err
    config = yaml.safe_load((repo / ".mlguard.yaml").read_text())
    assert config["policy"] == "security" and "below_level" not in config["fail"]
    assert cli(["scan", repo]).code == 0


def test_init_says_when_violations_fail_the_gate_and_baseline_makes_it_green(
    cli, tmp_path: Path
) -> None:
    repo = _copy("level0-notebook", tmp_path)
    result = cli(["init"], cwd=repo)
    assert "the gate fails today on 1 violation at or above 'error'" in result.out
    assert cli(["scan", repo]).code == 1
    assert cli(["baseline", repo], cwd=repo).code == 0
    config = repo / ".mlguard.yaml"
    config.write_text(config.read_text().replace("# baseline:", "baseline:"))
    assert cli(["policy", "validate", config]).code == 0
    assert cli(["scan", repo]).code == 0
