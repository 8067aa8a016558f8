"""What artifact analysis reports: issues, each tied to a member of the artifact."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlguard.model import Severity


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


class Collector:
    """Issues of one artifact, deduplicated by (member, key), in discovery order."""

    def __init__(self) -> None:
        self.issues: dict[tuple[str, str], Issue] = {}
        self.member = ""
        self.formats: list[str] = []
        self.depth = 0
        self.executes_code = False

    def found(self, kind: str) -> None:
        """Record a format of the artifact itself (nested members' formats are not kept)."""
        if self.depth == 0 and kind not in self.formats:
            self.formats.append(kind)

    def add(self, severity: Severity, key: str, message: str) -> None:
        ident = (self.member, key)
        old = self.issues.get(ident)
        if old is None or severity.rank > old.severity.rank:
            self.issues[ident] = Issue(self.member, key, severity, message)

    def unscannable(self, reason: str) -> None:
        self.add(Severity.WARNING, f"unscannable:{reason}", f"unscannable: {reason}")

    def report(self) -> ArtifactReport:
        return ArtifactReport(tuple(self.formats), tuple(self.issues.values()), self.executes_code)
