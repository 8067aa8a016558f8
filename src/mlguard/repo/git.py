"""Everything mlguard asks git, behind one module (the only one importing gitpython).

The scanned repository's ``.git`` is as untrusted as its files: every git command runs
with the config keys that could start a program switched off (``core.fsmonitor`` runs a
command on ``ls-files``/``diff-files``), the listings run with an explicit work tree (a
``core.worktree`` pointing elsewhere would hide the repository's files), each listing has
a time limit, and any failure of git or gitpython means "no usable git view", with the
reason, never a crash.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import git

from mlguard.errors import UsageError

GIT_TIMEOUT_S = 120
# Config given on the command line (GIT_CONFIG_COUNT) wins over the repository's own.
SAFE_ENV = {
    "GIT_CONFIG_COUNT": "3",
    "GIT_CONFIG_KEY_0": "core.fsmonitor",
    "GIT_CONFIG_VALUE_0": "false",
    "GIT_CONFIG_KEY_1": "core.untrackedCache",
    "GIT_CONFIG_VALUE_1": "false",
    "GIT_CONFIG_KEY_2": "core.hooksPath",
    "GIT_CONFIG_VALUE_2": "/dev/null",
}


def safe_repo(path: Path, search_parent_directories: bool = False) -> git.Repo:
    """A gitpython Repo whose git commands never run the repository's configured programs."""
    repo = git.Repo(path, search_parent_directories=search_parent_directories)
    repo.git.update_environment(**SAFE_ENV)
    return repo


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
    repo = safe_repo(root, search_parent_directories=True)
    try:
        if repo.bare or repo.working_tree_dir is None:
            return None
        worktree = Path(repo.working_tree_dir).resolve()
        prefix = root.resolve().relative_to(worktree).as_posix()
        prefix = "" if prefix == "." else prefix
        scope = ["--", prefix] if prefix else []
        # explicit work tree: a core.worktree in a hostile .git/config would make git list
        # (and mlguard miss) the files of another directory
        repo.git.update_environment(GIT_DIR=str(repo.git_dir), GIT_WORK_TREE=str(worktree))
        tracked = _ls(repo, ["--cached", *scope], prefix)
        untracked = _ls(repo, ["--others", "--exclude-standard", *scope], prefix) - tracked
        blobs = _clean_blobs(repo, scope, prefix)
        return GitView(worktree, prefix, tracked, untracked, _head(repo), _tags(repo), blobs)
    finally:
        repo.close()


def _ls(repo: git.Repo, args: list[str], prefix: str) -> frozenset[str]:
    out = repo.git.ls_files("-z", "--full-name", *args, kill_after_timeout=GIT_TIMEOUT_S)
    cut = len(prefix) + 1 if prefix else 0
    return frozenset(p[cut:] for p in str(out).split("\0") if p)


def _clean_blobs(repo: git.Repo, scope: list[str], prefix: str) -> dict[str, str]:
    cut = len(prefix) + 1 if prefix else 0
    modified = set(
        str(
            repo.git.diff_files("--name-only", "-z", *scope, kill_after_timeout=GIT_TIMEOUT_S)
        ).split("\0")
    )
    blobs: dict[str, str] = {}
    staged = repo.git.ls_files(
        "-z", "--stage", "--full-name", *scope, kill_after_timeout=GIT_TIMEOUT_S
    )
    for entry in str(staged).split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[2] == "0" and parts[0] != "120000" and path not in modified:
            blobs[path[cut:]] = parts[1]
    return blobs


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
        repo = safe_repo(view.worktree)
        if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            raise ShallowHistory("shallow clone: older commits are not available")
        sizes: dict[str, int] = {}
        check = "--batch-check=%(objecttype) %(objectname) %(objectsize)"
        for row in _stream(repo, "cat-file", "--batch-all-objects", "--unordered", check):
            kind, oid, size = [*row.split(" "), "", "", ""][:3]
            if kind == "blob" and size.isdigit() and int(size) >= min_bytes:
                sizes[oid] = int(size)
        if not sizes:
            return ()
        return _paths_of(repo, sizes, view.prefix)
    except git.exc.GitError as exc:
        raise OSError(f"git could not list the history ({_short(exc)})") from exc


