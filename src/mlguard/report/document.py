"""The one document every reporter reads: the scan, its assessment, verdict and findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlguard import __version__
from mlguard.model import Finding, Kind, RuleResult

if TYPE_CHECKING:  # types only: reading the document's constants loads no scan code
    from mlguard.engine.scan import ScanResult
    from mlguard.results.history import Point
    from mlguard.results.mltestscore import Estimate
    from mlguard.results.scoring import Assessment
    from mlguard.results.verdict import Verdict
    from mlguard.rules.catalog import RuleSpec
    from mlguard.rules.policy import Policy

TOOL_NAME = "mlguard"
INFO_URI = "https://github.com/mlguard/mlguard"
VERSION = __version__


def plural(n: int, noun: str, many: str = "") -> str:
    """``1 violation``, ``2 violations``, ``0 practice gaps``."""
    return f"{n} {noun if n == 1 else (many or noun + 's')}"


def rule_help_uri(rule_id: str) -> str:
    return f"{INFO_URI}/blob/main/docs/rules/{rule_id}.md"


@dataclass(frozen=True)
class Report:
    scan: ScanResult
    assessment: Assessment
    policy: Policy
    verdict: Verdict
    findings: tuple[Finding, ...]
    ml_test_score: Estimate
    suppressed: int = 0
    known: int = 0  # findings left out as already in the baseline or the diff base
    stale: tuple[str, ...] = ()  # baseline entries that matched no finding
    compared_to: str = ""  # "baseline FILE" or "merge-base SHA of REF"
    notes: tuple[str, ...] = ()  # about the config: changed by this revision, floor applied
    nothing_to_scan: bool = False  # no file to scan: no level, no score
    history: tuple[Point, ...] = ()  # past commits, oldest first (scan --history N)

    def scope_notes(self, escape: Callable[[str], str]) -> list[str]:
        """What the findings shown leave out (diff base, baseline, inline ignores), for the
        HTML and Markdown headers; ``escape`` makes the compared-to name safe there."""
        notes = []
        if self.compared_to:
            notes.append(f"only findings new since {escape(self.compared_to)}")
        if self.known:
            notes.append(f"{plural(self.known, 'already known finding')} left out")
        if self.suppressed:
            notes.append(f"{plural(self.suppressed, 'finding')} ignored inline")
        return notes

    @property
    def violations(self) -> tuple[Finding, ...]:
        """Findings of violation rules: problems at a place in the code."""
        kinds = {r.id: r.kind for r in self.scan.rules}
        return tuple(f for f in self.findings if kinds.get(f.rule_id) == Kind.VIOLATION)

    @property
    def gaps(self) -> tuple[Finding, ...]:
        """Findings of practice rules: practices not (fully) in place in the repository."""
        kinds = {r.id: r.kind for r in self.scan.rules}
        return tuple(f for f in self.findings if kinds.get(f.rule_id) != Kind.VIOLATION)

    def result_of(self, rule_id: str) -> RuleResult:
        return next(res for res in self.scan.results if res.rule_id == rule_id)

    @property
    def pairs(self) -> list[tuple[RuleSpec, RuleResult]]:
        return list(zip(self.scan.rules, self.scan.results, strict=True))

    def rule(self, rule_id: str) -> RuleSpec:
        return next(r for r in self.scan.rules if r.id == rule_id)
