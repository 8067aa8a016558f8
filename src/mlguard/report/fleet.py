"""`mlguard fleet`: read many repositories' JSON reports and show them as one view.

Reading: each file must be an mlguard JSON report (``mlguard scan -f json``); a file that
cannot be read, is not JSON or is not such a report is a usage error naming the file.
Rendering: ``text`` (a terminal), ``csv`` (one row per repository, for spreadsheets),
``markdown`` (a job summary or an issue), ``html`` (one self-contained page) and ``json``
(scripts). Names, titles and paths
come from the reports, so the human-readable formats escape them (bidirectional controls,
Markdown, spreadsheet formulas).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from mlguard.errors import UsageError
from mlguard.report.document import TOOL_NAME, VERSION, plural
from mlguard.results.fleet import (
    Fleet,
    Point,
    ReportError,
    Repository,
    point,
    repository_name,
    summarise,
)
from mlguard.safeio import escapes

FLEET_FORMATS = ("text", "csv", "markdown", "html", "json")
SCHEMA_VERSION = "1.0"
MAX_REPORT_BYTES = 64 * 1024 * 1024
DEFAULT_TOP = 10


def read_point(path: Path) -> Point:
    """One report file; a usage error that names the file when it is not a readable
    mlguard JSON report."""
    try:
        if not path.is_file():
            why = "no such file" if not path.exists() else "not a regular file"
            if path.is_dir():
                why = f"a directory (give its report files, e.g. {path / '*.json'})"
            raise UsageError(f"{path}: {why}")
        with path.open("rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if len(raw) > MAX_REPORT_BYTES:
        raise UsageError(f"{path}: larger than {MAX_REPORT_BYTES // 2**20} MiB, not a report")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text, not a JSON report") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    try:
        return point(data, str(path))
    except ReportError as exc:
        raise UsageError(f"{path}: {exc}") from None


def load(paths: tuple[Path, ...], by: str = "file") -> Fleet:
    """The fleet of the report files, each named after its file or folder (``by``)."""
    named = [(repository_name(str(p.absolute()), by), read_point(p)) for p in paths]
    return summarise(named)


def mixed_folders(fleet: Fleet) -> list[str]:
    """Repositories whose reports (named by file) lie in different folders: most likely
    one file name (``mlguard.json``) used by several repositories, where ``--by dir``
    was meant."""
    return [
        r.name for r in fleet.repositories if len({Path(p.source).parent for p in r.points}) > 1
    ]


# --- values ------------------------------------------------------------------------------


def _level(p: Point) -> str:
    if p.nothing_to_scan:
        return "nothing to scan"
    return "n/a" if p.level is None else str(p.level)


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)


def _signed(value: int | None) -> str:
    return "" if value is None else f"{value:+d}"


def _trend(r: Repository) -> str:
    """``0 -> 1 (+1), score 40 -> 55 (+15), 3 reports`` ("" for one report)."""
    if len(r.points) < 2:
        return ""
    levels = " -> ".join(_level(p) for p in (r.first, r.latest))
    scores = " -> ".join(_num(p.score) for p in (r.first, r.latest))
    level_change = f" ({_signed(r.level_change)})" if r.level_change is not None else ""
    score_change = f" ({_signed(r.score_change)})" if r.score_change is not None else ""
    text = f"level {levels}{level_change}, score {scores}{score_change}, {len(r.points)} reports"
    return f"{text}; {r.trend_note}" if r.trend_note else text


def _notes(r: Repository) -> list[str]:
    return [*r.marks, *([r.trend_note] if r.trend_note and len(r.points) > 1 else [])]


# --- json --------------------------------------------------------------------------------


def _point_dict(p: Point) -> dict[str, Any]:
    return {
        "report": p.source,
        "state": p.state,
        "level": p.level,
        "score": p.score,
        "mlguard_version": p.version,
        "policy": p.policy,
    }


def as_dict(fleet: Fleet, top: int | None = None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": VERSION},
        "reference": {"mlguard_version": fleet.version, "policy": fleet.policy},
        "totals": {
            "repositories": len(fleet.repositories),
            "reports": fleet.reports,
            "states": fleet.levels,
            "mean_score": fleet.mean_score,
        },
        "repositories": [
            {
                "name": r.name,
                "state": r.latest.state,
                "assessed": r.latest.assessed,
                "level": r.latest.level,
                "next_level": r.latest.next_level,
                "score": r.latest.score,
                "kind": r.latest.kind,
                "violations": r.latest.violations,
                "practice_gaps": r.latest.practice_gaps,
                "failed": r.latest.failed,
                "mlguard_version": r.latest.version,
                "policy": r.latest.policy,
                "marks": list(r.marks),
                "missing_for_next_level": list(r.latest.missing),
                "report": r.latest.source,
                "trend": {
                    "points": [_point_dict(p) for p in r.points],
                    "level_change": r.level_change,
                    "score_change": r.score_change,
                    "comparable": r.comparable,
                    "note": r.trend_note,
                },
            }
            for r in fleet.repositories
        ],
        "most_missing": [
            {
                "rule_id": c.rule_id,
                "title": c.title,
                "missing": c.missing,
                "blocking": c.blocking,
                "applicable": c.applicable,
            }
            for c in fleet.rules[:top]
        ],
    }


# --- csv ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "repository",
    "state",
    "level",
    "score",
    "next_level",
    "violations",
    "practice_gaps",
    "failed",
    "kind",
    "mlguard_version",
    "policy",
    "reports",
    "level_change",
    "score_change",
    "notes",
    "missing_for_next_level",
    "report",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A spreadsheet shows text starting with ``=``, ``+``, ``-`` or ``@`` as a formula:
    such text is prefixed with ``'`` (numbers stay numbers)."""
    if isinstance(value, str):
        value = escapes.bidi(value)
        return "'" + value if value.startswith(_FORMULA) else value
    return "" if value is None else value


