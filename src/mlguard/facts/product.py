"""Which Python files are the product: not tests, documentation, examples or benchmarks.

A repository template (a GitHub template repository whose README says so) ships its
examples as part of the project it makes: there they are product code."""

from __future__ import annotations

import re

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex
from mlguard.known import EXAMPLE_DIRS
from mlguard.repo.testpaths import is_test_path

NON_PRODUCT = ("tests/", "test/", *EXAMPLE_DIRS, "benchmarks/")
READMES = ("README.md", "README.rst", "README.txt", "README")
# a README titled as a template, or telling readers to create their repository from it
TEMPLATE_README = re.compile(
    r"\A(?:[ \t]*(?:<[^\n]*>|!\[[^\n]*|\[!\[[^\n]*)?\n)*[ \t]*#[ \t]+[^\n]*\btemplate\b"
    r"|\buse this template\b|\btemplate repository\b",
    re.IGNORECASE,
)
MAX_README = 20_000
# files whose commands run the project's scripts by path
TASK_FILES = ("Makefile", "makefile", "justfile", "*.sh", ".github/workflows/*.y*ml", "tox.ini")
MAX_TASK_FILES = 200
# Jupyter's autosaved copies of notebooks (Azure ML notebooks keep theirs apart)
CHECKPOINTS = (".ipynb_checkpoints/", ".ipynb_aml_checkpoints/")


def product_paths(repo: Facts) -> list[str]:
    """Python files (and notebooks) that are part of the product: not under a tests,
    examples, documentation or benchmarks folder at any depth, nor Jupyter's autosaved
    checkpoint copies."""
    return list(_product_paths(repo))


@fact
def _product_paths(repo: Facts) -> tuple[str, ...]:
    excluded: tuple[str, ...] = NON_PRODUCT
    if template_readme(repo):
        excluded = tuple(p for p in NON_PRODUCT if p not in EXAMPLE_DIRS)
    top = [
        p
        for p in repo.python_files
        if not p.startswith(excluded)
        and not is_test_path(p)
        and not p.startswith(CHECKPOINTS)
        and not any(f"/{c}" in p for c in CHECKPOINTS)
    ]
    # a package's own examples/ or benchmarks/, unless the rest of the product imports them
    nested = tuple(f"/{p}" for p in excluded)
    inside = [p for p in top if any(n in p for n in nested)]
    if not inside:
        return tuple(top)
    index = ModuleIndex.of(repo)
    kept = set(inside)
    outside = set(top) - kept  # the rest of the product (not tests, docs or other examples)
    used = {p for p in inside if any(i in outside for i in index.importers(p))}
    tasks = "\n".join(repo.text(t) or "" for t in repo.glob(*TASK_FILES)[:MAX_TASK_FILES])
    used |= {p for p in inside if p in tasks}  # run by a Makefile target, script or CI job
    return tuple(p for p in top if p not in kept or p in used)


def template_readme(repo: Facts) -> str:
    """The README that presents the repository as a template (``# ML Ops template``, "Use
    this template"), or ``""``."""
    return readme_says(repo, TEMPLATE_README, MAX_README)


def readme_says(repo: Facts, pattern: re.Pattern[str], limit: int | None = None) -> str:
    """The first README whose text (its first ``limit`` characters) matches ``pattern``."""
    for path in READMES:
        text = repo.text(path) if repo.exists(path) else None
        if text and pattern.search(text[:limit]):
            return path
    return ""
