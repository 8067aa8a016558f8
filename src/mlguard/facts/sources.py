"""YAML documents with line numbers, parsed once per scan and shared by the fact builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlguard.repo import RepoContext
from mlguard.yamlio import YamlDoc, YamlProblem, load_docs


def yaml_docs(repo: RepoContext, path: str) -> list[YamlDoc]:
    """The documents of a YAML file (empty and recorded as skipped when unparseable)."""
    key = f"yamldocs:{path}"
    cached = repo.cache.get(key)
    if isinstance(cached, list):
        return cached
    docs: list[YamlDoc] = []
    text = repo.text(path)
    if text is not None:
        try:
            docs = load_docs(text)
        except YamlProblem as exc:
            where = f"line {exc.line}: " if exc.line else ""
            repo.skipped.setdefault(path, f"unparseable config ({where}{exc.message})")
    repo.cache[key] = docs
    return docs


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping with string keys (YAML 1.1 ``on`` normalised)."""
    if not isinstance(value, dict):
        return {}
    return {("on" if k is True else str(k)): v for k, v in value.items()}


def items(value: Any) -> list[Any]:
    """``value`` when it is a list, else nothing (a YAML scalar where a list belongs)."""
    return value if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    """A string, or the strings of a (nested) list; anything else gives nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(strings(item))
        return out
    return []


def line(doc: YamlDoc, path: Sequence[str | int]) -> int:
    return max(doc.line_of(path), 1)


def quiet_docs(repo: RepoContext, path: str) -> list[YamlDoc]:
    """The documents of a YAML file that may not be a configuration at all (a candidate CI
    file found by its content): an unparseable one is not recorded as skipped."""
    cached = repo.cache.get(f"yamldocs:{path}")
    if isinstance(cached, list):
        return cached
    text = repo.text(path)
    if text is None:
        return []
    try:
        docs = load_docs(text)
    except YamlProblem:
        return []
    repo.cache[f"yamldocs:{path}"] = docs
    return docs


UNREAD_KEY = "facts:ci-unread"


def note_unread(repo: RepoContext, path: str, at: int, what: str) -> None:
    """Remember CI configuration that lives outside the repository (remote includes,
    templates from other repositories): checks that find nothing say *not-checked*."""
    found = repo.cache.setdefault(UNREAD_KEY, {})
    if isinstance(found, dict):
        found.setdefault((path, at), what)


def unread(repo: RepoContext) -> list[tuple[str, int, str]]:
    """(file, line, what) of each CI configuration reference that could not be read."""
    found = repo.cache.get(UNREAD_KEY)
    if not isinstance(found, dict):
        return []
    return sorted((p, n, w) for (p, n), w in found.items())


READ_KEY = "facts:ci-read"


def note_read(repo: RepoContext, system: str, path: str) -> None:
    """Remember a file a CI system reads through another (a template, an include)."""
    found = repo.cache.setdefault(READ_KEY, {})
    if isinstance(found, dict):
        found.setdefault(system, set()).add(path)


def read_files(repo: RepoContext) -> dict[str, set[str]]:
    found = repo.cache.get(READ_KEY)
    return found if isinstance(found, dict) else {}
