"""Everything mlguard asks git, behind one module (every call goes through
:mod:`mlguard.repo.gitrun`, which cannot start a program the repository configures).

The scanned repository's ``.git`` is as untrusted as its files: mlguard only reads
objects, refs and the index with plumbing commands; it never checks out, re-hashes the
work tree (which runs clean filters), verifies signatures or prints patches. Listings run
with an explicit work tree (a ``core.worktree`` pointing elsewhere would hide the
repository's files), each call has a time limit, and any failure of git means "no usable
git view", with the reason, never a crash.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from mlguard.errors import UsageError
from mlguard.repo import gitrun
from mlguard.repo.gitrun import GitError

GIT_TIMEOUT_S = gitrun.GIT_TIMEOUT_S
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class GitView:
    """What git says about the scanned directory.

    ``tracked`` and ``untracked`` are paths relative to the scan root (which may be a
    subdirectory of the work tree); ``prefix`` is the scan root relative to the work tree.
    ``rev`` is the commit whose history is meant (``HEAD``, or the merge-base in diff mode).
    """

    worktree: Path
    prefix: str
    tracked: frozenset[str]
    untracked: frozenset[str]
    head: str | None
    tags: tuple[str, ...]
    blobs: dict[str, str] = field(default_factory=dict)
    """Blob ids of tracked files whose work-tree content matches the index (free content keys)."""
    git_dir: Path = Path()
    rev: str = "HEAD"


def open_view(root: Path) -> GitView | None:
    """Describe ``root`` through git, or ``None`` when it is not inside a usable work tree."""
    return probe(root)[0]


def probe(root: Path) -> tuple[GitView | None, str]:
    """The git view of ``root``, or ``None`` and why git could not be used ("" when
    ``root`` is simply not inside a git work tree)."""
    worktree = _worktree_of(root.resolve())
    if worktree is None:
        return None, ""
    try:
        return _view(root.resolve(), worktree), ""
    except GitError as exc:
        if "not a git repository" in str(exc):
            return None, f"not a valid git repository ({exc})"
        return None, f"git failed: {exc}"
    except (OSError, ValueError) as exc:  # hostile .git content
        return None, f"unreadable git metadata ({type(exc).__name__})"


def _worktree_of(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding a ``.git`` entry."""
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def _git_dir(worktree: Path) -> tuple[Path, bool]:
    """The repository's git directory (a ``.git`` file is followed) and whether it is a
    shallow clone."""
    out = gitrun.run(
        ["rev-parse", "--absolute-git-dir", "--is-shallow-repository"],
        git_dir=worktree / ".git",
        work_tree=worktree,
    ).splitlines()
    if len(out) != 2:
        raise GitError("not a git repository (rev-parse gave no git directory)")
    return Path(out[0]), out[1].strip() == "true"


def _view(root: Path, worktree: Path) -> GitView:
    git_dir, _ = _git_dir(worktree)
    prefix = root.relative_to(worktree).as_posix()
    prefix = "" if prefix == "." else prefix
    scope = ["--", prefix] if prefix else []

    def ls(*args: str) -> str:
        return gitrun.run(
            ["ls-files", "-z", "--full-name", *args, *scope], git_dir=git_dir, work_tree=worktree
        )

    cut = len(prefix) + 1 if prefix else 0
    staged = ls("--stage", "--debug")
    tracked, blobs = _staged(staged, worktree, cut, _index_mtime(git_dir))
    others = ls("--others", "--exclude-standard")
    untracked = frozenset(p[cut:] for p in others.split("\0") if p) - tracked
    head = _head(git_dir)
    return GitView(worktree, prefix, tracked, untracked, head, _tags(git_dir), blobs, git_dir)


def _index_mtime(git_dir: Path) -> int:
    index = os.environ.get("GIT_INDEX_FILE") or str(git_dir / "index")
    try:
        return Path(index).stat().st_mtime_ns
    except OSError:
        return 0


