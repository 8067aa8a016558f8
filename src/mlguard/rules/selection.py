"""Which catalogue rules a policy selects: ids, categories, ``tag:NAME`` and globs.

Selectors are case-insensitive (``sec001``, ``Security``), may be given as comma-separated
lists (``SEC001,SEC003``), and each must match at least one rule of the catalogue: a
selector that matches nothing is an error, never a silently empty selection.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable

from mlguard.model import CATEGORIES
from mlguard.rules.catalog import Catalog, RuleSpec

GLOB_CHARS = "*?["
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,5}[0-9]{3}$")


def split(values: Iterable[str]) -> list[str]:
    """``["SEC001,SEC003", " data "]`` -> ``["SEC001", "SEC003", "data"]`` (empty parts dropped)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def matches(rule: RuleSpec, selector: str) -> bool:
    low = selector.lower()
    if low.startswith("tag:"):
        return low[4:] in (t.lower() for t in rule.tags)
    if low == rule.category:
        return True
    return fnmatch.fnmatchcase(rule.id, selector.upper()) or fnmatch.fnmatchcase(rule.slug, low)


def select_rules(catalog: Catalog, select: Iterable[str], ignore: Iterable[str]) -> list[RuleSpec]:
    chosen = split(select)
    dropped = split(ignore)
    return [
        rule
        for rule in catalog.rules.values()
        if any(matches(rule, s) for s in chosen) and not any(matches(rule, s) for s in dropped)
    ]


def matches_nothing(catalog: Catalog, selector: str) -> bool:
    return not any(matches(rule, selector) for rule in catalog.rules.values())


def suggestions(catalog: Catalog, word: str, limit: int = 3) -> list[str]:
    """The closest rule ids, slugs, categories and tags to ``word`` (for "did you mean")."""
    low = word.lower()
    tags = sorted({f"tag:{t}" for rule in catalog.rules.values() for t in rule.tags})
    names = {
        **{rule.id.lower(): rule.id for rule in catalog.rules.values()},
        **{rule.slug: rule.slug for rule in catalog.rules.values()},
        **{c: c for c in CATEGORIES},
        **{t: t for t in tags},
    }
    close = difflib.get_close_matches(low, list(names), n=limit, cutoff=0.6)
    if not close and low[:1].isalpha():
        # "REP00", "B301": ids sharing the prefix and digits with the word
        digits = "".join(ch for ch in low if ch.isdigit())
        close = [k for k in names if k.startswith(low) and k[:1] == low[:1]][:limit]
        if not close and digits:
            close = [k for k in names if digits in k and len(k) <= 8][:limit]
    return [names[c] for c in close]


def no_match_message(catalog: Catalog, selector: str) -> str:
    if RULE_ID.match(selector.upper()):
        message = f"unknown rule id {selector!r}"
    else:
        message = f"selector {selector!r} matches no rule"
    if not any(c in selector for c in GLOB_CHARS):
        close = suggestions(catalog, selector)
        if close:
            return f"{message}; did you mean {', '.join(close)}?"
    return f"{message} (see `mlguard rules`; forms: id, category, tag:NAME, glob)"
