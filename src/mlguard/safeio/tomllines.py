"""Lines of keys in a ``pyproject.toml``'s ``[tool.mlguard]`` tables, for error messages.

``tomllib`` keeps no positions, so the text is read once more, line by line: table headers
(``[tool.mlguard.rules]``) and ``key =`` lines give the line of a data path such as
``rules.select.0``. Inline tables and arrays map to the line of their key. A path that
cannot be placed gets the line of its nearest placed ancestor, at worst the section header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlguard.safeio.yamlio import YamlDoc

HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-" ]+?)\s*=""")
SECTION = ("tool", "mlguard")


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in dotted.split("."))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """``("rules", "select") -> 12`` for every key under ``[tool.mlguard]`` (1-based)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            parts = _parts(header.group(1))
            table = parts[2:] if parts[:2] == SECTION else None
            if table is not None:
                lines.setdefault(table, number)
            continue
        if table is None:
            continue
        key = KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
    return lines


@dataclass(frozen=True)
class TomlDoc(YamlDoc):
    """The ``[tool.mlguard]`` data with the lines of its keys in ``pyproject.toml``."""

    lines: dict[tuple[str, ...], int] | None = None

    def line_of(self, path: Sequence[str | int]) -> int:
        known = self.lines or {}
        keys = tuple(str(p) for p in path if not isinstance(p, int))
        for end in range(len(keys), -1, -1):
            if keys[:end] in known:
                return known[keys[:end]]
        return 0


def toml_doc(data: Any, text: str) -> TomlDoc:
    return TomlDoc(data, None, key_lines(text))
