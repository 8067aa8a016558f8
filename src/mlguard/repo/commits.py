"""Past commits of the scanned repository, read from git's objects (``mlguard history``).

Which commits: the last N of a revision's first-parent history, the tagged commits, or
those since a date (``rev-list`` and ``for-each-ref``). What they hold: each commit's tree
listed with ``ls-tree -r -z`` and its regular files written from ``cat-file --batch`` into
a private temporary directory. Nothing is checked out, so no filter, hook, textconv or LFS
download the repository configures can run (every call goes through :mod:`gitrun`).

Blobs are written once into a store keyed by object id and hard-linked into each commit's
tree: N commits of a repository cost its distinct blobs, not N copies. Symbolic links and
submodules are left out (a scan never reads through them either); a blob larger than
:data:`MAX_BLOB_BYTES` is not written and is reported as skipped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from mlguard.errors import UsageError
from mlguard.repo import gitrun
from mlguard.repo.git import FETCH_HINT, GitView, _open, _safe_rel
from mlguard.repo.gitrun import GitError

MAX_BLOB_BYTES = 256 * 1024 * 1024  # the scan's read budget (MAX_SCAN_BYTES, model files)
SUBJECT_CHARS = 200


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, ISO 8601 with the committer's offset
    subject: str  # first line of the message (at most SUBJECT_CHARS)
    tags: tuple[str, ...] = ()  # tags pointing at it (with --tags)


@dataclass(frozen=True)
class Tree:
    """One commit's files under the scan root, written out; ``root`` does not exist when
    the scanned directory did not exist at that commit."""

    root: Path
    view: GitView | None
    skipped: dict[str, str]


class History:
    """The repository holding ``root``: its commits and their trees. Use as a context
    manager; the written files are removed on exit."""

    def __init__(self, root: Path, what: str = "history") -> None:
        worktree, self.git_dir, self.shallow = _open(root, what)
        prefix = root.resolve().relative_to(worktree).as_posix()
        self.prefix = "" if prefix == "." else prefix
        self.what = what
        self._parent: Path | None = None
        self._objects: gitrun.CatFile | None = None
        self._stored: dict[str, int] = {}  # blob id -> size, in the store

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._objects is not None:
            self._objects.close()
        if self._parent is not None:
            shutil.rmtree(self._parent, ignore_errors=True)

    # --- which commits -----------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        if not ref or ref.startswith("-"):
            raise UsageError(f"{self.what}: {ref!r} is not a git revision")
        try:
            out = gitrun.run(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                git_dir=self.git_dir,
            ).strip()
        except GitError:
            out = ""
        if not out:
            hint = f"; this is a shallow clone: {FETCH_HINT}" if self.shallow else ""
            raise UsageError(f"{self.what}: no commit {ref!r} in this repository{hint}")
        return out

    def last(self, ref: str, count: int, since: str | None = None) -> list[Commit]:
        """The last ``count`` commits of ``ref``'s first-parent history (all of them since
        ``since`` when ``count`` is 0), oldest first."""
        head = self.resolve(ref)
        args = ["rev-list", "--first-parent"]
        if count:
            args.append(f"-n{count}")
        if since:
            args.append(f"--since={_iso_date(since)}")
        shas = self._rev_list([*args, "--end-of-options", head])
        if self.shallow and shas and shas[-1] in self._boundary():
            if count and len(shas) < count:
                raise UsageError(
                    f"{self.what}: this shallow clone has only {len(shas)} of the {count} "
                    f"commits asked for; {FETCH_HINT}"
                )
            if since and not count:
                raise UsageError(
                    f"{self.what}: this shallow clone ends at {shas[-1][:12]}, after "
                    f"{since}; {FETCH_HINT}"
                )
        return self.describe(list(reversed(shas)))

    def tagged(self, count: int, since: str | None = None) -> list[Commit]:
        """The commits tags point at (annotated tags peeled), oldest first; the last
        ``count`` of them when ``count`` is not 0."""
        fmt = "--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname)"
        try:
            out = gitrun.run(["for-each-ref", fmt, "refs/tags"], git_dir=self.git_dir)
        except GitError as exc:
            raise UsageError(f"{self.what}: cannot list the tags ({exc})") from exc
        names: dict[str, list[str]] = {}
        for line in out.splitlines():
            kind, oid, peeled_kind, peeled, ref = [*line.split(" ", 4), "", "", "", ""][:5]
            if peeled_kind == "commit":
                kind, oid = peeled_kind, peeled
            if kind == "commit" and ref.startswith("refs/tags/"):
                names.setdefault(oid, []).append(ref.removeprefix("refs/tags/"))
        if not names:
            raise UsageError(f"{self.what} --tags: the repository has no tag on a commit")
        commits = self.describe(sorted(names))
        commits = [Commit(c.sha, c.date, c.subject, tuple(sorted(names[c.sha]))) for c in commits]
        if since:
            cutoff = datetime.fromisoformat(_iso_date(since))
            cutoff = cutoff if cutoff.tzinfo else cutoff.replace(tzinfo=UTC)
            commits = [c for c in commits if datetime.fromisoformat(c.date) >= cutoff]
        commits.sort(key=lambda c: (datetime.fromisoformat(c.date), c.sha))
        return commits[-count:] if count else commits

    def describe(self, shas: list[str]) -> list[Commit]:
        """Date and subject of each commit, from its raw object."""
        found = []
        for sha in shas:
            obj = self._cat().object(sha)
            if obj is None or obj[0] != "commit":
                raise UsageError(f"{self.what}: commit {sha[:12]} is missing from the clone")
            found.append(_parse_commit(sha, obj[1]))
        return found

    def _rev_list(self, args: list[str]) -> list[str]:
        try:
            return gitrun.run(args, git_dir=self.git_dir).split()
        except GitError as exc:
            raise UsageError(f"{self.what}: git could not list the history ({exc})") from exc

    def _boundary(self) -> frozenset[str]:
        """The commits where a shallow clone's history is cut."""
        try:
            text = (self.git_dir / "shallow").read_text("ascii", "replace")
        except OSError:
            return frozenset()
        return frozenset(text.split())

    # --- what they hold ----------------------------------------------------------------
    @contextmanager
    def tree(self, commit: str) -> Iterator[Tree]:
        """The files under the scan root at ``commit``, written out (removed on exit)."""
        parent = self._workspace()
        root = parent / f"tree-{commit[:16]}"
        spec = f"{commit}:{self.prefix}" if self.prefix else f"{commit}^{{tree}}"
        try:
            try:
                listing = gitrun.run_bytes(
                    ["ls-tree", "-r", "-z", "--end-of-options", spec], git_dir=self.git_dir
                )
            except GitError:  # the scanned directory did not exist at that commit
                yield Tree(root, None, {})
                return
            root.mkdir()
            blobs, skipped = self._write(root, listing.decode("utf-8", "surrogateescape"))
            view = GitView(
                root,
                self.prefix,
                frozenset(blobs),
                frozenset(),
                commit,
                self._tags_in(commit),
                blobs,
                self.git_dir,
                commit,
            )
            yield Tree(root, view, skipped)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _workspace(self) -> Path:
        if self._parent is None:
            self._parent = Path(tempfile.mkdtemp(prefix="mlguard-history-"))
            (self._parent / "objects").mkdir()
        return self._parent

    def _cat(self) -> gitrun.CatFile:
        if self._objects is None:
            self._objects = gitrun.CatFile(self.git_dir)
        return self._objects

    def _tags_in(self, commit: str) -> tuple[str, ...]:
        """Tags reachable from ``commit`` (what a scan of that commit would have seen)."""
        try:
            out = gitrun.run(
                ["for-each-ref", "--format=%(refname)", f"--merged={commit}", "refs/tags"],
                git_dir=self.git_dir,
            )
        except GitError:
            return ()
        return tuple(sorted(r.removeprefix("refs/tags/") for r in out.splitlines() if r))

    def _write(self, root: Path, listing: str) -> tuple[dict[str, str], dict[str, str]]:
        """Hard-link each regular file of an ``ls-tree -r -z`` listing under ``root`` from
        the blob store (writing the blob there first); returns (path -> blob id, skipped)."""
        blobs: dict[str, str] = {}
        skipped: dict[str, str] = {}
        for row in listing.split("\0"):
            meta, _, path = row.partition("\t")
            fields = meta.split()
            if len(fields) != 3 or not _safe_rel(path):
                continue
            mode, kind, oid = fields
            if kind == "commit":
                skipped[path] = "git submodule (its files are not scanned)"
                continue
            if kind != "blob":
                continue
            if mode == "120000":
                skipped[path] = "symbolic link (never followed)"
                continue
            parts = path.split("/")
            if any("/".join(parts[:i]) in blobs for i in range(1, len(parts))):
                continue  # a hostile tree listing a path under a file
            stored = self._store(oid)
            if stored is None:
                skipped[path] = (
                    f"larger than the {MAX_BLOB_BYTES >> 20} MiB mlguard reads of one file "
                    "(not written out from history)"
                )
                continue
            dest = root / path
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.link(stored, dest, follow_symlinks=False)
            except OSError:  # a path listed twice, or a folder of that name
                continue
            blobs[path] = oid
        return blobs, skipped

    def _store(self, oid: str) -> Path | None:
        """The blob's file in the store (written on first use), or ``None`` when too large
        or missing."""
        path = self._workspace() / "objects" / oid
        if oid in self._stored:
            return path
        objects = self._cat()
        head = objects.header(oid)
        if head is None or head[1] != "blob":
            if head is not None:
                objects.read(head[2])
            return None
        if head[2] > MAX_BLOB_BYTES:
            with Path(os.devnull).open("wb") as sink:
                objects.read_into(head[2], sink)
            return None
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o444)
        with os.fdopen(fd, "wb") as out:
            objects.read_into(head[2], out)
        self._stored[oid] = head[2]
        return path


def _iso_date(value: str) -> str:
    """``value`` checked as an ISO 8601 date or date-time (git's own date parser accepts
    anything and guesses; a typo must not silently select every commit)."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {value!r}: not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    return value


def _parse_commit(sha: str, raw: bytes) -> Commit:
    header, _, message = raw.partition(b"\n\n")
    date = ""
    for line in header.split(b"\n"):
        if line.startswith(b"committer "):
            date = _date(line.decode("utf-8", "replace"))
    subject = message.decode("utf-8", "replace").strip().split("\n", 1)[0].strip()
    return Commit(sha, date, subject[:SUBJECT_CHARS])


def _date(line: str) -> str:
    """ISO 8601 date of a ``committer Name <mail> 1700000000 +0100`` line."""
    parts = line.rsplit(" ", 2)
    with suppress(ValueError, IndexError, OverflowError, OSError):
        stamp, offset = int(parts[1]), parts[2]
        sign = -1 if offset.startswith("-") else 1
        minutes = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))
        tz = timezone(timedelta(minutes=minutes))
        return datetime.fromtimestamp(stamp, tz).isoformat()
    return "1970-01-01T00:00:00+00:00"
