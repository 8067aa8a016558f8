"""YAML / TOML / JSON configuration files -> parsed documents (safely, bounded)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from typing import Any

from mlguard.safeio.jinja_template import load_source_docs
from mlguard.safeio.jsondepth import depth_within
from mlguard.safeio.yamlio import YamlProblem

MAX_JSON_DEPTH = 128
_YAML11_BOOLS = {"on": True, "yes": True, "off": False, "no": False}


def parse_yaml(text: str) -> tuple[list[Any], str]:
    """All documents of a YAML stream, or an error message."""
    try:
        return [d.data for d in load_source_docs(text)], ""
    except YamlProblem as exc:
        where = f"line {exc.line}: " if exc.line else ""
        return [], f"{where}{exc.message}"


def parse_toml(text: str) -> tuple[list[Any], str]:
    try:
        return [tomllib.loads(text)], ""
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return [], str(exc)


def parse_json(text: str) -> tuple[list[Any], str]:
    if not depth_within(text, MAX_JSON_DEPTH):
        return [], f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        return [json.loads(text)], ""
    except (json.JSONDecodeError, RecursionError) as exc:
        return [], f"invalid JSON: {exc}"


def lookup(doc: Any, dotted: str) -> Iterator[Any]:
    """Values at a dotted key path; ``*`` matches any key or list item."""
    parts = dotted.split(".") if dotted else []
    yield from _walk(doc, parts)


def _walk(node: Any, parts: list[str]) -> Iterator[Any]:
    if not parts:
        yield node
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        if head == "*":
            for value in node.values():
                yield from _walk(value, rest)
        elif head in node:
            yield from _walk(node[head], rest)
        elif head in _YAML11_BOOLS and _YAML11_BOOLS[head] in node:
            # YAML 1.1 reads a bare `on:` key (GitHub workflows) as the boolean True
            yield from _walk(node[_YAML11_BOOLS[head]], rest)
    elif isinstance(node, list):
        if head == "*":
            for value in node:
                yield from _walk(value, rest)
        elif head.isdigit() and int(head) < len(node):
            yield from _walk(node[int(head)], rest)
