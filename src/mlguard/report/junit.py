"""JUnit XML: one test case per rule, for CI systems that show test reports.

fail status or findings -> ``<failure>`` (one line per finding); error -> ``<error>``;
n/a and not-checked -> ``<skipped>`` with the reason; pass -> an empty test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # writes XML, never parses any  # nosec B405

from mlguard.model import RuleResult, Status
from mlguard.report.document import TOOL_NAME, Report
from mlguard.rules.catalog import RuleSpec
from mlguard.safeio import escapes

MAX_LINES = 200
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """Text XML 1.0 can carry (control characters replaced, bidirectional controls shown
    escaped)."""
    return NOT_XML.sub("?", escapes.bidi(text))


def _case(rule: RuleSpec, res: RuleResult) -> tuple[ET.Element, str]:
    case = ET.Element(
        "testcase",
        {"classname": f"{TOOL_NAME}.{rule.category}", "name": clean(f"{rule.id} {rule.title}")},
    )
    if res.status == Status.ERROR:
        ET.SubElement(case, "error", {"message": clean(res.reason), "type": "check-error"})
        return case, "errors"
    if res.status in (Status.NA, Status.NOT_CHECKED):
        ET.SubElement(case, "skipped", {"message": clean(f"{res.status.value}: {res.reason}")})
        return case, "skipped"
    if res.status == Status.FAIL or res.findings:
        lines = [
            f"{f.location.path}:{f.location.line}: {f.severity.value}: {f.message}"
            for f in res.findings[:MAX_LINES]
        ]
        if len(res.findings) > MAX_LINES:
            lines.append(f"... and {len(res.findings) - MAX_LINES} more")
        message = f"{res.status.value}: {len(res.findings)} finding(s)"
        failure = ET.SubElement(case, "failure", {"message": message, "type": rule.severity.value})
        failure.text = clean("\n".join(lines) or res.reason)
        return case, "failures"
    return case, "passed"


def render(report: Report) -> str:
    suite = ET.Element("testsuite", {"name": f"{TOOL_NAME} ({report.policy.name})"})
    counts = {"failures": 0, "errors": 0, "skipped": 0, "passed": 0}
    for rule, res in report.pairs:
        case, outcome = _case(rule, res)
        counts[outcome] += 1
        suite.append(case)
    total = str(len(report.pairs))
    attrs = {"tests": total, **{k: str(counts[k]) for k in ("failures", "errors", "skipped")}}
    suite.attrib.update(attrs)
    root = ET.Element("testsuites", {"name": TOOL_NAME, **attrs})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
