"""Checks on inline ignore comments themselves (rules MLG001, MLG002)."""

from __future__ import annotations

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import ignores


@register("suppression.missing_reason")
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


@register("suppression.unused")
def unused(ctx: CheckContext) -> Outcome:
    """Decided after the scan, when findings meet ignores (see ``mlguard.results.suppress``).

    Here the rule passes; the suppression stage turns it into a failure with one finding
    per ignored rule id that matched nothing.
    """
    return Outcome.passed(
        ev(i.path, i.line, i.text) for i in ignores.collect(ctx.repo) if i.rule_ids
    )
