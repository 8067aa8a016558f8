"""Reporters: one module per output format, all reading one :class:`Report`.

Every format keeps two things apart: *violations* (findings of violation rules, at a place
in the code: annotations and code-scanning alerts) and *practice gaps* (practice rules not
in place: repository-level, they set the maturity level and scores and belong in the text
report, the job summary and the JSON, never on an unrelated file's line).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlguard import __version__
from mlguard.catalog import RuleSpec
from mlguard.engine import ScanResult
from mlguard.model import Finding, Kind, RuleResult
from mlguard.policy import Policy
from mlguard.scoring import Assessment
from mlguard.verdict import Verdict

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
    suppressed: int = 0
    known: int = 0  # findings left out as already in the baseline or the diff base
    stale: tuple[str, ...] = ()  # baseline entries that matched no finding
    compared_to: str = ""  # "baseline FILE" or "merge-base SHA of REF"
    nothing_to_scan: bool = False  # no file to scan: no level, no score

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
