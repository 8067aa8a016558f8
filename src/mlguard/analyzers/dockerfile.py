"""Dockerfile text -> instructions (pure): continuation lines joined, comments dropped.

Only the syntax mlguard needs: ``INSTRUCTION arguments`` with ``\\`` line continuations
(or the escape character set by a ``# escape=`` parser directive), and the first line of
each instruction for locations. Nothing is built or run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, USER, ...
    args: str
    line: int
    raw: tuple[str, ...] = ()  # the physical lines, from ``line`` on

    def line_of(self, needle: str) -> int:
        """The physical line where ``needle`` first appears (the first line if nowhere)."""
        for offset, text in enumerate(self.raw):
            if needle in text:
                return self.line + offset
        return self.line


def parse_dockerfile(text: str) -> list[Instruction]:
    escape = "\\"
    out: list[Instruction] = []
    parts: list[str] = []
    start = 0
    lines = text.splitlines()
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not out and not parts:
            directive = _DIRECTIVE.match(stripped)
            if directive:
                escape = directive.group(1)
                continue
        if stripped.startswith("#") or (not stripped and parts):
            continue  # comments and blank lines inside a continuation are skipped
        if not stripped:
            continue
        if not parts:
            start = number
        if stripped.endswith(escape):
            parts.append(stripped[: -len(escape)])
            continue
        parts.append(stripped)
        out.append(_instruction(" ".join(parts), start, lines[start - 1 : number]))
        parts = []
    if parts:
        out.append(_instruction(" ".join(parts), start, lines[start - 1 :]))
    return [i for i in out if i.keyword]


def _instruction(text: str, line: int, raw: list[str]) -> Instruction:
    keyword, _, args = text.strip().partition(" ")
    return Instruction(keyword.upper(), args.strip(), line, tuple(raw))