def render_csv(fleet: Fleet) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in fleet.repositories:
        p = r.latest
        row = (
            r.name,
            p.state,
            p.level,
            p.score,
            p.next_level,
            p.violations,
            p.practice_gaps,
            str(p.failed).lower(),
            p.kind,
            p.version,
            p.policy,
            len(r.points),
            r.level_change,
            r.score_change,
            "; ".join(_notes(r)),
            " ".join(p.missing),
            p.source,
        )
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


# --- text --------------------------------------------------------------------------------


def _summary_line(fleet: Fleet) -> str:
    mean = fleet.mean_score
    return (
        f"{plural(len(fleet.repositories), 'repository', 'repositories')} from "
        f"{plural(fleet.reports, 'report')} (mlguard {fleet.version}, policy {fleet.policy})"
        + ("" if mean is None else f"; mean practice score {mean}")
    )


def render_text(fleet: Fleet, top: int = DEFAULT_TOP) -> str:
    t = escapes.bidi
    lines = [f"{TOOL_NAME} fleet: {t(_summary_line(fleet))}"]
    lines.append("  " + ", ".join(f"{state}: {n}" for state, n in fleet.levels.items()))
    header = ("Repository", "Level", "Score", "Violations", "Gaps", "Trend / notes")
    rows = [
        (
            t(r.name),
            _level(r.latest),
            _num(r.latest.score),
            str(r.latest.violations),
            str(r.latest.practice_gaps),
            t("; ".join(x for x in (_trend(r), *r.marks) if x)),
        )
        for r in fleet.repositories
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines.append("")
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append(("  ".join([*cells, row[-1]])).rstrip())
    lines.append("")
    lines += _missing_lines(fleet, top, markdown=False)
    return "\n".join(lines) + "\n"


def _missing_lines(fleet: Fleet, top: int, markdown: bool) -> list[str]:
    shown = fleet.rules[:top]
    if not shown:
        return ["No practice is missing in any repository." if fleet.repositories else ""]
    title = (
        "Practices most often missing (repositories without it, of those where it applies; "
        "blocking: missing for the repository's next level)"
    )
    if markdown:
        lines = [
            f"### {title}",
            "",
            "| Rule | Practice | Missing | Blocking |",
            "|---|---|---|---|",
        ]
        for c in shown:
            lines.append(
                f"| {escapes.code_span(c.rule_id)} | {escapes.markdown(c.title)} | "
                f"{c.missing} of {c.applicable} | {c.blocking} |"
            )
    else:
        lines = [f"{title}:"]
        width = max(len(c.rule_id) for c in shown)
        for c in shown:
            lines.append(
                f"  {escapes.bidi(c.rule_id).ljust(width)}  {c.missing} of {c.applicable}"
                f", blocking {c.blocking}  {escapes.bidi(c.title)}"
            )
    left = len(fleet.rules) - len(shown)
    if left:
        lines += ["", f"... and {plural(left, 'more practice')} (--top N shows more)"]
    return lines


# --- markdown ----------------------------------------------------------------------------


def render_markdown(fleet: Fleet, top: int = DEFAULT_TOP) -> str:
    m = escapes.markdown
    lines = [f"## {TOOL_NAME} fleet", "", m(_summary_line(fleet)), ""]
    lines.append(", ".join(f"{state}: **{n}**" for state, n in fleet.levels.items()))
    lines += [
        "",
        "| Repository | Level | Score | Violations | Practice gaps | Trend | Notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in fleet.repositories:
        p = r.latest
        trend = _trend(r).split(";")[0]
        lines.append(
            f"| {m(r.name)} | {_level(p)} | {_num(p.score)} | {p.violations} | "
            f"{p.practice_gaps} | {m(trend)} | {m('; '.join(_notes(r)))} |"
        )
    lines.append("")
    lines += _missing_lines(fleet, top, markdown=True)
    return "\n".join(lines) + "\n"


def render(fleet: Fleet, fmt: str, top: int = DEFAULT_TOP) -> str:
    if fmt == "json":
        return json.dumps(as_dict(fleet), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_csv(fleet)
    if fmt == "markdown":
        return render_markdown(fleet, top)
    if fmt == "text":
        return render_text(fleet, top)
    if fmt == "html":
        from mlguard.report.fleet_html import render_html

        return render_html(fleet, top)
    raise ValueError(f"unknown fleet format {fmt!r}")
