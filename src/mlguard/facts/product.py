"""Which Python files are the product: not tests, documentation, examples or benchmarks.

A repository template (a GitHub template repository whose README says so) ships its
examples as part of the project it makes: there they are product code."""

from __future__ import annotations

import re

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
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
    # a package's own examples/ or benchmarks/; Jupyter's autosaved copies of notebooks
    nested = (*(f"/{p}" for p in excluded), "/.ipynb_checkpoints/")
    excluded = (*excluded, ".ipynb_checkpoints/")
    return tuple(
        p
        for p in repo.python_files
        if not p.startswith(excluded) and not any(n in p for n in nested) and not is_test_path(p)
    )


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
