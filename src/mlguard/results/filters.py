"""Scope filters applied after inline suppression: the PR diff base and hook file lists."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from mlguard.engine.scan import ScanResult
from mlguard.repo import git as gitfacts
from mlguard.repo.git import GitView
from mlguard.results import baseline


def against_merge_base(
    root: Path, ref: str, evaluate: Callable[[Path, GitView | None], ScanResult]
) -> tuple[str, tuple[baseline.Entry, ...]]:
    """Scan the merge-base of ``ref`` and HEAD, its files written from git's objects into
    a temporary directory (never checked out); its findings' keys are what a pull
    request did not introduce."""
    commit = gitfacts.merge_base(root, ref)
    with gitfacts.materialize(root, commit) as (base_root, view):
        if not base_root.is_dir():
            return commit, ()
        base = evaluate(base_root, view)
    return commit, baseline.entries(f for res in base.results for f in res.findings)


def scan_paths(root: Path, files: Iterable[str]) -> frozenset[str]:
    """``files`` (relative to the working directory, as pre-commit passes them) as paths
    relative to the scan root; files outside it are dropped."""
    bases = (Path(os.path.normpath(Path.cwd() / root)), root.resolve())
    found = set()
    for name in files:
        path = Path(os.path.normpath(Path.cwd() / name))
        for base in bases:
            if path.is_relative_to(base):
                found.add(path.relative_to(base).as_posix())
                break
    return frozenset(found)


def only_paths(result: ScanResult, paths: frozenset[str]) -> ScanResult:
    """Keep only findings located in ``paths`` (statuses are left as the scan found them)."""
    results = tuple(
        replace(res, findings=tuple(f for f in res.findings if f.location.path in paths))
        for res in result.results
    )
    return replace(result, results=results)
