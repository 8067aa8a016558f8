"""One Python file or notebook -> PyFacts, with notebook lines mapped to the .ipynb file."""

from __future__ import annotations

import dataclasses
from typing import Any

from mlguard.analyzers.notebook import NotebookFacts, parse_cells, parse_notebook
from mlguard.analyzers.python_ast import PyFacts, analyze_source, analyze_tree


def notebook_facts(nb: NotebookFacts, rel: str) -> PyFacts:
    tree, error, nb = parse_cells(nb, rel)  # a cell that is not valid Python is left out
    facts = PyFacts(syntax_error=error) if tree is None else analyze_tree(tree)
    # cells left out are noted like a syntax error, with the facts of the cells kept
    return remap_to_notebook(dataclasses.replace(facts, syntax_error=error), nb)


def analyze_text(rel: str, text: str) -> tuple[PyFacts | None, str]:
    """Facts of a ``.py`` or ``.ipynb`` file's text, and a skip reason for notebooks."""
    if rel.endswith(".ipynb"):
        nb = parse_notebook(text)
        if nb.error:
            return None, nb.error
        return notebook_facts(nb, rel), ""
    return analyze_source(text, rel), ""


def remap_to_notebook(facts: PyFacts, nb: NotebookFacts) -> PyFacts:
    """Facts of a notebook's joined code cells, with lines moved to the ``.ipynb`` file."""

    def fix(obj: Any) -> Any:
        return dataclasses.replace(obj, line=nb.file_line(obj.line))

    return dataclasses.replace(
        facts,
        imports=tuple(fix(i) for i in facts.imports),
        calls=tuple(
            dataclasses.replace(c, line=nb.file_line(c.line), end_line=nb.file_line(c.end_line))
            for c in facts.calls
        ),
        assigns=tuple(fix(a) for a in facts.assigns),
        decorators=tuple((n, nb.file_line(line)) for n, line in facts.decorators),
        class_bases=tuple((n, nb.file_line(line)) for n, line in facts.class_bases),
        functions=tuple((n, nb.file_line(line)) for n, line in facts.functions),
        strings=tuple((s, nb.file_line(line)) for s, line in facts.strings),
        flows=tuple(fix(a) for a in facts.flows),
        defs=tuple(
            dataclasses.replace(d, line=nb.file_line(d.line), end_line=nb.file_line(d.end_line))
            for d in facts.defs
        ),
    )
