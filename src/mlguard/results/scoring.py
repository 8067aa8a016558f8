"""Pure: rule results + policy -> category scores, maturity level, what is missing.

Rule value: pass 1, partial 0.5, fail 0, weighted by severity (error 10, warning 5,
note 2.5); only conclusive rules (pass/partial/fail) count. Level L is reached when L-1 is,
every rule the policy requires for L passes (or is n/a; partial only where the policy
accepts it), and at least one of them applies. A failing gate rule caps the level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mlguard.model import CATEGORIES, RuleResult, Severity, Status
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.policy import Policy

WEIGHTS = {Severity.ERROR: 10.0, Severity.WARNING: 5.0, Severity.NOTE: 2.5}
MAX_LEVEL = 3


@dataclass(frozen=True)
class Gap:
    """A rule standing between the repository and a level."""

    rule_id: str
    title: str
    status: Status
    reason: str
    fix: str


@dataclass(frozen=True)
class CategoryScore:
    name: str
    score: int | None
    passed: int
    partial: int
    failed: int
    other: int


@dataclass(frozen=True)
class Assessment:
    level: int
    next_level: int | None
    missing: tuple[Gap, ...]
    capped_by: tuple[str, ...]
    uncapped_level: int
    categories: tuple[CategoryScore, ...]
    score: int | None


def _score(pairs: Sequence[tuple[RuleSpec, RuleResult]]) -> int | None:
    pairs = [(rule, res) for rule, res in pairs if rule.scored]
    total = sum(WEIGHTS[rule.severity] for rule, res in pairs if res.status.conclusive)
    if not total:
        return None
    got = sum(
        WEIGHTS[rule.severity] * res.status.value_score
        for rule, res in pairs
        if res.status.conclusive
    )
    return round(100 * got / total)


def _category(name: str, pairs: Sequence[tuple[RuleSpec, RuleResult]]) -> CategoryScore:
    statuses = [res.status for rule, res in pairs if rule.scored]
    return CategoryScore(
        name=name,
        score=_score(pairs),
        passed=statuses.count(Status.PASS),
        partial=statuses.count(Status.PARTIAL),
        failed=statuses.count(Status.FAIL),
        other=len(statuses) - sum(s.conclusive for s in statuses),
    )


def _reaches(level: int, statuses: Mapping[str, Status], policy: Policy) -> bool:
    required = [r for r in policy.required.get(level, ()) if r in statuses]
    ok = {Status.PASS, Status.NA}
    if level in policy.accept_partial:
        ok.add(Status.PARTIAL)
    applies = [r for r in required if statuses[r] != Status.NA]
    return bool(applies) and all(statuses[r] in ok for r in required)


def _gaps(
    level: int, by_id: Mapping[str, tuple[RuleSpec, RuleResult]], policy: Policy
) -> list[Gap]:
    ok = {Status.PASS, Status.NA} | ({Status.PARTIAL} if level in policy.accept_partial else set())
    gaps = []
    for rule_id in policy.required.get(level, ()):
        if rule_id in by_id and by_id[rule_id][1].status not in ok:
            rule, res = by_id[rule_id]
            gaps.append(Gap(rule.id, rule.title, res.status, res.reason, rule.docs.fix))
    return gaps


def assess(rules: Sequence[RuleSpec], results: Sequence[RuleResult], policy: Policy) -> Assessment:
    by_id = {rule.id: (rule, res) for rule, res in zip(rules, results, strict=True)}
    statuses = {rid: res.status for rid, (_, res) in by_id.items()}
    level = 0
    while level < MAX_LEVEL and _reaches(level + 1, statuses, policy):
        level += 1
    capped_by = tuple(g for g in policy.gates if statuses.get(g) == Status.FAIL)
    uncapped = level
    if capped_by:
        level = min(level, policy.gate_cap)
    next_level = level + 1 if level < MAX_LEVEL else None
    missing: list[Gap] = []
    if next_level is not None:
        missing = _gaps(next_level, by_id, policy)
        if next_level > policy.gate_cap:
            for gate in capped_by:
                rule, res = by_id[gate]
                missing.append(
                    Gap(
                        rule.id,
                        rule.title,
                        res.status,
                        "gate rule: failing it caps the level",
                        rule.docs.fix,
                    )
                )
    categories = tuple(
        _category(name, [(r, res) for r, res in by_id.values() if r.category == name])
        for name in CATEGORIES
        if any(r.category == name for r, _ in by_id.values())
    )
    return Assessment(
        level=level,
        next_level=next_level,
        missing=tuple(missing),
        capped_by=capped_by,
        uncapped_level=uncapped,
        categories=categories,
        score=_score(list(by_id.values())),
    )
