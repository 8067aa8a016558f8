"""The scanned repository: an inventory of files and lazily computed, cached facts.

Every file is read at most once and parsed at most once, by the analyzer for its kind.
Checks ask this object for facts; they never open files themselves. Symlinks are never
followed (nor are directories reached through one), special files (FIFOs, sockets,
devices) are never opened, files above the size budget are not read, and anything that
cannot be read is recorded in :attr:`RepoContext.skipped` with a reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from mlguard import globs, safefs
from mlguard.analyzers import configs
from mlguard.analyzers.artifacts.sniff import MODEL_SUFFIXES
from mlguard.analyzers.notebook import NotebookFacts, parse_notebook
from mlguard.analyzers.python_ast import PyFacts, analyze_source
from mlguard.analyzers.python_file import notebook_facts
from mlguard.fileio import read_text
from mlguard.gitfacts import GitView, probe

DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_SCAN_BYTES = 256 * 1024 * 1024  # all text read in one scan (each file counted once)
TEXT_CACHE_BYTES = 48 * 1024 * 1024  # texts kept in memory; beyond, a file is read again
MAX_PYTHON_BYTES = 4 * 1024 * 1024  # one source given to ast.parse (~400 MB of AST)
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
        ".eggs",
        ".dvc/cache",
    }
)
YAML_SUFFIXES = (".yaml", ".yml")
# In a focused scan these are analysed only when focused: each is judged on its own.
FOCUS_ONLY_SUFFIXES = (".py", ".ipynb", *MODEL_SUFFIXES)
FOCUS_CONTEXT_MAX_BYTES = 1024 * 1024


class Analysis(Protocol):
    """A Python analysis under way in worker processes."""

    def finish(self) -> None:
        """Wait for it and record its results."""

    def cancel(self) -> None:
        """Stop it: queued work is dropped."""


class FactsPending(BaseException):
    """Python facts are being analysed in the background (see ``facts_deferred``). A
    BaseException so that no check's ``except Exception`` can mistake it for a failure."""


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    tracked: bool


