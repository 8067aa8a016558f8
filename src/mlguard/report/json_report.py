"""Versioned JSON report (schema: ``mlguard/rules/schemas/report.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from mlguard.model import Evidence, Finding, RuleResult, Status, fingerprint
from mlguard.report.document import TOOL_NAME, VERSION, Report
from mlguard.report.sarif import finding_uri
from mlguard.results import mltestscore
from mlguard.results.scoring import Assessment, Gap

SCHEMA_VERSION = "1.1"
MAX_EVIDENCE = 20


def finding_dict(f: Finding, report: Report) -> dict[str, Any]:
    """A finding, its kind (``violation`` in the code, ``practice`` gap of the repository),
    its rule's category and the fingerprint its SARIF result carries (``mlguard/v1``)."""
    rule = report.rule(f.rule_id)
    return {
        "rule_id": f.rule_id,
        "kind": rule.kind.value,
        "category": rule.category,
        "path": f.location.path,
        "line": f.location.line,
        "message": f.message,
        "severity": f.severity.value,
        "fingerprint": fingerprint(f, finding_uri(f, report.scan.uri_prefix)),
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


def _evidence(res: RuleResult) -> list[dict[str, Any]]:
    """What made a rule pass (or partly pass): where, and the text found there."""
    if res.status not in (Status.PASS, Status.PARTIAL):
        return []
    return [_evidence_item(e) for e in res.evidence[:MAX_EVIDENCE]]


def _evidence_item(e: Evidence) -> dict[str, Any]:
    item: dict[str, Any] = {"path": e.location.path, "line": e.location.line}
    if e.text:
        item["text"] = e.text
    return item


def as_dict(report: Report) -> dict[str, Any]:
    a = report.assessment
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": VERSION},
        "policy": {"name": report.policy.name, "sources": list(report.policy.sources)},
        "nothing_to_scan": report.nothing_to_scan,
        "counts": {
            "violations": len(report.violations),
            "practice_gaps": len(report.gaps),
        },
        "maturity": None
        if report.nothing_to_scan
        else {
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
                "evidence": _evidence(res),
                **({"prerequisite_only": True} if res.prerequisite else {}),
            }
            for rule, res in report.pairs
        ],
        "ml_test_score": mltestscore.as_dict(report.ml_test_score),
        "findings": [finding_dict(f, report) for f in report.findings],
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
    data = as_dict(report)
    if report.nothing_to_scan:  # no rule judged anything
        data.update(categories=[], rules=[])
        del data["ml_test_score"]
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
