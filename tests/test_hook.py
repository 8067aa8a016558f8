"""``mlguard hook FILES``: the pre-commit changed-files mode."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo

BAD = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"


def test_hook_reports_only_findings_in_the_given_files(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": BAD, "ml/eval.py": BAD, "README.md": "x\n"})
    result = cli(["hook", "--no-config", "--format", "json", "ml/eval.py", "README.md"], cwd=repo)
    assert result.code == 1, result.err
    report = result.json()
    assert report["policy"]["name"] == "security"
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("SEC001", "ml/eval.py")]


def test_hook_with_clean_or_no_files_passes(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": BAD, "ok.py": "x = 1\n"})
    assert cli(["hook", "--no-config", "ok.py"], cwd=repo).code == 0
    empty = cli(["hook", "--no-config", "--format", "json"], cwd=repo)
    assert (empty.code, empty.out, empty.err) == (0, "", "")


def test_hook_policy_can_be_overridden(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": BAD})
    result = cli(["hook", "--no-config", "--policy", "default", "-f", "json", "train.py"], cwd=repo)
    assert result.json()["policy"]["name"] == "default"
    assert result.code == 1


def test_hook_manifest_declares_both_hooks() -> None:
    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    hooks = {h["id"]: h for h in manifest}
    assert set(hooks) == {"mlguard", "mlguard-changed"}
    whole = hooks["mlguard"]
    assert (whole["pass_filenames"], whole["require_serial"], whole["always_run"]) == (
        False,
        True,
        True,
    )
    assert whole["entry"].split()[:2] == ["mlguard", "scan"]
    changed = hooks["mlguard-changed"]
    assert changed["entry"].split()[:2] == ["mlguard", "hook"]
    assert changed.get("pass_filenames", True) is True
    assert all(h["language"] == "python" for h in manifest)


def test_hook_analyses_only_the_given_code_files_with_their_context(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "broken.py": "def (:\n",  # not passed: never parsed, so never listed as skipped
            "train.py": "import torch\nstate = torch.load('m.pt')\n",
            "requirements.txt": "torch>=2.6\n",  # context: torch.load defaults to weights_only
            "ml/eval.py": BAD,
        },
    )
    result = cli(["hook", "--no-config", "-f", "json", "train.py", "ml/eval.py"], cwd=repo)
    report = result.json()
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("SEC001", "ml/eval.py")]
    assert "broken.py" not in {s["path"] for s in report["skipped"]}
    full = cli(["scan", repo, "--no-config", "--offline", "-f", "json", "--policy", "security"])
    assert "broken.py" in {s["path"] for s in full.json()["skipped"]}


def test_hook_prints_one_line_per_violation_and_a_summary(cli, tmp_path: Path) -> None:
    files = {
        "train.py": BAD + "import yaml\nyaml.load(open('c'))\n",
        "requirements.txt": "pyyaml\n",
    }
    repo = make_repo(tmp_path / "r", files)
    for policy in ("security", "default"):
        result = cli(["hook", "--no-config", "--policy", policy, "train.py"], cwd=repo)
        assert result.code == 1
        lines = result.out.splitlines()
        assert lines[:-1] == [
            "train.py:3: SEC001 [error] Unsafe deserialization: pickle.load(...) can execute "
            "code hidden in the file it loads",
            "train.py:5: SEC001 [error] Unsafe deserialization: yaml.load(...) can execute "
            "code hidden in the file it loads",
        ], policy
        assert (
            lines[-1] == "mlguard: 2 violations in 1 file; failed: 2 violations at or above 'error'"
        )
        for word in ("Maturity", "score", "Missing for Level", "practice"):
            assert word not in result.out, (policy, word)


def test_hook_accepts_select_ignore_and_baseline(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": BAD, "ok.py": "x = 1\n"})
    ignored = cli(["hook", "--no-config", "--ignore", "sec001", "train.py"], cwd=repo)
    assert ignored.code == 0 and ignored.out == "mlguard: no violations; passed\n"
    other = cli(["hook", "--no-config", "--select", "SEC003,SEC004", "train.py"], cwd=repo)
    assert other.code == 0
    assert cli(["hook", "--no-config", "--select", "XYZ*", "train.py"], cwd=repo).code == 2
    assert cli(["baseline", ".", "--no-config", "--policy", "security"], cwd=repo).code == 0
    known = cli(
        ["hook", "--no-config", "--baseline", ".mlguard-baseline.json", "train.py"], cwd=repo
    )
    assert known.code == 0, known.out


def test_whole_repository_hook_is_concise(cli, tmp_path: Path) -> None:
    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in manifest if h["id"] == "mlguard").split()
    repo = make_repo(tmp_path / "r", {"train.py": BAD})
    result = cli([*entry[1:], "--no-config"], cwd=repo)
    assert result.code == 1
    assert result.out.splitlines()[0].startswith("train.py:3: SEC001 [error]")
    assert len(result.out.splitlines()) == 2
    assert "Maturity" not in result.out and "Missing for Level" not in result.out
