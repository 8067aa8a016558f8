"""What a check receives and returns. Checks are pure functions of repository facts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlguard.analyzers.python_ast import PyFacts
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Status, ev
from mlguard.settings import Settings


class NotCheckable(Exception):
    """Raised by a check that cannot decide (e.g. no git history): status ``not-checked``."""


class NotApplicable(Exception):
    """Raised by a check that finds the rule does not apply to this repository."""


@dataclass(frozen=True)
class CheckContext:
    repo: Facts
    params: Mapping[str, Any] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class Outcome:
    """A check's verdict. For violation rules each evidence item becomes a finding."""

    status: Status
    evidence: tuple[Evidence, ...] = ()
    detail: str = ""
    prerequisite: bool = False  # partial: only a prerequisite of the practice is in place

    @classmethod
    def passed(cls, evidence: Iterable[Evidence] = (), detail: str = "") -> Outcome:
        return cls(Status.PASS, tuple(evidence), detail)

    @classmethod
    def partial(
        cls, detail: str, evidence: Iterable[Evidence] = (), prerequisite: bool = False
    ) -> Outcome:
        """Part of the practice is in place. ``prerequisite``: only what the practice needs
        is (tests exist, but no CI job runs them), so it never counts toward a level."""
        return cls(Status.PARTIAL, tuple(evidence), detail, prerequisite)

    @classmethod
    def failed(cls, detail: str = "", evidence: Iterable[Evidence] = ()) -> Outcome:
        return cls(Status.FAIL, tuple(evidence), detail)

    @classmethod
    def violations(cls, evidence: Iterable[Evidence]) -> Outcome:
        found = tuple(evidence)
        return cls(Status.FAIL if found else Status.PASS, found)


CheckFn = Callable[[CheckContext], Outcome]


def line_of(ctx: CheckContext, path: str, needle: str, *, key: bool = False) -> int:
    """1-based number of the first line of ``path`` containing ``needle`` (1 when none);
    with ``key``, the first line that starts with ``needle`` as a YAML or JSON key."""
    heads = (f"{needle}:", f'"{needle}":', f"'{needle}':")
    for number, line in enumerate(ctx.repo.lines(path), 1):
        if line.startswith(heads) if key else needle in line:
            return number
    return 1


def imports_of(path: str, facts: PyFacts, packages: Collection[str]) -> list[Evidence]:
    """Evidence of the imports in ``path`` of a module of one of ``packages`` (top level)."""
    return [ev(path, i.line, i.module) for i in facts.imports if i.module.split(".")[0] in packages]


__all__ = [
    "CheckContext",
    "CheckFn",
    "NotApplicable",
    "NotCheckable",
    "Outcome",
    "ev",
    "imports_of",
    "line_of",
]
