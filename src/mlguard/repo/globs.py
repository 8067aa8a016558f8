"""Glob patterns over repository paths.

``*`` and ``?`` stay within one path segment, ``**`` spans segments. A pattern without a
``/`` matches a file name at any depth (as in ``.gitignore``); a pattern with one is matched
against the whole path from the scan root. A trailing ``/`` means "everything below".

Patterns come from the scanned repository too (``paths.exclude`` in its config, its rule
files), so matching must stay fast on hostile patterns: a plain translation of
``*a*a*a*a*x`` to a backtracking regex tries every split of the path. Adjacent wildcards
are merged, a wildcard that only needs the earliest match of the text after it is made
atomic (as :mod:`fnmatch` does), and a pattern that still has many wildcards is matched by
a linear set-of-positions automaton instead of a regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

STAR, DSTAR, DIRS = "[^/]*", ".*", "(?:.*/)?"
LAZY = {STAR: "[^/]*?", DSTAR: ".*?", DIRS: "(?:.*?/)??"}
ONE = "[^/]"
MAX_FREE_WILDCARDS = 3  # more wildcards left non-atomic than this: use the automaton
_OPTIONS: dict[str, tuple[str, ...]] = {}  # "{a,b}" token -> its literal options


def tokens(pattern: str) -> list[str]:
    """The pattern as regex fragments: a wildcard, ``?``, one escaped character or a
    ``{a,b}`` group; adjacent wildcards merged."""
    pat = pattern.strip()
    if pat.endswith("/"):
        pat += "**"
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    out: list[str] = [] if anchored else [DIRS]
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            token, i = DIRS, i + 3
        elif pat.startswith("**", i):
            token, i = DSTAR, i + 2
        elif pat[i] == "*":
            token, i = STAR, i + 1
        elif pat[i] == "?":
            token, i = ONE, i + 1
        elif pat[i] == "{" and "}" in pat[i:]:
            end = pat.index("}", i)
            options = pat[i + 1 : end].split(",")
            token, i = "(?:" + "|".join(re.escape(o) for o in options) + ")", end + 1
            _OPTIONS[token] = tuple(options)
        else:
            token, i = re.escape(pat[i]), i + 1
        merged = _merge(out[-1], token) if out else ""
        if merged:
            out[-1] = merged
        else:
            out.append(token)
    return out


def _merge(earlier: str, later: str) -> str:
    """One wildcard equivalent to two adjacent ones (``**/**/``, ``***``), or ""."""
    if earlier not in LAZY or later not in LAZY:
        return ""
    if earlier == later:
        return later
    return DSTAR if DSTAR in (earlier, later) else ""


def _linear(parts: list[str]) -> tuple[str, int]:
    """The regex, and how many wildcards in it may still backtrack.

    A wildcard followed by fixed text and then by a wildcard that can absorb whatever the
    first one could have skipped only needs the *earliest* match of that fixed text, so it
    is wrapped in an atomic group (no backtracking into it).
    """
    out: list[str] = []
    free = 0
    i = 0
    while i < len(parts):
        token = parts[i]
        j = i + 1
        while j < len(parts) and parts[j] not in LAZY and not parts[j].startswith("(?:"):
            j += 1
        fixed = "".join(parts[i + 1 : j])
        if token in LAZY and fixed and j < len(parts) and _safe(token, fixed, parts[j]):
            out.append(f"(?>{LAZY[token]}{fixed})")
            i = j
            continue
        free += token in LAZY
        out.append(token)
        i += 1
    return "".join(out), free


def _safe(first: str, fixed: str, then: str) -> bool:
    if then == DSTAR:
        return True
    if first == STAR:
        return then == STAR
    return first == DIRS and then == DIRS and fixed.endswith("/")


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{_linear(tokens(pattern))[0]}$", re.DOTALL)


@lru_cache(maxsize=4096)
def _matcher(pattern: str) -> Callable[[str], bool]:
    parts = tokens(pattern)
    body, free = _linear(parts)
    need = _required_text(parts)
    if free <= MAX_FREE_WILDCARDS:
        regex = re.compile(f"^{body}$", re.DOTALL)
        if need:  # a cheap substring test rules out most paths before the regex runs
            return lambda path: need in path and regex.match(path) is not None
        return lambda path: regex.match(path) is not None
    return lambda path: need in path and _automaton(parts, path)


def _required_text(parts: list[str]) -> str:
    """The longest run of literal characters that every matching path contains."""
    best, run = "", ""
    for token in parts:
        if token in LAZY or token == ONE or token.startswith("(?:"):
            best, run = max(best, run, key=len), ""
        else:  # one character, escaped by re.escape or not
            run += token[-1]
    return max(best, run, key=len)


def _automaton(parts: list[str], path: str) -> bool:
    """Match by tracking the set of path positions reachable after each token: linear in
    len(parts) * len(path), whatever the pattern."""
    here = {0}
    end = len(path)
    for token in parts:
        if not here:
            return False
        start = min(here)
        if token == DSTAR:
            here = set(range(start, end + 1))
        elif token == DIRS:
            here = here | {k + 1 for k in range(start, end) if path[k] == "/"}
        elif token == STAR:
            reach: set[int] = set()
            for p in sorted(here):
                k = p
                while k not in reach and k <= end:
                    reach.add(k)
                    if k == end or path[k] == "/":
                        break
                    k += 1
            here = reach
        elif token == ONE:
            here = {p + 1 for p in here if p < end and path[p] != "/"}
        elif token in _OPTIONS:
            here = {p + len(o) for p in here for o in _OPTIONS[token] if path.startswith(o, p)}
        else:
            char = re.compile(token, re.DOTALL)
            here = {p + 1 for p in here if char.match(path, p)}
    return end in here


def match(path: str, pattern: str) -> bool:
    return _matcher(pattern)(path)


def match_any(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(_matcher(p)(path) for p in patterns)


def select(paths: Iterable[str], patterns: tuple[str, ...] | list[str]) -> list[str]:
    """The paths matching any of ``patterns``, in their order."""
    paths = paths if isinstance(paths, list) else list(paths)
    hits = [h for p in dict.fromkeys(patterns) if (h := _select_one(paths, p))]
    if len(hits) <= 1:
        return hits[0] if hits else []
    union = set().union(*hits)
    return [path for path in paths if path in union]


def _select_one(paths: list[str], pattern: str) -> list[str]:
    search = _literal_search(pattern)
    candidates = filter(search, paths) if search is not None else paths
    return list(filter(_matcher(pattern), candidates))


@lru_cache(maxsize=4096)
def _literal_search(pattern: str) -> Callable[[str], object] | None:
    """A C-level test for the pattern's required text (most paths fail it), or ``None``."""
    need = _required_text(tokens(pattern))
    return re.compile(re.escape(need)).search if need else None
