"""The HTML report's trend: an inline SVG of the practice score (line) and the maturity
level (steps) over past commits (``mlguard scan --history N -f html:FILE``), with the same
points as a table under it.

Static markup, no script: it reads and prints as it is. One ``<g class="point">`` per
commit, carrying its values as data attributes and a ``<title>`` tooltip; a point scored
under another policy or mlguard version than the newest is drawn hollow (class
``other-scoring``) and a point whose scan failed is a cross on the axis.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from mlguard.report.history import level_text, marks
from mlguard.report.text import clean
from mlguard.results.history import Point
from mlguard.results.scoring import MAX_LEVEL

WIDTH, HEIGHT = 720, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 52, 14, 62
MAX_LABELS = 12


def e(text: object) -> str:
    return html.escape(clean(text), quote=True)


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if count == 1 else inner * index / (count - 1))


def _y(fraction: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - fraction)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(points: Sequence[Point]) -> str:
    count = len(points)
    differs = marks(points)
    out = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="trend-title">Practice score and maturity level over {count} '
        f"commit{'s' if count != 1 else ''}, oldest first</title>",
    ]
    out.extend(_axes())
    out.extend(_score_line(points))
    out.extend(_level_steps(points))
    step = math.ceil(count / MAX_LABELS) if count else 1
    for i, (point, diff) in enumerate(zip(points, differs, strict=True)):
        out.append(_point(point, diff, i, count, label=i % step == 0 or i == count - 1))
    out.append("</svg>")
    return "\n".join(out)


def _axes() -> list[str]:
    out = []
    x1, x2 = LEFT, WIDTH - RIGHT
    for score in (0, 25, 50, 75, 100):
        y = _f(_y(score / 100))
        out.append(f'<line class="gridline" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/>')
        out.append(
            f'<text class="axis" x="{x1 - 6}" y="{y}" dy="4" text-anchor="end">{score}</text>'
        )
    for level in range(MAX_LEVEL + 1):
        y = _f(_y(level / MAX_LEVEL))
        out.append(f'<text class="axis level-axis" x="{x2 + 6}" y="{y}" dy="4">L{level}</text>')
    return out


def _segments(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive points that have a value (a failed or unscored commit breaks
    the line)."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((i, value))
    return [r for r in runs if r]


def _score_line(points: Sequence[Point]) -> list[str]:
    n = len(points)
    values: list[float | None] = [
        None if p.error or p.score is None else p.score / 100 for p in points
    ]
    out = []
    for run in _segments(values):
        coords = " ".join(f"{_f(_x(i, n))},{_f(_y(v))}" for i, v in run)
        out.append(f'<polyline class="score-line" points="{coords}"/>')
    return out


def _level_steps(points: Sequence[Point]) -> list[str]:
    n = len(points)
    values: list[float | None] = [
        None if p.error or p.level is None else p.level / MAX_LEVEL for p in points
    ]
    out = []
    for run in _segments(values):
        (i0, v0), rest = run[0], run[1:]
        d = [f"M{_f(_x(i0, n))},{_f(_y(v0))}"]
        previous = v0
        for i, v in rest:
            d.append(f"H{_f(_x(i, n))}")
            if v != previous:
                d.append(f"V{_f(_y(v))}")
            previous = v
        out.append(f'<path class="level-step" d="{" ".join(d)}"/>')
    return out


def _point(point: Point, differs: tuple[str, ...], i: int, n: int, *, label: bool) -> str:
    x = _f(_x(i, n))
    classes = ["point"]
    if differs:
        classes.append("other-scoring")
    if point.error:
        classes.append("error")
    tip = f"{point.sha[:12]} {point.date[:10]} {point.subject}"
    if point.error:
        tip += f" — error: {point.error}"
    else:
        score = "n/a" if point.score is None else point.score
        tip += f" — Level {level_text(point)}, score {score}"
    if differs:
        tip += f" (other {' and '.join(differs)} than the newest: not comparable)"
    attrs = (
        f'class="{" ".join(classes)}" data-commit="{e(point.sha)}" '
        f'data-level="{"" if point.level is None else point.level}" '
        f'data-score="{"" if point.score is None else point.score}"'
    )
    parts = [f"<g {attrs}><title>{e(tip)}</title>"]
    if point.error:
        y = _y(0)
        parts.append(
            f'<path class="cross" d="M{_f(float(x) - 5)},{_f(y - 5)} l10,10 m0,-10 l-10,10"/>'
        )
    else:
        if point.level is not None:
            parts.append(
                f'<rect class="level-dot" x="{_f(float(x) - 3.5)}" '
                f'y="{_f(_y(point.level / MAX_LEVEL) - 3.5)}" width="7" height="7"/>'
            )
        if point.score is not None:
            parts.append(
                f'<circle class="score-dot" cx="{x}" cy="{_f(_y(point.score / 100))}" r="4.5"/>'
            )
    if label:
        y = HEIGHT - BOTTOM + 14
        parts.append(
            f'<text class="axis sha" x="{x}" y="{y}" text-anchor="end" '
            f'transform="rotate(-35 {x} {y})">{e(point.sha[:7])}</text>'
        )
    return "".join([*parts, "</g>"])


def section(points: Sequence[Point]) -> str:
    """The trend section of the HTML report: legend, chart and the points as a table."""
    differs = marks(points)
    rows = []
    for point, diff in zip(points, differs, strict=True):
        if point.error:
            cells = f'<td colspan="3">error: {e(point.error)}</td>'
        else:
            counts = "/".join(str(point.findings.get(s, 0)) for s in ("error", "warning", "note"))
            score = "n/a" if point.score is None else str(point.score)
            cells = f"<td>{e(level_text(point))}</td><td>{score}</td><td>{counts}</td>"
        mark = " *" if diff else ""
        rows.append(
            f'<tr data-commit="{e(point.sha)}"><td><code>{e(point.sha[:12])}</code>{mark}</td>'
            f"<td>{e(point.date[:10])}</td>{cells}<td>{e(point.subject)}</td></tr>"
        )
    note = (
        '<p class="note">* hollow points were scored under another policy or mlguard version '
        "than the newest commit: not comparable with it.</p>"
        if any(differs)
        else ""
    )
    return "\n".join(
        [
            '<section id="trend" aria-labelledby="trend-h">',
            f'<h2 id="trend-h">Trend over the last {len(points)} '
            f"commit{'s' if len(points) != 1 else ''}</h2>",
            '<p class="muted"><span class="key score-key"></span> practice score (left axis) '
            '<span class="key level-key"></span> maturity level (right axis), oldest first.</p>',
            svg(points),
            note,
            "<details><summary>The points</summary>",
            '<table class="trend-table"><thead><tr><th>Commit</th><th>Date</th><th>Level</th>'
            "<th>Score</th><th>error/warning/note</th><th>Subject</th></tr></thead><tbody>",
            *rows,
            "</tbody></table></details></section>",
        ]
    )
