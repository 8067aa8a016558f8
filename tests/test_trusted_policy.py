"""A pull request cannot disarm its own check: ``--config-ref`` takes the config from a
trusted revision (read from git's objects), ``--enforce-floor`` stops a repository config
from loosening the policy, and the report says when a revision changes the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_repo

# a protocol-0 pickle whose loading calls os.system (built here, never loaded)
EVIL_PICKLE = b"cos\nsystem\n(S'touch /tmp/never'\ntR."
LOADER = "import pickle\nmodel = pickle.load(open('model.pkl', 'rb'))\n"
DISARM = """\
rules:
  ignore: [SEC001, SEC002]
fail:
  on: never
paths:
  exclude: ["*.pkl"]
"""


def _pull_request(tmp_path: Path, base: dict[str, str], pr: dict[str, str | bytes]) -> Path:
    """``main`` with ``base``; branch ``pr`` checked out, adding or changing ``pr``."""
    repo = make_repo(tmp_path / "repo", {"README.md": "# project\n", **base})
    git(repo, "checkout", "-q", "-b", "pr")
    for rel, content in pr.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pull request")
    return repo


def _scan(cli: Any, repo: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli(["scan", repo, "--format", "json", *extra])
    assert result.code in (0, 1), result.err
    return result.code, result.json()


def _rules_hit(report: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in report["findings"]}


def test_pull_request_config_disarms_without_a_trusted_policy(cli: Any, tmp_path: Path) -> None:
    repo = _pull_request(
        tmp_path, {}, {"model.pkl": EVIL_PICKLE, "train.py": LOADER, ".mlguard.yaml": DISARM}
    )
    code, report = _scan(cli, repo)
    assert code == 0  # the attack this module is about
    assert not {"SEC001", "SEC002"} & _rules_hit(report)


def test_config_ref_reads_the_base_config_and_notes_the_change(cli: Any, tmp_path: Path) -> None:
    repo = _pull_request(
        tmp_path,
        {".mlguard.yaml": "rules:\n  ignore: [GOV004]\n"},
        {"model.pkl": EVIL_PICKLE, "train.py": LOADER, ".mlguard.yaml": DISARM},
    )
    code, report = _scan(cli, repo, "--config-ref", "main")
    assert code == 1
    assert {"SEC001", "SEC002"} <= _rules_hit(report)
    assert "model.pkl" in {f["path"] for f in report["findings"]}
    assert any("main" in s and ".mlguard.yaml" in s for s in report["policy"]["sources"])
    assert [n for n in report["notes"] if "changes mlguard's config" in n and "main" in n]


def test_config_ref_without_a_base_config_ignores_the_added_one(cli: Any, tmp_path: Path) -> None:
    repo = _pull_request(tmp_path, {}, {"model.pkl": EVIL_PICKLE, ".github/mlguard.yaml": DISARM})
    code, report = _scan(cli, repo, "--config-ref", "main")
    assert code == 1
    assert "SEC002" in _rules_hit(report)
    assert [n for n in report["notes"] if ".github/mlguard.yaml" in n]


def test_config_ref_reads_the_policy_chain_and_rule_files_from_the_revision(
    cli: Any, tmp_path: Path
) -> None:
    repo = _pull_request(
        tmp_path,
        {
            ".mlguard.yaml": "policy: ci/policy.yaml\n",
            "ci/policy.yaml": "extends: security\nfail:\n  on: warning\n",
        },
        {"model.pkl": EVIL_PICKLE, "ci/policy.yaml": "extends: security\nfail:\n  on: never\n"},
    )
    code, report = _scan(cli, repo, "--config-ref", "main")
    assert code == 1
    assert report["policy"]["name"] == "security"
    assert [n for n in report["notes"] if "ci/policy.yaml" in n]


def test_unchanged_config_gives_no_note(cli: Any, tmp_path: Path) -> None:
    config = "rules:\n  ignore: [GOV004]\n"
    repo = _pull_request(tmp_path, {".mlguard.yaml": config}, {"train.py": LOADER})
    _, report = _scan(cli, repo, "--config-ref", "main")
    assert report["notes"] == []


def test_diff_mode_notes_a_changed_config(cli: Any, tmp_path: Path) -> None:
    repo = _pull_request(tmp_path, {}, {".mlguard.yaml": DISARM, "train.py": LOADER})
    result = cli(["scan", repo, "--diff-base", "main", "--format", "markdown"])
    assert result.code == 0, result.err
    assert "**Note:**" in result.out and ".mlguard.yaml" in result.out


@pytest.mark.parametrize(
    ("ref", "message"),
    [("no-such-branch", "no such commit"), ("--upload-pack=evil", "not a git revision")],
)
def test_bad_config_ref_is_a_usage_error(cli: Any, tmp_path: Path, ref: str, message: str) -> None:
    repo = make_repo(tmp_path / "repo", {"train.py": LOADER})
    result = cli(["scan", repo, f"--config-ref={ref}"])
    assert result.code == 2
    assert message in result.err


LOOSENINGS = {
    "ignore-rule": ("rules:\n  ignore: [SEC002]\n", "deselects SEC002"),
    "ignore-category": ("rules:\n  ignore: [security]\n", "deselects SEC002"),
    "select-others": ("rules:\n  select: [REP001, VER001]\n", "deselects SEC002"),
    "downgrade": ("rules:\n  configure:\n    SEC002: {severity: note}\n", "SEC002"),
    "fail-never": ("fail:\n  on: never\n", "fail.on: never"),
    "exclude-models": ("paths:\n  exclude: ['*.pkl']\n", "excludes model files"),
    "exclude-folder": ("paths:\n  exclude: ['models/**']\n", "excludes model files"),
    "tiny-reads": ("settings:\n  max_text_kb: 1\n", "max_text_kb"),
}


@pytest.mark.parametrize("case", sorted(LOOSENINGS))
def test_enforced_floor_undoes_and_reports_each_loosening(
    cli: Any, tmp_path: Path, case: str
) -> None:
    config, said = LOOSENINGS[case]
    repo = make_repo(
        tmp_path / "repo",
        {"models/model.pkl": EVIL_PICKLE, "model.pkl": EVIL_PICKLE, ".mlguard.yaml": config},
    )
    code, report = _scan(cli, repo, "--enforce-floor")
    assert code == 1
    sec002 = [f for f in report["findings"] if f["rule_id"] == "SEC002"]
    assert {f["path"] for f in sec002} == {"model.pkl", "models/model.pkl"}
    assert all(f["severity"] == "error" for f in sec002)
    assert [n for n in report["notes"] if n.startswith("floor: .mlguard.yaml") and said in n]


def test_floor_lets_a_config_tighten_and_keeps_other_excludes(cli: Any, tmp_path: Path) -> None:
    config = "fail:\n  on: warning\npaths:\n  exclude: ['vendor/**']\n"
    repo = make_repo(
        tmp_path / "repo",
        {"vendor/train.py": LOADER, ".mlguard.yaml": config, "README.md": "# x\n"},
    )
    _, report = _scan(cli, repo, "--enforce-floor")
    assert report["notes"] == []
    assert "vendor/train.py" not in {f["path"] for f in report["findings"]}


def test_a_policy_can_declare_itself_a_floor(cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "org-policy.yaml"
    policy.write_text("extends: default\nfloor: true\n")
    repo = make_repo(tmp_path / "repo", {"model.pkl": EVIL_PICKLE, ".mlguard.yaml": DISARM})
    code, report = _scan(cli, repo, "--policy", str(policy))
    assert code == 1
    assert "SEC002" in _rules_hit(report)
    assert [n for n in report["notes"] if "fail.on: never" in n]


def test_floor_does_not_honour_inline_ignores_of_gate_rules(cli: Any, tmp_path: Path) -> None:
    code = "import pickle\nmodel = pickle.load(open('m.pkl', 'rb'))  # mlguard: ignore[SEC001] ok\n"
    repo = make_repo(tmp_path / "repo", {"train.py": code})
    plain, report = _scan(cli, repo, "--no-config")
    assert plain == 0 and "SEC001" not in _rules_hit(report)  # honoured without the floor
    floored, report = _scan(cli, repo, "--no-config", "--enforce-floor")
    assert floored == 1
    assert "SEC001" in _rules_hit(report)
    unused = [f["message"] for f in report["findings"] if f["rule_id"] == "MLG002"]
    assert any("enforced floor" in m for m in unused)
