"""`mlguard fix`: each fix makes its finding go away on a rescan and changes nothing else
in the file; --diff writes nothing; unparsable files and existing files are left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import git, make_repo, scan_json, status_of

SHA = "0123456789abcdef0123456789abcdef01234567"


def findings(cli: Any, root: Path, rule: str) -> list[dict[str, Any]]:
    _, report = scan_json(cli, root, "--select", rule)
    return [f for f in report["findings"] if f["rule_id"] == rule]


def fix(cli: Any, root: Path, *args: str) -> Any:
    return cli(["fix", str(root), "--no-config", *args])


YAML_SRC = (
    "import yaml  # config reader\n"
    "\n"
    "def read(path):\n"
    "    with open(path) as f:\n"
    "        return yaml.load(f, Loader=yaml.FullLoader)  # the run config\n"
    "\n"
    "def parse(text):\n"
    "    return yaml.load(\n"
    "        text,\n"
    "        yaml.Loader,\n"
    "    )\n"
    "\n"
    "def raw(text):\n"
    "    return yaml.load(text, Loader=yaml.UnsafeLoader)\n"
)


def test_yaml_load_becomes_safe_load_and_nothing_else_changes(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"conf.py": YAML_SRC})
    assert len(findings(cli, root, "SEC001")) == 3
    result = fix(cli, root, "--select", "SEC001")
    assert result.code == 0, result.err
    assert "conf.py:5: SEC001 yaml.load(...) -> yaml.safe_load(...)" in result.out
    assert "Available with --unsafe-fixes:\n  conf.py:14: SEC001" in result.out
    expected = YAML_SRC.replace(
        "yaml.load(f, Loader=yaml.FullLoader)", "yaml.safe_load(f)"
    ).replace(
        "yaml.load(\n        text,\n        yaml.Loader,\n", "yaml.safe_load(\n        text,\n"
    )
    assert (root / "conf.py").read_text() == expected
    assert [f["line"] for f in findings(cli, root, "SEC001")] == [13]  # the unsafe one is left

    result = fix(cli, root, "--select", "SEC001", "--unsafe-fixes")
    assert "yaml.safe_load(text)" in (root / "conf.py").read_text()
    assert findings(cli, root, "SEC001") == []


TORCH_SRC = (
    b"import torch as th\r\n"
    b"\r\n"
    b"state = th.load(  # the checkpoint\r\n"
    b"    'model.pt',\r\n"
    b"    map_location='cpu',\r\n"
    b")\r\n"
    b"full = th.load('full.pt', weights_only=False)\r\n"
    b"ok = th.load('w.pt', weights_only=True)\r\n"
)


def test_torch_load_gets_weights_only_keeping_bytes(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": TORCH_SRC, "requirements.txt": "torch\n"})
    assert len(findings(cli, root, "SEC001")) == 2
    result = fix(cli, root, "--select", "SEC001")
    assert result.code == 0, result.err
    assert "train.py:3: SEC001 th.load(...): weights_only=True" in result.out
    assert (
        "train.py:7: SEC001 th.load(...): weights_only=False -> weights_only=True"
        in (result.out.split("Available with --unsafe-fixes:")[1])
    )
    expected = TORCH_SRC.replace(
        b"    map_location='cpu',\r\n", b"    map_location='cpu',\r\n    weights_only=True,\r\n"
    )
    assert (root / "train.py").read_bytes() == expected
    assert [f["line"] for f in findings(cli, root, "SEC001")] == [8]  # line 7 moved down

    fix(cli, root, "--select", "SEC001", "--unsafe-fixes")
    assert (root / "train.py").read_bytes() == expected.replace(b"=False", b"=True")
    assert findings(cli, root, "SEC001") == []


HUB_SRC = (
    "import torch\n"
    "from transformers import AutoModel\n"
    "\n"
    'model = AutoModel.from_pretrained("bert-base-uncased")\n'
    "net = torch.hub.load('pytorch/vision', 'resnet18', trust_repo=True)\n"
)


def test_hub_pins_only_with_unsafe_fixes_and_stay_findings_until_filled(
    cli, tmp_path: Path
) -> None:
    root = make_repo(tmp_path / "r", {"model.py": HUB_SRC})
    result = fix(cli, root, "--select", "SEC003,SEC013")
    assert result.code == 0, result.err
    assert (root / "model.py").read_text() == HUB_SRC  # unsafe fixes are only listed
    assert "model.py:4: SEC013 AutoModel.from_pretrained(...)" in result.out
    assert "model.py:5: SEC003 torch.hub.load('pytorch/vision')" in result.out
    assert "2 more with --unsafe-fixes" in result.out

    result = fix(cli, root, "--select", "SEC003,SEC013", "--unsafe-fixes")
    placeholder = HUB_SRC.replace(
        '("bert-base-uncased")', '("bert-base-uncased", revision="<pin-a-commit-sha>")'
    ).replace("'pytorch/vision'", "'pytorch/vision:<pin-a-commit-sha>'")
    assert (root / "model.py").read_text() == placeholder
    # a placeholder is not a pin: still reported until the sha is filled in
    assert "<pin-a-commit-sha>" in findings(cli, root, "SEC013")[0]["message"]
    (root / "model.py").write_text(placeholder.replace("<pin-a-commit-sha>", SHA))
    assert findings(cli, root, "SEC013") == []
    assert findings(cli, root, "SEC003") == []


def test_diff_previews_and_writes_nothing(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": "import torch\nm = torch.load('m.pt')\n"})
    result = fix(cli, root, "--select", "SEC001", "--diff")
    assert result.code == 1
    assert (
        "--- a/train.py\n+++ b/train.py\n@@ -1,2 +1,2 @@\n import torch\n"
        "-m = torch.load('m.pt')\n+m = torch.load('m.pt', weights_only=True)\n"
    ) in result.out
    # mlguard's own hook guards the security rule at commit time (a new file: /dev/null)
    assert "--- /dev/null\n+++ b/.pre-commit-config.yaml\n" in result.out
    assert "2 fixes would be applied in 2 files" in result.err
    assert (root / "train.py").read_text() == "import torch\nm = torch.load('m.pt')\n"
    assert not (root / ".pre-commit-config.yaml").exists()
    assert fix(cli, root, "--select", "SEC001").code == 0
    again = fix(cli, root, "--select", "SEC001", "--diff")
    assert (again.code, again.out) == (0, "")
    assert "nothing to fix" in again.err


def test_unparsable_file_is_left_untouched_and_reported(cli, tmp_path: Path) -> None:
    broken = b"import torch\ndef f(:\n    torch.load('m.pt')\n"
    root = make_repo(
        tmp_path / "r",
        {"broken.py": broken, "train.py": "import torch\nm = torch.load('m.pt')\n"},
    )
    result = fix(cli, root, "--select", "SEC001")
    assert result.code == 0, result.err
    assert (root / "broken.py").read_bytes() == broken
    assert "broken.py: not analysed by the scan" in result.out
    assert "weights_only=True" in (root / "train.py").read_text()


def test_inline_ignores_and_excludes_are_honoured(cli, tmp_path: Path) -> None:
    ignored = "import torch\nm = torch.load('m.pt')  # mlguard: ignore[SEC001] our own file\n"
    root = make_repo(
        tmp_path / "r",
        {
            "a.py": ignored,
            "vendor/b.py": "import torch\nm = torch.load('m.pt')\n",
            ".mlguard.yaml": "paths: {exclude: ['vendor/**']}\n",
        },
    )
    result = cli(["fix", str(root), "--select", "SEC001"])
    assert result.code == 0, result.err
    assert "nothing to fix" in result.out
    assert (root / "a.py").read_text() == ignored
    assert "weights_only" not in (root / "vendor/b.py").read_text()


def test_unknown_selector_is_a_usage_error(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    result = fix(cli, root, "--select", "NOPE999")
    assert result.code == 2
    assert "NOPE999" in result.err


TRAINING = {
    "train.py": (
        "from sklearn.linear_model import LogisticRegression\n"
        "import pandas as pd\n"
        "df = pd.read_csv('data/train.csv')\n"
        "model = LogisticRegression().fit(df[['x']], df['y'])\n"
    ),
    "models/README.txt": "trained models go here\n",
    "requirements.txt": "scikit-learn==1.5.0\npandas==2.2.2\n",
    ".github/workflows/ci.yml": (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
    ),
}


def test_scaffolds_make_the_practices_pass(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", TRAINING)
    _, report = scan_json(cli, root)
    assert [status_of(report, r) for r in ("GOV001", "GOV003", "SEC006")] == ["fail"] * 3
    result = fix(cli, root, "--select", "GOV001,GOV003,SEC006")
    assert result.code == 0, result.err
    assert ".github/CODEOWNERS:1: GOV003 created" in result.out
    assert "MODEL_CARD.md:1: GOV001 created" in result.out
    assert ".github/dependabot.yml:1: SEC006 created: pip, github-actions" in result.out
    owners = (root / ".github/CODEOWNERS").read_text()
    assert owners.endswith("/models/   @OWNER\n/train.py  @OWNER\n")
    assert "- `train.py`" in (root / "MODEL_CARD.md").read_text()
    git(root, "add", "-A")
    _, report = scan_json(cli, root)
    assert [status_of(report, r) for r in ("GOV001", "GOV003", "SEC006")] == ["pass"] * 3
    new_findings = [f for f in report["findings"] if f["path"] == ".github/dependabot.yml"]
    assert new_findings == []  # the scaffold itself is clean (zizmor's dependabot audits)
    again = fix(cli, root, "--select", "GOV001,GOV003,SEC006")
    assert "nothing to fix" in again.out


def test_scaffolds_never_overwrite(cli, tmp_path: Path) -> None:
    owners = "# owners to be decided\n"
    root = make_repo(tmp_path / "r", {**TRAINING, "CODEOWNERS": owners})
    result = fix(cli, root, "--select", "GOV003")
    assert "CODEOWNERS: GOV003 exists" in result.out
    assert (root / "CODEOWNERS").read_text() == owners
    assert not (root / ".github/CODEOWNERS").exists()


def test_gitignore_gets_only_missing_entries_appended(cli, tmp_path: Path) -> None:
    before = b"*.pyc\r\n# runs\r\nwandb/"
    root = make_repo(
        tmp_path / "r",
        {
            "train.py": TRAINING["train.py"],
            "mlruns/0/meta.yaml": "name: x\n",
            "wandb/run-1/files.txt": "x\n",
            ".gitignore": before,
        },
    )
    git(root, "add", "-f", "wandb")
    git(root, "commit", "-qm", "wandb too")
    result = fix(cli, root, "--select", "VER004")
    assert result.code == 0, result.err
    assert ".gitignore:4: VER004 appended: mlruns/" in result.out
    assert (root / ".gitignore").read_bytes() == (
        before + b"\r\n# ML outputs (mlguard fix, VER004)\r\nmlruns/\r\n"
    )
    git(root, "rm", "-r", "-q", "--cached", "mlruns", "wandb")
    assert findings(cli, root, "VER004") == []


NOTEBOOK = (
    '{"cells": [{"cell_type": "code", "source": ["df.head()"], "metadata": {},'
    ' "execution_count": 1, "outputs": [{"output_type": "execute_result", "metadata": {},'
    ' "execution_count": 1, "data": {"text/html": ["<table><tr><td>1</td></tr></table>"]}}]}],'
    ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
)
PRECOMMIT = (
    "# hooks\n"
    "repos:\n"
    "- repo: https://github.com/psf/black\n"
    "  rev: 24.4.2   # formatter\n"
    "  hooks:\n"
    "  - id: black\n"
)


def test_precommit_hooks_are_appended_as_text(cli, tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "r", {"explore.ipynb": NOTEBOOK, ".pre-commit-config.yaml": PRECOMMIT}
    )
    assert status_of(scan_json(cli, root)[1], "SEC005") == "fail"
    result = fix(cli, root, "--select", "SEC005")
    assert result.code == 0, result.err
    assert ".pre-commit-config.yaml:7: SEC005 appended: nbstripout hook" in result.out
    assert ".pre-commit-config.yaml:11: SEC005 appended: mlguard-changed hook" in result.out
    text = (root / ".pre-commit-config.yaml").read_text()
    assert text.startswith(PRECOMMIT)
    assert "- repo: https://github.com/kynan/nbstripout\n  rev: 0.8.1\n" in text
    assert status_of(scan_json(cli, root)[1], "SEC005") == "pass"


def test_precommit_config_is_created_when_missing(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"explore.ipynb": NOTEBOOK})
    fix(cli, root, "--select", "SEC005")
    text = (root / ".pre-commit-config.yaml").read_text()
    assert text.startswith("repos:\n  - repo: https://github.com/kynan/nbstripout\n")
    assert status_of(scan_json(cli, root)[1], "SEC005") == "pass"


def test_precommit_config_that_cannot_take_entries_is_left_alone(cli, tmp_path: Path) -> None:
    for text in ("repos: [\n", "repos:\n- repo: local\n  hooks: []\nci:\n  autofix: false\n"):
        root = make_repo(
            tmp_path / str(len(text)),
            {"explore.ipynb": NOTEBOOK, ".pre-commit-config.yaml": text},
        )
        result = fix(cli, root, "--select", "SEC005")
        assert result.code == 0, result.err
        assert "add the nbstripout, mlguard-changed hook(s) by hand" in result.out
        assert (root / ".pre-commit-config.yaml").read_text() == text


def test_help_lists_the_fixes_and_exit_codes(cli) -> None:
    result = cli(["fix", "--help"])
    assert result.code == 0
    for text in ("--unsafe-fixes", "--diff", "weights_only=True", "GOV003", "Exit codes:"):
        assert text in result.out
    assert "1  with --diff: fixes would change files" in result.out
