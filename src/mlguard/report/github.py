"""GitHub Actions workflow commands: one annotation per violation, within GitHub's limits.

Practice gaps (repository-level) are never annotations: they have no place in the code and
would take the slots of real violations; the job summary lists them.

GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step (and 50 per
job) and drops the rest silently, so findings are sorted errors first and the output ends
with a plain log line saying how many were not annotated.
"""

from __future__ import annotations

from mlguard.model import Finding, Severity
from mlguard.report.document import TOOL_NAME, Report, plural
from mlguard.report.markdown import ordered
from mlguard.safeio import escapes

PER_LEVEL = 10
PER_JOB = 50
COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _percent(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, line breaks and bidirectional controls
    escaped (annotations are plain text, never rendered as Markdown)."""
    return _percent(escapes.bidi(text))


def escape_property(text: str, shown: bool = True) -> str:
    """A property value; ``shown=False`` for a file path GitHub must find as it is."""
    value = _percent(escapes.bidi(text) if shown else text)
    return value.replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, title: str, prefix: str = "") -> str:
    path = f"{prefix}/{f.location.path}" if prefix else f.location.path
    props = [f"file={escape_property(path, shown=False)}", f"line={f.location.line}"]
    if f.location.end_line and f.location.end_line > f.location.line:
        props.append(f"endLine={f.location.end_line}")
    if f.location.column:
        props.append(f"col={f.location.column}")
    props.append(f"title={escape_property(title)}")
    return f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(f.message)}"


def select(findings: tuple[Finding, ...]) -> list[Finding]:
    """The findings GitHub will show: per severity at most PER_LEVEL, PER_JOB overall."""
    taken: dict[Severity, int] = dict.fromkeys(Severity, 0)
    chosen: list[Finding] = []
    for f in ordered(findings):
        if taken[f.severity] < PER_LEVEL and len(chosen) < PER_JOB:
            taken[f.severity] += 1
            chosen.append(f)
    return chosen


def render(report: Report) -> str:
    if report.nothing_to_scan:
        return f"{TOOL_NAME}: nothing found to scan, passed\n"
    violations = report.violations
    chosen = select(violations)
    lines = [
        annotation(f, f"{f.rule_id} {report.rule(f.rule_id).title}", report.scan.uri_prefix)
        for f in chosen
    ]
    lines += [f"::notice title={TOOL_NAME} config::{escape_data(n)}" for n in report.notes]
    a = report.assessment
    lines.append(
        f"{TOOL_NAME}: Level {a.level} of 3, {plural(len(violations), 'violation')}, "
        f"{plural(len(report.gaps), 'practice gap')} (in the job summary), "
        f"{'failed' if report.verdict.failed else 'passed'}"
    )
    left = len(violations) - len(chosen)
    if left:
        lines.append(
            f"{TOOL_NAME}: {plural(left, 'violation')} not shown as annotations (GitHub shows "
            f"at most {PER_LEVEL} errors, {PER_LEVEL} warnings and {PER_LEVEL} notices per step); "
            "the job summary and the SARIF report list them all."
        )
    return "\n".join(lines) + "\n"
