"""Reject regular expressions that can backtrack catastrophically.

Rule files (built-in ones and a repository's own ``rule_paths``) run their regexes over
untrusted files. Python's ``re`` backtracks, so ``(a+)+$`` or ``(a|aa)*b`` take
exponential time on a crafted line. Lines are cut to a few thousand characters before
matching, which bounds polynomial cases, not exponential ones: those shapes are refused
when the rule is loaded. The test is structural and conservative: a repeated group that
itself contains a repeat or an alternation (star height above one).
"""

from __future__ import annotations

import importlib
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_const: Any = importlib.import_module("re._constants")
_REPEATS = (_const.MAX_REPEAT, _const.MIN_REPEAT, getattr(_const, "POSSESSIVE_REPEAT", None))
LARGE = 10  # a repeat allowing more than this many iterations counts as "unbounded"


def backtracking_risk(pattern: str) -> str:
    """Why ``pattern`` may backtrack catastrophically, or "" (also "" when it does not
    compile: that is reported by ``re.compile``)."""
    try:
        tree = _parser.parse(pattern)
    except Exception:
        return ""
    return _walk(list(tree), repeated=False)


def _walk(items: list[Any], repeated: bool) -> str:
    for op, av in items:
        if op in _REPEATS:
            _low, high, sub = av
            many = high > LARGE
            if many and repeated:
                return "a repeated group contains another repeat (nested quantifiers)"
            found = _walk(list(sub), repeated or many)
        elif op is _const.BRANCH:
            if repeated:
                return "a repeated group contains an alternation"
            found = next((r for alt in av[1] if (r := _walk(list(alt), repeated))), "")
        elif op is _const.SUBPATTERN:
            found = _walk(list(av[-1]), repeated)
        elif op in (_const.ASSERT, _const.ASSERT_NOT):
            found = _walk(list(av[1]), repeated)
        elif op is _const.GROUPREF_EXISTS:
            found = next((r for alt in av[1:] if alt and (r := _walk(list(alt), repeated))), "")
        else:
            found = ""
        if found:
            return found
    return ""
