"""A fleet of repositories seen through their JSON reports (``mlguard scan -f json``).

Pure: parsed reports in, a :class:`Fleet` out. Nothing here reads a file or scans.

* Each report is checked for the fields the fleet view reads; a report that lacks them
  raises :class:`ReportError` with the reason (the caller names the file).
* Reports are grouped by repository name (the caller decides the name, e.g. from the file
  name); several reports of one repository are its trend, in the order given (oldest
  first). The latest report is the repository's current state.
* The fleet's reference mlguard version and policy are the most common ones among the
  latest reports; a repository whose latest report differs is marked, and a trend whose
  reports differ in mlguard version or policy is marked not comparable (a change of
  scoring must never pass for progress).
* The practices most often missing are counted over the latest reports: a practice rule
  whose status is ``fail`` or ``partial`` is missing where it applies; ``blocking`` counts
  the repositories where it is missing for the next level (``maturity.missing``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

NOT_IN_PLACE = ("fail", "partial")
CONCLUSIVE = ("pass", "partial", "fail")


class ReportError(ValueError):
    """Not an mlguard JSON report the fleet view can read (the message says why)."""


@dataclass(frozen=True)
class Point:
    """What the fleet view keeps of one report."""

    source: str  # where the report came from (a file name), as given
    version: str  # mlguard version that wrote it
    policy: str
    nothing_to_scan: bool
    assessed: bool
    level: int | None  # None: not assessed, or nothing to scan
    score: int | None
    next_level: int | None
    kind: str | None
    violations: int
    practice_gaps: int
    failed: bool
    missing: tuple[str, ...]  # rule ids missing for the next level
    not_in_place: tuple[str, ...]  # practice rules with status fail or partial
    applicable: tuple[str, ...]  # practice rules judged (pass, partial or fail)
    titles: tuple[tuple[str, str], ...]  # (rule id, title) of the rules above

    @property
    def state(self) -> str:
        """``Level N``, ``not assessed`` or ``nothing to scan``."""
        if self.nothing_to_scan:
            return "nothing to scan"
        return "not assessed" if self.level is None else f"Level {self.level}"


@dataclass(frozen=True)
class Repository:
    name: str
    points: tuple[Point, ...]  # oldest first
    marks: tuple[str, ...]  # the latest report differs from the fleet's version or policy

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def first(self) -> Point:
        return self.points[0]

    @property
    def comparable(self) -> bool:
        """Every report of the trend comes from the same mlguard version and policy."""
        return len({(p.version, p.policy) for p in self.points}) == 1

    @property
    def level_change(self) -> int | None:
        a, b = self.first.level, self.latest.level
        return None if len(self.points) < 2 or a is None or b is None else b - a

    @property
    def score_change(self) -> int | None:
        a, b = self.first.score, self.latest.score
        return None if len(self.points) < 2 or a is None or b is None else b - a

    @property
    def trend_note(self) -> str:
        """Why the trend's reports are not comparable ("" when they are)."""
        notes = []
        for label, values in (
            ("mlguard", [p.version for p in self.points]),
            ("policy", [p.policy for p in self.points]),
        ):
            if len(set(values)) > 1:
                notes.append(f"{label} {' -> '.join(_runs(values))}")
        return "not comparable: " + ", ".join(notes) if notes else ""


@dataclass(frozen=True)
class RuleCount:
    rule_id: str
    title: str
    missing: int  # repositories where the practice is not (fully) in place
    blocking: int  # ... and missing for their next level
    applicable: int  # repositories where it was judged


@dataclass(frozen=True)
class Fleet:
    repositories: tuple[Repository, ...]  # sorted by name
    rules: tuple[RuleCount, ...]  # most often missing first
    version: str  # the fleet's reference mlguard version (most common)
    policy: str  # the fleet's reference policy (most common)
    reports: int

    @property
    def levels(self) -> dict[str, int]:
        """Repositories by state (``Level 0``..., ``not assessed``, ``nothing to scan``)."""
        counts = Counter(r.latest.state for r in self.repositories)
        return dict(sorted(counts.items()))

    @property
    def mean_score(self) -> int | None:
        scores = [r.latest.score for r in self.repositories if r.latest.score is not None]
        return round(sum(scores) / len(scores)) if scores else None


