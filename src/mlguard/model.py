"""Frozen data that crosses module boundaries: severities, statuses, findings, results."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """SARIF-compatible severity of a rule or finding."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Status(StrEnum):
    """Outcome of one rule on one repository."""

    PASS = "pass"  # noqa: S105 - a rule status, not a password  # nosec B105
    PARTIAL = "partial"
    FAIL = "fail"
    NA = "n/a"
    NOT_CHECKED = "not-checked"
    ERROR = "error"

    @property
    def conclusive(self) -> bool:
        return self in (Status.PASS, Status.PARTIAL, Status.FAIL)

    @property
    def value_score(self) -> float:
        return {Status.PASS: 1.0, Status.PARTIAL: 0.5}.get(self, 0.0)


class Kind(StrEnum):
    """practice: the repo should show evidence. violation: each match is a finding."""

    PRACTICE = "practice"
    VIOLATION = "violation"


CATEGORIES: tuple[str, ...] = (
    "versioning",
    "data",
    "reproducibility",
    "experiments",
    "pipeline",
    "testing",
    "cicd",
    "monitoring",
    "governance",
    "security",
    "llm",
)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a real file of the scanned repository (path relative to the scan root)."""

    path: str
    line: int = 1
    column: int | None = None
    end_line: int | None = None


@dataclass(frozen=True)
class Evidence:
    """Something a check found: a location and the text that matched (may be redacted).

    ``severity``, when set, overrides the rule's severity for the finding it becomes.
    """

    location: Location
    text: str = ""
    message: str = ""
    severity: Severity | None = None


@dataclass(frozen=True)
class Finding:
    """A problem to report. ``snippet`` feeds the line-independent fingerprint."""

    rule_id: str
    message: str
    location: Location
    severity: Severity
    snippet: str = ""
    rule_name: str = ""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.location.path, self.location.line, self.rule_id, self.message)


@dataclass(frozen=True)
class RuleResult:
    """The status of one rule, its findings and, for n/a / not-checked / error, a reason."""

    rule_id: str
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str = ""
    evidence: tuple[Evidence, ...] = field(default=())
    # partial with only a prerequisite of the practice in place: never in place for a level
    prerequisite: bool = False


def ev(path: str, line: int = 1, text: str = "", message: str = "") -> Evidence:
    """Evidence at ``path:line`` (lines below 1 are clamped to 1)."""
    return Evidence(Location(path, max(line, 1)), text, message)


def fingerprint(f: Finding, uri: str) -> str:
    """A finding's stable identity: rule, file and whitespace-normalised code (never the
    line number, so it survives edits above it). SARIF's ``partialFingerprints`` and
    baselines use it."""
    snippet = " ".join(f.snippet.split()) or f.message
    return hashlib.sha256(f"{f.rule_id}\0{uri}\0{snippet}".encode()).hexdigest()[:32]
