"""Everything mlguard asks git, behind one module (the only one importing gitpython).

The scanned repository's ``.git`` is as untrusted as its files: git runs with every
config key that could start a program switched off (``core.fsmonitor`` runs a command on
``ls-files``), each call has a time limit, and any failure of git or of gitpython means
"no usable git view", with the reason, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

GIT_TIMEOUT_S = 120
SAFE_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false")


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
    return probe(root)[0]


def probe(root: Path) -> tuple[GitView | None, str]:
    """The git view of ``root``, or ``None`` and why git could not be used ("" when
    ``root`` is simply not inside a git work tree)."""
    try:
        return _view(root), ""
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
        return None, "not a valid git repository" if (root / ".git").exists() else ""
    except git.exc.GitCommandError as exc:
        lines = [ln.strip(" '") for ln in str(exc.stderr or "").splitlines() if ln.strip(" '")]
        detail = lines[0].removeprefix("stderr:").strip(" '") if lines else f"exit {exc.status}"
        return None, f"git failed: {detail}"
    except Exception as exc:  # hostile .git content: contain whatever gitpython raises
        return None, f"unreadable git metadata ({type(exc).__name__})"


def _view(root: Path) -> GitView | None:
    repo = git.Repo(root, search_parent_directories=True)
    try:
        if repo.bare or repo.working_tree_dir is None:
            return None
        worktree = Path(repo.working_tree_dir).resolve()
        prefix = root.resolve().relative_to(worktree).as_posix()
        prefix = "" if prefix == "." else prefix
        scope = ["--", prefix] if prefix else []
        # explicit --git-dir/--work-tree: a core.worktree in a hostile .git/config would
        # make git list (and mlguard miss) the files of another directory
        where = ["--git-dir", str(repo.git_dir), "--work-tree", str(worktree)]
        tracked = _ls(repo, where, ["--cached", *scope], prefix)
        untracked = _ls(repo, where, ["--others", "--exclude-standard", *scope], prefix)
        untracked -= tracked
        return GitView(worktree, prefix, tracked, untracked, _head(repo), _tags(repo))
    finally:
        repo.close()


def _ls(repo: git.Repo, where: list[str], args: list[str], prefix: str) -> frozenset[str]:
    out = repo.git.execute(
        [*SAFE_GIT, *where, "ls-files", "-z", "--full-name", *args],
        kill_after_timeout=GIT_TIMEOUT_S,
    )
    cut = len(prefix) + 1 if prefix else 0
    return frozenset(p[cut:] for p in str(out).split("\0") if p)


def _head(repo: git.Repo) -> str | None:
    try:
        return str(repo.head.commit.hexsha)
    except Exception:  # missing objects, garbage refs: no HEAD commit
        return None


def _tags(repo: git.Repo) -> tuple[str, ...]:
    try:
        return tuple(sorted(t.name for t in repo.tags))
    except Exception:  # unreadable refs: no tags
        return ()
