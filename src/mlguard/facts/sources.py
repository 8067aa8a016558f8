"""YAML documents with line numbers, parsed once per scan and shared by the fact builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.safeio.yamlio import YamlDoc, YamlProblem, load_docs


def yaml_docs(repo: Facts, path: str) -> list[YamlDoc]:
    """The documents of a YAML file (empty and recorded as skipped when unparseable)."""
    return list(_yaml_docs(repo, path))


@fact
def _yaml_docs(repo: Facts, path: str) -> tuple[YamlDoc, ...]:
    docs: list[YamlDoc] = []
    text = repo.text(path)
    if text is not None:
        try:
            docs = load_docs(text)
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
