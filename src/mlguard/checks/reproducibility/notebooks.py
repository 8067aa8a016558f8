"""REP008: notebooks committed after an out-of-order run (hidden kernel state)."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from mlguard.analyzers.configs import parse_json
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at


def _counts(doc: Any) -> list[tuple[int, int]]:
    """(cell number, execution count) of every executed code cell, in file order."""
    cells = doc.get("cells") if isinstance(doc, dict) else None
    found = []
    for number, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            count = cell.get("execution_count")
            if isinstance(count, int) and not isinstance(count, bool):
                found.append((number, count))
    return found


def _out_of_order(path: str, text: str, counts: list[tuple[int, int]]) -> Evidence | None:
    for (previous, before), (cell, count) in pairwise(counts):
        if count <= before:
            match = re.search(rf'"execution_count":\s*{count}\b', text)
            if count == before:
                what = f"Cells {previous} and {cell} both ran as [{count}] (the kernel restarted"
                what += " between them)"
            else:
                what = f"Cell {cell} ran as [{count}], before cell {previous} above it ([{before}])"
            return ev(
                path,
                line_at(text, match.start()) if match else 1,
                f"cell {cell}: [{count}] after [{before}]",
                f"{what}: the saved results depend on an execution order nobody can see. "
                "Restart the kernel and run all cells before committing",
            )
    return None


@register(needs_python=False)
def executed_in_order(ctx: CheckContext) -> Outcome:
    """Code cells whose saved execution counts go backwards."""
    found = []
    for path in ctx.repo.glob("*.ipynb"):
        text = ctx.repo.text(path)
        docs, error = parse_json(text) if text is not None else ([], "")
        if error or not docs:
            continue
        item = _out_of_order(path, text or "", _counts(docs[0]))
        if item is not None:
            found.append(item)
    return Outcome.violations(found)
