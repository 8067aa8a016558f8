"""Versioned JSON report (schema: ``mlguard/rules/schemas/report.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from mlguard.model import Finding
from mlguard.report.document import TOOL_NAME, VERSION, Report
from mlguard.results import mltestscore
from mlguard.results.scoring import Assessment, Gap

SCHEMA_VERSION = "1.0"


def finding_dict(f: Finding, prefix: str = "") -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "path": f.location.path,
        "line": f.location.line,
        "message": f.message,
        "severity": f.severity.value,
    }


def _gap(g: Gap) -> dict[str, Any]:
    return {
        "rule_id": g.rule_id,
        "title": g.title,
        "status": g.status.value,
        "reason": g.reason,
        "fix": g.fix,
    }


def _counted(in_place: float, applicable: int) -> dict[str, Any]:
    whole = in_place == int(in_place)
    return {"in_place": int(in_place) if whole else in_place, "applicable": applicable}


def _kind(a: Assessment) -> dict[str, Any] | None:
    if a.kind is None:
        return None
    return {"name": a.kind.name, "evidence": list(a.kind.evidence), "source": a.kind.source}


def as_dict(report: Report) -> dict[str, Any]:
    a = report.assessment
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": VERSION},
        "policy": {"name": report.policy.name, "sources": list(report.policy.sources)},
        "maturity": {
            "assessed": a.assessed,
            "level": a.level if a.assessed else None,
            "next_level": a.next_level,
            "score": a.score,
            "coverage": {"judged": a.coverage.judged, "practices": a.coverage.total},
            "kind": _kind(a),
            "capped_by": list(a.capped_by),
            "uncapped_level": a.uncapped_level if a.assessed else None,
            "progress": [
                {
                    "level": p.level,
                    "reached": p.reached and a.assessed,
                    "defining": _counted(p.defining_in_place, p.defining_total),
                    "supporting": _counted(p.supporting_in_place, p.supporting_total),
                    "summary": p.describe(),
                }
                for p in a.progress
            ],
            "missing": [_gap(g) for g in a.missing],
            "to_improve": [_gap(g) for g in a.supporting_missing],
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
        "ml_test_score": mltestscore.as_dict(report.ml_test_score),
        "findings": [finding_dict(f) for f in report.findings],
        "suppressed": report.suppressed,
        "known": report.known,
        "stale_baseline": list(report.stale),
        "compared_to": report.compared_to,
        "notes": list(report.notes),
        "skipped": [{"path": p, "reason": r} for p, r in report.scan.skipped.items()],
        "traits": dict(report.scan.traits),
        "ci": {
            "systems": [
                {"name": name, "files": list(files)}
                for name, files in sorted(report.scan.ci.items())
            ]
        },
        "result": {"failed": report.verdict.failed, "reasons": list(report.verdict.reasons)},
    }


def render(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
