"""Inline ignore comments: ``# mlguard: ignore[ID, ...] reason``.

A repo-level fact, computed once per scan (``@fact``). Comments are found
in Python (real comment tokens only, not strings), notebooks (code cells, lines mapped to the
``.ipynb`` file), YAML, TOML, shell, Dockerfiles, requirement files, ``.cfg``/``.ini`` and
Makefiles. A comment applies to findings on its own line; a comment alone on its line also
applies to the next line.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts

PATTERN = re.compile(r"#\s*mlguard:\s*ignore\b(?:\[([^\]]*)\])?(.*)$", re.IGNORECASE)
HASH_SUFFIXES = (".yaml", ".yml", ".toml", ".sh", ".bash", ".cfg", ".ini", ".dockerfile")
HASH_NAMES = ("Dockerfile", "Containerfile", "Makefile")
REQUIREMENT_PREFIXES = ("requirements", "constraints")
# Leading punctuation people put between the brackets and the reason: "-- reason", ": reason"
BLOCK_SCALAR = re.compile(r"(?:^|[:\s])[|>][-+1-9]{0,2}\s*$")
QUOTE_OPENERS = " \t=:[(,{"
REASON_LEAD = " \t-:\u2014\u2013,;"


@dataclass(frozen=True)
class InlineIgnore:
    """One ignore comment. ``rule_ids`` are upper-cased; ``reason`` may be empty."""

    path: str
    line: int
    rule_ids: tuple[str, ...]
    reason: str
    own_line: bool
    text: str

    def covers(self, start: int, end: int) -> bool:
        """Does this comment apply to a finding spanning lines ``start``..``end``?"""
        return start <= self.line <= end or (self.own_line and self.line == start - 1)


def _is_candidate(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if path.endswith((".py", ".pyi", ".ipynb", *HASH_SUFFIXES)):
        return True
    if name.startswith(HASH_NAMES):
        return True
    return name.startswith(REQUIREMENT_PREFIXES) and name.endswith((".txt", ".in"))


def parse_comment(comment: str, path: str, line: int, own_line: bool) -> InlineIgnore | None:
    """The ignore in one comment (text from its ``#`` on), or ``None`` if there is none."""
    match = PATTERN.search(comment)
    if match is None:
        return None
    listed = match.group(1) or ""
    ids = tuple(part.strip().upper() for part in listed.split(",") if part.strip())
    reason = match.group(2).strip(REASON_LEAD).strip()
    return InlineIgnore(path, line, ids, reason, own_line, match.group(0).strip())


def _python_comments(source: str) -> list[tuple[int, str, bool]]:
    """(line, comment text, alone on its line) of every comment token in Python source."""
    found: list[tuple[int, str, bool]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                alone = not tok.line[: tok.start[1]].strip()
                found.append((tok.start[0], tok.string, alone))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return _hash_comments(source)
    return found


def _comment_start(line: str) -> int:
    """Index of the ``#`` opening a comment: at the start or after whitespace, outside quotes."""
    quote = ""
    for index, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'" and (index == 0 or line[index - 1] in QUOTE_OPENERS):
            quote = ch
        elif ch == "#" and (index == 0 or line[index - 1].isspace()):
            return index
    return -1


def _hash_comments(text: str, yaml: bool = False) -> list[tuple[int, str, bool]]:
    """Comments of ``#``-comment languages; for YAML, block scalars (``key: |``) are text."""
    found = []
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        index = _comment_start(line) if "#" in line else -1
        if index >= 0 and "mlguard" in line[index:].lower():
            found.append((number, line[index:], not line[:index].strip()))
        code = line[:index] if index >= 0 else line
        if yaml and BLOCK_SCALAR.search(code):
            block_indent = indent
    return found


def _file_ignores(repo: Facts, path: str) -> list[InlineIgnore]:
    text = repo.text(path)
    if text is None or "mlguard" not in text.lower():
        return []
    if path.endswith(".ipynb"):
        nb = repo.notebook(path)
        if nb is None or nb.error:
            return []
        comments = [(nb.file_line(n), c, a) for n, c, a in _python_comments(nb.source)]
    elif path.endswith((".py", ".pyi")):
        comments = _python_comments(text)
    else:
        comments = _hash_comments(text, yaml=path.endswith((".yaml", ".yml")))
    ignores = (parse_comment(c, path, n, alone) for n, c, alone in comments)
    return [i for i in ignores if i is not None]


@fact
def collect(repo: Facts) -> tuple[InlineIgnore, ...]:
    """Every inline ignore of the repository, sorted by path and line (once per scan)."""
    found: list[InlineIgnore] = []
    for path in repo.files:
        if _is_candidate(path):
            found.extend(_file_ignores(repo, path))
    return tuple(sorted(found, key=lambda i: (i.path, i.line)))
