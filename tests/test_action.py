"""The GitHub Action: its contract pinned by tests, and its scan script run for real."""

from __future__ import annotations

import json
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
        "path", "policy", "config", "fail-on", "min-level", "diff-base", "config-ref",
        "enforce-floor", "baseline", "select", "ignore", "offline", "advisory-db", "args",
        "upload-sarif", "sarif-file", "summary", "annotations",
    }  # fmt: skip
    assert set(ACTION["outputs"]) == {
        "sarif-file", "level", "score", "findings", "violations", "practice-gaps",
    }  # fmt: skip


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
    install = next(s for s in steps() if s.get("name", "").startswith("Install mlguard"))
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
    wrapper.parent.mkdir(parents=True)
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
        **{k if k.startswith("GITHUB_") else f"INPUT_{k.upper()}": v for k, v in inputs.items()},
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
    assert (out["violations"], out["practice-gaps"]) == ("1", "0")
    assert out["level"].isdigit()
    assert log.startswith("earlier step\n## mlguard:")  # appended, not overwritten
    assert "::error file=new.py,line=3," in log
    assert "file=train.py" not in log


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_pull_request_takes_the_config_from_the_base_branch(tmp_path: Path) -> None:
    """A pull request whose .mlguard.yaml ignores SEC001 and never fails still fails: on
    pull_request events the config comes from origin/<base>, and the summary says the
    pull request changes it."""
    bad = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": "x = 1\n", ".mlguard.yaml": "name: ours\n"})
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "new.py").write_text(bad)
    (repo / ".mlguard.yaml").write_text("rules:\n  ignore: [SEC001]\nfail:\n  on: never\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "disarm")
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    code, _, log = _run_scan_script(tmp_path, repo, path=".", sarif_file="out.sarif", **env)
    assert code == 1
    assert "::error file=new.py,line=3," in log
    assert "changes mlguard's config compared with origin/main (.mlguard.yaml)" in log
    code, _, _ = _run_scan_script(tmp_path / "again", repo, config_ref="none", **env)
    assert code == 0  # the checkout's config, for comparison: the pull request disarmed it


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


def test_install_uses_the_hashed_lock_with_a_pip_cache() -> None:
    install = next(s for s in steps() if s.get("name", "").startswith("Install mlguard"))
    run = " ".join(install["run"].split())
    assert '--require-hashes --no-deps -r "$GITHUB_ACTION_PATH/action/requirements.lock"' in run
    assert '--no-deps --no-build-isolation --no-index "$GITHUB_ACTION_PATH"' in run
    assert install["env"]["PIP_CACHE_DIR"] == "${{ steps.lock.outputs.dir }}"
    cache = next(s for s in steps() if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "${{ steps.lock.outputs.dir }}"
    assert "requirements.lock" in next(s for s in steps() if s.get("id") == "lock")["run"]


def _requirement_names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*[=<>!~\[]", line.strip())
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def test_lock_pins_every_dependency_with_hashes() -> None:
    import tomllib

    lock = (PROJECT / "action" / "requirements.lock").read_text()
    pinned = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+ \\$", lock, re.M)
    blocks = re.split(r"^(?=[A-Za-z0-9])", lock, flags=re.M)[1:]
    assert pinned and all("--hash=sha256:" in block for block in blocks)
    locked = {re.sub(r"[-_.]+", "-", name).lower() for name in pinned}
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    wanted = _requirement_names(project["project"]["dependencies"])
    wanted |= _requirement_names((PROJECT / "action" / "build.in").read_text().splitlines())
    assert wanted <= locked, wanted - locked


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_scan_script_passes_the_new_inputs_and_keeps_sarif_out_of_the_checkout(
    tmp_path: Path,
) -> None:
    bad = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": bad, "other.py": bad.replace("m =", "n =")})
    code, out, _ = _run_scan_script(
        tmp_path, repo, select="sec001,SEC003", ignore="SEC003", offline="true",
        args="--no-ignores --fail-on never", diff_base="none",
    )  # fmt: skip
    assert code == 0  # --fail-on never from args
    assert out["violations"] == "2"
    sarif = Path(out["sarif-file"])
    assert sarif.is_file() and sarif.is_relative_to(tmp_path) and not sarif.is_relative_to(repo)
    assert not list(repo.glob("*.sarif"))
    run = json.loads(sarif.read_text())["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"SEC001"}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_scan_script_baseline_input(tmp_path: Path) -> None:
    bad = "import pickle\n\nm = pickle.load(open('m.pkl', 'rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": bad})
    baseline = tmp_path / "b.json"
    done = subprocess.run(
        [sys.executable, "-m", "mlguard", "baseline", ".", "--no-config", "-o", str(baseline)],
        cwd=repo, env={**os.environ, "PYTHONPATH": str(PROJECT / "src")},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, out, _ = _run_scan_script(tmp_path, repo, baseline=str(baseline))
    assert code == 0 and out["violations"] == "0"


def _documented_inputs() -> dict[str, str]:
    doc = (PROJECT / "docs" / "github-action.md").read_text()
    block = doc.split("<!-- workflow:begin -->")[1].split("<!-- workflow:end -->")[0]
    workflow = yaml.safe_load(block.replace("```yaml", "").replace("```", ""))
    job = next(iter(workflow["jobs"].values()))
    assert job["permissions"] == {
        "contents": "read", "security-events": "write", "actions": "read",
    }  # fmt: skip
    step = next(s for s in job["steps"] if "mlguard/mlguard@" in s.get("uses", ""))
    return {k.replace("-", "_"): str(v) for k, v in (step.get("with") or {}).items()}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_documented_workflow_passes_a_readme_only_pr_on_a_level_0_repository(
    tmp_path: Path,
) -> None:
    inputs = _documented_inputs()
    assert "min_level" not in inputs
    level0 = PROJECT / "examples" / "level0-notebook"
    files = {str(p.relative_to(level0)): p.read_bytes() for p in level0.rglob("*") if p.is_file()}
    repo = make_repo(tmp_path / "r", files)
    git(repo, "checkout", "-q", "-b", "docs")
    (repo / "README.md").write_text("# Level 0, better documented\n")
    git(repo, "commit", "-q", "-am", "docs")
    git(repo, "remote", "add", "origin", str(repo))
    git(repo, "fetch", "-q", "origin")
    code, out, log = _run_scan_script(
        tmp_path, repo, **inputs, GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main"
    )
    assert out["level"] == "0"
    assert code == 0, log
