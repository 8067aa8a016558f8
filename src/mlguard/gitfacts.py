"""Everything mlguard asks git, behind one module (the only one importing gitpython)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import git


@dataclass(frozen=True)
class GitView:
    """What git says about the scanned directory.

    ``tracked`` and ``untracked`` are paths relative to the scan root (which may be a
    subdirectory of the work tree); ``prefix`` is the scan root relative to the work tree.
    """

    worktree: Path
    prefix: str
    tracked: frozenset[str]
    untracked: frozenset[str]
    head: str | None
    tags: tuple[str, ...]
    blobs: dict[str, str] = field(default_factory=dict)
    """Blob ids of tracked files whose work-tree content matches the index (free content keys)."""


def open_view(root: Path) -> GitView | None:
    """Describe ``root`` through git, or ``None`` when it is not inside a usable work tree."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
        if repo.bare or repo.working_tree_dir is None:
            return None
        worktree = Path(repo.working_tree_dir).resolve()
        prefix = root.resolve().relative_to(worktree).as_posix()
        prefix = "" if prefix == "." else prefix
        scope = ["--", prefix] if prefix else []
        tracked = _ls(repo, ["--cached", *scope], prefix)
        untracked = _ls(repo, ["--others", "--exclude-standard", *scope], prefix) - tracked
        blobs = _clean_blobs(repo, scope, prefix)
        return GitView(worktree, prefix, tracked, untracked, _head(repo), _tags(repo), blobs)
    except (git.exc.GitError, ValueError, OSError):
        return None


def _ls(repo: git.Repo, args: list[str], prefix: str) -> frozenset[str]:
    out: str = repo.git.ls_files("-z", "--full-name", *args)
    cut = len(prefix) + 1 if prefix else 0
    return frozenset(p[cut:] for p in out.split("\0") if p)


def _clean_blobs(repo: git.Repo, scope: list[str], prefix: str) -> dict[str, str]:
    cut = len(prefix) + 1 if prefix else 0
    modified = set(repo.git.diff_files("--name-only", "-z", *scope).split("\0"))
    blobs: dict[str, str] = {}
    for entry in repo.git.ls_files("-z", "--stage", "--full-name", *scope).split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[2] == "0" and parts[0] != "120000" and path not in modified:
            blobs[path[cut:]] = parts[1]
    return blobs


def _head(repo: git.Repo) -> str | None:
    try:
        return str(repo.head.commit.hexsha)
    except (ValueError, git.exc.GitError):
        return None


def _tags(repo: git.Repo) -> tuple[str, ...]:
    try:
        return tuple(sorted(t.name for t in repo.tags))
    except (git.exc.GitError, ValueError, OSError):
        return ()
