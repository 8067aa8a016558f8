"""The text ``mlguard fix`` prints: each fix (file:line, rule, what changed), the fixes
left for ``--unsafe-fixes``, what was skipped and why, and a count."""

from __future__ import annotations

from mlguard.analyzers import redaction
from mlguard.fix.model import Plan


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "es" if noun.endswith("x") else "s")


def lines(plan: Plan, applied: bool) -> list[str]:
    """``applied``: the fixes were written (else: they would be, --diff)."""
    out = [f"{f.path}:{f.line}: {f.rule_id} {f.what}" for f in plan.fixes]
    if plan.unsafe:
        out.append("Available with --unsafe-fixes:")
        out += [f"  {f.path}:{f.line}: {f.rule_id} {f.what}" for f in plan.unsafe]
    if plan.skipped:
        out.append("Not fixed:")
        out += [
            f"  {s.path}: {s.rule_id + ' ' if s.rule_id else ''}{s.reason}" for s in plan.skipped
        ]
    fixes, files = len(plan.fixes), len(plan.changes)
    if not fixes:
        verdict = "nothing to fix"
    elif applied:
        verdict = f"{_plural(fixes, 'fix')} applied in {_plural(files, 'file')}"
    else:
        verdict = f"{_plural(fixes, 'fix')} would be applied in {_plural(files, 'file')}"
    if plan.unsafe:
        verdict += f"; {len(plan.unsafe)} more with --unsafe-fixes"
    out.append(f"mlguard fix: {verdict}")
    return [redaction.text(line) for line in out]
