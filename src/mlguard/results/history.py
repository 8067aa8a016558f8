"""A repository's maturity over its history: one point per commit (``mlguard history``).

A point carries what scored it: mlguard's version and a hash of the effective policy (the
policy's settings and the selected rules' scoring fields, not where they were read from).
Two points are comparable only when both are equal; a change of scoring is never taken
for progress.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlguard.model import Finding, Severity
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.policy import Policy

SEVERITIES = (Severity.ERROR.value, Severity.WARNING.value, Severity.NOTE.value)
# the fields of a rule that decide whether and how it counts (not its docs or file)
RULE_FIELDS = (
    "id",
    "category",
    "level",
    "severity",
    "kind",
    "check",
    "applies_when",
    "not_for",
    "params",
    "scored",
    "tags",
)


def policy_hash(policy: Policy, rules: Iterable[RuleSpec]) -> str:
    """``sha256:`` of the effective policy: its settings (not its source files' names)
    and, for each selected rule, the fields that decide its result and weight."""
    settings = dataclasses.asdict(policy)
    settings.pop("sources", None)
    selected = sorted(
        ({name: getattr(rule, name) for name in RULE_FIELDS} for rule in rules),
        key=lambda r: str(r["id"]),
    )
    text = json.dumps(
        {"policy": settings, "rules": selected}, sort_keys=True, default=_plain, ensure_ascii=True
    )
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(value: Any) -> Any:
    """JSON for what ``json`` does not know (enums, tuples in mappings, frozensets)."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return repr(value)


@dataclass(frozen=True)
class Point:
    """The scan of one commit (``error`` set, and nothing else, when it could not be done)."""

    sha: str
    date: str
    subject: str
    version: str
    tags: tuple[str, ...] = ()
    level: int | None = None  # None: not assessed
    score: int | None = None
    findings: Mapping[str, int] = field(default_factory=dict)  # severity -> count
    violations: int = 0
    practice_gaps: int = 0
    policy: str = ""  # the policy hash
    policy_name: str = ""
    left_out: tuple[str, ...] = ()  # files of the commit not written out (too large)
    error: str = ""

    def differs_from(self, newest: Point) -> tuple[str, ...]:
        """What makes this point not comparable with ``newest``: "version", "policy"."""
        if self.error or newest.error:
            return ()
        found = []
        if self.version != newest.version:
            found.append("version")
        if self.policy != newest.policy:
            found.append("policy")
        return tuple(found)


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    return counts


def newest_scanned(points: Iterable[Point]) -> Point | None:
    """The newest point that has a scan (points are oldest first)."""
    done = [p for p in points if not p.error]
    return done[-1] if done else None
