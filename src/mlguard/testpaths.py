"""What counts as test code: the single definition every rule and check uses.

A file is test code when it sits in a ``tests/`` or ``test/`` folder at any depth
(``tests/``, ``src/tests/``, ``pkg/tests/unit/``) or is named ``test_*.py``, ``*_test.py``,
``*_tests.py`` or ``conftest.py``. Rule files name these patterns ``@tests`` (any file in
those places) and ``@python-tests`` (only Python files there).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from mlguard import globs

TEST_GLOBS = ("**/tests/**", "**/test/**", "test_*.py", "*_test.py", "*_tests.py", "conftest.py")
PYTHON_TEST_GLOBS = tuple(g if g.endswith(".py") else f"{g}/*.py" for g in TEST_GLOBS)
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
