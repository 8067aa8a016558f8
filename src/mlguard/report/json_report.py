"""Versioned JSON report (schema: ``mlguard/schemas/report.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from mlguard import mltestscore
from mlguard.model import Finding
from mlguard.report import TOOL_NAME, VERSION, Report

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding, prefix: str = "") -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "path": f.location.path,
        "line": f.location.line,
        "message": f.message,
        "severity": f.severity.value,
    }


def as_dict(report: Report) -> dict[str, Any]:
    a = report.assessment
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": VERSION},
        "policy": {"name": report.policy.name, "sources": list(report.policy.sources)},
        "maturity": {
            "level": a.level,
            "next_level": a.next_level,
            "score": a.score,
            "capped_by": list(a.capped_by),
            "uncapped_level": a.uncapped_level,
            "missing": [
                {
                    "rule_id": g.rule_id,
                    "title": g.title,
                    "status": g.status.value,
                    "reason": g.reason,
                    "fix": g.fix,
                }
                for g in a.missing
            ],
        },
        "categories": [
            {
                "name": c.name,
                "score": c.score,
                "pass": c.passed,
                "partial": c.partial,
                "fail": c.failed,
                "other": c.other,
            }
            for c in a.categories
        ],
        "rules": [
            {
                "id": rule.id,
                "title": rule.title,
                "status": res.status.value,
                "severity": rule.severity.value,
                "category": rule.category,
                "level": rule.level,
                "kind": rule.kind.value,
                "reason": res.reason,
                "findings": len(res.findings),
            }
            for rule, res in report.pairs
        ],
        "ml_test_score": mltestscore.as_dict(mltestscore.estimate(report.scan.results)),
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": report.suppressed,
        "known": report.known,
        "stale_baseline": list(report.stale),
        "compared_to": report.compared_to,
        "notes": list(report.notes),
        "skipped": [{"path": p, "reason": r} for p, r in report.scan.skipped.items()],
        "traits": dict(report.scan.traits),
        "result": {"failed": report.verdict.failed, "reasons": list(report.verdict.reasons)},
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
