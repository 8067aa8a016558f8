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
