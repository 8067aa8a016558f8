"""One self-contained HTML page: the maturity ladder, the scores, the findings.

Everything is rendered here, server-side: the page reads fully without JavaScript, prints
(``@media print``) and follows the reader's light or dark scheme. The inline script only
adds the filters (severity, rule, category, search), which it also reads from and writes
to the URL fragment (``#severity=error&q=pickle``), so a filtered view can be linked. The
page fetches nothing: no external script, style sheet, font or image.

Every text taken from the scanned repository (paths, messages, snippets, reasons, the
repository kind's evidence) is shown with control and bidirectional characters escaped and
then HTML-escaped; snippets go through the redaction path like every message.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from mlguard.analyzers import redaction
from mlguard.model import Finding, Severity, Status
from mlguard.report import trend
from mlguard.report.document import TOOL_NAME, VERSION, Report, plural
from mlguard.report.text import clean
from mlguard.results.mltestscore import Estimate
from mlguard.results.scoring import MAX_LEVEL, Assessment, Gap

LEVEL_MEANING = {
    0: "Manual, ad hoc",
    1: "ML pipeline automation, versioned models and data",
    2: "CI/CD for ML: automated testing, validation, deployment",
    3: "Monitoring and governance",
}
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)
SNIPPET_CHARS = 300


def e(text: object) -> str:
    """Text from the scan as HTML text or attribute value: control and bidirectional
    characters shown escaped, then ``& < > " '`` escaped."""
    return html.escape(clean(text), quote=True)


def _num(value: float) -> str:
    return f"{value:g}"


def _pct(part: float, whole: float) -> int:
    return round(100 * part / whole) if whole else 0


def _bar(part: float, whole: float, label: str) -> str:
    return (
        f'<div class="bar" role="img" aria-label="{e(label)}">'
        f'<span style="width:{_pct(part, whole)}%"></span></div>'
    )


def render(report: Report) -> str:
    if report.nothing_to_scan:
        body = (
            f"<header><h1>{TOOL_NAME}: nothing found to scan</h1>"
            f"<p>No files in {e(report.scan.root)} (after .gitignore and "
            "<code>paths.exclude</code>), so no level and no score.</p></header>"
        )
        return _page(f"{TOOL_NAME}: nothing to scan", body, script=False)
    a = report.assessment
    body = "\n".join(
        [
            _header(report),
            '<div class="grid">',
            _ladder(a),
            '<div class="side">',
            _scores(a),
            _mts(report.ml_test_score),
            "</div></div>",
            trend.section(report.history) if report.history else "",
            _violations(report),
            _gaps(report),
            _other(report),
            f"<footer>{TOOL_NAME} {e(VERSION)} · policy {e(report.policy.name)}</footer>",
        ]
    )
    level = f"Level {a.level}" if a.assessed else "not assessed"
    return _page(f"{TOOL_NAME}: {level}", body, script=bool(report.violations))


def _header(report: Report) -> str:
    a = report.assessment
    verdict = (
        '<strong class="verdict failed">Failed</strong> — ' + e("; ".join(report.verdict.reasons))
        if report.verdict.failed
        else '<strong class="verdict passed">Passed</strong>'
    )
    level = (
        f'Level <span id="level">{a.level}</span> of {MAX_LEVEL}'
        if a.assessed
        else '<span id="level">not assessed</span>'
    )
    score = f"{a.score}/100" if a.score is not None else "n/a"
    out = [
        "<header>",
        f"<h1>{TOOL_NAME}: {level}</h1>",
        f'<p class="root">{e(report.scan.root)}</p>',
        f"<p>{verdict}</p>",
        '<ul class="counts">',
        f'<li><b id="count-violations">{len(report.violations)}</b> '
        f"{'violation' if len(report.violations) == 1 else 'violations'} in the code</li>",
        f'<li><b id="count-gaps">{len(report.gaps)}</b> '
        f"{'practice gap' if len(report.gaps) == 1 else 'practice gaps'}</li>",
        f'<li>practice score <b id="score">{score}</b></li>',
        f"<li>{a.coverage.judged} of {a.coverage.total} practices judged</li>",
        "</ul>",
    ]
    if a.kind is not None:
        source = "" if a.kind.source == "detected" else f", set in {e(a.kind.source)}"
        out.append(
            f'<p id="kind">Repository kind: <b>{e(a.kind.name)}</b>{source}</p><ul class="ev">'
            + "".join(f"<li>{e(item)}</li>" for item in a.kind.evidence)
            + "</ul>"
        )
    notes = report.scope_notes(e)
    if notes:
        out.append(f'<p class="muted">{"; ".join(notes)}.</p>')
    out.extend(f'<p class="note">Note: {e(note)}</p>' for note in report.notes)
    return "\n".join([*out, "</header>"])


