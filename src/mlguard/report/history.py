"""``mlguard history`` output: a text table (oldest commit first) or versioned JSON.

The JSON shape is documented in docs/history.md; keys are sorted and nothing in it
depends on the time of the run, so the same history gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mlguard.report.document import TOOL_NAME, VERSION
from mlguard.report.text import clean
from mlguard.results.history import SEVERITIES, Point, newest_scanned

SCHEMA_VERSION = "1.0"
SUBJECT_WIDTH = 44
FORMATS = ("text", "json")
NOT_ASSESSED = "not assessed"


def level_text(point: Point) -> str:
    return NOT_ASSESSED if point.level is None else str(point.level)


def marks(points: Sequence[Point]) -> list[tuple[str, ...]]:
    """Per point: what differs from the newest scanned point ("version", "policy")."""
    newest = newest_scanned(points)
    return [p.differs_from(newest) if newest else () for p in points]


def render_text(points: Sequence[Point], where: str) -> str:
    if not points:
        return f"{TOOL_NAME} history of {where}: no commit selected\n"
    differs = marks(points)
    header = ("commit", "date", "level", "score", "err", "warn", "note", "policy", "subject")
    rows: list[tuple[str, ...]] = []
    for point, diff in zip(points, differs, strict=True):
        mark = "*" if diff else ""
        subject = clean(point.subject)
        if point.tags:
            subject = f"[{', '.join(clean(t) for t in point.tags)}] {subject}"
        if len(subject) > SUBJECT_WIDTH:
            subject = subject[: SUBJECT_WIDTH - 1] + "…"
        cells: tuple[str, ...]
        if point.error:
            cells = ("error", "", "", "", "", "")
        else:
            counts = [str(point.findings.get(s, 0)) for s in SEVERITIES]
            score = "n/a" if point.score is None else str(point.score)
            cells = (level_text(point), score, *counts, point.policy.removeprefix("sha256:")[:8])
        rows.append((point.sha[:12], point.date[:10], *cells[:-1], cells[-1] + mark, subject))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header) - 1)]
    lines = [
        f"{TOOL_NAME} history of {clean(where)}: {len(points)} "
        f"commit{'s' if len(points) != 1 else ''}, oldest first",
        "",
    ]
    for row in (header, *rows):
        padded = [
            c.ljust(w) if i < 2 or i >= 7 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    lines.extend(_footnotes(points, differs))
    return "\n".join(lines) + "\n"


def _footnotes(points: Sequence[Point], differs: list[tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    if any(differs):
        out.append("")
        out.append(
            "* scored under another policy or mlguard version than the newest commit: "
            "not comparable with it (a change of scoring is not progress)"
        )
    for point in points:
        if point.error:
            out.append(f"{point.sha[:12]}: error: {clean(point.error)}")
        if point.left_out:
            out.append(
                f"{point.sha[:12]}: not scanned (too large to write out): "
                + ", ".join(clean(p) for p in point.left_out)
            )
    scanned = [p for p, d in zip(points, differs, strict=True) if not p.error and not d]
    if len(scanned) >= 2:
        first, last = scanned[0], scanned[-1]
        out.append("")
        out.append(
            f"Level {level_text(first)} -> {level_text(last)}, practice score "
            f"{_score(first)} -> {_score(last)} (comparable commits, {first.sha[:12]} to "
            f"{last.sha[:12]})"
        )
    return out


def _score(point: Point) -> str:
    return "n/a" if point.score is None else str(point.score)


def as_dict(points: Sequence[Point], where: str, selection: dict[str, Any]) -> dict[str, Any]:
    differs = marks(points)
    newest = newest_scanned(points)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": VERSION},
        "path": where,
        "selection": selection,
        "newest": {"commit": newest.sha, "mlguard_version": newest.version, "policy": newest.policy}
        if newest
        else None,
        "points": [_point(p, d) for p, d in zip(points, differs, strict=True)],
    }


def _point(p: Point, differs: tuple[str, ...]) -> dict[str, Any]:
    return {
        "commit": p.sha,
        "date": p.date,
        "subject": p.subject,
        "tags": list(p.tags),
        "error": p.error or None,
        "assessed": p.level is not None,
        "level": p.level,
        "score": p.score,
        "findings": {s: p.findings.get(s, 0) for s in SEVERITIES} if not p.error else None,
        "violations": p.violations if not p.error else None,
        "practice_gaps": p.practice_gaps if not p.error else None,
        "mlguard_version": p.version,
        "policy": {"name": p.policy_name, "hash": p.policy} if not p.error else None,
        "comparable": not differs and not p.error,
        "differs": list(differs),
        "left_out": list(p.left_out),
    }


def render_json(points: Sequence[Point], where: str, selection: dict[str, Any]) -> str:
    return json.dumps(as_dict(points, where, selection), indent=2, sort_keys=True) + "\n"
