"""Source that the running Python cannot parse, made parseable line by line, never run.

mlguard parses with the interpreter it runs on (3.11 or later), but repositories are written
for newer Pythons and for notebooks. A file that fails to parse would drop out of every rule,
so the training script that happens to use one newer construct looks like no training at
all. When :func:`ast.parse` fails, the construct it names is rewritten to an equivalent the
running parser accepts, keeping every line where it was, and parsing is tried again:

- IPython syntax in ``.py`` files (Databricks and Jupytext notebooks exported as source):
  ``%pip install x``, ``!python train.py``, ``files = !ls`` become ``pass`` lines, as in
  notebook cells;
- f-strings of Python 3.12 (PEP 701) that reuse their quote or a backslash inside a
  replacement field (``f"{d["k"]}"``): every f-string of the file becomes, in one pass, an
  empty string spanning as many lines;
- type parameter syntax of Python 3.12 (PEP 695): ``type X = ...`` becomes ``X = ...``,
  ``def f[T](...)`` and ``class C[T]`` lose their ``[...]``;
- ``except A, B:`` of Python 3.14 (PEP 758) becomes ``except (A, B):``.

Anything else, or a rewrite that does not move the error on, leaves the file as not
parseable with the first error, as before.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

MAX_REPAIRS = 50
PARSE_BUDGET = 20_000_000  # characters parsed again, summed over the repairs of one file
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "memit", "debug"})
MAGIC_ASSIGN = re.compile(r"^\s*[A-Za-z_][\w.,\s\[\]()*]*=\s*[!%]")  # files = !ls
HELP = re.compile(r"^\s*\??[A-Za-z_][\w.]*\?{1,2}\s*$")  # model.fit?
IPYTHON_LINE = re.compile(r"^\s*(?:[%!]|[A-Za-z_][\w.,\s\[\]()*]*=\s*[!%])")
TYPE_ALIAS = re.compile(r"^(\s*)type\s+([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*=")
GENERIC_DEF = re.compile(r"^(\s*(?:async\s+)?def\s+[A-Za-z_]\w*)\s*\[[^\]]*\]\s*\(")
GENERIC_CLASS = re.compile(r"^(\s*class\s+[A-Za-z_]\w*)\s*\[[^\]]*\]")
BARE_EXCEPT_TUPLE = re.compile(r"^(\s*except\*?)\s+([^():#]+,[^():#]+?)(\s*(?:as\s+\w+\s*)?:)")
STRING_START = re.compile(r"(?<![\w])([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")


def parse_newer(source: str, filename: str, error: SyntaxError) -> ast.Module | None:
    """``source``'s tree after rewriting the lines of newer syntax, or ``None``."""
    text = source
    # each repair parses the whole file again: a large file gets fewer tries
    for _ in range(min(MAX_REPAIRS, max(1, PARSE_BUDGET // max(len(source), 1)))):
        repaired = _repair(text, error)
        if repaired is None or repaired == text:
            return None
        text = repaired
        try:
            return ast.parse(text, filename=filename)
        except SyntaxError as exc:
            error = exc
        except (ValueError, RecursionError, MemoryError):
            return None
    return None


def _repair(text: str, error: SyntaxError) -> str | None:
    lines = text.splitlines(keepends=True)
    number = (error.lineno or 0) - 1
    if not 0 <= number < len(lines):
        return None
    line = lines[number]
    if IPYTHON_LINE.match(line):
        return _without_ipython(lines)
    if (error.msg or "").startswith("f-string"):
        return _without_newer_fstrings(text)
    for pattern, replace in LINE_REWRITES:
        if pattern.match(line):
            lines[number] = pattern.sub(replace, line, count=1)
            return "".join(lines)
    return None


def _without_ipython(lines: list[str]) -> str:
    """Every IPython line neutralised at once (a notebook exported as source has many)."""
    ends = [line[len(line.rstrip("\r\n")) :] for line in lines]
    body = python_lines([line.rstrip("\r\n") for line in lines])
    return "".join(b + e for b, e in zip(body, ends, strict=True))


def python_lines(lines: list[str]) -> list[str]:
    """A code cell's lines with IPython syntax neutralised, one output line per input line.

    ``!cmd``, ``%magic``, ``x = !cmd``, ``x = %magic`` and ``obj?`` become ``pass`` at their
    indentation (so an indented block stays valid), with their ``\\`` continuation lines
    blanked; a ``%%bash``/``%%writefile``-style cell is blanked whole, while the body of a
    cell magic that runs Python (``%%time``, ``%%capture`` ...) is kept.
    """
    first = lines[0].lstrip() if lines else ""
    cell_magic = first.startswith("%%")
    python_body = cell_magic and first[2:].split(" ", 1)[0].strip() in PYTHON_CELL_MAGICS
    out: list[str] = []
    continued = False
    for offset, line in enumerate(lines):
        stripped = line.lstrip()
        if (cell_magic and not python_body) or (offset == 0 and cell_magic) or continued:
            out.append("")
            continued = continued and line.rstrip().endswith("\\")
        elif stripped.startswith(("%", "!", "?")) or MAGIC_ASSIGN.match(line) or HELP.match(line):
            out.append(line[: len(line) - len(stripped)] + "pass")
            continued = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return out


def _alias(m: re.Match[str]) -> str:
    return f"{m.group(1)}{m.group(2)} ="


def _def(m: re.Match[str]) -> str:
    return f"{m.group(1)}("


def _class(m: re.Match[str]) -> str:
    return m.group(1)


def _except(m: re.Match[str]) -> str:
    return f"{m.group(1)} ({m.group(2).strip()}){m.group(3)}"


LINE_REWRITES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (TYPE_ALIAS, _alias),
    (GENERIC_DEF, _def),
    (GENERIC_CLASS, _class),
    (BARE_EXCEPT_TUPLE, _except),
)


def _without_newer_fstrings(text: str) -> str | None:
    """Every f-string of the file replaced by an empty string spanning as many lines (one
    pass over the whole file, read as Python 3.12 reads it, so a file with hundreds of
    newer f-strings costs one more parse, not hundreds). Comments and other strings are
    skipped; ``None`` when the file cannot be read that way or holds no f-string."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#":
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        match = STRING_START.match(text, i) if char in "rRbBuUfF'\"" else None
        if match is None or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            continue
        prefix, quote = match.group(1), match.group(2)
        body = match.end()
        close = _fstring_end(text, body, quote) if "f" in prefix.lower() else None
        if close is None:
            close = _string_end(text, body, quote, raw="r" in prefix.lower())
            if close is None:
                return None
            i = close
            continue
        newlines = text.count("\n", i, close)
        empty = '""' if not newlines else '"""' + "\n" * newlines + '"""'
        out.append((i, close, empty))
        i = close
    if not out:
        return None
    pieces: list[str] = []
    last = 0
    for begin, finish, empty in out:
        pieces += [text[last:begin], empty]
        last = finish
    pieces.append(text[last:])
    return "".join(pieces)


def _string_end(text: str, i: int, quote: str, raw: bool = False) -> int | None:
    """The index after the closing ``quote`` of a string whose body starts at ``i``."""
    while i < len(text):
        if text.startswith(quote, i):
            return i + len(quote)
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "\n" and len(quote) == 1 and not raw:
            return None
        i += 1
    return None


def _fstring_end(text: str, i: int, quote: str, depth: int = 0) -> int | None:
    """The index after an f-string whose body starts at ``i``, read as Python 3.12 does:
    a replacement field may hold any string, with any quote, and nested f-strings."""
    if depth > 20:
        return None
    while i < len(text):
        if text.startswith(quote, i):
            return i + len(quote)
        char = text[i]
        if char == "\\" or text.startswith("{{", i):
            i += 2
        elif char == "{":
            found = _field_end(text, i + 1, depth)
            if found is None:
                return None
            i = found
        elif char == "\n" and len(quote) == 1:
            return None
        else:
            i += 1
    return None


def _field_end(text: str, i: int, depth: int) -> int | None:
    """The index after the ``}`` closing a replacement field whose expression starts at ``i``."""
    brackets = 0
    while i < len(text):
        char = text[i]
        if char in "([{":
            brackets += 1
        elif char in ")]":
            brackets -= 1
        elif char == "}":
            if brackets == 0:
                return i + 1
            brackets -= 1
        elif char in "'\"":
            match = STRING_START.match(text, i)
            if match is None:
                return None
            quote = match.group(2)
            found = _string_end(text, match.end(), quote)
            if found is None:
                return None
            i = found
            continue
        elif char in "fF" and i + 1 < len(text) and text[i + 1] in "'\"":
            match = STRING_START.match(text, i)
            if match is not None and not (text[i - 1].isalnum() or text[i - 1] == "_"):
                found = _fstring_end(text, match.end(), match.group(2), depth + 1)
                if found is None:
                    return None
                i = found
                continue
        i += 1
    return None
