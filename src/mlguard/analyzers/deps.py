"""Dependency declarations -> typed facts (pure functions of a file's text or parsed data).

Requirement strings are read with :class:`packaging.requirements.Requirement`, TOML with
:mod:`tomllib` (by the caller), YAML by :mod:`mlguard.safeio.yamlio`. Nothing is installed, built
or executed. Each fact carries the file and the 1-based line where it is declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from mlguard.safeio.lines import line_at

PYPI = "pypi"
CONDA = "conda"
_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_CONDA_SPEC = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$")
SKIPPED_PEP621_NAMES = frozenset({"python"})
MAX_DEPS_PER_FILE = 5000  # far above real projects; bounds line lookups in hostile files
MAX_REQUIREMENT_CHARS = 10_000


@dataclass(frozen=True)
class Dependency:
    """One declared or locked dependency.

    ``name`` is the normalised (PEP 503) name; ``version`` is set only for an exact pin
    (``==1.2.3``/``===1.2.3``, a locked version, a Poetry bare version).
    """

    name: str
    specifier: str
    version: str | None
    path: str
    line: int
    source: str  # requirements | pyproject | poetry | pipfile | conda | lock
    ecosystem: str = PYPI
    hashed: bool = False
    marker: str = ""
    extras: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class Include:
    """A ``-r``/``-c`` line of a requirements file (target as written, relative to it)."""

    target: str
    line: int
    constraint: bool


def exact_version(spec: SpecifierSet | str) -> str | None:
    """The version of a single ``==``/``===`` clause without wildcard, else ``None``."""
    try:
        specs = list(SpecifierSet(str(spec)))
    except ValueError:
        return None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def from_requirement(
    text: str, path: str, line: int, source: str, hashed: bool = False
) -> Dependency | None:
    """A PEP 508 requirement string -> fact (``None`` when it is not one: URL, path, junk)."""
    try:
        req = Requirement(text.strip())
    except InvalidRequirement:
        return None
    spec = str(req.specifier)
    return Dependency(
        name=canonicalize_name(req.name),
        specifier=spec if not req.url else f"@ {req.url}",
        version=None if req.url else exact_version(req.specifier),
        path=path,
        line=line,
        source=source,
        hashed=hashed,
        marker=str(req.marker) if req.marker else "",
        extras=tuple(sorted(req.extras)),
    )


# --- requirements files ---------------------------------------------------------------------
def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, joined text) for each line, following ``\\`` continuations."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if raw.rstrip().endswith("\\") and not raw.lstrip().startswith("#"):
            buffer.append(raw.rstrip()[:-1])
            continue
        buffer.append(raw)
        yield start, " ".join(part.strip() for part in buffer).strip()
        buffer = []
    if buffer:
        yield start, " ".join(part.strip() for part in buffer).strip()


def parse_requirements(text: str, path: str) -> tuple[list[Dependency], list[Include]]:
    """A pip requirements file: requirements (with hashes, markers, extras) and includes."""
    deps: list[Dependency] = []
    includes: list[Include] = []
    for number, line in logical_lines(text):
        line = _COMMENT.sub("", line).strip()
        if not line:
            continue
        option = _OPTION.match(line)
        if option:
            includes.append(
                Include(option.group(2), number, option.group(1) in ("-c", "--constraint"))
            )
            continue
        if line.startswith("-"):
            continue  # -e, --index-url, --hash-only lines and other pip options
        if len(line) > MAX_REQUIREMENT_CHARS or len(deps) >= MAX_DEPS_PER_FILE:
            continue
        hashed = "--hash" in line
        requirement = _strip_options(line)
        dep = from_requirement(requirement, path, number, "requirements", hashed)
        if dep is not None:
            deps.append(dep)
    return deps, includes


def _strip_options(line: str) -> str:
    """Drop per-requirement options (``--hash=...``, ``--config-settings ...``)."""
    cut = re.search(r"\s--?[a-zA-Z]", line)
    return line[: cut.start()] if cut else line


# --- pyproject.toml, Pipfile ------------------------------------------------------------------
def parse_pyproject(doc: Mapping[str, Any], text: str, path: str) -> list[Dependency]:
    """PEP 621 dependencies and optional-dependencies, PEP 735 groups, Poetry tables."""
    found: list[Dependency] = []
    project = _table(doc.get("project"))
    strings: list[str] = [s for s in _list(project.get("dependencies")) if isinstance(s, str)]
    for group in _table(project.get("optional-dependencies")).values():
        strings += [s for s in _list(group) if isinstance(s, str)]
    for group in _table(doc.get("dependency-groups")).values():
        strings += [s for s in _list(group) if isinstance(s, str)]
    lines = Lines(text)
    for item in strings[:MAX_DEPS_PER_FILE]:
        dep = from_requirement(item, path, lines.find(item), "pyproject")
        if dep is not None:
            found.append(dep)
    poetry = _table(_table(doc.get("tool")).get("poetry"))
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [_table(g).get("dependencies") for g in _table(poetry.get("group")).values()]
    for table in tables:
        found += _poetry_table(_table(table), text, path)
    return found[:MAX_DEPS_PER_FILE]


def _poetry_table(table: Mapping[str, Any], text: str, path: str) -> list[Dependency]:
    found = []
    for raw_name, value in list(table.items())[:MAX_DEPS_PER_FILE]:
        if raw_name.lower() in SKIPPED_PEP621_NAMES:
            continue
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            version = entry if isinstance(entry, str) else _table(entry).get("version", "")
            spec = str(version) if isinstance(version, str) else ""
            pinned = _poetry_exact(spec)
            found.append(
                Dependency(
                    name=canonicalize_name(raw_name),
                    specifier=spec,
                    version=pinned,
                    path=path,
                    line=find_key_line(text, raw_name),
                    source="poetry",
                )
            )
    return found


def _poetry_exact(spec: str) -> str | None:
    """Poetry treats a bare version (``"1.2.3"``) as exact, like ``==1.2.3``."""
    spec = spec.strip()
    if re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", spec):
        return spec
    return exact_version(spec) if spec.startswith("=") else None


def parse_pipfile(doc: Mapping[str, Any], text: str, path: str) -> list[Dependency]:
    found = []
    for section in ("packages", "dev-packages"):
        for raw_name, value in list(_table(doc.get(section)).items())[:MAX_DEPS_PER_FILE]:
            spec = value if isinstance(value, str) else _table(value).get("version", "")
            spec = spec if isinstance(spec, str) and spec != "*" else ""
            found.append(
                Dependency(
                    name=canonicalize_name(raw_name),
                    specifier=spec,
                    version=exact_version(spec) if spec else None,
                    path=path,
                    line=find_key_line(text, raw_name),
                    source="pipfile",
                )
            )
    return found


# --- conda environment.yml ------------------------------------------------------------------
def parse_conda_env(doc: Any, text: str, path: str) -> list[Dependency]:
    """``dependencies:`` conda specs (ecosystem conda) and the ``pip:`` subsection (PyPI)."""
    found: list[Dependency] = []
    for item in _list(_table(doc).get("dependencies"))[:MAX_DEPS_PER_FILE]:
        if isinstance(item, str):
            dep = _conda_dep(item, text, path)
            if dep is not None:
                found.append(dep)
        elif isinstance(item, dict):
            for pip_item in _list(item.get("pip"))[:MAX_DEPS_PER_FILE]:
                if isinstance(pip_item, str) and not pip_item.startswith("-"):
                    dep = from_requirement(pip_item, path, find_line(text, pip_item), "conda")
                    if dep is not None:
                        found.append(dep)
    return found


def _conda_dep(item: str, text: str, path: str) -> Dependency | None:
    spec_text = item.split("::", 1)[-1].strip()
    match = _CONDA_SPEC.match(spec_text)
    if not match:
        return None
    name, spec = match.group(1), match.group(2).strip()
    version = spec[2:].strip() if spec.startswith("==") else None
    return Dependency(
        name=canonicalize_name(name),
        specifier=spec,
        version=version if version and "*" not in version else None,
        path=path,
        line=find_line(text, item),
        source="conda",
        ecosystem=CONDA,
    )


# --- helpers ----------------------------------------------------------------------------------
def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Lines:
    """Line numbers of successive needles, counted incrementally (linear when in order)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def find(self, needle: str) -> int:
        index = self.text.find(needle, self.pos)
        if index < 0:
            return find_line(self.text, needle)
        self.line += self.text.count("\n", self.pos, index)
        self.pos = index + len(needle)
        line = self.line
        self.line += needle.count("\n")
        return line


def find_line(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first occurrence of ``needle`` (1 when absent)."""
    index = text.find(needle, start)
    return line_at(text, index)


def find_key_line(text: str, key: str) -> int:
    """Line of a TOML key ``key =`` (bare or quoted), 1 when absent."""
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    match = pattern.search(text)
    return line_at(text, match.start()) if match else 1


def unique(deps: Iterable[Dependency]) -> list[Dependency]:
    """Drop exact duplicates, keep order."""
    seen: set[Dependency] = set()
    out = []
    for dep in deps:
        if dep not in seen:
            seen.add(dep)
            out.append(dep)
    return out
