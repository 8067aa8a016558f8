"""Which catalogue rules a policy selects: ids, categories, ``tag:NAME`` and globs."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from mlguard.rules.catalog import Catalog, RuleSpec


def _matches(rule: RuleSpec, selector: str) -> bool:
    if selector.startswith("tag:"):
        return selector[4:] in rule.tags
    if selector == rule.category:
        return True
    return fnmatch.fnmatchcase(rule.id, selector) or fnmatch.fnmatchcase(rule.slug, selector)


def select_rules(catalog: Catalog, select: Iterable[str], ignore: Iterable[str]) -> list[RuleSpec]:
    chosen = list(select)
    dropped = list(ignore)
    return [
        rule
        for rule in catalog.rules.values()
        if any(_matches(rule, s) for s in chosen) and not any(_matches(rule, s) for s in dropped)
    ]
