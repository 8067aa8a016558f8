"""GitHub Actions workflow hardening (CICD008): pinned actions, token permissions,
``pull_request_target`` with a PR checkout, and untrusted ``${{ }}`` expansions in scripts.

Workflows are read as parsed YAML through :class:`Facts` (``on:`` stays the string key
``"on"``); findings are placed by locating the offending text in the file.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlguard.checks.base import CheckContext, NotCheckable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence

WORKFLOWS = (".github/workflows/*.yml", ".github/workflows/*.yaml")
COMPOSITE_ACTIONS = ("action.yml", "action.yaml")  # at any depth
MAX_FINDINGS_PER_FILE = 200
SHA = re.compile(r"^[0-9a-f]{40}$")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
PR_HEAD = re.compile(
    r"github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|"
    r"github\.event\.workflow_run\.head_(sha|branch)|refs/pull/"
)
UNTRUSTED = re.compile(
    r"\$\{\{[^}]{0,200}?\b("
    r"github\.event\.(issue|pull_request|comment|review|review_comment|discussion"
    r"|discussion_comment)\.(title|body)"
    r"|github\.event\.pull_request\.head\.(ref|label|repo\.default_branch)"
    r"|github\.event\.(head_commit|commits[^}\s]{0,60}?)\.(message|author\.(name|email))"
    r"|github\.event\.workflow_run\.(head_branch|display_title|head_commit\.message)"
    r"|github\.event\.pages[^}\s]{0,60}?\.page_name"
    r"|github\.head_ref"
    r")\b[^}]{0,200}\}\}"
)


class _Locator:
    """Finds successive matches in a file's lines to give findings their line numbers."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.cursor: dict[str, int] = {}

    def find(self, key: str, pattern: re.Pattern[str], start: int = 0) -> int:
        for index in range(max(start, self.cursor.get(key, 0)), len(self.lines)):
            if pattern.search(self.lines[index]):
                self.cursor[key] = index + 1
                return index + 1
        return 1

    def text(self, needle: str) -> int:
        return self.find(f"text:{needle}", re.compile(re.escape(needle)))

    def key(self, name: str, start: int = 0) -> int:
        pattern = re.compile(rf"^\s*['\"]?{re.escape(name)}['\"]?\s*:")
        return self.find(f"key:{name}", pattern, start)


@register("cicd.workflow_hardening", needs_python=False)
def workflow_hardening(ctx: CheckContext) -> Outcome:
    """Each hardening problem in each GitHub workflow or composite action is a finding."""
    allowed = ctx.param("tag_pins_allowed", ()) or ()
    if not isinstance(allowed, str | list | tuple):
        raise NotCheckable("params.tag_pins_allowed must be a glob or a list of globs")
    trusted = (allowed,) if isinstance(allowed, str) else tuple(str(p) for p in allowed)
    found: list[Evidence] = []
    for patterns, audit in ((WORKFLOWS, _audit), (COMPOSITE_ACTIONS, _audit_action)):
        for path in ctx.repo.glob(*patterns):
            docs = ctx.repo.config(path)
            if docs and isinstance(docs[0], dict):
                items = audit(path, docs[0], _Locator(ctx.repo.lines(path)))
                kept = (f for f in items if not _allowed(f, trusted))
                found += itertools.islice(kept, MAX_FINDINGS_PER_FILE)
    return Outcome.violations(found)


def _allowed(item: Evidence, trusted: tuple[str, ...]) -> bool:
    """A tag-pinned action the policy accepts (``params.tag_pins_allowed: [actions/*]``)."""
    if not trusted or not item.text.startswith("uses ") or item.text.startswith("uses docker:"):
        return False
    action = item.text.removeprefix("uses ").split("@", 1)[0]
    return any(fnmatch.fnmatchcase(action, pattern) for pattern in trusted)


def _audit(path: str, doc: Mapping[str, Any], where: _Locator) -> Iterator[Evidence]:
    jobs = {k: v for k, v in _table(doc.get("jobs")).items() if isinstance(v, dict)}
    triggers = _triggers(doc.get("on"))
    # a reusable workflow runs with the token its caller grants
    reusable_only = triggers == {"workflow_call"}
    yield from _permissions(path, doc, jobs, where, reusable_only)
    target = "pull_request_target" in triggers
    for job_id, job in jobs.items():
        if isinstance(job.get("uses"), str):
            yield from _uses(path, job["uses"], where)
        for step in _steps(job):
            if isinstance(step.get("uses"), str):
                yield from _uses(path, step["uses"], where)
            if target:
                yield from _pr_checkout(path, job_id, step, where)
            yield from _injection(path, step, where)


