"""What a vulnerability source is asked and what it answers (frozen, source-independent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, order=True)
class Pin:
    """A PyPI package at an exact version (``name`` normalised per PEP 503)."""

    name: str
    version: str


@dataclass(frozen=True, order=True)
class Advisory:
    """One known vulnerability affecting a pin; ``fixed`` lists versions that fix it."""

    id: str
    aliases: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class AuditReport:
    """Per pin: the advisories that affect it, or why it could not be checked."""

    vulnerable: dict[Pin, tuple[Advisory, ...]] = field(default_factory=dict)
    unchecked: dict[Pin, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


class SourceError(Exception):
    """The source could not answer at all (tool missing, service down, bad database)."""


class VulnSource(Protocol):
    """A way to look pins up. ``name`` appears in reasons and messages."""

    name: str

    def audit(self, pins: list[Pin]) -> AuditReport: ...
