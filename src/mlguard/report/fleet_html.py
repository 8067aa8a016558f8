"""`mlguard fleet -f html`: the fleet as one self-contained page.

Inline CSS only: no script, no font, nothing fetched, so it opens from a CI artifact or an
e-mail attachment and prints as it shows. Every name, title and path comes from the
reports and is escaped twice: bidirectional controls made visible, then HTML-escaped.
"""

from __future__ import annotations

from html import escape

from mlguard.report.document import TOOL_NAME
from mlguard.results.fleet import Fleet, Repository
from mlguard.safeio import escapes

STYLE = """
:root { color-scheme: light dark; --line: #8884; --muted: #777; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.marked { font-style: italic; }
"""


def _t(text: object) -> str:
    return escape(escapes.bidi(str(text)), quote=True)


def _level(r: Repository) -> str:
    p = r.latest
    if p.nothing_to_scan:
        return "nothing to scan"
    if not p.assessed or p.level is None:
        return "not assessed"
    return f"Level {p.level}"


def _trend(r: Repository) -> str:
    scores = [p.score for p in r.points if p.score is not None]
    if len(scores) < 2:
        return ""
    return " → ".join(str(s) for s in scores[-6:])


def render_html(fleet: Fleet, top: int) -> str:
    mean = fleet.mean_score
    summary = (
        f"{len(fleet.repositories)} repositories from {fleet.reports} reports "
        f"(mlguard {fleet.version}, policy {fleet.policy})"
        + ("" if mean is None else f"; mean practice score {mean}")
    )
    rows = []
    for r in fleet.repositories:
        p = r.latest
        marked = ' class="marked"' if r.marks else ""
        rows.append(
            f"<tr{marked}><td>{_t(r.name)}</td><td>{_t(_level(r))}</td>"
            f'<td class="num">{"" if p.score is None else p.score}</td>'
            f'<td class="num">{p.violations}</td><td class="num">{p.practice_gaps}</td>'
            f"<td>{_t(_trend(r))}</td><td>{_t('; '.join(r.marks))}</td></tr>"
        )
    missing = [
        f"<tr><td><code>{_t(c.rule_id)}</code></td><td>{_t(c.title)}</td>"
        f'<td class="num">{c.missing} of {c.applicable}</td>'
        f'<td class="num">{c.blocking}</td></tr>'
        for c in fleet.rules[:top]
    ]
    levels = ", ".join(f"{_t(state)}: <strong>{n}</strong>" for state, n in fleet.levels.items())
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{TOOL_NAME} fleet</title><style>{STYLE}</style></head><body>",
        f"<h1>{TOOL_NAME} fleet</h1>",
        f'<p class="muted">{_t(summary)}</p>',
        f"<p>{levels}</p>",
        "<h2>Repositories</h2>",
        "<table><thead><tr><th>Repository</th><th>Level</th><th>Score</th>"
        "<th>Violations</th><th>Practice gaps</th><th>Score over time</th>"
        "<th>Notes</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "<h2>Practices most often missing</h2>",
        '<p class="muted">Repositories without the practice, of those where it applies; '
        "blocking: missing for the repository's next level.</p>",
    ]
    if missing:
        body += [
            "<table><thead><tr><th>Rule</th><th>Practice</th><th>Missing</th>"
            "<th>Blocking</th></tr></thead><tbody>",
            *missing,
            "</tbody></table>",
        ]
    else:
        body.append("<p>No practice is missing in any repository.</p>")
    body.append("</body></html>")
    return "\n".join(body) + "\n"
