"""The scanned repository: its inventory of files, safe reads and git.

Every file is read at most once (parsing is the facts layer's: :mod:`mlguard.facts.files`).
Checks never open files themselves. Symlinks are never
followed (nor are directories reached through one), special files (FIFOs, sockets,
devices) are never opened, files above the size budget are not read, and anything that
cannot be read is recorded in :attr:`RepoContext.skipped` with a reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from mlguard.known import MODEL_SUFFIXES
from mlguard.repo import globs
from mlguard.repo.git import GitView, probe
from mlguard.safeio import safefs
from mlguard.safeio.fileio import read_text

DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_SCAN_BYTES = 256 * 1024 * 1024  # all text read in one scan (each file counted once)
TEXT_CACHE_BYTES = 48 * 1024 * 1024  # texts kept in memory; beyond, a file is read again
PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".ipynb_checkpoints",
        ".ipynb_aml_checkpoints",
        ".eggs",
        ".dvc/cache",
    }
)
# In a focused scan these are analysed only when focused: each is judged on its own.
FOCUS_ONLY_SUFFIXES = (".py", ".ipynb", *MODEL_SUFFIXES)
FOCUS_CONTEXT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    tracked: bool


class RepoContext:
    """The inventory of one scan root, with safe reads."""

    def __init__(
        self,
        root: Path,
        *,
        exclude: tuple[str, ...] = (),
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        use_git: bool = True,
        focus: frozenset[str] | None = None,
        git_view: GitView | None = None,
        model_exclude: tuple[str, ...] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.exclude = exclude
        self.model_exclude = exclude if model_exclude is None else model_exclude
        self.focus = focus
        self.max_text_bytes = max_text_bytes
        self.git: GitView | None = None
        self.skipped: dict[str, str] = {}
        if git_view is not None:
            self.git = git_view  # e.g. a commit's tree written out for diff mode
        elif use_git:
            self.git, problem = probe(self.root)
            if problem:
                self.skipped[".git"] = f"{problem}: scanned as a plain directory"
        self._linked_dirs: dict[str, bool] = {}
        self._read_total = 0
        self._cached_bytes = 0
        self._counted: set[str] = set()  # files whose size is in _read_total
        self._text: dict[str, str | None] = {}
        self._globbed: dict[tuple[str, ...], list[str]] = {}
        self._glob_stamp: tuple[int, int] = (0, 0)
        self.files: dict[str, FileInfo] = dict(sorted(self._inventory().items()))

    # --- inventory ---------------------------------------------------------------------
    def _inventory(self) -> dict[str, FileInfo]:
        if self.git is not None:
            candidates = [(p, True) for p in self.git.tracked]
            candidates += [(p, False) for p in self.git.untracked]
        else:
            candidates = [(p, False) for p in self._walk()]
        found: dict[str, FileInfo] = {}
        for rel, tracked in candidates:
            if self._left_out(rel):
                continue  # not even looked at (no stat): a focused scan never judges it
            model = rel.lower().endswith(MODEL_SUFFIXES)
            if globs.match_any(rel, self.model_exclude if model else self.exclude):
                continue
            info = self._stat(rel, tracked)
            if info is not None and self._in_focus(info):
                found[rel] = info
        return found

    def _left_out(self, rel: str) -> bool:
        """With a focus: a code or model file outside it (most of a repository's files)."""
        focus = self.focus
        return focus is not None and rel not in focus and rel.endswith(FOCUS_ONLY_SUFFIXES)

    def _in_focus(self, info: FileInfo) -> bool:
        """With a focus (hook mode, violation rules only): the focused files, plus the small
        non-code files that give them context (manifests, lock files, configs)."""
        if self.focus is None or info.path in self.focus:
            return True
        return not self._left_out(info.path) and info.size <= FOCUS_CONTEXT_MAX_BYTES

    def _walk(self) -> Iterator[str]:
        root = str(self.root)
        for dirpath, dirnames, filenames in os.walk(
            root, followlinks=False, onerror=self._walk_error
        ):
            # os.walk joins names onto ``root``: the rest is the relative path (strings, not
            # Path objects: a large tree has thousands of directories)
            base = dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/") or "."
            kept = []
            for name in sorted(dirnames):
                rel = name if base == "." else f"{base}/{name}"
                if name in PRUNED_DIRS or rel in PRUNED_DIRS:
                    continue
                if (Path(dirpath) / name).is_symlink():
                    yield rel  # reported as a symbolic link by _stat, never entered
                else:
                    kept.append(name)
            dirnames[:] = kept
            for name in filenames:
                yield name if base == "." else f"{base}/{name}"

    def _walk_error(self, exc: OSError) -> None:
        where = Path(exc.filename or self.root)
        rel = where.relative_to(self.root).as_posix() if where != self.root else "."
        self.skipped[rel] = f"unreadable directory: {exc.strerror or exc}"

    def _stat(self, rel: str, tracked: bool) -> FileInfo | None:
        rel = rel.rstrip("/")
        escape = safefs.escapes(self.root, rel, self._linked_dirs)
        if escape:
            self.skipped[rel] = escape
            return None
        try:
            st = (self.root / rel).lstat()
        except (OSError, ValueError) as exc:
            if tracked:
                self.skipped[rel] = f"cannot stat: {getattr(exc, 'strerror', None) or exc}"
            return None
        if stat.S_ISLNK(st.st_mode):
            self.skipped[rel] = "symbolic link (never followed)"
            return None
        if stat.S_ISDIR(st.st_mode):
            self.skipped[rel] = "git submodule or nested repository (its files are not scanned)"
            return None
        if not stat.S_ISREG(st.st_mode):
            self.skipped[rel] = f"not a regular file ({safefs.kind(st.st_mode)}): never opened"
            return None
        return FileInfo(rel, st.st_size, tracked)

    # --- queries -----------------------------------------------------------------------
    @property
    def has_git(self) -> bool:
        return self.git is not None

    def glob(self, *patterns: str) -> list[str]:
        """Inventory paths matching any of ``patterns``, memoised per pattern tuple (the
        memo is dropped if the inventory is ever replaced or resized)."""
        stamp = (id(self.files), len(self.files))
        if self._glob_stamp != stamp:
            self._glob_stamp, self._globbed = stamp, {}
        found = self._globbed.get(patterns)
        if found is None:
            found = self._globbed[patterns] = globs.select(self.files, patterns)
        return list(found)

    def exists(self, path: str) -> bool:
        return path in self.files

    def is_tracked(self, path: str) -> bool:
        info = self.files.get(path)
        return bool(info and info.tracked)

    @cached_property
    def python_files(self) -> list[str]:
        return [p for p in self.files if p.endswith((".py", ".ipynb"))]

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    def text(self, rel: str) -> str | None:
        """Decoded text of a file, or ``None`` (binary, too large, unreadable: see skipped)."""
        if rel in self._text:
            return self._text[rel]
        value = self._read_text(rel)
        size = len(value) if value is not None else 0
        if self._cached_bytes + size <= TEXT_CACHE_BYTES:
            self._text[rel] = value
            self._cached_bytes += size
        return value

    def _read_text(self, rel: str) -> str | None:
        info = self.files.get(rel)
        if info is None:
            return None
        if info.size > self.max_text_bytes:
            self.skipped.setdefault(
                rel,
                f"larger than the {self.max_text_bytes // 1024} KiB text budget"
                " (raise settings.max_text_kb in the policy or config to read it)",
            )
            return None
        if rel not in self._counted:
            if self._read_total + info.size > MAX_SCAN_BYTES:
                self.skipped[rel] = f"over the {MAX_SCAN_BYTES >> 20} MiB of text read per scan"
                return None
            self._read_total += info.size
            self._counted.add(rel)
        text, reason = read_text(self.root / rel, rel, self.max_text_bytes)
        if reason:
            self.skipped.setdefault(rel, reason)
        return text

    def open_binary(self, rel: str) -> BinaryIO | None:
        """A read-only binary handle on an inventory file, or ``None`` (see skipped).

        Only regular files of the inventory are opened, never through a symlink; callers
        stream from it within their own byte budgets and must close it.
        """
        if rel not in self.files:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.root / rel, flags | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            self.skipped.setdefault(rel, f"unreadable: {exc.strerror or exc}")
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            self.skipped.setdefault(rel, "not a regular file")
            return None
        return os.fdopen(fd, "rb")

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return text.splitlines() if text is not None else []
