"""Does the scan fail the policy? (exit code 1)."""

from __future__ import annotations

from dataclasses import dataclass

from mlguard.model import Finding, Kind, RuleResult, Severity
from mlguard.results.scoring import Assessment
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.policy import Policy


@dataclass(frozen=True)
class Verdict:
    failed: bool
    reasons: tuple[str, ...]


def counted_findings(
    rules: tuple[RuleSpec, ...], results: tuple[RuleResult, ...], policy: Policy
) -> list[Finding]:
    """Findings that the ``fail.on`` threshold applies to."""
    kinds = {r.id: r.kind for r in rules}
    return [
        f
        for res in results
        for f in res.findings
        if kinds[res.rule_id] == Kind.VIOLATION or policy.fail_practices
    ]


def decide(
    findings: list[Finding],
    assessment: Assessment,
    policy: Policy,
    practice_ids: frozenset[str] = frozenset(),
) -> Verdict:
    """``practice_ids``: the rules whose findings are practice gaps (named apart from
    violations in the reasons, so the counts match what the reports list)."""
    reasons = []
    if policy.fail_on != "never":
        threshold = Severity(policy.fail_on).rank
        hits = [f for f in findings if f.severity.rank >= threshold]
        gaps = sum(f.rule_id in practice_ids for f in hits)
        counts = [
            _plural(len(hits) - gaps, "violation") if len(hits) > gaps else "",
            _plural(gaps, "practice gap") if gaps else "",
        ]
        if hits:
            reasons.append(f"{' and '.join(c for c in counts if c)} at or above '{policy.fail_on}'")
    if assessment.assessed and assessment.level < policy.fail_below_level:
        reasons.append(
            f"maturity level {assessment.level} is below the required {policy.fail_below_level}"
        )
    return Verdict(bool(reasons), tuple(reasons))


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
