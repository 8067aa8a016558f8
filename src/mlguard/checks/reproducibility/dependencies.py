"""Reproducibility checks: dependencies declared and pinned."""

from __future__ import annotations

from mlguard.analyzers.lockfiles import LOCK_PATTERNS
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts.dependencies import dependency_facts

REQUIREMENT_FILES = ("requirements*.txt", "requirements/*.txt", "requirements*.in")
MANIFESTS = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "environment.yml",
    "environment.yaml",
    "Pipfile",
    *REQUIREMENT_FILES,
)


def _requirement_lines(ctx: CheckContext) -> list[tuple[str, int, str, str]]:
    rows = dependency_facts(ctx.repo).requirement_rows()
    return [(d.path, d.line, d.name, d.specifier) for d in rows]


@register(needs_python=False)
def dependencies_pinned(ctx: CheckContext) -> Outcome:
    """A lock file, or hashed requirements, pass; fully ``==``-pinned requirements are partial."""
    repo = ctx.repo
    locks = repo.glob(*LOCK_PATTERNS)
    if locks:
        return Outcome.passed([ev(p) for p in locks])
    hashed = [p for p in repo.glob(*REQUIREMENT_FILES) if "--hash=" in (repo.text(p) or "")]
    if hashed:
        return Outcome.passed([ev(p) for p in hashed])
    if not repo.glob(*MANIFESTS):
        return Outcome.failed("No dependency manifest (requirements.txt, pyproject.toml, ...).")
    rows = _requirement_lines(ctx)
    if rows:
        loose = [r for r in rows if not r[3].startswith("==")]
        if not loose:
            return Outcome.partial(
                "Every requirement is pinned with == but there is no lock "
                "file or hashes (transitive dependencies float).",
                [ev(rows[0][0])],
            )
        path, line, name, _ = loose[0]
        return Outcome.failed(
            f"{len(loose)} of {len(rows)} requirements are not pinned (first: {name} in "
            f"{path}:{line}) and there is no lock file.",
            [ev(path, line, name)],
        )
    return Outcome.failed("Dependencies are declared but not locked (no lock file).")
