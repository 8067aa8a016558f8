"""One rule's documentation as markdown: the single text behind ``mlguard explain``, the
SARIF ``help.markdown`` and the generated ``docs/rules/<ID>.md`` pages, so all three agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlguard.rules.catalog import RuleSpec

KIND_TEXT = {
    "practice": "practice: the repository should show evidence (pass / partial / fail)",
    "violation": "violation: each match is a finding (pass when there is none)",
}


def _check_text(rule: RuleSpec) -> str:
    check = rule.check
    if set(check) == {"python"}:
        return f"Python check `{check['python']}`"
    if "after_scan" in check:
        return f"decided after the scan, by the {check['after_scan']} stage"
    if "partial_if" in check:
        return "declarative, with a partial condition"
    return "declarative"


def _code(text: str) -> list[str]:
    return ["```", text, "```"]


def rule_markdown(rule: RuleSpec) -> str:
    """The rule's page: title, facts table, why, fix, bad/good examples, references."""
    applies = ", ".join(rule.applies_when) if rule.applies_when else "always"
    level = f"{rule.level}" if rule.level else "0 (hygiene / security, any level)"
    parts = [
        f"# {rule.id}: {rule.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Category | {rule.category} |",
        f"| Maturity level | {level} |",
        f"| Severity | {rule.severity.value} |",
        f"| Kind | {KIND_TEXT[rule.kind.value]} |",
        f"| Applies when | {applies} |",
        f"| Check | {_check_text(rule)} |",
        f"| Precision | {rule.precision} |",
        "",
        "## Why it matters",
        "",
        rule.docs.why,
        "",
        "## How to fix",
        "",
        rule.docs.fix,
    ]
    if rule.docs.bad:
        parts += ["", "## Bad", "", *_code(rule.docs.bad)]
    if rule.docs.good:
        parts += ["", "## Good", "", *_code(rule.docs.good)]
    if rule.docs.references:
        parts += ["", "## References", "", *(f"- {r}" for r in rule.docs.references)]
    return "\n".join(parts) + "\n"


def index_markdown(rules: Iterable[RuleSpec], categories: Iterable[str]) -> str:
    """``docs/rules/README.md``: one table per category, linking each rule's page."""
    by_cat: dict[str, list[RuleSpec]] = {}
    for rule in rules:
        by_cat.setdefault(rule.category, []).append(rule)
    out = [
        "# mlguard rules",
        "",
        "Generated from `rules/*.yaml` by `mlguard docs`; do not edit by hand.",
        "Level 0 rules are hygiene and security checks that apply at every maturity level.",
    ]
    for category in categories:
        if category not in by_cat:
            continue
        out += ["", f"## {category}", "", "| Rule | Title | Level | Severity | Kind |"]
        out.append("|---|---|---|---|---|")
        for r in sorted(by_cat[category], key=lambda r: r.id):
            title = r.title.replace("|", "\\|")
            row = f"| [{r.id}]({r.id}.md) | {title} | {r.level} | {r.severity.value} |"
            out.append(f"{row} {r.kind.value} |")
    return "\n".join(out) + "\n"
