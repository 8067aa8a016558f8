"""Human-readable report: the level and next steps first, then scores and findings."""

from __future__ import annotations

from collections.abc import Callable

import click

from mlguard.model import Severity, Status
from mlguard.report.document import VERSION, Report
from mlguard.results import mltestscore
from mlguard.results.scoring import Assessment
from mlguard.safeio import escapes

Style = Callable[..., str]
# File names and texts from the scanned repository may hold terminal escape sequences or
# newlines (a fake "Result: passed" line): control characters are shown escaped.
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(32), *range(127, 160)]}


def clean(text: object) -> str:
    """Control characters as ``\\xNN``, bidirectional controls as ``\\uXXXX``: safe for a
    terminal."""
    return escapes.bidi(str(text).translate(_CONTROLS))


_clean = clean


_clean = clean


SEV_COLOUR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
STATUS_MARK = {
    Status.PASS: "✓",
    Status.PARTIAL: "◐",
    Status.FAIL: "✗",
    Status.NA: "-",
    Status.NOT_CHECKED: "?",
    Status.ERROR: "!",
}


def _bar(score: int | None) -> str:
    if score is None:
        return "  n/a  " + " " * 10
    filled = round(score / 10)
    return f"{score:>4}   " + "█" * filled + "░" * (10 - filled)


def render(report: Report, color: bool = False) -> str:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    out: list[str] = []
    a = report.assessment
    out.append(
        f"mlguard {VERSION} · policy {_clean(report.policy.name)} · {_clean(report.scan.root)}"
    )
    if report.nothing_to_scan:
        out += ["", nothing_line(report), "", style("Result: passed", fg="green", bold=True)]
        return "\n".join(out) + "\n"
    out.extend(_maturity(a, style))
    if a.capped_by and a.uncapped_level > a.level:
        out.append(
            style(
                f"  Capped at Level {a.level} by failing gate "
                f"{'rule' if len(a.capped_by) == 1 else 'rules'}: {', '.join(a.capped_by)}"
                f" (Level {a.uncapped_level} otherwise)",
                fg="red",
            )
        )
    out.extend(_missing(report, style))
    out.extend(_categories(report))
    out.extend(mltestscore.text_lines(report.ml_test_score))
    out.extend(_findings(report, style))
    out.extend(_gaps(report))
    out.extend(_inconclusive(report))
    if report.scan.skipped:
        out.append("")
        out.append(f"Skipped files ({len(report.scan.skipped)}):")
        out.extend(f"  {_clean(path)}: {_clean(why)}" for path, why in report.scan.skipped.items())
    if report.notes:
        out.append("")
        out.extend(style(f"Note: {_clean(note)}", fg="yellow") for note in report.notes)
    out.append("")
    if report.verdict.failed:
        out.append(
            style("Result: FAILED — " + "; ".join(report.verdict.reasons), fg="red", bold=True)
        )
    else:
        out.append(style("Result: passed", fg="green", bold=True))
    return "\n".join(out) + "\n"


def _maturity(a: Assessment, style: Style) -> list[str]:
    score = f"practice score {a.score}/100" if a.score is not None else "no practice judged"
    judged = f"{a.coverage.judged} of {a.coverage.total} practices judged"
    if a.assessed:
        head = f"Maturity: Level {a.level} of 3 ({score}; {judged})"
    else:
        head = f"Maturity: not assessed ({score}; {judged})"
    out = [style(head, bold=True)]
    if a.kind is not None:
        why = "; ".join(_clean(e) for e in a.kind.evidence)
        source = "" if a.kind.source == "detected" else f", set in {_clean(a.kind.source)}"
        out.append(f"Repository: {a.kind.name} ({why}{source})")
        if not a.assessed:
            out.append(
                "  The maturity scale is for repositories that train or serve their own "
                "models; set `kind:` in .mlguard.yaml if this is one."
            )
    if a.assessed:
        for p in a.progress:
            mark = "✓" if p.reached and p.level <= a.level else " "
            out.append(f"  {mark} Level {p.level}: {p.describe()}")
    return out


def _missing(report: Report, style: Style) -> list[str]:
    a = report.assessment
    if not a.assessed:
        return []
    if a.next_level is None:
        return ["", "Level 3 reached: nothing missing."]
    out = ["", style(f"Missing for Level {a.next_level}:", bold=True)]
    if not a.missing:
        out.append("  (no rule of this policy is required for the next level)")
    for gap in a.missing:
        mark = STATUS_MARK[gap.status]
        out.append(f"  {mark} {gap.rule_id}  {gap.title}  [{gap.status.value}]")
        reason = gap.reason or f"nothing in the repository shows it (mlguard explain {gap.rule_id})"
        out.append(f"      why: {_clean(reason)}")
        out.append(f"      fix: {gap.fix.splitlines()[0]}")
    return out


def _categories(report: Report) -> list[str]:
    out = ["", "Categories:"]
    for cat in report.assessment.categories:
        counts = f"{cat.passed} pass, {cat.partial} partial, {cat.failed} fail"
        if cat.other:
            counts += f", {cat.other} other"
        out.append(f"  {cat.name:<16}{_bar(cat.score)}  ({counts})")
    return out


def nothing_line(report: Report) -> str:
    return (
        f"Nothing found to scan in {_clean(report.scan.root)}: no files (after .gitignore and "
        "paths.exclude), so no level and no score."
    )


def _findings(report: Report, style: Style) -> list[str]:
    findings = report.violations
    head = "Violations (findings in the code)"
    out = ["", f"{head}, {len(findings)}:" if findings else f"{head}: none"]
    by_cat: dict[str, list[str]] = {}
    for f in findings:
        rule = report.rule(f.rule_id)
        loc = f"{_clean(f.location.path)}:{f.location.line}"
        sev = style(f"{f.severity.value:<7}", fg=SEV_COLOUR[f.severity])
        by_cat.setdefault(rule.category, []).append(
            f"  {loc}  {sev} {f.rule_id}  {_clean(f.message)}"
        )
    for cat in sorted(by_cat):
        out.append(f" [{cat}]")
        out.extend(by_cat[cat])
    if report.suppressed:
        out.append(f"  ({report.suppressed} suppressed by inline ignores or baseline)")
    if report.compared_to:
        out.append(f"  (only findings new since {report.compared_to}; {report.known} known)")
    if report.stale:
        out.append(f"  Stale baseline entries ({len(report.stale)}), fixed or moved:")
        out.extend(f"    {entry}" for entry in report.stale)
    return out


def _gaps(report: Report) -> list[str]:
    """Practice rules not in place: repository-level, shown with their status, never with
    a severity or a line of some unrelated file."""
    gaps = report.gaps
    if not gaps:
        return []
    out = [
        "",
        f"Practice gaps ({len(gaps)}): practices not (fully) in place; they set the level and "
        "the scores" + ("" if report.policy.fail_practices else ", not the result") + ":",
    ]
    for f in sorted(gaps, key=lambda g: g.rule_id):
        rule, res = report.rule(f.rule_id), report.result_of(f.rule_id)
        where = f"  ({_clean(f.location.path)}:{f.location.line})" if res.evidence else ""
        out.append(f"  {STATUS_MARK[res.status]} {rule.id:<8} {_clean(rule.title)}{where}")
    return out


def _inconclusive(report: Report) -> list[str]:
    rows = [
        f"  {res.rule_id}  {res.status.value}: {_clean(res.reason)}"
        for _, res in report.pairs
        if res.status in (Status.NOT_CHECKED, Status.ERROR)
    ]
    return ["", "Not checked / errors:", *rows] if rows else []
