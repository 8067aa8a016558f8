"""Shared test helpers: fixture repositories built in tmp_path, and the CLI runner.

Tests drive mlguard through its public entry points only: ``run_cli`` invokes the real
console entry point in-process and returns exit code, stdout and stderr.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlguard.cli import main


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: Path | None = None,
) -> CliResult:
    if cwd is not None:
        monkeypatch.chdir(cwd)
    monkeypatch.setattr("sys.argv", ["mlguard", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def make_repo(root: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    """A git repository with ``files`` committed (or only written when ``commit`` is false)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, files)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "fixture", "--allow-empty")
    return root


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """mlguard run in a child process by a test caches its facts in this session's (this
    worker's) own directory, never in the user's ~/.cache/mlguard; ``cli`` gives each test
    a fresh one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("session-cache")))
        yield


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """``cli(["scan", path, ...])`` -> CliResult; environment config cleared."""
    monkeypatch.delenv("MLGUARD_CONFIG", raising=False)
    monkeypatch.setenv("MLGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("mlguard-cache")))
    monkeypatch.setenv("MLGUARD_OFFLINE", "1")  # tests never use the network

    def invoke(args: list[str], cwd: Path | None = None) -> CliResult:
        return run_cli([str(a) for a in args], capsys, monkeypatch, cwd)

    return invoke


def scan_json(cli: Any, root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli(["scan", str(root), "--format", "json", "--no-config", *extra])
    assert result.code in (0, 1), result.err
    return result.code, result.json()


def status_of(report: dict[str, Any], rule_id: str) -> str:
    return next(r["status"] for r in report["rules"] if r["id"] == rule_id)
