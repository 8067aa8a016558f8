"""mlguard never executes, imports or unpickles anything from the scanned repository.

A canary repository is full of code that creates a marker file when it runs: setup.py,
conftest.py, a package __init__.py, sitecustomize.py, a .pth file, modules named like
mlguard's own dependencies (click.py, yaml.py, git.py, jsonschema.py) that a
cwd-relative import would pick up, a raw-opcode pickle calling os.system, YAML python tags,
a notebook, and a ``core.fsmonitor`` command in .git/config (git runs it on ``ls-files``).
Every command runs in a child process whose working directory is the canary.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import git, make_repo

SRC = Path(__file__).resolve().parents[1] / "src"


def _touch(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()\n"


def _canary(root: Path, markers: Path) -> Path:
    markers.mkdir()

    def py(name: str) -> str:
        return "import pickle\n" + _touch(markers / name)

    def shell(name: str) -> str:
        return f"touch {markers / name}"

    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [],
                "source": [_touch(markers / "notebook")],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    pickle_bytes = f"cos\nsystem\n(S'{shell('pickle')}'\ntR.".encode()
    tag = "!!python/object/apply:os.system"
    files: dict[str, str | bytes] = {
        "setup.py": py("setup.py"),
        "conftest.py": py("conftest.py"),
        "pkg/__init__.py": py("pkg-init"),
        "sitecustomize.py": py("sitecustomize"),
        "usercustomize.py": py("usercustomize"),
        "evil.pth": "import os; " + _touch(markers / "pth"),
        "click.py": py("click"),
        "yaml.py": py("yaml"),
        "git.py": py("git"),
        "jsonschema.py": py("jsonschema"),
        "packaging.py": py("packaging"),
        "train.py": "import pickle\npickle.load(open('model.pkl', 'rb'))\n",
        "model.pkl": pickle_bytes,
        "data/model.joblib": pickle_bytes,
        "params.yaml": f"seed: {tag} [{shell('params.yaml')!r}]\n",
        "dvc.yaml": f"stages: {tag} [{shell('dvc.yaml')!r}]\n",
        ".github/workflows/ci.yml": f"on: {tag} [{shell('workflow')!r}]\n",
        ".mlguard.yaml": f"name: {tag} [{shell('mlguard.yaml')!r}]\n",
        "nb.ipynb": json.dumps(notebook, indent=1),
    }
    make_repo(root, files)
    git(root, "config", "core.fsmonitor", shell("fsmonitor"))
    return root


def _commands(root: Path) -> list[tuple[list[str], tuple[int, ...]]]:
    return [
        (["scan", "."], (2,)),  # the canary's .mlguard.yaml is a config error
        (["scan", ".", "--no-config"], (0, 1)),
        (["scan", ".", "--no-config", "--format", "json"], (0, 1)),
        (["scan", ".", "--no-config", "--format", "sarif"], (0, 1)),
        (["scan", str(root), "--no-config", "--policy", "strict"], (0, 1)),
        (["rules"], (2,)),  # rules and explain read the config here too (for rule_paths)
        (["rules", "--no-config"], (0,)),
        (["explain", "SEC001"], (2,)),
        (["explain", "SEC001", "--no-config"], (0,)),
        (["init", "."], (2,)),  # a config exists: never overwritten
        (["policy", "validate", ".mlguard.yaml"], (2,)),
        (["policy", "show", "default"], (0,)),
    ]


def _launchers() -> list[list[str]]:
    found = [[sys.executable, "-m", "mlguard"]]
    script = Path(sys.executable).with_name("mlguard")
    if script.is_file():
        found.append([str(script)])
    return found


@pytest.mark.parametrize("launcher", range(len(_launchers())))
def test_nothing_from_the_repository_runs(tmp_path: Path, launcher: int) -> None:
    markers = tmp_path / "markers"
    root = _canary(tmp_path / "canary", markers)
    env = {**os.environ, "PYTHONPATH": str(SRC), "MLGUARD_DEBUG": "1"}
    env.pop("MLGUARD_CONFIG", None)
    for args, codes in _commands(root):
        proc = subprocess.run(
            [*_launchers()[launcher], *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode in codes, (args, proc.returncode, proc.stderr[-2000:])
        assert "Traceback" not in proc.stdout + proc.stderr, args
        assert sorted(p.name for p in markers.iterdir()) == [], args
    # the canary is live: the same payloads do fire when actually executed
    subprocess.run([sys.executable, "setup.py"], cwd=root, check=False, capture_output=True)
    git(root, "ls-files", "--others")
    assert {p.name for p in markers.iterdir()} == {"setup.py", "fsmonitor"}


def test_canary_config_error_names_the_file_and_line(tmp_path: Path) -> None:
    root = _canary(tmp_path / "canary", tmp_path / "markers")
    proc = subprocess.run(
        [sys.executable, "-m", "mlguard", "scan", "."],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("mlguard: error: .mlguard.yaml:1: invalid YAML")
    assert shutil.which("git")  # the fsmonitor canary needs a real git
