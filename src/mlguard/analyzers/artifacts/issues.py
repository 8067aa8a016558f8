"""What artifact analysis reports: issues, each tied to a member of the artifact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlguard.model import Severity

MAX_LISTED = 8


@dataclass(frozen=True, order=True)
class Issue:
    """One problem; ``member`` is the path inside an archive ("" for the file itself)."""

    member: str
    key: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)


@dataclass(frozen=True)
class ArtifactReport:
    """Everything learnt about one file. ``formats`` lists what the file itself is, general
    first (zip, then torch-zip); ``executes_code`` is true when loading it runs pickle."""

    formats: tuple[str, ...]
    issues: tuple[Issue, ...]
    executes_code: bool
    libraries: tuple[str, ...] = ()
    unrecognised: str = ""


class Collector:
    """Issues of one artifact, deduplicated by (member, key), in discovery order."""

    def __init__(self) -> None:
        self.issues: dict[tuple[str, str], Issue] = {}
        self.member = ""
        self.formats: list[str] = []
        self.depth = 0
        self.executes_code = False
        self.joblib_seen = False
        self.unknown: dict[str, dict[str, str]] = {}
        self.classes: dict[str, dict[str, str]] = {}
        self.libraries: set[str] = set()
        self.unrecognised = ""

    def found(self, kind: str) -> None:
        """Record a format of the artifact itself (nested members' formats are not kept)."""
        if self.depth == 0 and kind not in self.formats:
            self.formats.append(kind)

    def add(self, severity: Severity, key: str, message: str) -> None:
        ident = (self.member, key)
        old = self.issues.get(ident)
        if old is None or severity.rank > old.severity.rank:
            self.issues[ident] = Issue(self.member, key, severity, message)

    def unknown_global(self, full: str, reason: str) -> None:
        """A global outside the allow-list: gathered per member into one issue."""
        self.unknown.setdefault(self.member, {})[full] = reason

    def unknown_class(self, full: str, reason: str) -> None:
        """A class outside the known libraries instantiated at load time: gathered per
        member into one error (a model of your own classes names them all at once)."""
        self.classes.setdefault(self.member, {})[full] = reason

    def checkpoint(self) -> tuple[Any, ...]:
        """State to :meth:`rollback` to when what was read turns out not to be a pickle."""
        unknown = {m: dict(names) for m, names in self.unknown.items()}
        classes = {m: dict(names) for m, names in self.classes.items()}
        return dict(self.issues), unknown, classes, set(self.libraries), list(self.formats)

    def rollback(self, mark: tuple[Any, ...]) -> None:
        issues, unknown, classes, libraries, formats = mark
        self.issues, self.libraries, self.formats = dict(issues), set(libraries), list(formats)
        self.unknown = {m: dict(names) for m, names in unknown.items()}
        self.classes = {m: dict(names) for m, names in classes.items()}

    def known_library(self, library: str) -> None:
        """A class or reconstructor of a well-known ML library was imported (note tier)."""
        self.libraries.add(library)

    def _unknown_issues(self) -> list[Issue]:
        issues = []
        for member, found in self.classes.items():
            names = {f: r for f, r in found.items() if (member, f"global:{f}") not in self.issues}
            issues += _gathered(member, names, Severity.ERROR, "instantiates", "classes")
        for member, found in self.unknown.items():
            names = {
                full: reason
                for full, reason in found.items()
                if (member, f"global:{full}") not in self.issues
                and full not in self.classes.get(member, {})
            }
            issues += _gathered(member, names, Severity.WARNING, "imports", "globals")
        return issues

    def unscannable(self, reason: str) -> None:
        self.add(Severity.WARNING, f"unscannable:{reason}", f"unscannable: {reason}")

    def report(self) -> ArtifactReport:
        issues = (*self.issues.values(), *self._unknown_issues())
        return ArtifactReport(
            tuple(self.formats),
            issues,
            self.executes_code,
            tuple(sorted(self.libraries)),
            self.unrecognised,
        )


def _gathered(
    member: str, names: dict[str, str], severity: Severity, verb: str, what: str
) -> list[Issue]:
    """One issue for the globals of one member (a single one named with its reason)."""
    if not names:
        return []
    if len(names) == 1:
        ((full, reason),) = names.items()
        return [Issue(member, f"global:{full}", severity, f"{verb} {full} ({reason})")]
    shown = sorted(names)[:MAX_LISTED]
    more = f", ... (+{len(names) - len(shown)} more)" if len(names) > len(shown) else ""
    reason = next(iter(names.values()))
    message = (
        f"{verb} {len(names)} {what} outside the allow-list and the known ML libraries "
        f"({reason}): " + ", ".join(shown) + more
    )
    return [Issue(member, f"{what}:unknown", severity, message)]
