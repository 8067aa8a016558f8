"""Repository-level dependency facts: every declared and locked dependency, computed once.

Requirements files are found by name and followed through their ``-r``/``-c`` includes
(only to files inside the scanned repository); pyproject.toml, setup.cfg, setup.py (its
parsed facts, never run) and the requirement files it opens, Pipfile, conda environment
files of any name, Kubeflow components' ``packages_to_install`` and lock files are read
through :class:`Facts`, never opened directly.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from mlguard.analyzers import deps as parse
from mlguard.analyzers.configs import parse_json, parse_toml, parse_yaml
from mlguard.analyzers.lockfiles import LOCK_PATTERNS, parse_lock
from mlguard.analyzers.setuptools_deps import (
    parse_setup_cfg,
    setup_py_files,
    setup_py_requirements,
)
from mlguard.facts.envfiles import conda_envs, kfp_packages
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts

REQUIREMENT_FILES = ("requirements*.txt", "requirements/*.txt", "requirements*.in")
PYPROJECT = ("pyproject.toml",)
PIPFILE = ("Pipfile",)


@dataclass(frozen=True)
class DependencyFacts:
    """All dependency facts (by kind of file, then line) and notes about what was not read."""

    declared: tuple[parse.Dependency, ...]
    locked: tuple[parse.Dependency, ...]
    files: tuple[str, ...]
    lock_files: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[parse.Dependency, ...]:
        return (*self.declared, *self.locked)

    def requirement_rows(self) -> list[parse.Dependency]:
        return [d for d in self.declared if d.source == "requirements"]


@fact
def dependency_facts(repo: Facts) -> DependencyFacts:
    return _collect(repo)


def _collect(repo: Facts) -> DependencyFacts:
    notes: list[str] = []
    declared, files = _requirements(repo, notes)
    for path in repo.glob(*PYPROJECT):
        docs, text = repo.config(path), repo.text(path) or ""
        if docs and isinstance(docs[0], dict):
            found = parse.parse_pyproject(docs[0], text, path)
            declared += found
            files += [path] if found else []
    for path in repo.glob("setup.cfg"):
        found, error = parse_setup_cfg(repo.text(path) or "", path)
        notes += [f"{path}: {error}"] if error else []
        declared += found
        files += [path] if found else []
    for path in repo.glob("setup.py"):
        py = repo.python(path)
        found = setup_py_requirements(py, repo.text(path) or "", path) if py else []
        declared += found
        files += [path] if found else []
        for name in setup_py_files(py) if py else []:
            target = _resolve(path, name)
            if target and target in repo.files and target not in files:
                declared += parse.parse_requirements(repo.text(target) or "", target)[0]
                files.append(target)
    for path in repo.glob(*PIPFILE):
        text = repo.text(path) or ""
        toml_docs, error = _toml(text)
        if error:
            notes.append(f"{path}: unparseable ({error})")
        declared += parse.parse_pipfile(toml_docs, text, path)
        files.append(path)
    for path, doc in conda_envs(repo):
        declared += parse.parse_conda_env(doc, repo.text(path) or "", path)
        files.append(path)
    kfp = kfp_packages(repo)
    declared += kfp
    files += sorted({d.path for d in kfp})
    locked: list[parse.Dependency] = []
    lock_files = repo.glob(*LOCK_PATTERNS)
    for path in lock_files:
        locked += _lock(repo, path)
    return DependencyFacts(
        declared=tuple(parse.unique(declared)),
        locked=tuple(parse.unique(locked)),
        files=tuple(sorted(set(files))),
        lock_files=tuple(lock_files),
        notes=tuple(notes),
    )


def _requirements(repo: Facts, notes: list[str]) -> tuple[list[parse.Dependency], list[str]]:
    queue = list(repo.glob(*REQUIREMENT_FILES))
    seen: set[str] = set()
    found: list[parse.Dependency] = []
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        deps, includes = parse.parse_requirements(repo.text(path) or "", path)
        found += deps
        for inc in includes:
            target = _resolve(path, inc.target)
            if target is None or not repo.exists(target):
                notes.append(f"{path}:{inc.line}: included file {inc.target} is not in the repo")
            elif target not in seen:
                queue.append(target)
    return found, sorted(seen)


def _resolve(base: str, target: str) -> str | None:
    if "://" in target or target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), target))
    return None if joined.startswith("..") else joined


def _toml(text: str) -> tuple[dict[str, object], str]:
    docs, error = parse_toml(text)
    return (docs[0] if docs and isinstance(docs[0], dict) else {}), error


def _lock(repo: Facts, path: str) -> list[parse.Dependency]:
    name = posixpath.basename(path)
    text = repo.text(path) or ""
    if name.endswith(".lock") and name not in ("Pipfile.lock", "pixi.lock"):
        docs, _ = _toml(text)
        data: object = docs
    elif name == "Pipfile.lock":
        json_docs, _ = parse_json(text)
        data = json_docs[0] if json_docs else None
    elif name == "pixi.lock":  # YAML under its own suffix
        pixi_docs, _ = parse_yaml(text)
        data = pixi_docs[0] if pixi_docs else None
    else:
        yaml_docs = repo.config(path)
        data = yaml_docs[0] if yaml_docs else None
    return parse_lock(name, data, text, path)
