"""Which Python files are the product: not tests, documentation, examples or benchmarks."""

from __future__ import annotations

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.known import EXAMPLE_DIRS
from mlguard.repo.testpaths import is_test_path

NON_PRODUCT = ("tests/", "test/", *EXAMPLE_DIRS, "benchmarks/")


def product_paths(repo: Facts) -> list[str]:
    """Python files (and notebooks) that are part of the product."""
    return list(_product_paths(repo))


@fact
def _product_paths(repo: Facts) -> tuple[str, ...]:
    return tuple(
        p for p in repo.python_files if not p.startswith(NON_PRODUCT) and not is_test_path(p)
    )
