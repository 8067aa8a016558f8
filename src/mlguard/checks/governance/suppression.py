"""Checks on inline ignore comments themselves (MLG001; MLG002 is decided after the scan,
when the findings meet the ignores: :mod:`mlguard.results.suppress`)."""

from __future__ import annotations

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import ignores


@register(needs_python=False)
def missing_reason(ctx: CheckContext) -> Outcome:
    """Every ``# mlguard: ignore[...]`` names at least one rule and says why."""
    found = []
    for item in ignores.collect(ctx.repo):
        if not item.rule_ids:
            problem = "names no rule id (write ignore[ID] with the rule to silence)"
        elif not item.reason:
            problem = "gives no reason (add one after the brackets)"
        else:
            continue
        found.append(ev(item.path, item.line, item.text, f"Inline ignore {problem}: {item.text}"))
    return Outcome.violations(found)
