"""GitLab Code Quality: the JSON array GitLab's merge-request widget and pipeline tab read.

One issue per violation (practice gaps are repository-level, not a place in the code, as in
SARIF): ``description`` (the rule id and the finding's message), ``check_name`` (the rule id),
``fingerprint``, ``severity``, ``location.path`` (relative to the repository root, so a scan
of a sub-folder keeps its prefix) and ``location.lines.begin``; plus the optional
``engine_name``, ``type`` and ``categories`` of the Code Climate issue format.

Severity: mlguard ``error`` -> ``critical``, ``warning`` -> ``major``, ``note`` -> ``minor``
(``blocker`` and ``info`` are not used).

The fingerprint is the one SARIF (``mlguard/v1``), the JSON report and baselines carry:
rule, file and normalised code, never the line number. GitLab keeps only the first issue
of a fingerprint, so when the same code is flagged twice in one file the second and later
occurrences get a fingerprint derived from it and their rank (stable while the order of
those lines is).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlguard.model import Finding, Severity, fingerprint
from mlguard.report.document import TOOL_NAME, Report
from mlguard.report.sarif import finding_uri
from mlguard.safeio import escapes

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.NOTE: "minor"}


def _path(f: Finding, prefix: str) -> str:
    return f"{prefix}/{f.location.path}" if prefix else f.location.path


def _unique(base: str, seen: dict[str, int]) -> str:
    rank = seen.get(base, 0)
    seen[base] = rank + 1
    if not rank:
        return base
    return hashlib.sha256(f"{base}\0{rank}".encode()).hexdigest()[:32]


def issues(report: Report) -> list[dict[str, Any]]:
    prefix = report.scan.uri_prefix
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for f in report.violations:
        rule = report.rule(f.rule_id)
        lines: dict[str, int] = {"begin": f.location.line}
        if f.location.end_line and f.location.end_line > f.location.line:
            lines["end"] = f.location.end_line
        out.append(
            {
                "type": "issue",
                "engine_name": TOOL_NAME,
                "check_name": f.rule_id,
                "description": escapes.bidi(f"{f.rule_id}: {f.message}"),
                "categories": ["Security"] if rule.is_security else ["Bug Risk"],
                "severity": SEVERITY[f.severity],
                "fingerprint": _unique(fingerprint(f, finding_uri(f, prefix)), seen),
                "location": {"path": _path(f, prefix), "lines": lines},
            }
        )
    return out


def render(report: Report) -> str:
    return json.dumps(issues(report), indent=2, ensure_ascii=False) + "\n"
