"""What ``mlguard fix`` plans: the fixes, the files they change, what it leaves alone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Fix:
    """One change for one finding (or one missing practice): where, for which rule, what.
    ``safe`` fixes apply by default; the others only with ``--unsafe-fixes``."""

    path: str
    line: int
    rule_id: str
    what: str
    safe: bool = True


@dataclass(frozen=True)
class Change:
    """A file's new content. ``before`` is ``None`` for a file the fix creates."""

    path: str
    before: bytes | None
    after: bytes
    fixes: tuple[Fix, ...]


@dataclass(frozen=True)
class Skip:
    """A file (or a scaffold) left alone, and why."""

    path: str
    reason: str
    rule_id: str = ""


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    unsafe: list[Fix] = field(default_factory=list)  # available with --unsafe-fixes
    skipped: list[Skip] = field(default_factory=list)

    @property
    def fixes(self) -> list[Fix]:
        return sorted(f for change in self.changes for f in change.fixes)