def _ladder(a: Assessment) -> str:
    out = ['<section id="ladder" aria-labelledby="ladder-h">', '<h2 id="ladder-h">Maturity</h2>']
    if not a.assessed:
        name = a.kind.name if a.kind else "this kind"
        out.append(
            f'<p class="note">Not assessed: the maturity scale is for repositories that train '
            f"or serve their own models, and this one is <b>{e(name)}</b>. Set "
            "<code>kind:</code> in .mlguard.yaml if it is one.</p>"
        )
    if a.capped_by and a.uncapped_level > a.level:
        rules = ", ".join(e(r) for r in a.capped_by)
        out.append(
            f'<p class="note">Capped at Level {a.level} (Level {a.uncapped_level} otherwise) '
            f"by failing gate {'rule' if len(a.capped_by) == 1 else 'rules'}: {rules}.</p>"
        )
    out.append('<ol class="ladder">')
    for level in range(MAX_LEVEL, -1, -1):
        out.append(_rung(a, level))
    out.append("</ol></section>")
    return "\n".join(out)


def _rung(a: Assessment, level: int) -> str:
    reached = a.assessed and level <= a.level
    if not a.assessed:
        state, badge = "ahead", ""
    elif level == a.level:
        state, badge = "current", "you are here"
    elif reached:
        state, badge = "reached", "reached"
    elif level == a.next_level:
        state, badge = "next", "next"
    else:
        state, badge = "ahead", ""
    out = [
        f'<li class="rung {state}" data-level="{level}" data-state="{state}">',
        f'<div class="rung-head"><span class="lvl">Level {level}</span> '
        f'<span class="meaning">{LEVEL_MEANING[level]}</span>'
        + (f' <span class="badge">{badge}</span>' if badge else "")
        + "</div>",
    ]
    progress = next((p for p in a.progress if p.level == level), None)
    if progress is not None:
        for part, got, total in (
            ("defining", progress.defining_in_place, progress.defining_total),
            ("supporting", progress.supporting_in_place, progress.supporting_total),
        ):
            label = f"{_num(got)} of {total} {part}"
            out.append(
                f'<div class="prog {part}"><span class="plabel">{label}</span>'
                f"{_bar(got, total, label)}</div>"
            )
    if a.assessed and level == a.next_level:
        out.append(_missing(a.missing, a.supporting_missing, level))
    return "\n".join([*out, "</li>"])


def _missing(missing: tuple[Gap, ...], improve: tuple[Gap, ...], level: int) -> str:
    out = [f'<div class="missing" id="missing"><h3>Missing for Level {level}</h3>']
    if not missing:
        out.append("<p>No rule of this policy is required for the next level.</p>")
    out.append(_gap_list(missing, "gaps-missing"))
    if improve:
        out.append(
            f"<details><summary>Supporting practices to improve ({len(improve)})</summary>"
            + _gap_list(improve, "gaps-improve")
            + "</details>"
        )
    return "\n".join([*out, "</div>"])


def _gap_list(gaps: Iterable[Gap], ident: str) -> str:
    items = []
    for g in gaps:
        reason = g.reason or "nothing in the repository shows it"
        fix = g.fix.splitlines()[0] if g.fix else ""
        items.append(
            f'<li data-rule="{e(g.rule_id)}"><span class="st st-{e(g.status.value)}">'
            f"{e(g.status.value)}</span> <b>{e(g.rule_id)}</b> {e(g.title)}"
            f'<div class="why">why: {e(reason)}</div>'
            + (f'<div class="fix">fix: {e(fix)}</div>' if fix else "")
            + "</li>"
        )
    return f'<ul class="gaps" id="{ident}">' + "".join(items) + "</ul>" if items else ""


