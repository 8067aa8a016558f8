"""The wheel ships rules/ and policies/ and scans from outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_scans_outside_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = dist.glob("mlguard-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # the installed wheel comes first on the path; dependencies come from this environment
    env = {**os.environ, "PYTHONPATH": str(target)}
    mlguard = [sys.executable, "-m", "mlguard"]
    example = tmp_path / "example"
    shutil.copytree(ROOT / "examples" / "level0-notebook", example)
    outside = tmp_path / "cwd"
    outside.mkdir()
    result = subprocess.run(
        [*mlguard, "scan", str(example), "--no-config"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    assert "Maturity: Level 0" in result.stdout
    module = subprocess.run(
        [sys.executable, "-c", "import mlguard.rules.resources as r; print(r.data_dir('rules'))"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert module.stdout.strip() == str(target / "mlguard" / "_data" / "rules")
    rules = subprocess.run(
        [*mlguard, "rules"], cwd=outside, capture_output=True, text=True, check=True, env=env
    )
    assert "SEC001" in rules.stdout
