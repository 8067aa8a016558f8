"""JUnit XML: one test case per rule, for CI systems that show test reports.

Two suites keep practices and violations apart: ``practices`` (a practice not in place is
a ``<failure>`` with its status and reason) and ``violations`` (a ``<failure>`` lists the
violations, one line each). error -> ``<error>``; n/a and not-checked -> ``<skipped>``
with the reason; pass -> an empty test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # writes XML, never parses any  # nosec B405

from mlguard.model import Kind, RuleResult, Status
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
    if rule.kind != Kind.VIOLATION:
        if res.status in (Status.FAIL, Status.PARTIAL):
            message = f"{res.status.value}: practice not in place"
            failure = ET.SubElement(case, "failure", {"message": message, "type": "practice"})
            failure.text = clean(res.reason or rule.title)
            return case, "failures"
        return case, "passed"
    if res.status == Status.FAIL or res.findings:
        lines = [
            f"{f.location.path}:{f.location.line}: {f.severity.value}: {f.message}"
            for f in res.findings[:MAX_LINES]
        ]
        if len(res.findings) > MAX_LINES:
            lines.append(f"... and {len(res.findings) - MAX_LINES} more")
        count = len(res.findings)
        message = f"{res.status.value}: {count} violation" + ("" if count == 1 else "s")
        failure = ET.SubElement(case, "failure", {"message": message, "type": rule.severity.value})
        failure.text = clean("\n".join(lines) or res.reason)
        return case, "failures"
    return case, "passed"


def _suite(name: str, pairs: list[tuple[RuleSpec, RuleResult]]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": name})
    counts = {"failures": 0, "errors": 0, "skipped": 0, "passed": 0}
    for rule, res in pairs:
        case, outcome = _case(rule, res)
        counts[outcome] += 1
        suite.append(case)
    suite.attrib.update(
        {"tests": str(len(pairs)), **{k: str(counts[k]) for k in ("failures", "errors", "skipped")}}
    )
    return suite


def render(report: Report) -> str:
    practices = [(r, res) for r, res in report.pairs if r.kind != Kind.VIOLATION]
    violations = [(r, res) for r, res in report.pairs if r.kind == Kind.VIOLATION]
    name = report.policy.name
    suites = [
        _suite(f"{TOOL_NAME} practices ({name})", practices),
        _suite(f"{TOOL_NAME} violations ({name})", violations),
    ]
    totals = {
        key: str(sum(int(s.attrib[key]) for s in suites))
        for key in ("tests", "failures", "errors", "skipped")
    }
    root = ET.Element("testsuites", {"name": TOOL_NAME, **totals})
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
