"""What one rule is: its identity, metadata, check declaration and documentation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlguard.model import Kind, Severity


@dataclass(frozen=True)
class RuleDocs:
    why: str
    fix: str
    bad: str = ""
    good: str = ""
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    id: str
    slug: str
    title: str
    category: str
    level: int
    severity: Severity
    kind: Kind
    check: Mapping[str, Any]
    docs: RuleDocs
    applies_when: tuple[str, ...] = ()
    not_for: tuple[str, ...] = ()  # repository kinds the rule does not apply to
    tags: tuple[str, ...] = ()
    message: str = ""
    anchor: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    precision: str = "high"
    security_severity: float | None = None
    source: str = ""
    scored: bool = True  # False: reported, but left out of the maturity scores (bandit)

    @property
    def is_security(self) -> bool:
        return self.category == "security" or "security" in self.tags