def _staged(
    out: str, worktree: Path, cut: int, index_mtime: int
) -> tuple[frozenset[str], dict[str, str]]:
    """Tracked paths and the blob ids of those whose work-tree file still matches the
    index's stat data (what git itself trusts without re-hashing; a file modified at or
    after the index was written is "racily clean" and gets no blob id)."""
    chunks = out.split("\0")
    tracked: set[str] = set()
    blobs: dict[str, str] = {}
    entry = chunks[0]
    for chunk in chunks[1:]:
        parts = chunk.split("\n", 5)
        debug, rest = parts[:5], parts[5] if len(parts) > 5 else ""
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if path and len(fields) == 3:
            tracked.add(path[cut:])
            regular = fields[2] == "0" and fields[0] in ("100644", "100755")
            if regular and _unchanged(worktree / path, _stat_fields(debug), index_mtime):
                blobs[path[cut:]] = fields[1]
        entry = rest
    return frozenset(tracked), blobs


def _stat_fields(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        for item in line.strip().split("\t"):
            key, _, value = item.partition(": ")
            found[key.strip()] = value.strip()
    return found


def _unchanged(path: Path, recorded: dict[str, str], index_mtime: int) -> bool:
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False

    def ns(value: str) -> int:
        sec, _, nsec = value.partition(":")
        return int(sec) * 1_000_000_000 + int(nsec or 0)

    try:
        same = (
            ns(recorded["mtime"]) == st.st_mtime_ns
            and ns(recorded["ctime"]) == st.st_ctime_ns
            and int(recorded["size"]) == st.st_size & 0xFFFFFFFF
            and int(recorded["ino"]) == st.st_ino & 0xFFFFFFFF
        )
    except (KeyError, ValueError):
        return False
    return same and st.st_mtime_ns < index_mtime


def _head(git_dir: Path, rev: str = "HEAD") -> str | None:
    try:
        out = gitrun.run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            git_dir=git_dir,
        )
    except GitError:  # missing objects, garbage refs: no HEAD commit
        return None
    return out.strip() or None


def _tags(git_dir: Path) -> tuple[str, ...]:
    try:
        out = gitrun.run(["for-each-ref", "--format=%(refname)", "refs/tags"], git_dir=git_dir)
    except GitError:  # unreadable refs: no tags
        return ()
    return tuple(sorted(r.removeprefix("refs/tags/") for r in out.splitlines() if r))


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
        if _shallow(view.git_dir):
            raise ShallowHistory("shallow clone: older commits are not available")
        sizes: dict[str, int] = {}
        check = "--batch-check=%(objecttype) %(objectname) %(objectsize)"
        args = ["cat-file", "--batch-all-objects", "--unordered", check]
        with gitrun.stream(args, git_dir=view.git_dir) as rows:
            for row in rows:
                kind, oid, size = [*row.split(" "), "", "", ""][:3]
                if kind == "blob" and size.isdigit() and int(size) >= min_bytes:
                    sizes[oid] = int(size)
        if not sizes:
            return ()
        return _paths_of(view.git_dir, sizes, view.prefix)
    except GitError as exc:
        raise OSError(f"git could not list the history ({exc})") from exc


def _shallow(git_dir: Path) -> bool:
    out = gitrun.run(["rev-parse", "--is-shallow-repository"], git_dir=git_dir)
    return out.strip() == "true"


