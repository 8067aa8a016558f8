"""SEC006: dependency updates and vulnerability alerts are automated.

Dependabot (``.github/dependabot.yml``) must cover the Python ecosystem (pip, uv or poetry
entries: Dependabot's ``pip`` ecosystem also reads Pipfile, pyproject and requirements),
GitHub Actions when there are workflows, and Docker when there are Dockerfiles. Renovate
(``renovate.json``, ``.renovaterc*``, ``.github/renovate.json*``) covers every ecosystem it
finds by default. A vulnerability audit in CI (pip-audit, safety, osv-scanner, trivy, grype,
snyk) without update automation is partial.
"""

from __future__ import annotations

import re
from typing import Any

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register

DEPENDABOT = (".github/dependabot.yml", ".github/dependabot.yaml")
RENOVATE = (
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
)
PYTHON = frozenset({"pip", "uv", "poetry", "pipenv", "pip-compile"})
AUDITORS = re.compile(r"\b(pip-audit|safety (check|scan)|osv-scanner|trivy (fs|repo)|grype|snyk)\b")
CI_FILES = (".github/workflows/*.y*ml", ".gitlab-ci.yml", ".pre-commit-config.yaml", "Makefile")


def _ecosystems(doc: Any) -> set[str]:
    updates = doc.get("updates") if isinstance(doc, dict) else None
    found = set()
    for entry in updates if isinstance(updates, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("package-ecosystem"), str):
            found.add(entry["package-ecosystem"])
    return found


def _needed(ctx: CheckContext) -> dict[str, bool]:
    repo = ctx.repo
    return {
        "Python": bool(repo.python_files),
        "GitHub Actions": bool(repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml")),
        "Docker": bool(repo.glob("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")),
    }


@register("security.dependency_updates")
def dependency_updates(ctx: CheckContext) -> Outcome:
    """Dependabot or Renovate covers the repository's ecosystems."""
    renovate = ctx.repo.glob(*RENOVATE)
    if renovate:
        return Outcome.passed([ev(renovate[0], 1, "renovate")], f"Renovate ({renovate[0]})")
    needed = [name for name, wanted in _needed(ctx).items() if wanted]
    for path in ctx.repo.glob(*DEPENDABOT):
        docs = ctx.repo.config(path)
        ecosystems = _ecosystems(docs[0]) if docs else set()
        covered = {
            "Python": bool(ecosystems & PYTHON),
            "GitHub Actions": "github-actions" in ecosystems,
            "Docker": "docker" in ecosystems,
        }
        missing = [name for name in needed if not covered[name]]
        if not missing:
            return Outcome.passed([ev(path, 1, "dependabot")], f"Dependabot ({path})")
        return Outcome.partial(
            f"{path} does not cover {', '.join(missing)}: add `package-ecosystem` entries "
            "for them.",
            [ev(path, 1, "dependabot")],
        )
    for path in ctx.repo.glob(*CI_FILES):
        match = AUDITORS.search(ctx.repo.text(path) or "")
        if match:
            return Outcome.partial(
                f"{path} audits dependencies ({match.group(1)}) but nothing proposes "
                "updates: add Dependabot or Renovate.",
                [ev(path, 1, match.group(1))],
            )
    return Outcome.failed(
        f"No Dependabot or Renovate configuration: {', '.join(needed) or 'dependencies'} "
        "are never updated automatically."
    )
