"""Parsed files: the Python, notebook and config facts of the repository's files.

:class:`Facts` is the repository as checks see it: the inventory and safe reads of
:class:`~mlguard.repo.context.RepoContext`, plus each file parsed at most once by the
analyzer for its kind (Python facts usually arrive from the engine's worker processes), plus
the store of repository-level facts (:mod:`mlguard.facts.fact`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from functools import cached_property
from typing import Any, Protocol

from mlguard.analyzers import configs
from mlguard.analyzers.notebook import NotebookFacts, parse_notebook
from mlguard.analyzers.python_ast import PyFacts, analyze_source
from mlguard.analyzers.python_file import notebook_facts
from mlguard.repo import globs
from mlguard.repo.context import RepoContext

MAX_PYTHON_BYTES = 4 * 1024 * 1024  # one source given to ast.parse (~400 MB of AST)
YAML_SUFFIXES = (".yaml", ".yml")


class Analysis(Protocol):
    """A Python analysis under way in worker processes."""

    def finish(self) -> None:
        """Wait for it and record its results."""

    def cancel(self) -> None:
        """Stop it: queued work is dropped."""


class Facts(RepoContext):
    """The scanned repository with its parsed files and repository-level facts."""

    _analysis: Analysis | None = None

    # RepoContext's constructor builds the inventory; what is parsed starts empty
    @cached_property
    def _py(self) -> dict[str, PyFacts | None]:
        return {}

    @cached_property
    def _nb(self) -> dict[str, NotebookFacts | None]:
        return {}

    @cached_property
    def _cfg(self) -> dict[str, list[Any]]:
        return {}

    @cached_property
    def fact_store(self) -> dict[Hashable, object]:
        """Where repository-level facts keep their values for this scan; written only by
        :class:`mlguard.facts.fact.Fact`, keyed by the fact itself and its arguments."""
        return {}

    def notebook(self, rel: str) -> NotebookFacts | None:
        if rel not in self._nb:
            text = self.text(rel)
            facts = parse_notebook(text) if text is not None else None
            if facts is not None and facts.error:
                self.skipped.setdefault(rel, facts.error)
            self._nb[rel] = facts
        return self._nb[rel]

    def python(self, rel: str) -> PyFacts | None:
        """Facts of a ``.py`` file or of a notebook's code cells (lines in notebook terms)."""
        if rel in self._py:
            return self._py[rel]
        if self._analysis is not None:
            self.finish_analysis()  # the workers may be analysing this file right now
            if rel in self._py:
                return self._py[rel]
        facts: PyFacts | None = None
        if rel.endswith(".ipynb"):
            nb = self.notebook(rel)
            if nb is not None and not nb.error and self._parsable(rel, nb.source):
                facts = notebook_facts(nb, rel)
        else:
            text = self.text(rel)
            if text is not None and self._parsable(rel, text):
                facts = analyze_source(text, rel)
        self.set_python(rel, facts)
        return facts

    def attach_analysis(self, analysis: Analysis) -> None:
        """A Python analysis under way in worker processes: asking for Python facts waits
        for it (the engine runs the rules that need none meanwhile)."""
        self._analysis = analysis

    def finish_analysis(self) -> None:
        """Wait for the analysis under way, if any, and record its results."""
        analysis, self._analysis = self._analysis, None
        if analysis is not None:
            analysis.finish()

    def cancel_analysis(self) -> None:
        """Stop the analysis under way (the scan is being abandoned)."""
        analysis, self._analysis = self._analysis, None
        if analysis is not None:
            analysis.cancel()

    def set_python(self, rel: str, facts: PyFacts | None) -> None:
        """Record the facts of a Python file or notebook (computed here or by a worker)."""
        if facts is not None and facts.syntax_error:
            self.skipped.setdefault(rel, f"Python syntax error ({facts.syntax_error})")
        self._py[rel] = facts

    def _parsable(self, rel: str, source: str) -> bool:
        if len(source) <= MAX_PYTHON_BYTES:
            return True
        self.skipped[rel] = f"larger than the {MAX_PYTHON_BYTES >> 20} MiB Python analysis budget"
        return False

    def needs_python(self) -> list[str]:
        return [rel for rel in self.python_files if rel not in self._py]

    def iter_python(self, patterns: tuple[str, ...] = ()) -> Iterator[tuple[str, PyFacts]]:
        for rel in self.python_files:
            if patterns and not globs.match_any(rel, patterns):
                continue
            facts = self.python(rel)
            if facts is not None:
                yield rel, facts

    def config(self, rel: str) -> list[Any]:
        """Parsed documents of a YAML / TOML / JSON file (empty when unparseable)."""
        if rel in self._cfg:
            return self._cfg[rel]
        text = self.text(rel)
        docs: list[Any] = []
        if text is not None:
            if rel.endswith(YAML_SUFFIXES):
                docs, error = configs.parse_yaml(text)
            elif rel.endswith(".toml"):
                docs, error = configs.parse_toml(text)
            elif rel.endswith(".json"):
                docs, error = configs.parse_json(text)
            else:
                error = ""
            if error:
                self.skipped.setdefault(rel, f"unparseable config ({error})")
        self._cfg[rel] = docs
        return docs
