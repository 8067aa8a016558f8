"""The explicit table of Python checks a rule file may name (``check: {python: family.name}``).

Only functions listed here can run: a rule file, even one from a scanned repository's own
config, can never make mlguard import or execute arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable

from mlguard.checks.base import CheckFn

PYTHON_CHECKS: dict[str, CheckFn] = {}
# Checks declared to read no Python facts: the engine runs them while the analysis runs.
NO_PYTHON_CHECKS: set[str] = set()


def register(name: str, *, needs_python: bool = True) -> Callable[[CheckFn], CheckFn]:
    """Decorator adding a check under ``family.name``. ``needs_python=False`` declares that
    the check asks for no Python facts (imports, calls, AST facts), directly or through a
    fact it uses; if it does all the same, it only waits for the analysis."""

    def wrap(fn: CheckFn) -> CheckFn:
        PYTHON_CHECKS[name] = fn
        if not needs_python:
            NO_PYTHON_CHECKS.add(name)
        return fn

    return wrap
