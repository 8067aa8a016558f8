"""The pre-commit hook for real: ``pre-commit try-repo`` installs mlguard from a git
checkout of this project (its current files, committed) and runs the ``mlguard`` hook in
generated repositories. Needs PyPI for the hook's environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, make_repo

PROJECT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src", "rules", "policies")

CLEAN = {
    "train.py": "import torch\n\nstate = torch.load('w.pt', weights_only=True)\n",
    "requirements.txt": "torch==2.3.1\n",
}
BAD = {
    "train.py": "import pickle\n\nmodel = pickle.load(open('model.pkl', 'rb'))\n",
    "requirements.txt": "torch==2.3.1\n",
}


def _hook_repo(tmp_path: Path) -> Path:
    clone = tmp_path / "mlguard-src"
    clone.mkdir()
    for name in SHIPPED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, clone / name)
    git(clone, "init", "-q", "-b", "main")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "snapshot")
    return clone


def _try_repo(hook_repo: Path, target: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    # the hook's environment: no bytecode compiled ahead for every dependency, no pip
    # self-version check (the hook imports what it runs either way)
    env |= {"PIP_NO_COMPILE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("MLGUARD_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "mlguard", "--all-files"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_pre_commit_try_repo_passes_clean_and_fails_bad(tmp_path: Path) -> None:
    hook_repo = _hook_repo(tmp_path)
    home = tmp_path / "pre-commit-home"
    clean = _try_repo(hook_repo, make_repo(tmp_path / "clean", CLEAN), home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "mlguard (whole repository)" in clean.stdout
    assert "Passed" in clean.stdout
    bad = _try_repo(hook_repo, make_repo(tmp_path / "bad", BAD), home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "train.py:3" in bad.stdout
    assert "SEC001" in bad.stdout
