"""Reporters: one module per output format, all reading one :class:`Report`."""

from __future__ import annotations

from dataclasses import dataclass

from mlguard import __version__
from mlguard.catalog import RuleSpec
from mlguard.engine import ScanResult
from mlguard.model import Finding, RuleResult
from mlguard.policy import Policy
from mlguard.scoring import Assessment
from mlguard.verdict import Verdict

TOOL_NAME = "mlguard"
INFO_URI = "https://github.com/mlguard/mlguard"
VERSION = __version__


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
    notes: tuple[str, ...] = ()  # about the config: changed by this revision, floor applied

    @property
    def pairs(self) -> list[tuple[RuleSpec, RuleResult]]:
        return list(zip(self.scan.rules, self.scan.results, strict=True))

    def rule(self, rule_id: str) -> RuleSpec:
        return next(r for r in self.scan.rules if r.id == rule_id)
