"""mlguard never writes an output through a symlink or onto a non-regular file: reports
(``-o``, ``-f FORMAT:FILE``), baselines and the cache database. A bad destination is a
usage error (exit 2) naming the file and the reason, and nothing outside is touched."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo

ORIGINAL = "do not overwrite\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"train.py": "import pickle\npickle.load(f)\n"})


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "victim.txt"
    path.parent.mkdir()
    path.write_text(ORIGINAL)
    return path


def _assert_refused(result: Any, dest: Path, reason: str) -> None:
    assert result.code == 2, (result.code, result.err)
    assert f"cannot write {dest}: " in result.err
    assert reason in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json", "-o", "{dest}"],
        ["--format", "sarif:{dest}"],
        ["--format", "text", "--format", "markdown:{dest}"],
    ],
)
def test_report_through_a_symlink_is_refused(
    cli: Any, repo: Path, victim: Path, args: list[str]
) -> None:
    dest = repo / "mlguard.sarif"
    dest.symlink_to(victim)
    result = cli(["scan", repo, *[a.format(dest=dest) for a in args]])
    _assert_refused(result, dest, "symbolic link")
    assert victim.read_text() == ORIGINAL


def test_baseline_through_a_planted_symlink_is_refused(cli: Any, repo: Path, victim: Path) -> None:
    dest = repo / ".mlguard-baseline.json"
    dest.symlink_to(victim)
    result = cli(["baseline", repo])
    _assert_refused(result, dest, "symbolic link")
    assert victim.read_text() == ORIGINAL


def test_dangling_symlink_is_refused_and_nothing_is_created(cli: Any, repo: Path) -> None:
    target = repo.parent / "created-by-mlguard.json"
    dest = repo / "report.json"
    dest.symlink_to(target)
    result = cli(["scan", repo, "--format", "json", "-o", dest])
    _assert_refused(result, dest, "symbolic link")
    assert not target.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_destination_is_refused_without_blocking(cli: Any, repo: Path) -> None:
    dest = repo / "report.json"
    os.mkfifo(dest)
    result = cli(["baseline", repo, "-o", dest])
    _assert_refused(result, dest, "a FIFO")


def test_hard_link_destination_is_refused(cli: Any, repo: Path, victim: Path) -> None:
    dest = repo / "report.json"
    os.link(victim, dest)
    result = cli(["scan", repo, "--format", "json", "-o", dest])
    _assert_refused(result, dest, "hard links")
    assert victim.read_text() == ORIGINAL


@pytest.mark.parametrize("command", ["scan", "baseline"])
def test_missing_directory_and_directory_targets_are_usage_errors(
    cli: Any, repo: Path, command: str
) -> None:
    missing = repo / "no" / "such" / "dir" / "out.json"
    result = cli([command, repo, "-o", missing])
    _assert_refused(result, missing, "does not exist")
    folder = repo / "reports"
    folder.mkdir()
    result = cli([command, repo, "-o", folder])
    _assert_refused(result, folder, "a directory")


def test_cache_database_through_a_symlink_is_refused(
    cli: Any, repo: Path, victim: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    dest = cache / "facts-v1.sqlite"
    dest.symlink_to(victim)
    result = cli(["scan", repo, "--cache-dir", cache])
    _assert_refused(result, dest, "symbolic link")
    assert victim.read_text() == ORIGINAL


def test_regular_files_are_still_written_and_replaced(cli: Any, repo: Path) -> None:
    dest = repo / "report.json"
    dest.write_text("x" * 100_000)
    result = cli(["scan", repo, "--format", "json", "-o", dest, "--no-config"])
    assert result.code == 1, result.err
    assert dest.read_text().startswith("{")
    baseline = repo / ".mlguard-baseline.json"
    assert cli(["baseline", repo, "--no-config"]).code == 0
    assert baseline.is_file() and not baseline.is_symlink()
