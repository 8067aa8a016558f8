"""What counts as test code (the lists are in :mod:`mlguard.known`), for every rule and check.

A file is test code when it sits in a ``tests/`` or ``test/`` folder at any depth
(``tests/``, ``src/tests/``, ``pkg/tests/unit/``) or is named ``test_*.py``, ``*_test.py``,
``*_tests.py``, ``tests.py`` (a package's test module) or ``conftest.py``. Rule files name
these patterns ``@tests`` (any file in those places) and ``@python-tests`` (only Python
files there).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from mlguard.known import PYTHON_TEST_GLOBS, TEST_GLOBS
from mlguard.repo import globs

ALIASES = {"@tests": TEST_GLOBS, "@python-tests": PYTHON_TEST_GLOBS}


@lru_cache(maxsize=1 << 16)
def is_test_path(path: str) -> bool:
    return globs.match_any(path, TEST_GLOBS)


def expand(patterns: Iterable[str]) -> tuple[str, ...]:
    """Glob patterns with the ``@tests`` / ``@python-tests`` aliases replaced."""
    out: list[str] = []
    for pattern in patterns:
        out.extend(ALIASES.get(pattern, (pattern,)))
    return tuple(out)


__all__ = ["PYTHON_TEST_GLOBS", "TEST_GLOBS", "expand", "is_test_path"]
