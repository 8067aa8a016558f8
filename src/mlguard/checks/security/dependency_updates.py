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

from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
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
MANIFESTS = (
    "requirements*.txt",
    "requirements/*.txt",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "environment.y*ml",
    "uv.lock",
    "poetry.lock",
)
CI_FILES = (".github/workflows/*.y*ml", ".gitlab-ci.yml", ".pre-commit-config.yaml", "Makefile")


def _ecosystems(doc: Any) -> set[str]:
    updates = doc.get("updates") if isinstance(doc, dict) else None
    found = set()
    for entry in updates if isinstance(updates, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("package-ecosystem"), str):
            found.add(entry["package-ecosystem"])
    return found


def _needed(ctx: CheckContext) -> dict[str, list[str]]:
    """Per ecosystem, the files that need updating (a manifest, a workflow, a Dockerfile)."""
    repo = ctx.repo
    return {
        "Python": repo.glob(*MANIFESTS),
        "GitHub Actions": repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml"),
        "Docker": repo.glob("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile"),
    }


@register
def dependency_updates(ctx: CheckContext) -> Outcome:
    """Dependabot or Renovate covers the repository's ecosystems."""
    renovate = ctx.repo.glob(*RENOVATE)
    if renovate:
        return Outcome.passed([ev(renovate[0], 1, "renovate")], f"Renovate ({renovate[0]})")
    files = _needed(ctx)
    needed = [name for name, paths in files.items() if paths]
    if not needed:
        raise NotApplicable("no dependency manifest, workflow or Dockerfile to keep updated")
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
    first = files[needed[0]][0]
    return Outcome.failed(
        f"No Dependabot or Renovate configuration: {', '.join(needed)} dependencies are "
        "never updated automatically.",
        [ev(first, 1, "no update automation")],
    )
