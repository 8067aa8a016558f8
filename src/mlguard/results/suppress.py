"""The filter stage between the engine and the reports: inline ignores.

``apply`` removes every finding covered by an inline ignore naming its rule, counts them,
and decides rule MLG002 (ignores that match nothing). A violation rule whose findings are
all ignored passes (someone judged each one); a practice rule keeps its status, since an
ignore hides the finding but does not put the practice in place. MLG001/MLG002 findings
cannot be ignored inline.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from mlguard.engine.scan import ScanResult
from mlguard.facts import ignores
from mlguard.facts.files import Facts
from mlguard.facts.ignores import InlineIgnore
from mlguard.model import Finding, Kind, Location, RuleResult, Status
from mlguard.rules.catalog import RuleSpec

MISSING_REASON, UNUSED = "MLG001", "MLG002"
UNSUPPRESSIBLE = frozenset({MISSING_REASON, UNUSED})


@dataclass(frozen=True)
class Suppressed:
    result: ScanResult
    count: int


def _covering(
    f: Finding, by_path: dict[str, list[InlineIgnore]], locked: Collection[str]
) -> list[InlineIgnore]:
    if f.rule_id in UNSUPPRESSIBLE or f.rule_id in locked:
        return []
    start = f.location.line
    end = max(f.location.end_line or start, start)
    return [
        i
        for i in by_path.get(f.location.path, ())
        if f.rule_id in i.rule_ids and i.covers(start, end)
    ]


def apply(
    result: ScanResult,
    repo: Facts,
    known_ids: Collection[str],
    enabled: bool = True,
    locked: Collection[str] = (),
) -> Suppressed:
    """Filter ``result`` through the inline ignores of ``repo``; findings of ``locked``
    rules (gate rules under the enforced floor) cannot be ignored inline."""
    found = ignores.collect(repo)
    by_path: dict[str, list[InlineIgnore]] = {}
    for item in found:
        by_path.setdefault(item.path, []).append(item)
    used: set[tuple[InlineIgnore, str]] = set()
    count = 0
    results = []
    for rule, res in zip(result.rules, result.results, strict=True):
        kept = []
        for f in res.findings:
            covering = _covering(f, by_path, locked) if enabled else []
            used.update((i, f.rule_id) for i in covering)
            if covering:
                count += 1
            else:
                kept.append(f)
        results.append(_filtered(rule, res, tuple(kept)))
    decided = {r.rule_id for r in results if r.status.conclusive}
    results = [
        _unused(rule, res, found, used, decided, known_ids, enabled, locked)
        if rule.check.get("after_scan") == "suppression"
        else res
        for rule, res in zip(result.rules, results, strict=True)
    ]
    return Suppressed(replace(result, results=tuple(results)), count)


def _filtered(rule: RuleSpec, res: RuleResult, kept: tuple[Finding, ...]) -> RuleResult:
    gone = len(res.findings) - len(kept)
    if not gone:
        return res
    note = f"{gone} finding(s) ignored inline"
    reason = f"{res.reason}; {note}" if res.reason else note
    status = res.status
    if rule.kind == Kind.VIOLATION and not kept and status == Status.FAIL:
        status = Status.PASS
    return replace(res, status=status, findings=kept, reason=reason)


def _unused(
    rule: RuleSpec,
    res: RuleResult,
    found: tuple[InlineIgnore, ...],
    used: set[tuple[InlineIgnore, str]],
    decided: set[str],
    known_ids: Collection[str],
    enabled: bool,
    locked: Collection[str] = (),
) -> RuleResult:
    if res.status == Status.ERROR:
        return res
    if not enabled:
        return replace(res, status=Status.NOT_CHECKED, reason="inline ignores off (--no-ignores)")
    findings = []
    for item in found:
        for rule_id in item.rule_ids:
            if (item, rule_id) in used:
                continue
            if rule_id not in known_ids:
                why = f"no rule {rule_id} exists"
            elif rule_id in UNSUPPRESSIBLE:
                why = f"{rule_id} cannot be ignored inline"
            elif rule_id in locked:
                why = f"{rule_id} cannot be ignored inline under the enforced floor"
            elif rule_id in decided:
                why = f"no {rule_id} finding on this line or the next"
            else:
                continue  # the rule did not run or could not decide: no verdict on the ignore
            findings.append(
                Finding(
                    rule.id,
                    f"Unused inline ignore: {why}. Remove it or move it to the finding.",
                    Location(item.path, item.line),
                    rule.severity,
                    snippet=f"{item.text}\0{rule_id}",
                    rule_name=rule.slug,
                )
            )
    if not findings:
        return replace(res, status=Status.PASS, reason="")
    ordered = tuple(sorted(findings, key=Finding.sort_key))
    return replace(res, status=Status.FAIL, findings=ordered, reason="")