def _stream(repo: git.Repo, *args: str) -> Iterator[str]:
    """Lines of a git command's output, read as they come (memory stays bounded on huge
    histories); a failing command raises ``GitCommandError`` once its output is read."""
    proc = repo.git.execute(["git", *args], as_process=True)
    if proc.proc is None or proc.proc.stdout is None:  # not an assert (python -O)
        raise OSError(f"git {args[0]} gave no output stream")
    for raw in proc.proc.stdout:
        yield raw.decode("utf-8", "replace").rstrip("\n")
    proc.wait()


def _short(exc: Exception) -> str:
    """The last meaningful line git printed (e.g. "fatal: missing blob object ...")."""
    stderr = str(getattr(exc, "stderr", "") or exc)
    lines = [x.strip() for x in stderr.splitlines() if any(c.isalnum() for c in x)]
    text = lines[-1].removeprefix("stderr:").strip() if lines else type(exc).__name__
    if text.startswith("'"):  # gitpython quotes git's stderr
        text = text[1:]
    return text[:200]


def _paths_of(repo: git.Repo, sizes: dict[str, int], prefix: str) -> tuple[HistoryBlob, ...]:
    found: dict[tuple[str, str], HistoryBlob] = {}
    cut = len(prefix) + 1 if prefix else 0
    for row in _stream(repo, "rev-list", "--objects", "--all"):
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
        repo = safe_repo(view.worktree)
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


FETCH_HINT = (
    "fetch more history: `git fetch --unshallow` (or, in GitHub Actions, actions/checkout "
    "with `fetch-depth: 0`)"
)
# Never run the repository's hooks or LFS downloads while checking out the base commit.
SAFE_CHECKOUT = ("-c", "core.hooksPath=/dev/null", "-c", "filter.lfs.process=")


def merge_base(root: Path, ref: str) -> str:
    """The merge-base of ``ref`` and HEAD, or a UsageError saying what to do."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--diff-base {ref!r}: not a git revision")
    try:
        repo = safe_repo(root, search_parent_directories=True)
    except (git.exc.GitError, OSError) as exc:
        raise UsageError(f"--diff-base needs a git repository ({root} is not in one)") from exc
    shallow = _is_shallow(repo)
    try:
        repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
    except git.exc.GitCommandError as exc:
        hint = f"; this is a shallow clone: {FETCH_HINT}" if shallow else ""
        raise UsageError(f"--diff-base {ref!r}: no such commit in this clone{hint}") from exc
    try:
        return str(repo.git.merge_base(ref, "HEAD")).strip()
    except git.exc.GitCommandError as exc:
        if shallow:
            raise UsageError(
                f"--diff-base {ref!r}: no merge-base with HEAD in this shallow clone; {FETCH_HINT}"
            ) from exc
        raise UsageError(f"--diff-base {ref!r}: it has no common history with HEAD") from exc


def _is_shallow(repo: git.Repo) -> bool:
    try:
        return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"
    except git.exc.GitCommandError:
        return False


@contextmanager
def checkout(root: Path, commit: str) -> Iterator[Path]:
    """A temporary detached work tree of ``commit`` outside the repository; yields the
    directory matching ``root`` in it (which may not exist at that commit)."""
    repo = safe_repo(root, search_parent_directories=True)
    if repo.working_tree_dir is None:  # not an assert (python -O)
        raise UsageError("--diff-base needs a work tree (this repository is bare)")
    prefix = root.resolve().relative_to(Path(repo.working_tree_dir).resolve())
    parent = Path(tempfile.mkdtemp(prefix="mlguard-base-"))
    tree = parent / "tree"
    env = {"GIT_LFS_SKIP_SMUDGE": "1"}
    try:
        repo.git.execute(
            ["git", *SAFE_CHECKOUT, "worktree", "add", "--detach", "--quiet", str(tree), commit],
            env=env,
        )
        yield tree / prefix
    finally:
        with suppress(git.exc.GitCommandError):
            repo.git.worktree("remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)
        repo.git.worktree("prune")


def signed_commits(worktree: Path, limit: int = 50) -> tuple[int, int]:
    """(signed, total) among the last ``limit`` commits of HEAD: commits carrying a
    ``gpgsig`` header (GPG, SSH or X.509). Presence only; nothing is verified."""
    try:
        raw = str(safe_repo(worktree).git.log("-n", str(limit), "--format=raw", "HEAD"))
    except (git.exc.GitError, ValueError, OSError):
        return 0, 0
    total = signed = 0
    for line in raw.splitlines():
        if line.startswith("commit "):
            total += 1
        elif line.startswith("gpgsig "):
            signed += 1
    return signed, total
