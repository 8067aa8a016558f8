"""Lock files -> exactly pinned dependency facts (pure functions of parsed data and text).

poetry.lock, uv.lock and pdm.lock are TOML with ``[[package]]`` tables; Pipfile.lock is JSON
(``default``/``develop`` sections); conda-lock.yml is YAML with a ``package`` list whose
``manager`` says whether an entry comes from PyPI (pip) or conda; pixi.lock is YAML with a
``packages`` list of ``pypi:`` entries (with ``name`` and ``version``) and ``conda:`` entries
named by their package file (``.../numpy-2.1.3-py312h58c1407_0.conda``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.utils import canonicalize_name

from mlguard.analyzers.deps import CONDA, PYPI, Dependency, exact_version

TOML_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")
LOCK_PATTERNS = (
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "Pipfile.lock",
    "conda-lock.yml",
    "*.conda-lock.yml",
    "pixi.lock",
)


def parse_lock(kind: str, doc: Any, text: str, path: str) -> list[Dependency]:
    """Dispatch on the lock file's name (``kind`` is its basename)."""
    if kind in TOML_LOCKS:
        return _toml_lock(doc, text, path)
    if kind == "Pipfile.lock":
        return _pipfile_lock(doc, text, path)
    if kind == "pixi.lock":
        return _pixi_lock(doc, text, path)
    return _conda_lock(doc, text, path)


def _toml_lock(doc: Any, text: str, path: str) -> list[Dependency]:
    found = []
    lines = _LineFinder(text, r'^\s*name\s*=\s*"([^"]+)"\s*$')
    for package in _list(_table(doc).get("package")):
        entry = _table(package)
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        source = _table(entry.get("source"))
        if "editable" in source or "virtual" in source:
            continue  # the project itself (uv)
        found.append(_locked(name, version, path, lines.next(name), PYPI))
    return found


def _pipfile_lock(doc: Any, text: str, path: str) -> list[Dependency]:
    found = []
    lines = _LineFinder(text, r'^\s*"([^"]+)"\s*:\s*\{')
    for section in ("default", "develop"):
        for name, entry in _table(_table(doc).get(section)).items():
            version = exact_version(str(_table(entry).get("version", "")))
            if version is None:
                continue
            dep = _locked(name, version, path, lines.next(name), PYPI)
            found.append(dep)
    return found


def _conda_lock(doc: Any, text: str, path: str) -> list[Dependency]:
    found: list[Dependency] = []
    seen: set[tuple[str, str, str]] = set()
    lines = _LineFinder(text, r"^[ \t]*(?:-[ \t]*)?name:[ \t]*['\"]?([^'\"\s]+)['\"]?[ \t]*$")
    for package in _list(_table(doc).get("package")):
        entry = _table(package)
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or version is None:
            continue
        ecosystem = PYPI if entry.get("manager") == "pip" else CONDA
        _add_once(found, seen, _locked(name, str(version), path, lines.next(name), ecosystem))
    return found


CONDA_PACKAGE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(conda|tar\.bz2)$")


def _pixi_lock(doc: Any, text: str, path: str) -> list[Dependency]:
    found: list[Dependency] = []
    seen: set[tuple[str, str, str]] = set()
    lines = _LineFinder(text, r"^- (?:pypi|conda): (\S+)$")
    for package in _list(_table(doc).get("packages")):
        entry = _table(package)
        url = entry.get("pypi") or entry.get("conda")
        if not isinstance(url, str):
            continue
        if "pypi" in entry:
            name, version, ecosystem = entry.get("name"), entry.get("version"), PYPI
        else:
            match = CONDA_PACKAGE.match(url.rsplit("/", 1)[-1])
            name, version = (match["name"], match["version"]) if match else (None, None)
            ecosystem = CONDA
        if not isinstance(name, str) or version is None or url.startswith(("file:", ".")):
            continue  # the project itself (an editable path)
        _add_once(found, seen, _locked(name, str(version), path, lines.next(url), ecosystem))
    return found


def _add_once(found: list[Dependency], seen: set[tuple[str, str, str]], dep: Dependency) -> None:
    """Add ``dep`` unless the same package, version and ecosystem is already in ``found``
    (conda and pixi locks list a package once per platform)."""
    key = (dep.name, dep.version or "", dep.ecosystem)
    if key not in seen:
        seen.add(key)
        found.append(dep)


def _locked(name: str, version: str, path: str, line: int, ecosystem: str) -> Dependency:
    return Dependency(
        name=canonicalize_name(name),
        specifier=f"=={version}",
        version=version,
        path=path,
        line=line,
        source="lock",
        ecosystem=ecosystem,
        hashed=True,
    )


class _LineFinder:
    """Successive lines declaring each name (lock files list a name once per entry).

    One pass over the text indexes every declaration line, so large lock files cost
    linear time.
    """

    def __init__(self, text: str, pattern: str) -> None:
        self.lines: dict[str, list[int]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            match = re.match(pattern, line)
            if match:
                self.lines.setdefault(match.group(1), []).append(number)

    def next(self, name: str) -> int:
        found = self.lines.get(name)
        return found.pop(0) if found else 1


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
