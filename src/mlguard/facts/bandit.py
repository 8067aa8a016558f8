"""bandit's one run per scan: produced by the analysis workers (which run bandit on the
trees they parse) or, when they did not, here in-process on the same sources."""

from __future__ import annotations

from mlguard.analyzers.bandit_adapter import BanditIssue, BanditRun, run_bandit
from mlguard.analyzers.notebook import NotebookFacts
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts

Notebooks = dict[str, NotebookFacts]


@fact
def the_run(repo: Facts) -> tuple[BanditRun, Notebooks]:
    """The scan's bandit run and the notebooks it read (primed by the analysis workers)."""
    sources: list[tuple[str, str]] = []
    notebooks: Notebooks = {}
    for rel in repo.python_files:
        if rel.endswith(".ipynb"):
            nb = repo.notebook(rel)
            if nb is not None and not nb.error and nb.source.strip():
                sources.append((rel, nb.source))
                notebooks[rel] = nb
        else:
            text = repo.text(rel)
            if text is not None:
                sources.append((rel, text))
    run = run_bandit(sources)
    for rel, reason in run.skipped:
        repo.skipped.setdefault(rel, f"bandit: {reason}")
    return run, notebooks


@fact
def issues_by_test(repo: Facts) -> dict[str, list[BanditIssue]]:
    """The run's issues grouped by bandit test id, in run order."""
    grouped: dict[str, list[BanditIssue]] = {}
    for issue in the_run(repo)[0].issues:
        grouped.setdefault(issue.test_id, []).append(issue)
    return grouped
