"""Markdown for a GitHub job summary or a pull-request comment.

The level and verdict first, then what is missing for the next level, the category table
and the most severe findings. Always under GitHub's 1 MiB per-step summary limit: at most
``TOP_FINDINGS`` findings are listed, cells are shortened, and the text is cut (with a note)
if it still does not fit.
"""

from __future__ import annotations

from mlguard.model import Finding, Status
from mlguard.report.document import TOOL_NAME, VERSION, Report
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
    parts = [*_headline(report), *_missing(report), *_categories(report), *_findings(report)]
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
        f"Policy {_code(report.policy.name)} · {len(report.findings)} finding(s) · "
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
    if a.capped_by:
        out += ["", f"Capped at Level {a.level} by failing gate rule(s): {', '.join(a.capped_by)}."]
    notes = []
    if report.compared_to:
        notes.append(f"only findings new since {cell(report.compared_to)}")
    if report.known:
        notes.append(f"{report.known} already known finding(s) left out")
    if report.suppressed:
        notes.append(f"{report.suppressed} finding(s) ignored inline")
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
    if not report.findings:
        return ["", "### Findings", "", "None."]
    shown = ordered(report.findings)[:TOP_FINDINGS]
    out = ["", "### Top findings", "", "| Severity | Rule | Location | Message |"]
    out.append("|---|---|---|---|")
    for f in shown:
        loc = _code(f"{f.location.path}:{f.location.line}")
        out.append(f"| {f.severity.value} | {f.rule_id} | {loc} | {cell(f.message)} |")
    left = len(report.findings) - len(shown)
    if left:
        out += [
            "",
            f"_{left} more finding(s) not shown here; the SARIF and JSON reports list all._",
        ]
    return out


def _footer(report: Report) -> list[str]:
    out = []
    odd = [res for _, res in report.pairs if res.status in (Status.NOT_CHECKED, Status.ERROR)]
    if odd:
        out += ["", "<details><summary>Not checked / errors</summary>", ""]
        out += [f"- {res.rule_id} {res.status.value}: {cell(res.reason)}" for res in odd[:100]]
        out += ["", "</details>"]
    if report.stale:
        out += ["", f"<details><summary>{len(report.stale)} stale baseline entr(ies)</summary>", ""]
        out += [f"- {cell(s)}" for s in report.stale[:100]]
        out += ["", "</details>"]
    return out