def _runs(values: list[str]) -> list[str]:
    """``a a b a`` -> ``a b a``: the values as they changed."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


def _get(data: dict[str, Any], key: str, types: type | tuple[type, ...], where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
        raise ReportError(f"{where}{key} is missing or not {_names(types)}")
    return value


def _tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _names(types: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", bool: "a boolean"}
    return " or ".join(names.get(t, "null") for t in _tuple(types))


def point(data: Any, source: str) -> Point:
    """The fleet's view of one parsed report; :class:`ReportError` when it is not one."""
    if isinstance(data, list):
        raise ReportError(
            "a JSON array, not an mlguard JSON report (a GitLab Code Quality report? write "
            "the JSON report with `mlguard scan -f json:FILE`)"
        )
    if not isinstance(data, dict):
        raise ReportError("not an mlguard JSON report (write one with `mlguard scan -f json:FILE`)")
    if "runs" in data and "schema_version" not in data:
        raise ReportError(
            "a SARIF file, not an mlguard JSON report (write one with `mlguard scan -f json:FILE`)"
        )
    tool = data.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "mlguard":
        raise ReportError("not an mlguard JSON report (no tool.name 'mlguard')")
    schema = _get(data, "schema_version", str)
    if schema.split(".")[0] != "1":
        raise ReportError(f"schema_version {schema} is not supported (this mlguard reads 1.x)")
    version = _get(tool, "version", str, "tool.")
    policy = _get(_get(data, "policy", dict), "name", str, "policy.")
    nothing = _get(data, "nothing_to_scan", bool)
    counts = _get(data, "counts", dict)
    result = _get(data, "result", dict)
    maturity = data.get("maturity")
    if maturity is not None and not isinstance(maturity, dict):
        raise ReportError("maturity is not an object or null")
    level = score = next_level = None
    assessed, kind, missing = False, None, ()
    if maturity is not None:
        assessed = _get(maturity, "assessed", bool, "maturity.")
        level = _get(maturity, "level", (int, type(None)), "maturity.")
        score = _get(maturity, "score", (int, type(None)), "maturity.")
        next_level = _get(maturity, "next_level", (int, type(None)), "maturity.")
        kind_data = maturity.get("kind")
        kind = kind_data.get("name") if isinstance(kind_data, dict) else None
        gaps = _get(maturity, "missing", list, "maturity.")
        missing = tuple(_get(g, "rule_id", str, "maturity.missing[].") for g in _objects(gaps))
    rules = _objects(_get(data, "rules", list))
    practices = [r for r in rules if r.get("kind") == "practice"]
    for rule in practices:
        _get(rule, "id", str, "rules[].")
        _get(rule, "status", str, "rules[].")
    return Point(
        source=source,
        version=version,
        policy=policy,
        nothing_to_scan=nothing,
        assessed=assessed,
        level=level if assessed else None,
        score=score,
        next_level=next_level,
        kind=kind if isinstance(kind, str) else None,
        violations=_get(counts, "violations", int, "counts."),
        practice_gaps=_get(counts, "practice_gaps", int, "counts."),
        failed=_get(result, "failed", bool, "result."),
        missing=missing,
        not_in_place=tuple(r["id"] for r in practices if r["status"] in NOT_IN_PLACE),
        applicable=tuple(r["id"] for r in practices if r["status"] in CONCLUSIVE),
        titles=tuple((r["id"], str(r.get("title", ""))) for r in practices),
    )


def _objects(items: list[Any]) -> list[dict[str, Any]]:
    if not all(isinstance(item, dict) for item in items):
        raise ReportError("a list holds something other than objects")
    return items


NAMED_BY = ("file", "dir")


def repository_name(source: str, by: str = "file") -> str:
    """The repository a report belongs to: its file name without ``.json`` (``by="file"``:
    ``reports/shop-ranker.json`` -> ``shop-ranker``) or the name of the folder it is in
    (``by="dir"``: ``reports/shop-ranker/2026-05-01.json`` -> ``shop-ranker``)."""
    path = PurePath(source)
    if by == "dir":
        return path.parent.name or path.parent.as_posix()
    return path.name.removesuffix(".json") or path.name


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """``0.10.1`` after ``0.9``: numbers compare as numbers."""
    parts = re.split(r"[.+-]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _most_common(values: list[str], newest: bool = False) -> str:
    """The most common value; on a tie the newest version (``newest``) or the first name."""
    counts = Counter(values)
    if not counts:
        return ""
    top = max(counts.values())
    tied = sorted(v for v, n in counts.items() if n == top)
    return max(tied, key=_version_key) if newest else tied[0]


def summarise(named: Sequence[tuple[str, Point]]) -> Fleet:
    """The fleet of ``(repository name, point)`` pairs, each repository's points in the
    order given (oldest first)."""
    groups: dict[str, list[Point]] = {}
    for name, p in named:
        groups.setdefault(name, []).append(p)
    latest = [points[-1] for points in groups.values()]
    version = _most_common([p.version for p in latest], newest=True)
    policy = _most_common([p.policy for p in latest])
    repos = []
    for name in sorted(groups):
        last = groups[name][-1]
        marks = []
        if last.version != version:
            marks.append(f"mlguard {last.version} (fleet: {version})")
        if last.policy != policy:
            marks.append(f"policy {last.policy} (fleet: {policy})")
        repos.append(Repository(name, tuple(groups[name]), tuple(marks)))
    return Fleet(tuple(repos), _rule_counts(latest), version, policy, len(named))


def _rule_counts(latest: list[Point]) -> tuple[RuleCount, ...]:
    missing: Counter[str] = Counter()
    blocking: Counter[str] = Counter()
    applicable: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for p in latest:
        missing.update(set(p.not_in_place))
        blocking.update(set(p.missing))
        applicable.update(set(p.applicable))
        for rule_id, title in p.titles:
            titles.setdefault(rule_id, title)
    counts = [
        RuleCount(rule_id, titles.get(rule_id, ""), missing[rule_id], blocking[rule_id], n)
        for rule_id, n in applicable.items()
        if missing[rule_id]
    ]
    return tuple(sorted(counts, key=lambda c: (-c.missing, -c.blocking, c.rule_id)))
