"""bandit's tests as mlguard rules (BAN101...BAN704): one bandit run per scan, shared.

Python files and notebooks' code cells are analysed (notebook lines map back to the
``.ipynb`` file). Findings carry bandit's message and its per-issue severity/confidence;
their fingerprint uses the code line with string literals blanked, so no literal (and no
secret) reaches a report. Defaults for ML code: see :mod:`mlguard.rules.bandit_rules`.
"""

from __future__ import annotations

import re

from mlguard.analyzers.bandit_adapter import BanditIssue, BanditRun
from mlguard.analyzers.notebook import NotebookFacts
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome
from mlguard.checks.registry import register
from mlguard.facts.bandit import Notebooks, issues_by_test, the_run
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Location
from mlguard.repo import globs
from mlguard.rules.bandit_rules import OFF_BY_DEFAULT

REDACTED_MESSAGES = {
    "B105": "Possible hardcoded password (value not shown)",
    "B106": "Possible hardcoded password in a function argument (value not shown)",
    "B107": "Possible hardcoded password as an argument default (value not shown)",
}
MAX_SHAPE = 2000  # characters of the code line that feed the fingerprint
STRING_LITERAL = re.compile(r"(?P<q>['\"])(?:\\.|(?!(?P=q)).){0,400}(?P=q)")


def bandit_run(repo: Facts) -> tuple[BanditRun, Notebooks]:
    """The scan's one bandit run (made by the analysis workers, which run bandit along with
    parsing), and the notebooks it read."""
    return the_run(repo)


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def _evidence(repo: Facts, issue: BanditIssue, nb: NotebookFacts | None) -> Evidence:
    if issue.code or issue.file_line:  # placed by the analysis workers: no re-read
        location = Location(
            issue.label, issue.file_line or issue.line, None if issue.file_line else issue.column
        )
        code = issue.code
    elif nb is not None:  # notebook: the line of the .ipynb; columns differ there
        location = Location(issue.label, nb.file_line(issue.line))
        code = _line(nb.source.splitlines(), issue.line)
    else:
        location = Location(issue.label, issue.line, issue.column)
        code = _line(repo.lines(issue.label), issue.line)
    text = REDACTED_MESSAGES.get(issue.test_id, issue.text)
    message = (
        f"{text} [bandit {issue.test_id}: {issue.severity} severity, {issue.confidence} confidence]"
    )
    shape = STRING_LITERAL.sub('""', " ".join(code[:MAX_SHAPE].split()))
    return Evidence(location, text=f"{issue.test_id}|{shape}", message=message)


@register
def issues(ctx: CheckContext) -> Outcome:
    """The issues bandit's test ``params.test_id`` reports (``# nosec`` honoured)."""
    test_id = str(ctx.param("test_id", ""))
    if not ctx.param("enabled", True):
        if test_id in OFF_BY_DEFAULT:
            reason = OFF_BY_DEFAULT[test_id]
            raise NotApplicable(f"off by default ({reason}); enable with params.enabled: true")
        raise NotApplicable("disabled by the policy (params.enabled: false)")
    run, notebooks = bandit_run(ctx.repo)
    if run.error:
        raise NotCheckable(run.error)
    if test_id not in run.available:
        raise NotCheckable(f"the installed bandit {run.version} has no test {test_id}")
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    return Outcome.violations(
        _evidence(ctx.repo, issue, notebooks.get(issue.label))
        for issue in _issues_of(ctx.repo, run, test_id)
        if not (skip and globs.match_any(issue.label, skip))
    )


def _issues_of(repo: Facts, run: BanditRun, test_id: str) -> list[BanditIssue]:
    """The run's issues of one bandit test, in run order (grouped once per run)."""
    return list(issues_by_test(repo).get(test_id, ()))
