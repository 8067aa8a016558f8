"""The facts cache: reused when nothing changed, invalidated by every input that matters."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

from conftest import make_repo, write_files
from mlguard.engine.build import build_id

FILES = {
    "train.py": "import numpy as np\nnp.random.seed(0)\n",
    "util.py": "x = 1\n",
    "nb.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
}


def stats(cli, repo: Path, *extra: str) -> tuple[int, int, dict]:
    result = cli(["scan", repo, "--no-config", "--stats", "--format", "json", *extra])
    match = re.search(r"(\d+) from cache, (\d+) analysed", result.err)
    assert match, result.err
    return int(match.group(1)), int(match.group(2)), result.json()


def test_warm_scan_reuses_the_whole_result_then_per_file_facts(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    first = cli(["scan", repo, "--no-config", "--stats", "--format", "json"])
    again = cli(["scan", repo, "--no-config", "--stats", "--format", "json"])
    assert "0 from cache, 3 analysed" in first.err
    assert "whole result reused" in again.err and "whole result reused" not in first.err
    assert again.out == first.out
    # other rules: the whole result does not fit, the per-file facts still do
    assert stats(cli, repo, "--ignore", "GOV003")[:2] == (3, 0)


def test_changed_file_is_reanalysed(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    stats(cli, repo)
    write_files(repo, {"util.py": "import pickle\npickle.loads(b'')\n"})
    cached, analysed, report = stats(cli, repo)
    assert (cached, analysed) == (2, 1)
    assert [f["path"] for f in report["findings"] if f["rule_id"] == "SEC001"] == ["util.py"]


def test_untracked_files_are_cached_by_content(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {}, commit=False)
    write_files(repo, FILES)
    stats(cli, repo)
    assert stats(cli, repo, "--ignore", "GOV003")[:2] == (3, 0)


def test_policy_setting_invalidates(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    stats(cli, repo)
    policy = tmp_path / "p.yaml"
    policy.write_text("extends: default\nsettings: {max_text_kb: 64}\n")
    assert stats(cli, repo, "--policy", str(policy))[:2] == (0, 3)


def test_mlguard_version_invalidates(cli, tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    stats(cli, repo)
    monkeypatch.setattr("mlguard.engine.build.__version__", "999.0")
    build_id.cache_clear()
    assert stats(cli, repo)[:2] == (0, 3)
    build_id.cache_clear()


def test_mlguard_code_change_invalidates(cli, tmp_path: Path, monkeypatch) -> None:
    # an editable install changes mlguard's code without changing its version: facts and
    # results of the older code must not come back
    repo = make_repo(tmp_path / "r", FILES)
    code = tmp_path / "mlguard-code"
    code.mkdir()
    (code / "checks.py").write_text("LIMIT = 1\n")
    monkeypatch.setattr("mlguard.engine.build.PACKAGE", code)
    build_id.cache_clear()
    stats(cli, repo)
    assert stats(cli, repo, "--ignore", "GOV003")[:2] == (3, 0)  # same code: reused
    (code / "checks.py").write_text("LIMIT = 22\n")
    build_id.cache_clear()
    assert stats(cli, repo)[:2] == (0, 3)
    build_id.cache_clear()


def test_changed_rule_file_changes_results(cli, tmp_path: Path) -> None:
    rule = (
        "id: USR001\nslug: u\ntitle: User rule on calls\ncategory: data\nlevel: 1\n"
        "severity: error\nkind: violation\ncheck: {any_call: {names: [%s]}}\n"
        "docs: {why: 'why it matters', fix: 'how to fix it'}\n"
    )
    repo = make_repo(
        tmp_path / "r",
        {
            **FILES,
            ".mlguard.yaml": "rule_paths: [rules]\n",
            "rules/u.yaml": rule % "numpy.random.seed",
        },
    )
    result = cli(["scan", repo, "--format", "json", "--select", "USR001"])
    assert result.json()["rules"][0]["status"] == "fail"
    write_files(repo, {"rules/u.yaml": rule % "numpy.random.shuffle"})
    result = cli(["scan", repo, "--format", "json", "--select", "USR001"])
    assert result.json()["rules"][0]["status"] == "pass"


def test_damaged_cache_is_ignored(cli, tmp_path: Path, monkeypatch) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("MLGUARD_CACHE_DIR", str(cache_dir))
    repo = make_repo(tmp_path / "r", {"a.py": "import pickle\npickle.loads(b'')\n"})
    stats(cli, repo)
    [db] = cache_dir.glob("*.sqlite")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE facts SET value='{\"i\": 5}'")
    cached, analysed, report = stats(cli, repo)
    assert (cached, analysed) == (0, 1)
    assert any(f["rule_id"] == "SEC001" for f in report["findings"])
    db.write_bytes(b"not a database at all")
    assert cli(["scan", repo, "--no-config"]).code == 1


def test_no_cache_and_parallel_jobs_agree(cli, tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"import pickle\nv{i} = pickle.loads(b'')\n" for i in range(80)}
    repo = make_repo(tmp_path / "r", files)
    serial = cli(["scan", repo, "--no-config", "--no-cache", "-j", "1", "--format", "json"])
    parallel = cli(["scan", repo, "--no-config", "--no-cache", "-j", "2", "--format", "json"])
    assert serial.out == parallel.out
    assert len([f for f in serial.json()["findings"] if f["rule_id"] == "SEC001"]) == 80


def test_bandit_findings_same_parallel_serial_and_cached(cli, tmp_path: Path) -> None:
    files = {
        f"pkg/m{i}.py": f"import subprocess\nsubprocess.call(c{i}, shell=True)\n" for i in range(70)
    }
    files["nb.ipynb"] = (
        '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {},\n'
        ' "outputs": [],\n "source": [\n  "import subprocess\\n",\n'
        '  "subprocess.call(x, shell=True)"\n ]}], "metadata": {}, "nbformat": 4,\n'
        ' "nbformat_minor": 5}\n'
    )
    repo = make_repo(tmp_path / "r", files)
    args = ["scan", repo, "--no-config", "--select", "BAN602", "--format", "sarif"]
    serial = cli([*args, "--no-cache", "-j", "1"])
    parallel = cli([*args, "-j", "2"])
    cached = cli([*args, "-j", "2"])
    assert serial.out == parallel.out == cached.out
    results = serial.json()["runs"][0]["results"]
    assert len(results) == 71
    nb = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nb.ipynb"
    ]
    assert nb[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5


def test_progress_only_when_asked_or_on_a_terminal(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("mlguard.engine.progress.DELAY", 0.0)
    repo = make_repo(tmp_path / "r", FILES)
    shown = cli(["scan", repo, "--no-config", "--no-cache", "--progress"])
    assert "analysing files 3/3" in shown.err
    quiet = cli(["scan", repo, "--no-config", "--no-cache"])
    assert "analysing" not in quiet.err


def test_online_vulnerability_results_are_never_reused(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLGUARD_OFFLINE", raising=False)
    script = tmp_path / "fake-pip-audit"
    answer = {"dependencies": [{"name": "flask", "version": "3.0.0", "vulns": []}], "fixes": []}
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({json.dumps(answer)!r})\n")
    script.chmod(0o755)
    monkeypatch.setenv("MLGUARD_PIP_AUDIT", str(script))
    repo = make_repo(tmp_path / "r", {"requirements.txt": "flask==3.0.0\n", "a.py": "x = 1\n"})
    args = ["scan", repo, "--no-config", "--stats", "--format", "json"]
    first, again = cli(args), cli(args)
    assert next(r for r in first.json()["rules"] if r["id"] == "SEC012")["status"] == "pass"
    assert "whole result reused" not in again.err
    offline = [*args, "--offline"]
    cli(offline)
    assert "whole result reused" in cli(offline).err


def test_texts_beyond_the_memory_budget_are_read_again_with_the_same_results(
    cli, tmp_path: Path, monkeypatch
) -> None:
    # Secrets, inline ignores and regex rules read file texts; with no text kept in memory
    # every reader reads the file again and must see what a cached text would show.
    files = {
        "train.py": "import pickle\nm = pickle.load(f)  # mlguard: ignore[SEC001] trusted\n",
        "cfg.py": 'API_KEY = "AKIA' + "Q7ZP4LM2XW9RTB3K" + '"\n',
        "README.md": "# Model\n",
        "notes.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
    }
    repo = make_repo(tmp_path / "r", files)
    args = ["scan", repo, "--no-config", "--no-cache", "--format", "json"]
    kept = cli(args)
    monkeypatch.setattr("mlguard.repo.context.TEXT_CACHE_BYTES", 0)
    reread = cli(args)
    assert reread.out == kept.out
    report = kept.json()
    assert {f["rule_id"] for f in report["findings"]} >= {"SEC004"}
    assert report["suppressed"] == 1


def test_a_reused_result_keeps_its_inline_ignores_without_reading_files(
    cli, tmp_path: Path, monkeypatch
) -> None:
    files = {
        "train.py": "import pickle\n\n"
        "m = pickle.load(f)  # mlguard: ignore[SEC001] produced by our own pipeline\n"
        "x = 1  # mlguard: ignore[SEC003] left over\n"
    }
    repo = make_repo(tmp_path / "r", files)
    args = ["scan", repo, "--no-config", "--stats", "--format", "json"]
    first = cli(args)

    def no_reads(*_: object) -> None:
        raise AssertionError("a reused result must not read files for inline ignores")

    monkeypatch.setattr("mlguard.facts.ignores._file_ignores", no_reads)
    again = cli(args)
    assert "whole result reused" in again.err
    assert again.out == first.out
    report = again.json()
    assert report["suppressed"] == 1
    unused = [f for f in report["findings"] if f["rule_id"] == "MLG002"]
    assert [(f["path"], f["line"]) for f in unused] == [("train.py", 4)]


def test_stats_say_where_the_time_went(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    cold = cli(["scan", repo, "--no-config", "--stats", "--no-cache", "--format", "json"])
    assert re.search(r"3 analysed in \d+\.\d\d s by 1 worker; rules \d+\.\d\d s", cold.err)
    secrets = cli(["scan", repo, "--no-config", "--stats", "--no-cache", "--select", "SEC004"])
    assert "0 analysed; rules" in secrets.err  # no Python rule: nothing parsed
