"""Offline source: a directory of OSV advisories (YAML or JSON), e.g. the PyPA advisory-database.

The directory is indexed lazily. With the PyPA layout (``vulns/<package>/*.yaml``) only the
folders of the packages being audited are read; any other layout is read file by file once.
Files are size-bounded and parsed safely (YAML through :mod:`mlguard.safeio.yamlio`, never
``yaml.load``); unreadable advisories are counted and reported, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mlguard.safeio.yamlio import YamlProblem, load_one
from mlguard.vulns import osv
from mlguard.vulns.model import Advisory, AuditReport, Pin, SourceError

MAX_ADVISORY_BYTES = 1024 * 1024
SUFFIXES = (".yaml", ".yml", ".json")


class AdvisoryDirectory:
    """An OSV advisory folder; ``audit`` matches pins against it."""

    name = "advisory database"

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise SourceError(f"advisory database {root} is not a directory")
        self.root = root
        self.base = root / "vulns" if (root / "vulns").is_dir() else root
        self.problems: list[str] = []
        self._by_package: dict[str, list[Mapping[str, Any]]] | None = None
        self._folders: dict[str, list[Path]] | None = None

    def audit(self, pins: list[Pin]) -> AuditReport:
        try:
            return self._audit(pins)
        except OSError as exc:
            raise SourceError(f"advisory database {self.root}: {exc.strerror or exc}") from exc

    def _audit(self, pins: list[Pin]) -> AuditReport:
        if not self._package_folders() and not self._full_index():
            raise SourceError(f"no OSV advisories found in {self.root} (wrong folder?)")
        vulnerable: dict[Pin, tuple[Advisory, ...]] = {}
        unchecked: dict[Pin, str] = {}
        for pin in sorted(set(pins)):
            version = osv.parse_version(pin.version)
            if version is None:
                unchecked[pin] = f"{pin.version!r} is not a PEP 440 version"
                continue
            hits = {a for doc in self.advisories(pin.name) if (a := osv.match(doc, pin, version))}
            if hits:
                vulnerable[pin] = tuple(sorted(hits))
        notes = tuple(sorted(set(self.problems)))
        return AuditReport(vulnerable, unchecked, notes)

    def advisories(self, package: str) -> list[Mapping[str, Any]]:
        """Advisory documents mentioning ``package`` (normalised name)."""
        folders = self._package_folders()
        if folders:
            docs = [d for f in folders.get(package, []) for d in self._read_folder(f)]
            return [d for d in docs if package in osv.package_names(d)]
        return self._full_index().get(package, [])

    def _package_folders(self) -> dict[str, list[Path]]:
        if self._folders is None:
            self._folders = {}
            subdirs = [p for p in self.base.iterdir() if p.is_dir() and not p.is_symlink()]
            loose = [p for p in self.base.iterdir() if p.is_file() and p.suffix in SUFFIXES]
            if subdirs and not loose and any(_has_advisories(d) for d in subdirs):
                for folder in subdirs:
                    self._folders.setdefault(canonicalize_name(folder.name), []).append(folder)
        return self._folders

    def _full_index(self) -> dict[str, list[Mapping[str, Any]]]:
        if self._by_package is None:
            self._by_package = {}
            for doc in self._read_folder(self.base, recursive=True):
                for name in osv.package_names(doc):
                    self._by_package.setdefault(name, []).append(doc)
        return self._by_package

    def _read_folder(self, folder: Path, recursive: bool = False) -> Iterator[Mapping[str, Any]]:
        files = folder.rglob("*") if recursive else folder.iterdir()
        for path in sorted(files):
            if path.suffix in SUFFIXES and path.is_file() and not path.is_symlink():
                doc = self._read(path)
                if doc is not None:
                    yield doc

    def _read(self, path: Path) -> Mapping[str, Any] | None:
        rel = path.relative_to(self.root).as_posix()
        try:
            if path.stat().st_size > MAX_ADVISORY_BYTES:
                self.problems.append(f"{rel}: larger than {MAX_ADVISORY_BYTES // 1024} KiB")
                return None
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(f"{rel}: unreadable ({exc})")
            return None
        data = _parse(text, path.suffix)
        if isinstance(data, str):
            self.problems.append(f"{rel}: {data}")
            return None
        return data


def _has_advisories(folder: Path) -> bool:
    return any(p.suffix in SUFFIXES for p in folder.iterdir())


def _parse(text: str, suffix: str) -> Mapping[str, Any] | str:
    """The advisory mapping, or an error message."""
    try:
        data: Any = json.loads(text) if suffix == ".json" else load_one(text).data
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"invalid JSON ({exc})"
    except YamlProblem as exc:
        return f"invalid YAML (line {exc.line}: {exc.message})"
    if not isinstance(data, dict):
        return "not an OSV advisory (expected a mapping)"
    return _stringify_versions(data)


def _stringify_versions(doc: dict[str, Any]) -> dict[str, Any]:
    """YAML may read an unquoted ``1.10`` as a number: versions are compared as text."""
    for entry in doc.get("affected") or []:
        if isinstance(entry, dict) and isinstance(entry.get("versions"), list):
            entry["versions"] = [str(v) for v in entry["versions"]]
    return doc