def _paths_of(git_dir: Path, sizes: dict[str, int], prefix: str) -> tuple[HistoryBlob, ...]:
    found: dict[tuple[str, str], HistoryBlob] = {}
    cut = len(prefix) + 1 if prefix else 0
    with gitrun.stream(["rev-list", "--objects", "--all"], git_dir=git_dir) as rows:
        for row in rows:
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
    place, with the newest such commit; bounded to the last ``max_commits`` commits.

    ``rev-list`` picks the commits, ``diff-tree --name-only`` compares trees (names only:
    no content is converted or diffed)."""
    specs = [f"{view.prefix}/{p}" if view.prefix else p for p in pathspecs]
    try:
        commits = gitrun.run(
            ["rev-list", f"-n{max_commits}", "--end-of-options", view.rev, "--", *specs],
            git_dir=view.git_dir,
        ).split()
        if not commits:
            return {}
        args = ["diff-tree", "--stdin", "-r", "--name-only", "-z", "--diff-filter=M"]
        out = gitrun.run_bytes(
            [*args, "--no-renames", "--no-ext-diff", "--no-textconv", "--", *specs],
            git_dir=view.git_dir,
            stdin=b"".join(f"{c}\n".encode() for c in commits),
        ).decode("utf-8", "surrogateescape")
    except GitError:
        return {}
    found: dict[str, str] = {}
    cut = len(view.prefix) + 1 if view.prefix else 0
    known = set(commits)
    commit = ""
    for item in out.split("\0"):
        item = item.strip("\n")
        if item in known:
            commit = item
        elif item and commit:
            found.setdefault(item[cut:], commit)
    return found


FETCH_HINT = (
    "fetch more history: `git fetch --unshallow` (or, in GitHub Actions, actions/checkout "
    "with `fetch-depth: 0`)"
)


def _open(root: Path, what: str) -> tuple[Path, Path, bool]:
    """(work tree, git directory, shallow) of the repository holding ``root``."""
    worktree = _worktree_of(root.resolve())
    if worktree is None:
        raise UsageError(f"{what} needs a git repository ({root} is not in one)")
    try:
        git_dir, shallow = _git_dir(worktree)
    except GitError as exc:
        raise UsageError(f"{what} needs a git repository ({root}: {exc})") from exc
    return worktree, git_dir, shallow


def merge_base(root: Path, ref: str) -> str:
    """The merge-base of ``ref`` and HEAD, or a UsageError saying what to do."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--diff-base {ref!r}: not a git revision")
    _, git_dir, shallow = _open(root, "--diff-base")
    if _head(git_dir, ref) is None:
        hint = f"; this is a shallow clone: {FETCH_HINT}" if shallow else ""
        raise UsageError(f"--diff-base {ref!r}: no such commit in this clone{hint}")
    try:
        return gitrun.run(["merge-base", "--end-of-options", ref, "HEAD"], git_dir=git_dir).strip()
    except GitError as exc:
        if shallow:
            raise UsageError(
                f"--diff-base {ref!r}: no merge-base with HEAD in this shallow clone; {FETCH_HINT}"
            ) from exc
        raise UsageError(f"--diff-base {ref!r}: it has no common history with HEAD") from exc


