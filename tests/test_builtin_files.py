"""mlguard's own rule and policy files meet their schemas.

A run reads them without the schema check (they cannot change under it, and the check costs
every command, the pre-commit hook included, a fifth of a second): these tests are that check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlguard.errors import ConfigError
from mlguard.rules.catalog import load_rule_file
from mlguard.rules.resources import data_dir

RULES = sorted(data_dir("rules").glob("*.yaml"))
POLICIES = sorted(data_dir("policies").glob("*.yaml"))


def test_the_builtin_files_are_found() -> None:
    assert len(RULES) >= 40 and {p.stem for p in POLICIES} >= {"default", "security", "strict"}


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_builtin_rule_file_meets_the_rule_schema(path: Path) -> None:
    assert load_rule_file(path).id == path.stem  # validated: not loaded as a built-in


def test_a_rule_file_outside_mlguard_is_still_schema_checked(tmp_path: Path) -> None:
    copy = tmp_path / "SEC001.yaml"
    copy.write_text(RULES[0].read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        load_rule_file(copy)


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_builtin_policy_meets_the_policy_schema(cli, path: Path) -> None:
    result = cli(["policy", "validate", path])  # a file by its path is schema-checked
    assert result.code == 0, result.err
    assert result.out.startswith(f"{path}: valid")


def test_a_policy_file_is_still_schema_checked(cli, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("extends: default\ncolour: red\n", encoding="utf-8")
    result = cli(["policy", "validate", policy])
    assert result.code == 2 and "unknown key" in result.err, result.err
