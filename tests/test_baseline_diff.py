"""Only new findings: ``mlguard baseline`` + ``scan --baseline`` and ``scan --diff-base``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, make_repo, scan_json

OLD = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"


def sec001(report: dict) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == "SEC001"]


def test_baseline_reports_only_new_findings_and_stale_entries(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": OLD, "eval.py": OLD})
    out = tmp_path / "baseline.json"
    made = cli(["baseline", repo, "-o", out, "--no-config", "--select", "SEC001"])
    assert made.code == 0, made.err
    doc = json.loads(out.read_text())
    assert doc["version"] == 1
    assert [(e["rule_id"], e["path"], e["count"]) for e in doc["entries"]] == [
        ("SEC001", "eval.py", 1),
        ("SEC001", "train.py", 1),
    ]
    assert all("line" not in e for e in doc["entries"])

    code, report = scan_json(cli, repo, "--select", "SEC001", "--baseline", out)
    assert (code, report["findings"], report["known"]) == (0, [], 2)

    # lines move, one old finding is fixed, one new one appears
    (repo / "train.py").write_text("# header\n\n\n" + OLD + "n = pickle.loads(blob)\n")
    (repo / "eval.py").write_text("import json\n")
    code, report = scan_json(cli, repo, "--select", "SEC001", "--baseline", out)
    assert sec001(report) == [("train.py", 7)]
    assert code == 1
    assert len(report["stale_baseline"]) == 1
    assert report["stale_baseline"][0].startswith("SEC001 eval.py")


def test_baseline_counts_identical_findings(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": OLD})
    out = tmp_path / "b.json"
    assert cli(["baseline", repo, "-o", out, "--no-config", "--select", "SEC001"]).code == 0
    (repo / "train.py").write_text(OLD + "m = pickle.load(open('m.pkl', 'rb'))\n")
    _, report = scan_json(cli, repo, "--select", "SEC001", "--baseline", out)
    assert sec001(report) == [("train.py", 4)]


def test_broken_baseline_is_a_usage_error(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": OLD})
    bad = tmp_path / "b.json"
    bad.write_text('{"version": 99, "entries": []}')
    result = cli(["scan", repo, "--no-config", "--baseline", bad])
    assert result.code == 2
    assert "baseline" in result.err


def _pr_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "r", {"train.py": OLD, "util.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "util.py").write_text("import torch\n\nx = 1\nstate = torch.load('w.pt')\n")
    (repo / "train.py").write_text("# moved down\n" + OLD)
    git(repo, "commit", "-q", "-am", "add a violation")
    return repo


def test_diff_base_reports_exactly_the_new_violation(cli, tmp_path: Path) -> None:
    repo = _pr_repo(tmp_path)
    code, full = scan_json(cli, repo, "--select", "security")
    assert len(sec001(full)) == 2
    code, report = scan_json(cli, repo, "--select", "security", "--diff-base", "main")
    assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]] == [
        ("SEC001", "util.py", 4)
    ]
    assert report["known"] == 1
    assert report["compared_to"].startswith("merge-base ")
    assert code == 1
    # the temporary work tree of the base is gone
    assert git(repo, "worktree", "list").count("\n") == 1


def test_diff_base_from_a_subdirectory(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"ml/train.py": OLD, "README.md": "x\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "ml" / "new.py").write_text(OLD)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "copy")
    _, report = scan_json(cli, repo / "ml", "--select", "SEC001", "--diff-base", "main")
    # identical content in a new file is a new finding (the path is part of the key)
    assert sec001(report) == [("new.py", 3)]


def test_shallow_clone_without_the_base_says_how_to_fix(cli, tmp_path: Path) -> None:
    repo = _pr_repo(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.as_uri(), str(clone))
    result = cli(["scan", clone, "--no-config", "--diff-base", "origin/main"])
    assert result.code == 2
    assert "shallow" in result.err
    assert "fetch-depth: 0" in result.err
    assert "Traceback" not in result.err


def test_shallow_clone_with_base_tip_but_no_merge_base(cli, tmp_path: Path) -> None:
    repo = _pr_repo(tmp_path)
    clone = tmp_path / "clone"
    git(
        tmp_path,
        *("clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature"),
        *(repo.as_uri(), str(clone)),
    )
    result = cli(["scan", clone, "--no-config", "--diff-base", "origin/main"])
    assert result.code == 2
    assert "fetch-depth: 0" in result.err


def test_diff_base_rejects_option_like_refs_and_non_git(cli, tmp_path: Path) -> None:
    repo = _pr_repo(tmp_path)
    assert cli(["scan", repo, "--no-config", "--diff-base=--output=x"]).code == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "train.py").write_text(OLD)
    result = cli(["scan", plain, "--no-config", "--diff-base", "main"])
    assert result.code == 2
    assert "git repository" in result.err


def test_filtered_json_reports_validate_against_the_schema(cli, tmp_path: Path) -> None:
    from importlib import resources

    import jsonschema

    schema = json.loads(
        resources.files("mlguard.rules.schemas").joinpath("report.schema.json").read_text("utf-8")
    )
    repo = _pr_repo(tmp_path)
    out = tmp_path / "b.json"
    assert cli(["baseline", repo, "-o", out, "--no-config"]).code == 0
    (repo / "train.py").write_text("import json\n")
    for extra in (("--baseline", str(out)), ("--diff-base", "main")):
        _, report = scan_json(cli, repo, *extra)
        jsonschema.Draft202012Validator(schema).validate(report)
        assert report["compared_to"]
    _, report = scan_json(cli, repo, "--baseline", str(out))
    assert report["stale_baseline"]
