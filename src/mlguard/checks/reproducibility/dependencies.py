"""Reproducibility checks: dependencies declared and pinned."""

from __future__ import annotations

from mlguard.analyzers.lockfiles import LOCK_PATTERNS
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts.dependencies import dependency_facts
from mlguard.facts.envfiles import conda_envs

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
    rows = dependency_facts(ctx.repo).declared
    return [(d.path, d.line, d.name, d.specifier) for d in rows]


@register(needs_python=False)
def dependencies_pinned(ctx: CheckContext) -> Outcome:
    """A lock file, or hashed requirements, pass; requirements pinned with ``==`` (all, or
    most of them) are partial."""
    repo = ctx.repo
    locks = repo.glob(*LOCK_PATTERNS)
    if locks:
        return Outcome.passed([ev(p) for p in locks])
    hashed = [p for p in repo.glob(*REQUIREMENT_FILES) if "--hash=" in (repo.text(p) or "")]
    if hashed:
        return Outcome.passed([ev(p) for p in hashed])
    if not repo.glob(*MANIFESTS) and not conda_envs(repo):
        return Outcome.failed("No dependency manifest (requirements.txt, pyproject.toml, ...).")
    rows = _requirement_lines(ctx)
    if rows:
        # ``==1.5.2``, ``==1.27.*`` and conda's ``=1.18`` pin a release (or a release line)
        loose = [r for r in rows if not r[3].startswith("=")]
        if not loose:
            return Outcome.partial(
                "Every requirement is pinned with == but there is no lock "
                "file or hashes (transitive dependencies float).",
                [ev(rows[0][0])],
            )
        path, line, name, _ = loose[0]
        detail = (
            f"{len(loose)} of {len(rows)} requirements are not pinned (first: {name} in "
            f"{path}:{line}) and there is no lock file."
        )
        if 2 * len(loose) < len(rows):  # most are pinned: reproducible in part
            return Outcome.partial(detail, [ev(path, line, name)])
        return Outcome.failed(detail, [ev(path, line, name)])
    return Outcome.failed("Dependencies are declared but not locked (no lock file).")
