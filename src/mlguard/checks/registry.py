"""The explicit table of Python checks a rule file may name (``check: {python: family.name}``).

Only functions listed here can run: a rule file, even one from a scanned repository's own
config, can never make mlguard import or execute arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable

from mlguard.checks.base import CheckFn

PYTHON_CHECKS: dict[str, CheckFn] = {}


def register(name: str) -> Callable[[CheckFn], CheckFn]:
    """Decorator adding a check under ``family.name``."""

    def wrap(fn: CheckFn) -> CheckFn:
        PYTHON_CHECKS[name] = fn
        return fn

    return wrap
