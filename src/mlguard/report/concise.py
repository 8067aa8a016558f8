"""One line per violation and a one-line summary: for pre-commit hooks and terminals.

No maturity level, no score, no practice gaps: a commit hook reports what is wrong in the
files being committed, and whether it blocks the commit.
"""

from __future__ import annotations

from mlguard.report.document import TOOL_NAME, Report, plural
from mlguard.report.text import clean


def render(report: Report) -> str:
    if report.nothing_to_scan:
        return f"{TOOL_NAME}: nothing found to scan\n"
    lines = [
        f"{clean(f.location.path)}:{f.location.line}: {f.rule_id} [{f.severity.value}] "
        f"{clean(f.message)}"
        for f in report.violations
    ]
    files = len({f.location.path for f in report.violations})
    found = (
        f"{plural(len(report.violations), 'violation')} in {plural(files, 'file')}"
        if report.violations
        else "no violations"
    )
    if report.verdict.failed:
        lines.append(f"{TOOL_NAME}: {found}; failed: {'; '.join(report.verdict.reasons)}")
    else:
        lines.append(f"{TOOL_NAME}: {found}; passed")
    return "\n".join(lines) + "\n"
