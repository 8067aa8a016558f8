"""Facts about the scan itself, primed by the engine: the Python analysis' counts and
timings (for ``--stats``, never in a report) and the rules the scan reports."""

from __future__ import annotations

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts


@fact
def python_stats(repo: Facts) -> dict[str, float]:
    """Primed by the analysis workers; empty when no Python analysis ran."""
    return {}


@fact
def active_rules(repo: Facts) -> frozenset[str]:
    """Ids of the rules this scan reports (primed by the engine; CICD008 leaves to the
    enabled zizmor rules what they cover)."""
    return frozenset()
