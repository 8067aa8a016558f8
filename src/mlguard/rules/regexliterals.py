"""Literal text that every match of a regular expression contains.

``file_contains`` runs a rule's regex over each line of many files; most files contain
none of the fixed text the regex needs (``create_dispatch``, ``kind:``...), and a
substring test of the whole file rules them out without splitting it into lines. The
analysis is conservative: anything it does not understand (scoped flags, lookarounds,
back-references, optional parts) contributes no requirement.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_const: Any = importlib.import_module("re._constants")
_REPEATS = (_const.MAX_REPEAT, _const.MIN_REPEAT, getattr(_const, "POSSESSIVE_REPEAT", None))
_ATOMIC = getattr(_const, "ATOMIC_GROUP", None)


@lru_cache(maxsize=512)
def required_text(pattern: str, ignore_case: bool) -> tuple[str, ...] | None:
    """Strings one of which every match contains (lower-cased when the match ignores
    case), or ``None`` when nothing is known to be required."""
    try:
        tree = _parser.parse(pattern)
    except Exception:
        return None
    if tree.state.flags & re.IGNORECASE:
        ignore_case = True
    found = _required(list(tree))
    if not found:
        return None
    if ignore_case:
        if not all(s.isascii() for s in found):
            return None
        return tuple(s.lower() for s in found)
    return found


def may_match(text: str, needed: tuple[str, ...] | None, ignore_case: bool) -> bool:
    """False only when ``text`` cannot hold a match (it contains none of ``needed``)."""
    if needed is None:
        return True
    if ignore_case:
        if not text.isascii():  # non-ASCII case folding (the long s matches 's'): no shortcut
            return True
        text = text.lower()
    return any(s in text for s in needed)


def _better(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The more selective requirement: fewer alternatives, then longer shortest string."""
    if not a or not b:
        return a or b
    return min(a, b, key=lambda alts: (len(alts), -min(len(s) for s in alts)))


def _required(items: list[Any]) -> tuple[str, ...] | None:
    best: tuple[str, ...] | None = None
    run = ""
    for op, av in items:
        if op is _const.LITERAL:
            run += chr(av)
            continue
        if run:
            best = _better(best, (run,))
            run = ""
        best = _better(best, _item(op, av))
    if run:
        best = _better(best, (run,))
    return best


def _item(op: Any, av: Any) -> tuple[str, ...] | None:
    if op is _const.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _required(list(sub))
    if _ATOMIC is not None and op is _ATOMIC:
        return _required(list(av))
    if op in _REPEATS:
        low, _high, sub = av
        return _required(list(sub)) if low >= 1 else None
    if op is _const.BRANCH:
        options: list[str] = []
        for branch in av[1]:
            alts = _required(list(branch))
            if not alts:
                return None
            options.extend(alts)
        return tuple(dict.fromkeys(options))
    return None