def _scores(a: Assessment) -> str:
    score = a.score
    ring = ""
    if score is not None:
        ring = (
            '<svg class="ring" viewBox="0 0 36 36" width="96" height="96" aria-hidden="true">'
            '<circle cx="18" cy="18" r="15.9155" class="track"/>'
            f'<circle cx="18" cy="18" r="15.9155" class="fill" stroke-dasharray="{score} 100"/>'
            f'<text x="18" y="21">{score}</text></svg>'
        )
    out = [
        '<section id="scores" aria-labelledby="scores-h">',
        '<h2 id="scores-h">Practice score</h2>',
        f'<div class="score">{ring}<p>{score if score is not None else "n/a"}/100: the '
        "weighted share of the applicable practices in place (partial counts half).</p></div>",
        '<table class="cats"><thead><tr><th>Category</th><th>Score</th><th></th>'
        '<th>pass</th><th><abbr title="partial">part</abbr></th><th>fail</th>'
        '<th><abbr title="not applicable, not checked or error">other</abbr></th></tr>'
        "</thead><tbody>",
    ]
    for c in a.categories:
        shown = "n/a" if c.score is None else str(c.score)
        out.append(
            f'<tr data-category="{e(c.name)}"><th>{e(c.name)}</th><td>{shown}</td>'
            f"<td>{_bar(c.score or 0, 100, f'{c.name} {shown}')}</td>"
            f"<td>{c.passed}</td><td>{c.partial}</td><td>{c.failed}</td><td>{c.other}</td></tr>"
        )
    return "\n".join([*out, "</tbody></table></section>"])


def _mts(est: Estimate) -> str:
    out = [
        '<section id="mts" aria-labelledby="mts-h">',
        f'<h2 id="mts-h">ML Test Score estimate: <span id="mts-score">{_num(est.score)}</span>'
        "</h2>",
        f'<p class="muted">{e(est.note)}</p>',
        '<table class="cats"><tbody>',
    ]
    for name, value in est.sections:
        out.append(
            f"<tr><th>{e(name)}</th><td>{_num(value)} / 7</td>"
            f"<td>{_bar(value, 7, f'{name} {_num(value)} of 7')}</td></tr>"
        )
    out.append('</tbody></table><details><summary>The 28 tests</summary><ul class="mts">')
    for t in est.tests:
        rules = ", ".join(f"{e(r)} {e(s.value)}" for r, s in t.rules)
        how = "needs a human attestation" if t.attest_only else rules or "no mapped rule scanned"
        out.append(f"<li><b>{e(t.id)}</b> {_num(t.value)} — {e(t.title)} <i>({how})</i></li>")
    return "\n".join([*out, "</ul></details></section>"])


def _snippet(f: Finding) -> str:
    text = f.snippet.split("\0", 1)[0]
    if not text or text == f.rule_id:
        return ""
    text = redaction.text(text)
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1] + "…"
    return "<pre><code>" + "\n".join(e(line) for line in text.splitlines()) + "</code></pre>"


def _violations(report: Report) -> str:
    findings = report.violations
    out = [
        '<section id="violations" aria-labelledby="violations-h">',
        f'<h2 id="violations-h">Violations in the code ({len(findings)})</h2>',
    ]
    if not findings:
        return "\n".join([*out, "<p>None.</p></section>"])
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    rules = sorted(by_rule)
    categories = sorted({report.rule(r).category for r in rules})
    out.append(_filters(rules, categories, len(findings)))
    for rule_id in rules:
        rule = report.rule(rule_id)
        group = sorted(by_rule[rule_id], key=lambda f: (-f.severity.rank, *f.sort_key()))
        out.append(
            f'<section class="rule-group" data-rule="{e(rule_id)}" '
            f'data-category="{e(rule.category)}"><h3><span class="sev sev-'
            f'{e(rule.severity.value)}">{e(rule.severity.value)}</span> {e(rule_id)} '
            f'{e(rule.title)} <span class="muted">· {e(rule.category)} · '
            f"{plural(len(group), 'finding')}</span></h3><ul>"
        )
        for f in group:
            loc = f"{f.location.path}:{f.location.line}"
            out.append(
                f'<li class="finding" data-rule="{e(rule_id)}" data-category='
                f'"{e(rule.category)}" data-severity="{e(f.severity.value)}">'
                f'<span class="sev sev-{e(f.severity.value)}">{e(f.severity.value)}</span> '
                f'<code class="loc">{e(loc)}</code> <span class="msg">{e(f.message)}</span>'
                f"{_snippet(f)}</li>"
            )
        out.append("</ul></section>")
    out.append('<p id="none-shown" hidden>No violation matches the filters.</p>')
    return "\n".join([*out, "</section>"])


