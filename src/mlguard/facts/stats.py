"""Counts and timings of the scan's Python analysis, for ``--stats`` (never in a report)."""

from __future__ import annotations

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts


@fact
def python_stats(repo: Facts) -> dict[str, float]:
    """Primed by the analysis workers; empty when no Python analysis ran."""
    return {}
