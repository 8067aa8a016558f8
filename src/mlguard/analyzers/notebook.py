"""Jupyter notebooks -> code cells as one Python source with a line map, plus outputs.

IPython syntax (``%``/``!`` lines, ``x = !cmd``, ``%%`` cell magics, ``obj?``) is neutralised
line for line (see :func:`python_lines`) so the remaining code parses and line numbers stay
aligned. Lines map back to the line of the
notebook file where the cell's source appears (nbformat writes one source line per line).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from dataclasses import dataclass

from mlguard.analyzers.python_ast import parse_source
from mlguard.analyzers.python_compat import python_lines
from mlguard.safeio.jsondepth import depth_within

MAX_DEPTH = 64


@dataclass(frozen=True)
class NotebookFacts:
    source: str
    line_map: tuple[int, ...]
    outputs: tuple[tuple[str, int], ...]
    outputs_present: bool
    error: str = ""
    cells: tuple[tuple[int, int], ...] = ()  # (first code line, line count) of each code cell

    def file_line(self, code_line: int) -> int:
        if 1 <= code_line <= len(self.line_map):
            return self.line_map[code_line - 1]
        return 1


def _depth_ok(text: str) -> bool:
    return depth_within(text, MAX_DEPTH)


def _cell_text(value: object) -> list[str]:
    if isinstance(value, list):
        return "".join(str(v) for v in value).splitlines()
    if isinstance(value, str):
        return value.splitlines()
    return []


def _source_lines(raw: str) -> list[int]:
    """1-based file line of each cell's first source line, in file order.

    nbformat writes ``"source": [`` and then one line per source line; a one-line string
    source sits on the key's own line.
    """
    found = []
    for number, line in enumerate(raw.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith('"source"'):
            found.append(number + 1 if stripped.endswith("[") else number)
    return found


SHELL_CELLS = frozenset({"bash", "sh", "script", "system"})
SHELL_LINE = re.compile(r"^\s*(?:[A-Za-z_][\w.,\s\[\]()*]*=\s*)?(?:!|%sx\s|%system\s)\s*(.*)$")


def shell_commands(raw: str) -> list[tuple[int, str]]:
    """The shell commands a notebook's code cells run by hand, as (file line, command):
    ``!cmd`` and ``x = !cmd`` lines, ``%sx``/``%system``, and the lines of ``%%bash``-style
    cells, with ``\\`` continuations joined onto the first line. Nothing is run."""
    if not _depth_ok(raw):
        return []
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return []
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return []
    key_lines = _source_lines(raw)
    found: list[tuple[int, str]] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        base = key_lines[index] if index < len(key_lines) else 1
        lines = _cell_text(cell.get("source"))
        first = lines[0].strip() if lines else ""
        shell_cell = first.startswith("%%") and first[2:].split(" ", 1)[0] in SHELL_CELLS
        pending, start = "", 0
        for offset, line in enumerate(lines):
            if pending:
                text = line.strip()
            elif shell_cell:
                text = line.strip() if offset else ""
            else:
                match = SHELL_LINE.match(line)
                text = match.group(1).strip() if match else ""
            if not pending:
                start = base + offset
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            command, pending = (pending + text).strip(), ""
            if command and not command.startswith("#"):
                found.append((start, command))
    return found


def parse_notebook(raw: str) -> NotebookFacts:
    if not _depth_ok(raw):
        return NotebookFacts("", (), (), False, f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        return NotebookFacts("", (), (), False, f"not valid notebook JSON: {exc}")
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return NotebookFacts("", (), (), False, "no 'cells' list")
    key_lines = _source_lines(raw)
    code: list[str] = []
    line_map: list[int] = []
    outputs: list[tuple[str, int]] = []
    has_outputs = False
    spans: list[tuple[int, int]] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        base = key_lines[index] if index < len(key_lines) else 1
        lines = _cell_text(cell.get("source"))
        if cell.get("cell_type") == "code":
            spans.append((len(code) + 1, len(lines)))
            code.extend(python_lines(lines))
            line_map.extend(base + offset for offset in range(len(lines)))
            cell_outputs = cell.get("outputs")
            if isinstance(cell_outputs, list) and cell_outputs:
                has_outputs = True
                outputs.extend((text, base) for text in _output_texts(cell_outputs))
            if cell.get("execution_count") is not None:
                has_outputs = True
    source = "\n".join(code) + "\n"
    return NotebookFacts(source, tuple(line_map), tuple(outputs), has_outputs, "", tuple(spans))


MAX_REPAIRS = 50


def parse_cells(nb: NotebookFacts, filename: str) -> tuple[ast.Module | None, str, NotebookFacts]:
    """The syntax tree of a notebook's code cells. A cell that does not parse (exploratory
    code, a half-written line) is blanked, line for line, and the rest parsed again, so one
    broken cell does not hide every import of the notebook; the reason names those cells."""
    tree, error = parse_source(nb.source, filename)
    broken: list[int] = []
    while tree is None and len(broken) < MAX_REPAIRS:
        line = _error_line(error)
        span = next(((a, n) for a, n in nb.cells if a <= line < a + n), None)
        if span is None or span[0] in broken:
            break
        broken.append(span[0])
        lines = nb.source.split("\n")
        first, count = span
        lines[first - 1 : first - 1 + count] = [""] * count
        nb = dataclasses.replace(nb, source="\n".join(lines))
        tree, error = parse_source(nb.source, filename)
    if tree is not None and broken:
        where = ", ".join(str(nb.file_line(a)) for a in broken[:5])
        error = f"{len(broken)} code cell(s) skipped: not valid Python (at line {where})"
    return tree, error, nb


def _error_line(error: str) -> int:
    match = re.match(r"line (\d+):", error)
    return int(match.group(1)) if match else 0


def _output_texts(outputs: list[object]) -> list[str]:
    texts: list[str] = []
    for out in outputs:
        if not isinstance(out, dict):
            continue
        texts.extend(_cell_text(out.get("text")))
        data = out.get("data")
        if isinstance(data, dict):
            for mime, value in data.items():
                if isinstance(mime, str) and mime.startswith("text/"):
                    texts.extend(_cell_text(value))
        texts.extend(_cell_text(out.get("traceback")))
    return texts
