"""SARIF 2.1.0 for GitHub code scanning.

Every rule of the policy is listed (so fixed alerts close), the run is emitted even with
no results, URIs are relative to ``%SRCROOT%``, security rules carry ``security-severity``
as a string, and each result has a line-independent fingerprint ``mlguard/v1``.

Results are violations only: a code-scanning alert belongs at a place in the code. Practice
gaps (repository-level) are listed in ``run.properties.practiceGaps`` with their status,
never as an alert on an unrelated file's first line.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from mlguard.model import Finding, Severity, Status, fingerprint
from mlguard.report.document import INFO_URI, TOOL_NAME, VERSION, Report, rule_help_uri
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.ruledocs import rule_markdown
from mlguard.safeio import escapes

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "recommendation",
}
DEFAULT_SECURITY_SEVERITY = {Severity.ERROR: 8.0, Severity.WARNING: 5.5, Severity.NOTE: 3.0}


help_markdown = rule_markdown  # the one text shared with `mlguard explain` and docs/rules


def rule_descriptor(rule: RuleSpec) -> dict[str, Any]:
    tags = [rule.category, *(t for t in rule.tags if t != rule.category)]
    props: dict[str, Any] = {
        "precision": rule.precision,
        "level": rule.level,
        "kind": rule.kind.value,
    }
    if rule.is_security:
        if "security" not in tags:
            tags.insert(0, "security")
        score = rule.security_severity or DEFAULT_SECURITY_SEVERITY[rule.severity]
        props["security-severity"] = f"{score:.1f}"
    else:
        props["problem.severity"] = PROBLEM_SEVERITY[rule.severity]
    props["tags"] = tags[:20]
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.slug.split("-"))[:255],
        "shortDescription": {"text": rule.title[:1024]},
        "fullDescription": {"text": rule.docs.why},
        "help": {
            "text": f"{rule.docs.why}\n\nFix: {rule.docs.fix}",
            "markdown": rule_markdown(rule),
        },
        "helpUri": rule_help_uri(rule.id),
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": props,
    }


def finding_uri(f: Finding, prefix: str) -> str:
    """A URI reference: spaces, non-ASCII and control characters in file names are escaped."""
    return quote(f"{prefix}/{f.location.path}" if prefix else f.location.path)


def _result(f: Finding, index: int, prefix: str) -> dict[str, Any]:
    uri = finding_uri(f, prefix)
    region: dict[str, Any] = {"startLine": f.location.line}
    if f.location.column:
        region["startColumn"] = f.location.column
    if f.location.end_line:
        region["endLine"] = f.location.end_line
    return {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": f.severity.value,
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"mlguard/v1": fingerprint(f, uri)},
    }


def _srcroot(report: Report) -> str:
    base = report.scan.root
    if report.scan.uri_prefix:
        for _ in report.scan.uri_prefix.split("/"):
            base = base.parent
    return base.as_uri().rstrip("/") + "/"


def as_dict(report: Report) -> dict[str, Any]:
    rules = list(report.scan.rules)
    index = {rule.id: i for i, rule in enumerate(rules)}
    a = report.assessment
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{res.rule_id} {res.status.value}: {res.reason}"},
            "descriptor": {"id": res.rule_id},
        }
        for _, res in report.pairs
        if res.status in (Status.NOT_CHECKED, Status.ERROR)
    ] + [
        {"level": "note", "message": {"text": escapes.bidi(f"skipped {path}: {why}")}}
        for path, why in report.scan.skipped.items()
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": VERSION,
                "semanticVersion": VERSION,
                "informationUri": INFO_URI,
                "rules": [rule_descriptor(r) for r in rules],
            }
        },
        "automationDetails": {"id": "mlguard/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot(report)}},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
                "toolConfigurationNotifications": [
                    {"level": "warning", "message": {"text": note}} for note in report.notes
                ],
            }
        ],
        "results": [
            _result(f, index[f.rule_id], report.scan.uri_prefix) for f in report.violations
        ],
        "properties": {
            "nothingToScan": report.nothing_to_scan,
            "maturityLevel": None if report.nothing_to_scan or not a.assessed else a.level,
            "nextLevel": None if report.nothing_to_scan else a.next_level,
            "score": None if report.nothing_to_scan else a.score,
            "repositoryKind": a.kind.name if a.kind else None,
            "categoryScores": {c.name: c.score for c in a.categories},
            "missingForNextLevel": [g.rule_id for g in a.missing],
            "violations": len(report.violations),
            "practiceGaps": [
                {
                    "ruleId": f.rule_id,
                    "status": report.result_of(f.rule_id).status.value,
                    "message": f.message,
                }
                for f in sorted(report.gaps, key=lambda g: g.rule_id)
            ],
            "suppressed": report.suppressed,
            "knownFindings": report.known,
            "policy": report.policy.name,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
