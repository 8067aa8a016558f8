"""Everything mlguard asks git, behind one module (the only one importing gitpython)."""

from __future__ import annotations

from dataclasses import dataclass
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
        return GitView(worktree, prefix, tracked, untracked, _head(repo), _tags(repo))
    except (git.exc.GitError, ValueError, OSError):
        return None


def _ls(repo: git.Repo, args: list[str], prefix: str) -> frozenset[str]:
    out: str = repo.git.ls_files("-z", "--full-name", *args)
    cut = len(prefix) + 1 if prefix else 0
    return frozenset(p[cut:] for p in out.split("\0") if p)


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


@dataclass(frozen=True)
class HistoryBlob:
    """A blob reachable from any ref, at one of the paths it was committed under."""

    oid: str
    size: int
    path: str  # relative to the scan root


class ShallowHistory(Exception):
    """The history is incomplete (shallow clone): blobs of older commits are unknown."""


def large_blobs(view: GitView, min_bytes: int) -> tuple[HistoryBlob, ...]:
    """Blobs of at least ``min_bytes`` anywhere in the history, under the scanned directory.

    Two bounded passes: ``cat-file --batch-all-objects --batch-check`` sizes every object
    without reading content; only when some blob is large does ``rev-list --objects --all``
    map object ids to paths (and drop unreachable objects). Raises :class:`ShallowHistory`
    on a shallow clone and ``OSError`` when git cannot answer.
    """
    try:
        repo = git.Repo(view.worktree)
        if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            raise ShallowHistory("shallow clone: older commits are not available")
        sizes: dict[str, int] = {}
        listing: str = repo.git.cat_file(
            "--batch-all-objects", "--batch-check=%(objecttype) %(objectname) %(objectsize)"
        )
        for row in listing.splitlines():
            kind, oid, size = [*row.split(" "), "", "", ""][:3]
            if kind == "blob" and size.isdigit() and int(size) >= min_bytes:
                sizes[oid] = int(size)
        if not sizes:
            return ()
        return _paths_of(repo, sizes, view.prefix)
    except git.exc.GitError as exc:
        raise OSError(f"git could not list the history: {exc}") from exc


def _paths_of(repo: git.Repo, sizes: dict[str, int], prefix: str) -> tuple[HistoryBlob, ...]:
    found: dict[tuple[str, str], HistoryBlob] = {}
    objects: str = repo.git.rev_list("--objects", "--all")
    cut = len(prefix) + 1 if prefix else 0
    for row in objects.splitlines():
        oid, _, path = row.partition(" ")
        if oid not in sizes or not path:
            continue
        if prefix and not path.startswith(prefix + "/"):
            continue
        found.setdefault((oid, path), HistoryBlob(oid, sizes[oid], path[cut:]))
    return tuple(sorted(found.values(), key=lambda b: (b.path, b.oid)))


def modified_files(
    view: GitView, pathspecs: tuple[str, ...], max_commits: int = 500
) -> dict[str, str]:
    """Files under ``pathspecs`` (relative to the scan root) that some commit modified in
    place, with the newest such commit; bounded to the last ``max_commits`` commits."""
    specs = [f"{view.prefix}/{p}" if view.prefix else p for p in pathspecs]
    try:
        repo = git.Repo(view.worktree)
        out: str = repo.git.log(
            "--diff-filter=M", "--name-only", "--format=@%H", f"-n{max_commits}", "--", *specs
        )
    except git.exc.GitError:
        return {}
    found: dict[str, str] = {}
    commit = ""
    cut = len(view.prefix) + 1 if view.prefix else 0
    for row in out.splitlines():
        if row.startswith("@"):
            commit = row[1:]
        elif row.strip():
            found.setdefault(row.strip()[cut:], commit)
    return found
