"""mlguard's config as it is in a git revision (``--config-ref REF``), and whether the
work tree changes it.

In a pull request the checkout is the contributor's: a ``.mlguard.yaml`` there could
ignore the very rule that would stop the pull request. ``--config-ref origin/main`` takes
the config from the base branch instead: the config file (discovered under the same names
as in the work tree, or the ``--config`` path), the policy file it names with its
``extends`` chain, and its ``rule_paths``, all read from git's objects (never checked
out) into a private temporary directory.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlguard.errors import ConfigError, UsageError
from mlguard.repo import git as gitfacts
from mlguard.repo import gitrun
from mlguard.rules.config import CANDIDATES
from mlguard.rules.validation import MAX_CONFIG_BYTES
from mlguard.safeio.yamlio import YamlProblem, load_one

MAX_FILES = 256  # files a config at a ref may pull in (policy chain and rule files)


@dataclass(frozen=True)
class RefTree:
    """Where the config files of one revision were written."""

    directory: Path  # stands for the scan root at ``commit``
    explicit: Path | None  # the --config file, when one was named
    commit: str


@contextmanager
def config_at(root: Path, ref: str, explicit: str | None) -> Iterator[RefTree]:
    """The config files of ``ref`` written under a temporary directory."""
    worktree, git_dir, commit = gitfacts.resolve_commit(root, ref, "--config-ref")
    prefix = root.resolve().relative_to(worktree).as_posix()
    prefix = "" if prefix == "." else prefix
    reader = _Reader(git_dir, commit, prefix, ref)
    parent = Path(tempfile.mkdtemp(prefix="mlguard-config-"))
    tree = parent / "root"
    tree.mkdir()
    try:
        named = _explicit_name(explicit, root, worktree, prefix) if explicit else None
        names = [named] if named else [*CANDIDATES, "pyproject.toml"]
        found = None
        for name in names:
            data = reader.file(name)
            if data is not None:
                _write(tree, name, data)
                found = found or (name, data)
        if named and found is None:
            raise ConfigError(f"{ref}:{named}", "config file not found at that revision")
        if found is not None:
            _fetch_named(reader, tree, *found)
        yield RefTree(tree, tree / named if named else None, commit)
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _explicit_name(explicit: str, root: Path, worktree: Path, prefix: str) -> str:
    """The --config path relative to the scan root (it must lie inside the repository)."""
    path = Path(explicit)
    absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        rel = absolute.relative_to(worktree).as_posix()
    except ValueError:
        raise UsageError(
            f"--config {explicit}: with --config-ref it must lie in the repository"
        ) from None
    if prefix and not rel.startswith(prefix + "/"):
        raise UsageError(f"--config {explicit}: with --config-ref it must lie under {root}")
    return rel[len(prefix) + 1 :] if prefix else rel


class _Reader:
    def __init__(self, git_dir: Path, commit: str, prefix: str, ref: str) -> None:
        self.git_dir, self.commit, self.prefix, self.ref = git_dir, commit, prefix, ref
        self.count = 0

    def path(self, rel: str) -> str | None:
        """``rel`` (relative to the scan root) as a repository path, or ``None`` outside."""
        joined = posixpath.normpath(posixpath.join(self.prefix, rel)) if self.prefix else rel
        joined = posixpath.normpath(joined)
        if joined.startswith(("../", "/")) or joined in ("..", "."):
            return None
        return joined

    def file(self, rel: str) -> bytes | None:
        path = self.path(rel)
        if path is None:
            return None
        self.count += 1
        if self.count > MAX_FILES:
            raise ConfigError(self.ref, f"config names more than {MAX_FILES} files")
        try:
            return gitfacts.read_blob(self.git_dir, self.commit, path, MAX_CONFIG_BYTES)
        except gitrun.GitError as exc:
            raise ConfigError(f"{self.ref}:{rel}", f"cannot read from git: {exc}") from exc

    def folder(self, rel: str) -> list[str]:
        """Names of the YAML files directly in the folder ``rel`` at the revision."""
        path = self.path(rel)
        if path is None:
            return []
        try:
            out = gitrun.run(
                ["ls-tree", "-z", "--name-only", "--end-of-options", f"{self.commit}:{path}"],
                git_dir=self.git_dir,
            )
        except gitrun.GitError:
            return []  # not a folder at that revision
        return sorted(n for n in out.split("\0") if n.endswith((".yaml", ".yml")))


def _write(tree: Path, rel: str, data: bytes) -> None:
    dest = (tree / rel).resolve()
    if not dest.is_relative_to(tree.resolve()):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def _fetch_named(reader: _Reader, tree: Path, name: str, data: bytes) -> None:
    """The policy file chain and rule files the config at ``name`` names."""
    doc = _mapping(name, data)
    base = posixpath.dirname(name)
    policy = doc.get("policy")
    seen: set[str] = set()
    while isinstance(policy, str) and _is_file_ref(policy) and len(seen) < 16:
        rel = posixpath.normpath(posixpath.join(base, policy))
        if rel in seen:
            break
        seen.add(rel)
        content = reader.file(rel)
        if content is None:
            return  # the policy chain then reports the missing file
        _write(tree, rel, content)
        base = posixpath.dirname(rel)
        policy = _mapping(rel, content).get("extends")
    rule_paths = doc.get("rule_paths", [])
    for entry in rule_paths if isinstance(rule_paths, list) else []:
        if not isinstance(entry, str):
            continue
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(name), entry))
        for file_name in reader.folder(rel):
            content = reader.file(f"{rel}/{file_name}")
            if content is not None:
                _write(tree, f"{rel}/{file_name}", content)


def _is_file_ref(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


def _mapping(name: str, data: bytes) -> dict[str, Any]:
    """The top-level mapping of a config or policy file (``{}`` when it has none: the
    config loader then reports what is wrong, with file and line)."""
    try:
        text = data.decode("utf-8")
        if name.endswith(".toml"):
            section = tomllib.loads(text).get("tool", {}).get("mlguard", {})
            return section if isinstance(section, dict) else {}
        found = load_one(text).data
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, YamlProblem, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def changed_files(root: Path, tree: RefTree, names: tuple[str, ...] = ()) -> list[str]:
    """mlguard config files (relative to the scan root) whose work-tree content differs
    from the revision's: the config candidates, ``[tool.mlguard]`` of pyproject.toml, and
    the files either version names (given in ``names``)."""
    changed = []
    for name in sorted({*CANDIDATES, *names}):
        mine = _read(root / name)
        theirs = _read(tree.directory / name)
        if mine != theirs:
            changed.append(name)
    mine_section = _mapping("pyproject.toml", _read(root / "pyproject.toml") or b"")
    theirs_section = _mapping("pyproject.toml", _read(tree.directory / "pyproject.toml") or b"")
    if mine_section != theirs_section:
        changed.append("pyproject.toml [tool.mlguard]")
    return changed


def _read(path: Path) -> bytes | None:
    from mlguard.safeio.safefs import read_bounded

    try:
        return read_bounded(path, MAX_CONFIG_BYTES)
    except OSError:
        return None