def _audit_action(path: str, doc: Mapping[str, Any], where: _Locator) -> Iterator[Evidence]:
    """A composite action: its steps' ``uses:`` and scripts."""
    for step in _steps(_table(doc.get("runs"))):
        if isinstance(step.get("uses"), str):
            yield from _uses(path, step["uses"], where)
        yield from _injection(path, step, where)


def _permissions(
    path: str, doc: Mapping[str, Any], jobs: Mapping[str, Any], where: _Locator, reusable: bool
) -> Iterator[Evidence]:
    jobs_line = where.find("jobs", re.compile(r"^jobs\s*:")) - 1
    if doc.get("permissions") == "write-all":
        line = where.find("permissions", re.compile(r"^permissions\s*:"))
        yield _write_all(path, line, "workflow")
    for job_id, job in jobs.items():
        if job.get("permissions") == "write-all":
            line = where.find("write-all", re.compile(r"^\s*permissions:\s*write-all"))
            yield _write_all(path, line, f"job {job_id!r}")
        elif not reusable and "permissions" not in doc and "permissions" not in job:
            yield ev(
                path,
                where.key(job_id, jobs_line),
                f"{job_id}: no permissions",
                f"Job {job_id!r} has no `permissions:` (nor does the workflow): its "
                "GITHUB_TOKEN gets the repository default, often write access to "
                "everything; declare the least it needs (e.g. `contents: read`)",
            )


def _write_all(path: str, line: int, scope: str) -> Evidence:
    return ev(
        path,
        line,
        f"{scope}: permissions write-all",
        f"The {scope} grants `permissions: write-all`: list only the scopes it needs",
    )


def _uses(path: str, uses: str, where: _Locator) -> list[Evidence]:
    ref = uses.strip()
    if ref.startswith("./") or (ref.startswith("docker://") and DIGEST.search(ref)):
        return []
    _, _, version = ref.partition("@")
    if not ref.startswith("docker://") and SHA.match(version):
        return []
    line = where.find(f"uses:{ref}", re.compile(rf"uses:\s*['\"]?{re.escape(ref)}"))
    if ref.startswith("docker://"):
        message = f"Container action {ref} is not pinned by digest (@sha256:...)"
    else:
        message = (
            f"Action {ref} is pinned to {('tag/branch ' + version) if version else 'nothing'}"
            ", not a full commit SHA: whoever controls that ref controls this job "
            "(pin `@<40-hex sha>  # vX.Y`)"
        )
    return [ev(path, line, f"uses {ref}", message)]


def _pr_checkout(
    path: str, job_id: str, step: Mapping[str, Any], where: _Locator
) -> list[Evidence]:
    uses = str(step.get("uses", ""))
    ref = str(_table(step.get("with")).get("ref", ""))
    run = str(step.get("run", ""))
    match = None
    if uses.startswith("actions/checkout"):
        match = PR_HEAD.search(ref)
    elif re.search(r"\bgh pr checkout\b|\bgit (fetch|checkout)\b", run):
        match = PR_HEAD.search(run)
    if match is None:
        return []
    needle = match.group(0)
    line = where.text(needle)
    return [
        ev(
            path,
            line,
            f"pull_request_target checkout {needle}",
            f"Job {job_id!r} runs on pull_request_target (with secrets and a write token) "
            f"and checks out the pull request's code ({needle}): a fork can run its code "
            "with those privileges",
        )
    ]


def _injection(path: str, step: Mapping[str, Any], where: _Locator) -> list[Evidence]:
    scripts = [step.get("run")]
    if str(step.get("uses", "")).startswith("actions/github-script"):
        scripts.append(_table(step.get("with")).get("script"))
    found = []
    for script in scripts:
        if not isinstance(script, str):
            continue
        for match in UNTRUSTED.finditer(script):
            expr = match.group(0)
            line = where.text(expr)
            found.append(
                ev(
                    path,
                    line,
                    f"script injection {match.group(1)}",
                    f"{expr} is expanded into a script: text an outsider controls (a title, "
                    "body, branch name) becomes shell code; pass it through `env:` and use "
                    '"$VAR" instead',
                )
            )
    return found


def _triggers(on: Any) -> set[str]:
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(t) for t in on}
    return {str(t) for t in on} if isinstance(on, dict) else set()


def _steps(job: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    steps = job.get("steps")
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict):
            yield step


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