def _filters(rules: list[str], categories: list[str], total: int) -> str:
    sev = "".join(
        f'<label><input type="checkbox" name="severity" value="{s.value}" checked> '
        f"{s.value}</label>"
        for s in SEVERITIES
    )
    rule_opts = "".join(f'<option value="{e(r)}">{e(r)}</option>' for r in rules)
    cat_opts = "".join(f'<option value="{e(c)}">{e(c)}</option>' for c in categories)
    return (
        '<form id="filters" class="filters" hidden role="search">'
        f"<fieldset><legend>Severity</legend>{sev}</fieldset>"
        f'<label>Rule <select name="rule"><option value="">all</option>{rule_opts}</select>'
        "</label>"
        '<label>Category <select name="category"><option value="">all</option>'
        f"{cat_opts}</select></label>"
        '<label>Search <input type="search" name="q" placeholder="path, message, code">'
        "</label>"
        f'<output id="shown-count"><b id="shown">{total}</b> of {total} shown</output></form>'
    )


def _gaps(report: Report) -> str:
    gaps = sorted(report.gaps, key=lambda f: f.rule_id)
    out = [
        '<section id="practice-gaps" aria-labelledby="gaps-h">',
        f'<h2 id="gaps-h">Practice gaps ({len(gaps)})</h2>',
        '<p class="muted">Practices not (fully) in place in the repository: they set the level '
        "and the scores" + ("" if report.policy.fail_practices else ", not the result") + ".</p>",
    ]
    if not gaps:
        return "\n".join([*out, "<p>None.</p></section>"])
    out.append(
        '<table class="gap-table"><thead><tr><th>Rule</th><th>Status</th><th>Practice</th>'
        "<th>Where</th></tr></thead><tbody>"
    )
    for f in gaps:
        rule, res = report.rule(f.rule_id), report.result_of(f.rule_id)
        where = f"{f.location.path}:{f.location.line}" if res.evidence else ""
        out.append(
            f'<tr data-rule="{e(rule.id)}"><td><b>{e(rule.id)}</b></td>'
            f'<td><span class="st st-{e(res.status.value)}">{e(res.status.value)}</span></td>'
            f"<td>{e(f.message)}</td><td><code>{e(where)}</code></td></tr>"
        )
    return "\n".join([*out, "</tbody></table></section>"])


def _other(report: Report) -> str:
    odd = [res for _, res in report.pairs if res.status in (Status.NOT_CHECKED, Status.ERROR)]
    out = []
    if odd:
        out.append(f"<details><summary>Not checked / errors ({len(odd)})</summary><ul>")
        out += [f"<li>{e(r.rule_id)} {e(r.status.value)}: {e(r.reason)}</li>" for r in odd]
        out.append("</ul></details>")
    if report.scan.skipped:
        out.append(f"<details><summary>Skipped files ({len(report.scan.skipped)})</summary><ul>")
        out += [f"<li>{e(p)}: {e(why)}</li>" for p, why in report.scan.skipped.items()]
        out.append("</ul></details>")
    if report.stale:
        out.append(f"<details><summary>Stale baseline entries ({len(report.stale)})</summary><ul>")
        out += [f"<li>{e(s)}</li>" for s in report.stale]
        out.append("</ul></details>")
    return '<section id="other">' + "\n".join(out) + "</section>" if out else ""


def _page(title: str, body: str, *, script: bool) -> str:
    js = f"<script>{SCRIPT}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n{js}\n</body></html>\n"
    )


