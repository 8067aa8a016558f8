"""Pure: rule results + policy -> maturity level, progress, practice score, categories.

**Levels.** Each level has *defining* practices (the policy's ``maturity.required``: what a
practitioner checks to say a repository is at that level) and *supporting* ones
(``maturity.supporting``: counted in progress, never gating). Level L is reached when L-1
is, at least one defining practice of L applies, and every applicable one is in place: pass,
or partial for the rules in ``maturity.partial_ok`` (evidence of automation in spirit, such
as retraining triggered by pushes rather than a schedule) unless the check says only a
prerequisite of the practice is in place (tests exist, but no CI job runs them). A failing
gate rule caps the level. Repository kinds may have their own defining practices
(``maturity.kinds``); for an ML library or a repository without ML code the level is *not
assessed*.

**Practice score** (0-100): the share of the applicable *practice* rules that are in place
(pass 1, partial 0.5), weighted by severity (error 10, warning 5, note 2.5). Violation rules
(findings in code) are reported but not in this score (category scores count both): a
larger, better-engineered code base collects more findings, and mixing the two made the
score track size rather than practice. A rule
that does not apply (n/a) or could not be judged is left out of the share and never counts
as in place; ``coverage`` says how many practice rules could be judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mlguard.facts.kind import RepoKind
from mlguard.model import CATEGORIES, Kind, RuleResult, Severity, Status
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
class LevelProgress:
    """How far a repository is toward one level (partial counted half)."""

    level: int
    reached: bool
    defining_in_place: float
    defining_total: int  # applicable defining practices
    supporting_in_place: float
    supporting_total: int  # applicable supporting practices

    def describe(self) -> str:
        return (
            f"{_num(self.defining_in_place)} of {self.defining_total} defining and "
            f"{_num(self.supporting_in_place)} of {self.supporting_total} supporting "
            f"Level-{self.level} practices in place"
        )


@dataclass(frozen=True)
class Coverage:
    judged: int  # practice rules with a pass / partial / fail status
    total: int  # practice rules selected


@dataclass(frozen=True)
class Assessment:
    level: int
    next_level: int | None
    missing: tuple[Gap, ...]
    capped_by: tuple[str, ...]
    uncapped_level: int
    categories: tuple[CategoryScore, ...]
    score: int | None
    assessed: bool = True
    kind: RepoKind | None = None
    progress: tuple[LevelProgress, ...] = ()
    coverage: Coverage = Coverage(0, 0)
    supporting_missing: tuple[Gap, ...] = ()


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _practices(pairs: Sequence[tuple[RuleSpec, RuleResult]]) -> list[tuple[RuleSpec, RuleResult]]:
    return [(r, res) for r, res in pairs if r.scored and r.kind == Kind.PRACTICE]


def _score(pairs: Sequence[tuple[RuleSpec, RuleResult]]) -> int | None:
    """Weighted share of the conclusive rules of ``pairs`` that pass (partial half)."""
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
    """A category's practices and violations together (bandit's generic rules left out)."""
    statuses = [res.status for rule, res in pairs if rule.scored]
    return CategoryScore(
        name=name,
        score=_score([(rule, res) for rule, res in pairs if rule.scored]),
        passed=statuses.count(Status.PASS),
        partial=statuses.count(Status.PARTIAL),
        failed=statuses.count(Status.FAIL),
        other=len(statuses) - sum(s.conclusive for s in statuses),
    )


def _counts_for_level(
    rule_id: str, status: Status, level: int, policy: Policy, prerequisites: frozenset[str]
) -> bool:
    """Pass counts; partial counts for the policy's ``partial_ok`` rules (and levels), unless
    only a prerequisite of the practice is in place (tests exist but no CI job runs them):
    such a partial scores half in progress and score, and is never in place for a level."""
    if status == Status.PASS:
        return True
    if status == Status.PARTIAL and rule_id not in prerequisites:
        return rule_id in policy.partial_ok or level in policy.accept_partial
    return False


def _applicable(ids: Sequence[str], statuses: Mapping[str, Status]) -> list[str]:
    """The selected rules of ``ids`` that apply. One that could not be judged (not-checked,
    error) applies: it blocks the level rather than counting as in place."""
    return [r for r in ids if r in statuses and statuses[r] != Status.NA]


def _progress(
    level: int,
    statuses: Mapping[str, Status],
    policy: Policy,
    kind: str,
    prerequisites: frozenset[str],
) -> LevelProgress:
    spec = policy.levels_for(kind)
    defining = _applicable(spec.required.get(level, ()), statuses)
    supporting = _applicable(spec.supporting.get(level, ()), statuses)
    reached = bool(defining) and all(
        _counts_for_level(r, statuses[r], level, policy, prerequisites) for r in defining
    )
    return LevelProgress(
        level,
        reached,
        sum(statuses[r].value_score for r in defining),
        len(defining),
        sum(statuses[r].value_score for r in supporting),
        len(supporting),
    )


def _gaps(
    ids: Sequence[str],
    level: int,
    by_id: Mapping[str, tuple[RuleSpec, RuleResult]],
    policy: Policy,
    prerequisites: frozenset[str],
) -> list[Gap]:
    gaps = []
    for rule_id in ids:
        if rule_id not in by_id:
            continue
        rule, res = by_id[rule_id]
        if res.status == Status.NA or _counts_for_level(
            rule_id, res.status, level, policy, prerequisites
        ):
            continue
        gaps.append(Gap(rule.id, rule.title, res.status, res.reason, rule.docs.fix))
    return gaps


def assess(
    rules: Sequence[RuleSpec],
    results: Sequence[RuleResult],
    policy: Policy,
    kind: RepoKind | None = None,
) -> Assessment:
    by_id = {rule.id: (rule, res) for rule, res in zip(rules, results, strict=True)}
    statuses = {rid: res.status for rid, (_, res) in by_id.items()}
    weak = frozenset(rid for rid, (_, res) in by_id.items() if res.prerequisite)
    kind_name = kind.name if kind else "ml-project"
    assessed = kind is None or kind.assessed
    progress = tuple(
        _progress(n, statuses, policy, kind_name, weak) for n in range(1, MAX_LEVEL + 1)
    )
    level = 0
    if assessed:
        while level < MAX_LEVEL and progress[level].reached:
            level += 1
    capped_by = tuple(g for g in policy.gates if statuses.get(g) == Status.FAIL)
    uncapped = level
    if capped_by:
        level = min(level, policy.gate_cap)
    next_level = level + 1 if level < MAX_LEVEL and assessed else None
    missing: list[Gap] = []
    supporting_missing: list[Gap] = []
    if next_level is not None:
        spec = policy.levels_for(kind_name)
        missing = _gaps(spec.required.get(next_level, ()), next_level, by_id, policy, weak)
        supporting_missing = _gaps(
            spec.supporting.get(next_level, ()), next_level, by_id, policy, weak
        )
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
    practices = _practices(list(by_id.values()))
    return Assessment(
        level=level,
        next_level=next_level,
        missing=tuple(missing),
        capped_by=capped_by,
        uncapped_level=uncapped,
        categories=categories,
        score=_score(_practices(list(by_id.values()))),
        assessed=assessed,
        kind=kind,
        progress=progress,
        coverage=Coverage(sum(res.status.conclusive for _, res in practices), len(practices)),
        supporting_missing=tuple(supporting_missing),
    )
