"""Markdown for a GitHub job summary or a pull-request comment.

The level and verdict first, then what is missing for the next level, the category table
and the most severe findings. Always under GitHub's 1 MiB per-step summary limit: at most
``TOP_FINDINGS`` findings are listed, cells are shortened, and the text is cut (with a note)
if it still does not fit.
"""

from __future__ import annotations

from mlguard.model import Finding, Status
from mlguard.report.document import TOOL_NAME, VERSION, Report, plural
from mlguard.safeio import escapes

LIMIT_BYTES = 1024 * 1024
BUDGET_BYTES = LIMIT_BYTES - 4096
TOP_FINDINGS = 50
CELL_CHARS = 200


def cell(text: str, limit: int = CELL_CHARS) -> str:
    """Text from the scan in a table cell or a line: single line, at most ``limit``
    characters, every Markdown/HTML character escaped (no link, image or markup)."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return escapes.markdown(flat)


def _code(text: str) -> str:
    flat = " ".join(text.split())
    return escapes.code_span(flat if len(flat) <= 120 else flat[:119] + "…")


def ordered(findings: tuple[Finding, ...]) -> list[Finding]:
    """Most severe first, then by location: what a reviewer should read first."""
    return sorted(findings, key=lambda f: (-f.severity.rank, *f.sort_key()))


def render(report: Report) -> str:
    if report.nothing_to_scan:
        return (
            f"## {TOOL_NAME}: nothing found to scan — ✅ passed\n\nNo files (after .gitignore "
            f"and `paths.exclude`), so no level and no score. {TOOL_NAME} {VERSION}\n"
        )
    parts = [*_headline(report), *_missing(report), *_categories(report), *_findings(report)]
    parts.extend(_gaps(report))
    parts.extend(_footer(report))
    return fit("\n".join(parts) + "\n")


def fit(text: str, budget: int = BUDGET_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= budget:
        return text
    cut = data[:budget].decode("utf-8", errors="ignore").rsplit("\n", 1)[0]
    return cut + "\n\n_Summary cut to stay under GitHub's 1 MiB limit; see the SARIF/JSON._\n"


def _headline(report: Report) -> list[str]:
    a = report.assessment
    score = f"practice score {a.score}/100" if a.score is not None else "no practice judged"
    result = "❌ failed" if report.verdict.failed else "✅ passed"
    level = f"Level {a.level} of 3" if a.assessed else "maturity not assessed"
    out = [
        f"## {TOOL_NAME}: {level} ({score}) — {result}",
        "",
        f"Policy {_code(report.policy.name)} · {plural(len(report.violations), 'violation')} "
        f"in the code · {plural(len(report.gaps), 'practice gap')} · "
        f"{a.coverage.judged} of {a.coverage.total} practices judged · {TOOL_NAME} {VERSION}",
    ]
    if a.kind is not None:
        out += [
            "",
            f"Repository kind: **{a.kind.name}** ({cell('; '.join(a.kind.evidence), 500)}).",
        ]
    if a.assessed and a.progress:
        out += [""] + [
            f"- {'✅' if p.reached and p.level <= a.level else '⬜'} Level {p.level}: "
            f"{p.describe()}"
            for p in a.progress
        ]
    if report.verdict.failed:
        out += ["", "**Why it failed:** " + cell("; ".join(report.verdict.reasons), 1000)]
    if a.capped_by and a.uncapped_level > a.level:
        out += [
            "",
            f"Capped at Level {a.level} (Level {a.uncapped_level} otherwise) by failing gate "
            f"{'rule' if len(a.capped_by) == 1 else 'rules'}: {', '.join(a.capped_by)}.",
        ]
    notes = report.scope_notes(cell)
    if notes:
        out += ["", "_" + "; ".join(notes) + "._"]
    for note in report.notes:
        out += ["", f"> **Note:** {cell(note, 1000)}"]
    return out


def _missing(report: Report) -> list[str]:
    a = report.assessment
    if not a.assessed:
        return []
    if a.next_level is None:
        return ["", "### Level 3 reached", "", "Nothing missing."]
    out = ["", f"### Missing for Level {a.next_level}", ""]
    if not a.missing:
        return [*out, "No rule of this policy is required for the next level."]
    out += ["| Rule | Practice | Status | How to fix |", "|---|---|---|---|"]
    for gap in a.missing:
        fix = gap.fix.splitlines()[0] if gap.fix else ""
        out.append(f"| {gap.rule_id} | {cell(gap.title)} | {gap.status.value} | {cell(fix)} |")
    return out


def _categories(report: Report) -> list[str]:
    out = ["", "### Categories", "", "| Category | Score | Pass | Partial | Fail | Other |"]
    out.append("|---|---:|---:|---:|---:|---:|")
    for c in report.assessment.categories:
        score = "n/a" if c.score is None else str(c.score)
        out.append(f"| {c.name} | {score} | {c.passed} | {c.partial} | {c.failed} | {c.other} |")
    return out


def _findings(report: Report) -> list[str]:
    violations = report.violations
    if not violations:
        return ["", "### Violations in the code", "", "None."]
    shown = ordered(violations)[:TOP_FINDINGS]
    title = "Top violations" if len(violations) > len(shown) else "Violations"
    out = ["", f"### {title} in the code", "", "| Severity | Rule | Location | Message |"]
    out.append("|---|---|---|---|")
    for f in shown:
        loc = _code(f"{f.location.path}:{f.location.line}")
        out.append(f"| {f.severity.value} | {f.rule_id} | {loc} | {cell(f.message)} |")
    left = len(violations) - len(shown)
    if left:
        out += [
            "",
            f"_{plural(left, 'more violation')} not shown here; the SARIF and JSON reports list "
            "all._",
        ]
    return out


def _gaps(report: Report) -> list[str]:
    gaps = sorted(report.gaps, key=lambda f: f.rule_id)
    if not gaps:
        return []
    out = [
        "",
        f"<details><summary>{plural(len(gaps), 'practice gap')}: practices not (fully) in "
        "place</summary>",
        "",
        "| Rule | Practice | Status |",
        "|---|---|---|",
    ]
    for f in gaps:
        rule, res = report.rule(f.rule_id), report.result_of(f.rule_id)
        out.append(f"| {rule.id} | {cell(rule.title)} | {res.status.value} |")
    return [*out, "", "</details>"]


def _footer(report: Report) -> list[str]:
    out = []
    odd = [res for _, res in report.pairs if res.status in (Status.NOT_CHECKED, Status.ERROR)]
    if odd:
        out += ["", "<details><summary>Not checked / errors</summary>", ""]
        out += [f"- {res.rule_id} {res.status.value}: {cell(res.reason)}" for res in odd[:100]]
        out += ["", "</details>"]
    if report.stale:
        stale = plural(len(report.stale), "stale baseline entry", "stale baseline entries")
        out += ["", f"<details><summary>{stale}</summary>", ""]
        out += [f"- {cell(s)}" for s in report.stale[:100]]
        out += ["", "</details>"]
    return out
