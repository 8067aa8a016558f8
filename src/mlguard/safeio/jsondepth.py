"""How deep a JSON text nests, counted before parsing it (a hostile file cannot exhaust the
parser's recursion): brackets inside strings are text, not nesting."""

from __future__ import annotations

import re

STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')  # linear: no nested quantifiers
BRACKET = re.compile(r"[\[\]{}]")


def depth_within(text: str, limit: int) -> bool:
    """``text`` nests at most ``limit`` arrays and objects deep (strings skipped)."""
    depth = 0
    for match in BRACKET.finditer(STRING.sub('""', text)):
        if match.group(0) in "[{":
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True