class RepoContext:
    """Inventory plus lazy facts of one scan root."""

    def __init__(
        self,
        root: Path,
        *,
        exclude: tuple[str, ...] = (),
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        use_git: bool = True,
        focus: frozenset[str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.exclude = exclude
        self.focus = focus
        self.max_text_bytes = max_text_bytes
        self.git: GitView | None = None
        self.skipped: dict[str, str] = {}
        if use_git:
            self.git, problem = probe(self.root)
            if problem:
                self.skipped[".git"] = f"{problem}: scanned as a plain directory"
        self._linked_dirs: dict[str, bool] = {}
        self._read_total = 0
        self._cached_bytes = 0
        self._counted: set[str] = set()  # files whose size is in _read_total
        self._text: dict[str, str | None] = {}
        self._py: dict[str, PyFacts | None] = {}
        self._nb: dict[str, NotebookFacts | None] = {}
        self._cfg: dict[str, list[Any]] = {}
        self._prefetch: Callable[[], Analysis] | None = None
        self._started: Analysis | None = None
        self._defer = False
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
            if globs.match_any(rel, self.exclude):
                continue
            info = self._stat(rel, tracked)
            if info is not None and self._in_focus(info):
                found[rel] = info
        return found

    def _in_focus(self, info: FileInfo) -> bool:
        """With a focus (hook mode, violation rules only): the focused files, plus the small
        non-code files that give them context (manifests, lock files, configs)."""
        if self.focus is None or info.path in self.focus:
            return True
        code_or_model = info.path.endswith(FOCUS_ONLY_SUFFIXES)
        return not code_or_model and info.size <= FOCUS_CONTEXT_MAX_BYTES

    def _walk(self) -> Iterator[str]:
        for dirpath, dirnames, filenames in os.walk(
            self.root, followlinks=False, onerror=self._walk_error
        ):
            base = Path(dirpath).relative_to(self.root).as_posix()
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

    def notebook(self, rel: str) -> NotebookFacts | None:
        if rel not in self._nb:
            text = self.text(rel)
            facts = parse_notebook(text) if text is not None else None
            if facts is not None and facts.error:
                self.skipped.setdefault(rel, facts.error)
            self._nb[rel] = facts
        return self._nb[rel]

    def python(self, rel: str) -> PyFacts | None:
        """Facts of a ``.py`` file or of a notebook's code cells (lines in notebook terms)."""
        if rel in self._py:
            return self._py[rel]
        if self._prefetch is not None or self._started is not None:
            self.ensure_prefetched()
            if rel in self._py:
                return self._py[rel]
        facts: PyFacts | None = None
        if rel.endswith(".ipynb"):
            nb = self.notebook(rel)
            if nb is not None and not nb.error and self._parsable(rel, nb.source):
                facts = notebook_facts(nb, rel)
        else:
            text = self.text(rel)
            if text is not None and self._parsable(rel, text):
                facts = analyze_source(text, rel)
        self.set_python(rel, facts)
        return facts

    def defer_python(self, start: Callable[[], Analysis]) -> None:
        """Start the parallel, cached analysis of every Python file the first time any
        Python facts are asked for: a scan whose rules need none never parses."""
        self._prefetch = start

    @contextmanager
    def facts_deferred(self) -> Iterator[None]:
        """While inside, asking for Python facts that are still being analysed raises
        :class:`FactsPending` instead of waiting: the caller runs other rules meanwhile."""
        self._defer = True
        try:
            yield
        finally:
            self._defer = False

    def finish_started(self) -> None:
        """Wait for a Python analysis already under way; never start one."""
        started, self._started = self._started, None
        if started is not None:
            started.finish()

    def cancel_started(self) -> None:
        """Stop a Python analysis under way (the scan is being abandoned)."""
        started, self._started = self._started, None
        if started is not None:
            started.cancel()

    def ensure_prefetched(self) -> None:
        start, self._prefetch = self._prefetch, None
        if start is not None:
            self._started = start()
        if self._started is not None and self._defer:
            raise FactsPending
        self.finish_started()

    def set_python(self, rel: str, facts: PyFacts | None) -> None:
        """Record the facts of a Python file or notebook (computed here or by a worker)."""
        if facts is not None and facts.syntax_error:
            self.skipped.setdefault(rel, f"Python syntax error ({facts.syntax_error})")
        self._py[rel] = facts

    def _parsable(self, rel: str, source: str) -> bool:
        if len(source) <= MAX_PYTHON_BYTES:
            return True
        self.skipped[rel] = f"larger than the {MAX_PYTHON_BYTES >> 20} MiB Python analysis budget"
        return False

    def needs_python(self) -> list[str]:
        return [rel for rel in self.python_files if rel not in self._py]

    def iter_python(self, patterns: tuple[str, ...] = ()) -> Iterator[tuple[str, PyFacts]]:
        for rel in self.python_files:
            if patterns and not globs.match_any(rel, patterns):
                continue
            facts = self.python(rel)
            if facts is not None:
                yield rel, facts

    def config(self, rel: str) -> list[Any]:
        """Parsed documents of a YAML / TOML / JSON file (empty when unparseable)."""
        if rel in self._cfg:
            return self._cfg[rel]
        text = self.text(rel)
        docs: list[Any] = []
        if text is not None:
            if rel.endswith(YAML_SUFFIXES):
                docs, error = configs.parse_yaml(text)
            elif rel.endswith(".toml"):
                docs, error = configs.parse_toml(text)
            elif rel.endswith(".json"):
                docs, error = configs.parse_json(text)
            else:
                error = ""
            if error:
                self.skipped.setdefault(rel, f"unparseable config ({error})")
        self._cfg[rel] = docs
        return docs

    @cached_property
    def cache(self) -> dict[str, Any]:
        """Scratch space for repo-level facts computed once per scan (traits, CI facts)."""
        return {}