STYLE = """
:root{--bg:#fff;--fg:#1b1f24;--muted:#59636e;--card:#f6f8fa;--line:#d1d9e0;--accent:#0969da;
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--note:#0969da;--bar:#d8dee4}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--card:#161b22;--line:#3d444d;--accent:#4493f8;--ok:#3fb950;--warn:#d29922;--bad:#f85149;
--note:#4493f8;--bar:#30363d}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:1.5rem;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;overflow-wrap:break-word;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{margin:.2rem 0;font-size:1.7rem}h2{font-size:1.25rem;margin:0 0 .6rem}
h3{font-size:1rem;margin:.3rem 0}h4{margin:.6rem 0 .3rem;font-size:.95rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:.3rem 0 0;padding:.4rem .6rem;background:var(--bg);border:1px solid var(--line);
border-radius:6px;white-space:pre-wrap}
section,header{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:1rem 1.2rem;margin:0 0 1rem}
.muted,.root{color:var(--muted)}.root{font-family:ui-monospace,monospace;margin:0}
.counts{display:flex;flex-wrap:wrap;gap:.4rem 1.4rem;list-style:none;padding:0;margin:.5rem 0}
.counts b{font-size:1.2rem}.ev{margin:.2rem 0;color:var(--muted)}
.verdict.failed{color:var(--bad)}.verdict.passed{color:var(--ok)}
.note{border-left:4px solid var(--warn);padding:.3rem .6rem;margin:.4rem 0}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
.grid>section,.side>section{margin:0 0 1rem}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
.ladder{list-style:none;padding:0;margin:0}
.rung{border:1px solid var(--line);border-left:6px solid var(--bar);border-radius:8px;
padding:.6rem .8rem;margin:0 0 .6rem;background:var(--bg)}
.rung.reached{border-left-color:var(--ok)}
.rung.current{border-left-color:var(--accent);box-shadow:0 0 0 2px var(--accent)}
.rung.next{border-left-color:var(--warn)}.rung.ahead{opacity:.75}
.lvl{font-weight:700}.meaning{color:var(--muted)}
.badge{float:right;font-size:.8rem;padding:0 .5rem;border-radius:1rem;background:var(--accent);
color:#fff}.rung.next .badge{background:var(--warn)}.rung.reached .badge{background:var(--ok)}
.prog{display:grid;grid-template-columns:15rem 1fr;align-items:center;gap:.6rem;
font-size:.85rem;color:var(--muted)}
.bar{height:.6rem;background:var(--bar);border-radius:.3rem;overflow:hidden;min-width:4rem}
.bar span{display:block;height:100%;background:var(--accent)}
.missing{margin-top:.6rem}.missing summary{font-weight:600;margin:.5rem 0}
.gaps{padding-left:1rem;margin:.2rem 0}.gaps li{margin:.35rem 0}
.why,.fix{font-size:.85rem;color:var(--muted)}
.st,.sev{display:inline-block;font-size:.75rem;font-weight:600;padding:0 .4rem;
border-radius:.3rem;border:1px solid currentColor}
.st-fail,.sev-error,.st-error{color:var(--bad)}.st-partial,.sev-warning{color:var(--warn)}
.sev-note,.st-not-checked{color:var(--note)}.st-pass{color:var(--ok)}
.score{display:flex;gap:1rem;align-items:center}.score p{margin:0}
.ring .track{fill:none;stroke:var(--bar);stroke-width:3.2}
.ring .fill{fill:none;stroke:var(--accent);stroke-width:3.2;
transform:rotate(-90deg);transform-origin:50% 50%}
.ring text{fill:var(--fg);font-size:10px;font-weight:700;text-anchor:middle}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .4rem;
border-bottom:1px solid var(--line);vertical-align:top}
.cats{font-size:.85rem;table-layout:fixed}.cats th,.cats td{padding:.2rem .3rem}
.cats :is(th,td):first-child{width:31%}.cats :is(th,td):nth-child(2){width:11%}
.cats :is(th,td):nth-child(n+4){width:9.5%;text-align:right}
.cats thead th{font-weight:500;font-size:.75rem;white-space:nowrap}
.mts{font-size:.85rem;padding-left:1rem}
.trend{width:100%;height:auto;max-height:320px}.trend .gridline{stroke:var(--line);stroke-width:1}
.trend .axis{fill:var(--muted);font-size:11px}.trend .sha{font-family:ui-monospace,monospace}
.score-line{fill:none;stroke:var(--accent);stroke-width:2}
.level-step{fill:none;stroke:var(--ok);stroke-width:2;stroke-dasharray:6 3}
.score-dot{fill:var(--accent);stroke:var(--bg);stroke-width:1.5}.level-dot{fill:var(--ok)}
.other-scoring .score-dot{fill:var(--bg);stroke:var(--warn);stroke-width:2}
.other-scoring .level-dot{fill:var(--bg);stroke:var(--warn);stroke-width:1.5}
.trend .cross{stroke:var(--bad);stroke-width:2}
.key{display:inline-block;width:1.6rem;height:0;border-top:2px solid var(--accent);
vertical-align:middle}.level-key{border-top:2px dashed var(--ok);margin-left:1rem}
.trend-table{font-size:.85rem}
.filters{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:center;margin:0 0 .8rem;
padding:.6rem;border:1px solid var(--line);border-radius:8px;background:var(--bg)}
.filters[hidden]{display:none}
.filters fieldset{border:0;padding:0;margin:0}.filters legend{float:left;margin-right:.5rem}
.filters input,.filters select{font:inherit;color:var(--fg);background:var(--card);
border:1px solid var(--line);border-radius:6px;padding:.15rem .35rem}
.rule-group{background:var(--bg);padding:.6rem .9rem;margin:0 0 .7rem}
.rule-group ul{list-style:none;padding:0;margin:0}
.finding{padding:.45rem 0;border-top:1px solid var(--line)}
.loc{font-weight:600}.loc,.root,pre,.msg,.why,.fix,.gap-table td{overflow-wrap:anywhere}
[hidden]{display:none!important}
footer{color:var(--muted);font-size:.85rem;text-align:center}
@media print{body{max-width:none;padding:0;font-size:11px}.filters{display:none!important}
section,header,.rule-group,.rung{break-inside:avoid;box-shadow:none}
.finding[hidden],.rule-group[hidden]{display:block!important}.rung.ahead{opacity:1}}
"""

