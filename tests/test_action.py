"""The GitHub Action: its contract pinned by tests, and its scan script run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import git, make_repo

PROJECT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((PROJECT / "action.yml").read_text())
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def steps() -> list[dict]:
    return ACTION["runs"]["steps"]


def test_action_is_composite_with_the_documented_interface() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "path", "policy", "config", "fail-on", "min-level", "diff-base",
        "upload-sarif", "sarif-file", "summary", "annotations",
    }  # fmt: skip
    assert set(ACTION["outputs"]) == {"sarif-file", "level", "score", "findings"}


def test_inputs_reach_scripts_only_through_env() -> None:
    for step in steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_action_is_pinned_to_a_commit_and_upload_is_guarded() -> None:
    raw = (PROJECT / "action.yml").read_text()
    for step in steps():
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
            line = next(x for x in raw.splitlines() if step["uses"] in x)
            assert re.search(r"# v\d", line), line
    upload = next(s for s in steps() if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["category"] == "mlguard"
    condition = " ".join(upload["if"].split())
    assert "always()" in condition
    assert "dependabot[bot]" in condition
    assert "head.repo.full_name == github.repository" in condition
    install = next(s for s in steps() if "GITHUB_ACTION_PATH" in s.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]


@pytest.mark.parametrize("path", sorted((PROJECT / ".github" / "workflows").glob("*.yml")))
def test_workflows_pin_actions_to_commits(path: Path) -> None:
    for line in path.read_text().splitlines():
        match = re.search(r"uses:\s*(\S+)", line)
        if match and not match.group(1).startswith("./"):
            assert SHA_PIN.match(match.group(1)), line
            assert re.search(r"# v\d", line), line


def _run_scan_script(tmp_path: Path, repo: Path, **inputs: str) -> tuple[int, dict, str]:
    wrapper = tmp_path / "bin" / "mlguard"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mlguard "$@"\n')
    wrapper.chmod(0o755)
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))},
        "PYTHONPATH": str(PROJECT / "src"),
        "MLGUARD_BIN": str(wrapper),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    env.pop("MLGUARD_CONFIG", None)
    done = subprocess.run(
        ["bash", str(PROJECT / "action" / "scan.sh")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return int(values["exit-code"]), values, summary.read_text() + done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_scan_script_pull_request_run(tmp_path: Path) -> None:
    bad = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": bad})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "new.py").write_text(bad)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new")
    code, out, log = _run_scan_script(
        tmp_path, repo, path=".", diff_base="main", sarif_file="out.sarif", policy="security"
    )
    assert code == 1
    assert out["findings"] == "1"
    assert out["sarif-file"] == "out.sarif"
    assert (repo / "out.sarif").is_file()
    assert out["level"].isdigit()
    assert log.startswith("earlier step\n## mlguard:")  # appended, not overwritten
    assert "::error file=new.py,line=3," in log
    assert "file=train.py" not in log


def test_scan_script_config_error_gives_exit_2_and_no_sarif(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"train.py": "x = 1\n"})
    code, out, _ = _run_scan_script(tmp_path, repo, policy="no-such-policy", diff_base="none")
    assert code == 2
    assert out["sarif-file"] == ""


@pytest.mark.skipif(
    not all(shutil.which(t, path=str(Path(sys.executable).parent)) for t in ("zizmor",)),
    reason="zizmor not installed",
)
def test_lint_integrations_script_passes(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pc")
    done = subprocess.run(
        [str(PROJECT / ".ci" / "lint-integrations")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
