"""GitHub Actions workflow hardening (CICD008): pinned actions, token permissions,
``pull_request_target`` with a PR checkout, and untrusted ``${{ }}`` expansions in scripts.

Workflows are read as parsed YAML (``on:`` stays the string key ``"on"``); findings are
placed on the line of the YAML node they concern (a job's findings on the job's key, a YAML
alias on its anchor), and an expression inside a script on the line where its text is.

With zizmor available, the concerns zizmor's enabled rules cover (unpinned-uses,
excessive-permissions, template-injection, unsafe-checkout) are left to them wherever zizmor
reports the same concern on the same line, so no problem is reported twice; what zizmor
does not report stays here (``params.defer_to_zizmor: false`` keeps everything).
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from mlguard.checks.base import CheckContext, NotCheckable, Outcome, ev
from mlguard.checks.cicd import workflow_dedupe as dedupe
from mlguard.checks.registry import register
from mlguard.facts.ci import workflow_files
from mlguard.model import Evidence
from mlguard.safeio.yamlio import YamlDoc, YamlProblem, load_docs

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


Route = tuple[str | int, ...]


BOOLEAN = re.compile(r"==|!=|\b(contains|startsWith|endsWith)\(", re.IGNORECASE)


class _Locator:
    """Lines of YAML nodes (keys and values) and of texts inside them."""

    def __init__(self, lines: list[str], doc: YamlDoc | None) -> None:
        self.lines = lines
        self.doc = doc
        self.cursor: dict[str, int] = {}

    def node(self, route: Route) -> yaml.Node | None:
        node = self.doc.node if self.doc is not None else None
        for part in route:
            node = _child(node, part)
        return node

    def value(self, route: Route) -> int:
        """1-based line where the value at ``route`` starts (an alias: its anchor)."""
        node = self.node(route)
        if node is None:
            return 1
        # a block scalar (``|``, ``>``) starts on the line after its indicator
        block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
        return int(node.start_mark.line) + 1 + int(block)

    def key(self, route: Route) -> int:
        """1-based line of the key that holds ``route`` (a job's ``build:`` line)."""
        parent = self.node(route[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _ in parent.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(route[-1]):
                    return int(key.start_mark.line) + 1
        return self.value(route)

    def text(self, needle: str, route: Route) -> int:
        """The line of ``needle`` within the node at ``route`` (its first line if not found;
        successive calls for the same text in the same node move on)."""
        node = self.node(route)
        if node is None:
            return 1
        first, last = node.start_mark.line, node.end_mark.line
        key = f"{route}:{needle}"  # per route: a node reached again through an alias restarts
        for index in range(max(first, self.cursor.get(key, first)), min(last + 1, len(self.lines))):
            if needle in self.lines[index]:
                self.cursor[key] = index + 1
                return index + 1
        return first + 1


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value if isinstance(value, yaml.Node) else None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child = node.value[part]
        return child if isinstance(child, yaml.Node) else None
    return None


def _document(text: str) -> YamlDoc | None:
    try:
        docs = load_docs(text)
    except YamlProblem:
        return None
    return docs[0] if docs and isinstance(docs[0].data, dict) else None


@register(needs_python=False)
def workflow_hardening(ctx: CheckContext) -> Outcome:
    """Each hardening problem in each GitHub workflow or composite action is a finding."""
    allowed = ctx.param("tag_pins_allowed", ()) or ()
    if not isinstance(allowed, str | list | tuple):
        raise NotCheckable("params.tag_pins_allowed must be a glob or a list of globs")
    trusted = (allowed,) if isinstance(allowed, str) else tuple(str(p) for p in allowed)
    found: list[Evidence] = []
    files = ((workflow_files(ctx.repo), _audit), (ctx.repo.glob(*COMPOSITE_ACTIONS), _audit_action))
    for paths, audit in files:
        for path in paths:
            text = ctx.repo.text(path)
            doc = _document(text) if text is not None else None
            if doc is not None:
                items = audit(path, doc.data, _Locator(ctx.repo.lines(path), doc))
                kept = (f for f in _once(items) if not _allowed(f, trusted))
                found += itertools.islice(kept, MAX_FINDINGS_PER_FILE)
    found = [f for f in found if not dedupe.ignored_for_zizmor(ctx.repo, f)]
    if not found or not ctx.param("defer_to_zizmor", True):
        return Outcome.violations(found)
    own = dedupe.without_zizmor_duplicates(ctx.repo, found)
    if own:
        return Outcome.violations(own)
    # Every problem is on a line where zizmor's rule for it reports it: the workflows are
    # not hardened, but the findings are zizmor's (one finding per line and concern).
    return Outcome.failed(
        f"{len(found)} hardening problem(s), each reported on its line by zizmor's rules "
        "(the ZIZ findings)"
    )


def _once(items: Iterator[Evidence]) -> Iterator[Evidence]:
    """Each (line, problem) once: a step reused through a YAML alias is one problem."""
    seen: set[tuple[int, str]] = set()
    for item in items:
        if (item.location.line, item.text) not in seen:
            seen.add((item.location.line, item.text))
            yield item


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
            yield from _uses(path, job["uses"], where, ("jobs", job_id, "uses"))
        for number, step in _steps(job):
            route: Route = ("jobs", job_id, "steps", number)
            if isinstance(step.get("uses"), str):
                yield from _uses(path, step["uses"], where, (*route, "uses"))
            if target:
                yield from _pr_checkout(path, job_id, step, where, route)
            yield from _injection(path, step, where, route)


def _audit_action(path: str, doc: Mapping[str, Any], where: _Locator) -> Iterator[Evidence]:
    """A composite action: its steps' ``uses:`` and scripts."""
    for number, step in _steps(_table(doc.get("runs"))):
        route: Route = ("runs", "steps", number)
        if isinstance(step.get("uses"), str):
            yield from _uses(path, step["uses"], where, (*route, "uses"))
        yield from _injection(path, step, where, route)


def _permissions(
    path: str, doc: Mapping[str, Any], jobs: Mapping[str, Any], where: _Locator, reusable: bool
) -> Iterator[Evidence]:
    # the workflow's permissions apply only to jobs that declare none of their own
    if doc.get("permissions") == "write-all" and any("permissions" not in j for j in jobs.values()):
        yield _write_all(path, where.key(("permissions",)), "workflow")
    for job_id, job in jobs.items():
        if job.get("permissions") == "write-all":
            yield _write_all(path, where.key(("jobs", job_id, "permissions")), f"job {job_id!r}")
        elif not reusable and "permissions" not in doc and "permissions" not in job:
            yield ev(
                path,
                where.key(("jobs", job_id)),
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


def _uses(path: str, uses: str, where: _Locator, route: Route) -> list[Evidence]:
    ref = uses.strip()
    if ref.startswith(("./", "$/")) or (ref.startswith("docker://") and DIGEST.search(ref)):
        return []  # same-repository actions are pinned with the workflow itself
    _, _, version = ref.partition("@")
    if not ref.startswith("docker://") and SHA.match(version):
        return []
    line = where.value(route)
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
    path: str, job_id: str, step: Mapping[str, Any], where: _Locator, route: Route
) -> list[Evidence]:
    uses = str(step.get("uses", ""))
    ref = str(_table(step.get("with")).get("ref", ""))
    run = str(step.get("run", ""))
    match = None
    if uses.startswith("actions/checkout"):
        match = PR_HEAD.search(ref)
        route = (*route, "with", "ref")
    elif re.search(r"\bgh pr checkout\b|\bgit (fetch|checkout)\b", run):
        match = PR_HEAD.search(run)
        route = (*route, "run")
    if match is None:
        return []
    needle = match.group(0)
    line = where.text(needle, route)
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


def _injection(path: str, step: Mapping[str, Any], where: _Locator, route: Route) -> list[Evidence]:
    scripts: list[tuple[Any, Route]] = [(step.get("run"), (*route, "run"))]
    if str(step.get("uses", "")).startswith("actions/github-script"):
        scripts.append((_table(step.get("with")).get("script"), (*route, "with", "script")))
    found = []
    for script, at in scripts:
        if not isinstance(script, str):
            continue
        for match in UNTRUSTED.finditer(script):
            expr = match.group(0)
            if BOOLEAN.search(expr):
                continue  # a comparison or test yields true/false, not the attacker's text
            line = where.text(expr, at)
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


def _steps(job: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    steps = job.get("steps")
    for number, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, dict):
            yield number, step


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