# Filters: reads the controls (and the URL fragment, e.g. #severity=error&rule=SEC001&q=x),
# hides the findings that do not match, and keeps the fragment in step with the controls.
SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  form.hidden = false;
  var items = Array.prototype.slice.call(document.querySelectorAll("li.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.rule-group"));
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=severity]"));
  function state() {
    return {
      severity: boxes.filter(function (b) { return b.checked; }).map(function (b) {
        return b.value; }),
      rule: form.elements.rule.value,
      category: form.elements.category.value,
      q: form.elements.q.value.trim().toLowerCase()
    };
  }
  function apply(save) {
    var s = state(), shown = 0;
    items.forEach(function (li) {
      var ok = s.severity.indexOf(li.dataset.severity) >= 0 &&
        (!s.rule || li.dataset.rule === s.rule) &&
        (!s.category || li.dataset.category === s.category) &&
        (!s.q || (li.dataset.rule + " " + li.textContent).toLowerCase().indexOf(s.q) >= 0);
      li.hidden = !ok;
      if (ok) shown += 1;
    });
    groups.forEach(function (g) {
      g.hidden = !g.querySelector("li.finding:not([hidden])");
    });
    document.getElementById("shown").textContent = String(shown);
    document.getElementById("none-shown").hidden = shown > 0;
    document.body.setAttribute("data-shown", String(shown));
    if (save) {
      var p = new URLSearchParams();
      if (s.severity.length < boxes.length) p.set("severity", s.severity.join(","));
      if (s.rule) p.set("rule", s.rule);
      if (s.category) p.set("category", s.category);
      if (s.q) p.set("q", form.elements.q.value.trim());
      try { history.replaceState(null, "", "#" + p.toString()); } catch (err) { /* file: */ }
    }
  }
  function load() {
    var p = new URLSearchParams(location.hash.slice(1));
    if (p.has("severity")) {
      var want = p.get("severity").split(",");
      boxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
    }
    ["rule", "category", "q"].forEach(function (name) {
      if (p.has(name)) form.elements[name].value = p.get(name);
    });
    apply(false);
  }
  form.addEventListener("input", function () { apply(true); });
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  window.addEventListener("hashchange", load);
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.open = true; });
  });
  load();
})();
"""
