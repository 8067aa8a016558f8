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


NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": '
    '["import pickle\\n", "import pandas as pd\\n", "df = pd.read_csv(\'users.csv\')\\n", '
    '"rows = pickle.load(open(\'rows.pkl\', \'rb\'))\\n", "df.head()"], "outputs": '
    '[{"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": '
    '{"text/html": ["<table><tr><td>alice@example.com</td></tr></table>"]}}]}], '
    '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
)
VIOLATIONS = {
    "train.py": (
        "import pickle\nimport subprocess\n\nfrom transformers import AutoModel\n\n"
        "model = AutoModel.from_pretrained('org/model', trust_remote_code=True)\n"
        "state = pickle.load(open('state.pkl', 'rb'))\n"
        "subprocess.call('ls ' + state, shell=True)\n"
    ),
    "settings.py": 'API_KEY = "AKIA' + "Q7ZP4LM2XW9RTB3K" + '"\n',
    "explore.ipynb": NOTEBOOK,
    "Dockerfile": "FROM python:latest\nUSER root\nRUN curl http://x | sh\n",
    "k8s/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: serve}\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: serve\n"
        "          image: serve:latest\n          securityContext: {privileged: true}\n"
    ),
    "models/model.pkl": b"\x80\x04\x95\x00",
    "requirements.txt": "torch==2.0\npyyaml\n",
}
UNCHANGED = {"old.py": BAD, "models/old.pkl": b"\x80\x04\x95\x00", "ml/eval.py": BAD}


def test_hook_reports_exactly_what_a_full_scan_finds_in_the_given_files(
    cli, tmp_path: Path
) -> None:
    """The hook may evaluate less of the repository than a scan, never report otherwise:
    its findings are a full scan's findings in the files passed, finding for finding."""
    repo = make_repo(tmp_path / "r", {**VIOLATIONS, **UNCHANGED})
    changed = sorted(VIOLATIONS)
    for policy in ("security", "default"):
        full = cli(["scan", ".", "--no-config", "--offline", "-p", policy, "-f", "json"], cwd=repo)
        assert full.code == 1, full.err
        expected = [f for f in full.json()["findings"] if f["path"] in changed]
        assert {f["path"] for f in full.json()["findings"]} >= set(UNCHANGED), policy
        hooked = cli(["hook", "--no-config", "-p", policy, "-f", "json", *changed], cwd=repo)
        assert hooked.code == 1, hooked.err
        assert hooked.json()["findings"] == expected, policy
        rules = {f["rule_id"] for f in expected}
        for rule in ("SEC001", "SEC002", "SEC003", "SEC004", "SEC005", "SEC007", "BAN602"):
            assert rule in rules, (policy, rule)
        assert {f["path"] for f in expected} >= set(changed) - {"requirements.txt"}, policy
        whole = cli(
            ["scan", ".", "--no-config", "--offline", "-p", policy, "-f", "concise"], cwd=repo
        )
        shown = [line for line in whole.out.splitlines() if line.split(":")[0] in changed]
        lines = cli(["hook", "--no-config", "-p", policy, *changed], cwd=repo).out.splitlines()
        assert lines[:-1] == shown, policy
