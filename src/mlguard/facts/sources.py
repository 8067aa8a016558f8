"""YAML documents with line numbers, parsed once per scan and shared by the fact builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.safeio.jinja_template import load_source_docs
from mlguard.safeio.yamlio import YamlDoc, YamlProblem


def yaml_docs(repo: Facts, path: str) -> list[YamlDoc]:
    """The documents of a YAML file (empty and recorded as skipped when unparseable)."""
    return list(_yaml_docs(repo, path))


@fact
def _yaml_docs(repo: Facts, path: str) -> tuple[YamlDoc, ...]:
    docs: list[YamlDoc] = []
    text = repo.text(path)
    if text is not None:
        try:
            docs = load_source_docs(text)
        except YamlProblem as exc:
            where = f"line {exc.line}: " if exc.line else ""
            repo.skipped.setdefault(path, f"unparseable config ({where}{exc.message})")
    return tuple(docs)


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


def quiet_docs(repo: Facts, path: str) -> list[YamlDoc]:
    """The documents of a YAML file that may not be a configuration at all (a candidate CI
    file found by its content): an unparseable one is not recorded as skipped."""
    return list(_quiet_docs(repo, path))


@fact
def _quiet_docs(repo: Facts, path: str) -> tuple[YamlDoc, ...]:
    text = repo.text(path)
    if text is None:
        return ()
    try:
        return tuple(load_source_docs(text))
    except YamlProblem:
        return ()


@fact
def _unread(repo: Facts) -> dict[tuple[str, int], str]:
    return {}


def note_unread(repo: Facts, path: str, at: int, what: str) -> None:
    """Remember CI configuration that lives outside the repository (remote includes,
    templates from other repositories): checks that find nothing say *not-checked*."""
    _unread(repo).setdefault((path, at), what)


def unread(repo: Facts) -> list[tuple[str, int, str]]:
    """(file, line, what) of each CI configuration reference that could not be read."""
    return sorted((p, n, w) for (p, n), w in _unread(repo).items())


@fact
def _read(repo: Facts) -> dict[str, set[str]]:
    return {}


def note_read(repo: Facts, system: str, path: str) -> None:
    """Remember a file a CI system reads through another (a template, an include)."""
    _read(repo).setdefault(system, set()).add(path)


def read_files(repo: Facts) -> dict[str, set[str]]:
    return _read(repo)
