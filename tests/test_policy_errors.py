"""Malformed policies, rules and configs exit 2 with file, line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_repo, write_files


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", {"a.py": "x = 1\n"})


def policy_error(cli, repo: Path, text: str, name: str = "p.yaml") -> str:
    policy = repo.parent / name
    policy.write_text(text)
    result = cli(["scan", repo, "--policy", policy, "--no-config"])
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    return result.err


def test_bad_yaml_says_file_and_line(cli, repo: Path) -> None:
    err = policy_error(cli, repo, "name: x\nrules:\n  select: [a\n")
    assert "p.yaml:4" in err and "invalid YAML" in err


def test_unknown_key(cli, repo: Path) -> None:
    err = policy_error(cli, repo, "name: x\nfail:\n  on: error\n  bellow_level: 1\n")
    assert "p.yaml:4" in err and "unknown key" in err and "bellow_level" in err


def test_wrong_type(cli, repo: Path) -> None:
    err = policy_error(cli, repo, "name: x\nfail:\n  below_level: high\n")
    assert "p.yaml:3" in err and "fail.below_level" in err


def test_unknown_rule_id(cli, repo: Path) -> None:
    err = policy_error(cli, repo, "name: x\nmaturity:\n  gates: [SEC001, SEC999]\n")
    assert "p.yaml:3" in err and "SEC999" in err


def test_extends_cycle(cli, repo: Path) -> None:
    (repo.parent / "b.yaml").write_text("name: b\nextends: ./p.yaml\n")
    err = policy_error(cli, repo, "name: a\nextends: ./b.yaml\n")
    assert "extends cycle" in err


def test_unknown_builtin_policy(cli, repo: Path) -> None:
    result = cli(["scan", repo, "--policy", "nonexistent", "--no-config"])
    assert result.code == 2 and "built-ins: default, security, strict" in result.err


def test_alias_bomb_in_policy_is_rejected(cli, repo: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    err = policy_error(cli, repo, "\n".join(lines) + "\n")
    assert "alias" in err


def test_python_tags_are_never_constructed(cli, repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    err = policy_error(cli, repo, f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "p.yaml:1" in err
    assert not marker.exists()


def test_malformed_user_rule(cli, repo: Path) -> None:
    write_files(
        repo,
        {
            "rules/X.yaml": "id: USR001\nslug: u\ntitle: A user rule\ncategory: nope\nlevel: 1\n"
            "severity: error\nkind: practice\ncheck: {any_file: [a]}\n"
            "docs: {why: 'why it matters', fix: 'how to fix it'}\n",
            ".mlguard.yaml": "rule_paths: [rules]\n",
        },
    )
    result = cli(["scan", repo])
    assert result.code == 2 and "X.yaml:4" in result.err and "category" in result.err


def test_rule_with_bad_regex(cli, repo: Path) -> None:
    write_files(
        repo,
        {
            "rules/X.yaml": "id: USR001\nslug: u\ntitle: A user rule\ncategory: data\nlevel: 1\n"
            "severity: error\nkind: practice\n"
            "check: {file_contains: {files: ['*'], pattern: '(unclosed'}}\n"
            "docs: {why: 'why it matters', fix: 'how to fix it'}\n",
            ".mlguard.yaml": "rule_paths: [rules]\n",
        },
    )
    result = cli(["scan", repo])
    assert result.code == 2 and "X.yaml:8" in result.err and "invalid regex" in result.err


def test_rule_naming_unknown_python_check(cli, repo: Path) -> None:
    write_files(
        repo,
        {
            "rules/X.yaml": "id: USR001\nslug: u\ntitle: A user rule\ncategory: data\nlevel: 1\n"
            "severity: error\nkind: practice\ncheck: {python: os.system}\n"
            "docs: {why: 'why it matters', fix: 'how to fix it'}\n",
            ".mlguard.yaml": "rule_paths: [rules]\n",
        },
    )
    result = cli(["scan", repo])
    assert result.code == 2 and "unknown Python check" in result.err


def test_config_rule_paths_cannot_escape_repo(cli, repo: Path) -> None:
    write_files(repo, {".mlguard.yaml": "rule_paths: [../../etc]\n"})
    result = cli(["scan", repo])
    assert result.code == 2 and "outside the scanned repository" in result.err


def test_policy_validate_command(cli, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: mine\nextends: strict\nfail: {on: note}\n")
    result = cli(["policy", "validate", good])
    assert result.code == 0 and "valid" in result.out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: mine\nrules: {configure: {VER001: {severity: fatal}}}\n")
    result = cli(["policy", "validate", bad])
    assert result.code == 2 and "bad.yaml:2" in result.err


def test_rule_naming_a_check_by_its_old_name_still_runs_it(cli, repo: Path) -> None:
    # ``seeds.training_seeded`` is REP003's check under the name it had before checks were
    # named after their module (reproducibility.seeds.training_seeded).
    write_files(
        repo,
        {
            "train.py": "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.fit()\n",
            "rules/X.yaml": "id: USR001\nslug: u\ntitle: A user rule\ncategory: reproducibility\n"
            "level: 1\nseverity: error\nkind: practice\ncheck: {python: seeds.training_seeded}\n"
            "docs: {why: 'why it matters', fix: 'how to fix it'}\n",
            ".mlguard.yaml": "rule_paths: [rules]\n",
        },
    )
    result = cli(["scan", repo, "--format", "json"])
    assert result.code in (0, 1), result.err
    rules = {r["id"]: r for r in result.json()["rules"]}
    assert "USR001" in rules
    assert rules["USR001"]["status"] == rules["REP003"]["status"] == "fail"
    assert rules["USR001"]["evidence"] == rules["REP003"]["evidence"]
