"""From a scan's report to the plan of ``mlguard fix``: which files change, how, and what
is left alone (and why).

The findings decide what is fixed: the scan applied the policy, the config's excludes and
rule selection, inline ignores and the baseline, so ``mlguard fix`` changes what
``mlguard scan`` reports, nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from mlguard.fix import code, precommit, scaffolds
from mlguard.fix.files import Read, read_file
from mlguard.fix.model import Change, Plan, Skip
from mlguard.model import Kind, Status
from mlguard.report.document import Report


def failed(report: Report, rule_id: str) -> bool:
    return any(r.rule_id == rule_id and r.status == Status.FAIL for r in report.scan.results)


def build(
    report: Report,
    inputs: Callable[[], scaffolds.Inputs],
    unsafe: bool,
    read: Read | None = None,
) -> Plan:
    """``inputs`` is called only when a scaffold is due (it may open the repository)."""
    root = report.scan.root
    read = read or (lambda rel: read_file(root, rel))
    plan = Plan()
    _code_fixes(report, plan, unsafe, read)
    _scaffolds(report, plan, inputs, read)
    plan.changes.sort(key=lambda c: c.path)
    plan.unsafe.sort()
    plan.skipped.sort(key=lambda s: (s.path, s.rule_id, s.reason))
    return plan


def _code_fixes(report: Report, plan: Plan, unsafe: bool, read: Read) -> None:
    by_file: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in report.findings:
        if finding.rule_id not in code.RULES:
            continue
        path = finding.location.path
        if path.endswith(".ipynb"):
            reason = "notebook cells are not rewritten: fix the call by hand"
            plan.skipped.append(Skip(f"{path}:{finding.location.line}", reason, finding.rule_id))
        elif path.endswith(".py"):
            by_file[path][finding.location.line].add(finding.rule_id)
    for path, reason in sorted(report.scan.skipped.items()):
        if path.endswith(".py") and path not in by_file:
            plan.skipped.append(Skip(path, f"not analysed by the scan ({reason}); not fixed"))
    for path, lines in sorted(by_file.items()):
        data = read(path)
        if isinstance(data, str) or data is None:
            plan.skipped.append(Skip(path, data or "missing"))
            continue
        outcome = code.fix_source(path, data, lines, unsafe)
        plan.skipped += outcome.skipped
        plan.unsafe += outcome.unsafe
        if outcome.after is not None and outcome.after != data:
            plan.changes.append(Change(path, data, outcome.after, tuple(outcome.fixes)))


def _scaffolds(
    report: Report, plan: Plan, inputs: Callable[[], scaffolds.Inputs], read: Read
) -> None:
    due = [rule for rule in scaffolds.CREATED if failed(report, rule)]
    hooks = [precommit.NBSTRIPOUT] if failed(report, "SEC005") else []
    guarded = sorted(
        r.id
        for r in report.scan.rules
        if r.category == "security" and r.kind == Kind.VIOLATION and failed(report, r.id)
    )
    if guarded:
        hooks.append(precommit.mlguard_hook(guarded[0]))
    ignored = failed(report, "VER004")
    if not (due or hooks or ignored):
        return
    src = inputs()
    for rule in due:
        _add(plan, scaffolds.CREATED[rule](src), rule)
    if ignored:
        ok, before = _existing(read, ".gitignore", plan, "VER004")
        if ok:
            _add(plan, scaffolds.gitignore(src, before), "VER004")
    if hooks:
        rules = ", ".join(h.rule_id for h in hooks)
        ok, before = _existing(read, precommit.PATH, plan, rules)
        result = precommit.plan(before, hooks) if ok else None
        if result is not None:
            _add(plan, result, rules)


def _existing(read: Read, rel: str, plan: Plan, rule: str) -> tuple[bool, bytes | None]:
    """(readable, the file's bytes or ``None`` when it is missing); why not is noted."""
    data = read(rel)
    if isinstance(data, str):
        plan.skipped.append(Skip(rel, data, rule))
        return False, None
    return True, data


def _add(plan: Plan, result: Change | Skip, rule: str) -> None:
    if isinstance(result, Change):
        plan.changes.append(result)
    else:
        plan.skipped.append(result if result.rule_id else Skip(result.path, result.reason, rule))