def resolve_commit(root: Path, ref: str, what: str) -> tuple[Path, Path, str]:
    """(work tree, git directory, commit id) of ``ref`` in the repository holding ``root``."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"{what} {ref!r}: not a git revision")
    worktree, git_dir, shallow = _open(root, what)
    commit = _head(git_dir, ref)
    if commit is None:
        hint = f"; this is a shallow clone: {FETCH_HINT}" if shallow else ""
        raise UsageError(f"{what} {ref!r}: no such commit in this clone{hint}")
    return worktree, git_dir, commit


def read_blob(git_dir: Path, commit: str, path: str, max_bytes: int) -> bytes | None:
    """The content of ``path`` at ``commit`` (raw object: no filter or conversion), or
    ``None`` when there is no regular file there. Raises :class:`GitError` above
    ``max_bytes`` or when git cannot answer."""
    row = gitrun.run(["ls-tree", "-z", "--end-of-options", commit, "--", path], git_dir=git_dir)
    meta, _, name = row.rstrip("\0").partition("\t")
    fields = meta.split()
    if name != path or len(fields) != 3 or fields[1] != "blob" or fields[0] == "120000":
        return None
    with gitrun.CatFile(git_dir) as objects:
        head = objects.header(fields[2])
        if head is None:
            return None
        if head[2] > max_bytes:
            raise GitError(f"{path} at {commit[:12]} is larger than {max_bytes} bytes")
        return objects.read(head[2])


@contextmanager
def materialize(root: Path, commit: str) -> Iterator[tuple[Path, GitView | None]]:
    """The files under ``root`` as they are at ``commit``, written from raw git objects
    into a temporary directory (no checkout: no filter, hook or LFS download runs), with
    the git view of that commit. Yields a directory that does not exist when ``root`` did
    not exist at ``commit``."""
    worktree, git_dir, _ = _open(root, "--diff-base")
    prefix = root.resolve().relative_to(worktree).as_posix()
    prefix = "" if prefix == "." else prefix
    parent = Path(tempfile.mkdtemp(prefix="mlguard-base-"))
    tree = parent / "tree"
    try:
        spec = f"{commit}:{prefix}" if prefix else f"{commit}^{{tree}}"
        try:
            listing = gitrun.run_bytes(
                ["ls-tree", "-r", "-z", "--end-of-options", spec], git_dir=git_dir
            )
        except GitError:
            yield tree, None  # the scanned directory did not exist at that commit
            return
        tree.mkdir()
        blobs = _write_tree(git_dir, tree, listing.decode("utf-8", "surrogateescape"))
        tracked = frozenset(blobs) | frozenset(_links_of(tree))
        view = GitView(
            tree, prefix, tracked, frozenset(), commit, _tags(git_dir), blobs, git_dir, commit
        )
        yield tree, view
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _links_of(tree: Path) -> Iterator[str]:
    for dirpath, _, files in os.walk(tree):
        for name in files:
            path = Path(dirpath) / name
            if path.is_symlink():
                yield path.relative_to(tree).as_posix()


def _write_tree(git_dir: Path, tree: Path, listing: str) -> dict[str, str]:
    """Write each regular file (and symlink, as a link) of an ``ls-tree -r -z`` listing
    under ``tree``; returns path -> blob id of the regular files."""
    blobs: dict[str, str] = {}
    written: set[str] = set()
    with gitrun.CatFile(git_dir) as objects:
        for row in listing.split("\0"):
            meta, _, path = row.partition("\t")
            fields = meta.split()
            if len(fields) != 3 or fields[1] != "blob" or not _safe_rel(path):
                continue
            parts = path.split("/")
            if path in written or any("/".join(parts[:i]) in written for i in range(1, len(parts))):
                continue  # a hostile tree listing a path twice, or under a file or link
            mode, oid = fields[0], fields[2]
            head = objects.header(oid)
            if head is None:
                continue
            written.add(path)
            dest = tree / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000":
                target = objects.read(head[2]).decode("utf-8", "surrogateescape")
                with suppress(OSError, ValueError):
                    dest.symlink_to(target)
                continue
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(dest, flags, 0o755 if mode == "100755" else 0o644)
            except OSError:  # a directory of that name was written first
                objects.read(head[2])
                continue
            with os.fdopen(fd, "wb") as out:
                objects.read_into(head[2], out)
            blobs[path] = oid
    return blobs


def _safe_rel(path: str) -> bool:
    parts = path.split("/")
    return (
        bool(path)
        and not path.startswith("/")
        and all(p not in ("", ".", "..", ".git") and "\0" not in p for p in parts)
    )


def signed_commits(view: GitView, limit: int = 50) -> tuple[int, int]:
    """(signed, total) among the last ``limit`` commits of the view's revision: commits
    carrying a ``gpgsig`` header (GPG, SSH or X.509), read from the raw commit objects.
    Presence only; nothing is verified (gpg is never run)."""
    try:
        ids = gitrun.run(
            ["rev-list", "-n", str(limit), "--end-of-options", view.rev], git_dir=view.git_dir
        ).split()
        total = signed = 0
        with gitrun.CatFile(view.git_dir) as objects:
            for oid in ids:
                found = objects.object(oid)
                if found is None or found[0] != "commit":
                    continue
                total += 1
                header = found[1].split(b"\n\n", 1)[0]
                if any(line.startswith(b"gpgsig") for line in header.split(b"\n")):
                    signed += 1
    except (GitError, OSError):
        return 0, 0
    return signed, total
