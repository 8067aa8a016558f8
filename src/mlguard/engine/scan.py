"""One scan: evaluate each selected rule against the repository's facts.

A rule whose check raises is contained: it gets status ``error`` with the reason and the
scan goes on. A rule that cannot decide is ``not-checked``, never ``pass``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlguard import known
from mlguard.analyzers import redaction
from mlguard.checks import registry
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome
from mlguard.checks.declarative import evaluate
from mlguard.engine import memo, plan
from mlguard.engine.cache import FactsCache
from mlguard.engine.pool import start_python
from mlguard.errors import MlguardError
from mlguard.facts import ignores, traits
from mlguard.facts.ci import ci_files
from mlguard.facts.files import Analysis, Facts
from mlguard.facts.kind import RepoKind, repo_kind
from mlguard.facts.stats import active_rules, python_stats
from mlguard.model import Evidence, Finding, Kind, Location, RuleResult, Severity, Status
from mlguard.repo import globs
from mlguard.repo.git import GitView
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.policy import Policy
from mlguard.settings import Settings

DEFAULT_ANCHORS = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "README.md",
    "README.rst",
    "README",
)


@dataclass(frozen=True)
class ScanResult:
    root: Path
    uri_prefix: str
    rules: tuple[RuleSpec, ...]
    results: tuple[RuleResult, ...]
    skipped: Mapping[str, str]
    traits: Mapping[str, bool]
    stats: Mapping[str, float]  # counts and seconds, for --stats
    ci: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # CI system -> its files
    kind: RepoKind | None = None  # None when no rule of the scan is a practice


def effective_rule(rule: RuleSpec, policy: Policy) -> RuleSpec:
    severity = policy.severity_override(rule.id)
    params = {**rule.params, **policy.params(rule.id)}
    return replace(rule, severity=Severity(severity) if severity else rule.severity, params=params)


def _declarative(rule: RuleSpec, ctx: CheckContext) -> Outcome:
    check: Mapping[str, Any] = rule.check
    if "after_scan" in check:  # a results stage decides it (suppression: MLG002)
        raise NotCheckable(f"decided after the scan ({check['after_scan']} stage)")
    if "pass_if" in check:
        ok, evidence = evaluate(check["pass_if"], ctx)
        if ok:
            return Outcome.passed(evidence)
        if "partial_if" in check:
            ok, evidence = evaluate(check["partial_if"], ctx)
            if ok:
                return Outcome.partial(_partly(rule), evidence)
        return Outcome.failed(_not_found(rule))
    if set(check) == {"python"}:
        return registry.get(check["python"])(ctx)
    ok, evidence = evaluate(check, ctx)
    if rule.kind == Kind.VIOLATION:
        return Outcome.violations(evidence)
    return Outcome.passed(evidence) if ok else Outcome.failed(_not_found(rule))


def _not_found(rule: RuleSpec) -> str:
    """Why a declarative practice failed: none of the signals its rule accepts is there."""
    return f"Not found: {rule.title.rstrip('.')}."


def _partly(rule: RuleSpec) -> str:
    """Why a declarative practice is partial: only a signal its ``partial_if`` accepts."""
    return f"Partly in place (a weaker signal; see the evidence): {rule.title.rstrip('.')}."


# where a finding is marked "(in an example)": the shared list, plus tutorial folders
EXAMPLE_DIRS = (*known.EXAMPLE_DIRS, "tutorials/", "notebooks/examples/")


def _excluded(rule: RuleSpec, outcome: Outcome) -> Outcome:
    """Drop a violation rule's evidence in the paths of its ``exclude_paths`` parameter
    (e.g. hub downloads in tests): a policy can widen or clear the list."""
    patterns = rule.params.get("exclude_paths")
    if rule.kind != Kind.VIOLATION or not patterns or outcome.status != Status.FAIL:
        return outcome
    kept = tuple(e for e in outcome.evidence if not globs.match_any(e.location.path, patterns))
    return Outcome.violations(kept) if len(kept) != len(outcome.evidence) else outcome


def _anchor(rule: RuleSpec, repo: Facts) -> Location:
    for candidate in (*rule.anchor, *DEFAULT_ANCHORS):
        matches = (
            repo.glob(candidate)
            if any(c in candidate for c in "*?")
            else ([candidate] if repo.exists(candidate) else [])
        )
        if matches:
            return Location(matches[0])
    first = next(iter(repo.files), ".")
    return Location(first)


def _message(rule: RuleSpec, item: Evidence) -> str:
    if item.message:
        return item.message
    if rule.message:
        return rule.message.replace("{text}", item.text)
    return f"{rule.title}: {item.text}" if item.text else rule.title


def _where(path: str) -> str:
    """' (in test code)' / ' (in an example)' for findings outside the product code."""
    if traits.is_test_path(path):
        return " (in test code)"
    if path.startswith(EXAMPLE_DIRS):
        return " (in an example)"
    return ""


def _findings(rule: RuleSpec, outcome: Outcome, repo: Facts) -> tuple[Finding, ...]:
    if rule.kind == Kind.VIOLATION:
        if outcome.status != Status.FAIL:
            return ()
        return tuple(
            Finding(
                rule.id,
                _message(rule, item) + _where(item.location.path),
                item.location,
                item.severity or rule.severity,
                snippet=item.text,
                rule_name=rule.slug,
            )
            for item in outcome.evidence
        )
    if outcome.status not in (Status.FAIL, Status.PARTIAL):
        return ()
    if outcome.status == Status.FAIL:
        text = f"Missing practice: {rule.title}."
    elif outcome.detail:
        text = f"Partly in place: {rule.title}."
    else:
        text = f"Partly in place: {rule.title} (present but not automated)."
    if outcome.detail and rule.title not in outcome.detail:  # a declarative reason repeats it
        text += f" {outcome.detail}"
    location = outcome.evidence[0].location if outcome.evidence else _anchor(rule, repo)
    return (Finding(rule.id, text, location, rule.severity, snippet=rule.id, rule_name=rule.slug),)


KIND_LABEL = {
    "library": "an ML library",
    "llm-app": "an LLM application",
    "research": "research code",
    "template": "a project template",
    "ml-project": "an ML project",
    "other": "a repository without ML code",
}


def run_rule(
    rule: RuleSpec,
    repo: Facts,
    settings: Settings | None = None,
    kind: Callable[[], RepoKind] | None = None,
) -> RuleResult:
    if rule.not_for and kind is not None:
        found = kind()
        if found.name in rule.not_for:
            why = "; ".join(found.evidence)
            return RuleResult(
                rule.id, Status.NA, reason=f"not for {KIND_LABEL[found.name]} ({why})"
            )
    try:
        for trait in rule.applies_when:
            if not traits.has_trait(repo, trait):
                return RuleResult(rule.id, Status.NA, reason=traits.reason(repo, trait))
    except Exception as exc:
        return RuleResult(
            rule.id, Status.ERROR, reason=f"trait {trait!r} crashed: {type(exc).__name__}: {exc}"
        )
    ctx = CheckContext(repo, rule.params, settings or Settings())
    try:
        outcome = _declarative(rule, ctx)
    except NotApplicable as exc:
        return RuleResult(rule.id, Status.NA, reason=str(exc))
    except NotCheckable as exc:
        return RuleResult(rule.id, Status.NOT_CHECKED, reason=str(exc))
    except Exception as exc:
        return RuleResult(
            rule.id, Status.ERROR, reason=f"check crashed: {type(exc).__name__}: {exc}"
        )
    outcome = _excluded(rule, outcome)
    findings = tuple(sorted(_findings(rule, outcome, repo), key=Finding.sort_key))
    status = outcome.status
    if status == Status.FAIL and _notes_only(rule, findings):
        # a rule's findings all downgraded to notes inform (a trusted scikit-learn pickle
        # "still runs pickle"): they are reported, and break nothing the rule asks for
        status = Status.PASS
    return RuleResult(
        rule.id,
        status,
        findings,
        outcome.detail,
        outcome.evidence,
        outcome.status == Status.PARTIAL and outcome.prerequisite,
    )


def _notes_only(rule: RuleSpec, findings: tuple[Finding, ...]) -> bool:
    """Findings of a rule above note severity that the check itself downgraded to notes.
    A rule whose own severity is a note (bandit's low-severity tests) keeps failing."""
    return (
        rule.severity != Severity.NOTE
        and bool(findings)
        and all(f.severity == Severity.NOTE for f in findings)
    )


def _evaluate(
    rules: tuple[RuleSpec, ...],
    repo: Facts,
    settings: Settings | None,
    start_analysis: Callable[[], Analysis],
    kind: Callable[[], RepoKind],
) -> tuple[RuleResult, ...]:
    """Every rule's result, in rule order, planned from what each rule declares it needs.

    When any rule needs Python facts, their analysis starts in worker processes; the rules
    that need none (history, configs, secrets, CI) are evaluated meanwhile, and the others
    after the analysis has finished."""
    needs = [plan.needs_python(rule) or bool(rule.not_for) for rule in rules]
    done: dict[int, RuleResult] = {}
    try:
        if any(needs):
            repo.attach_analysis(start_analysis())
        for number, rule in enumerate(rules):
            if not needs[number]:
                done[number] = run_rule(rule, repo, settings, kind)
        repo.finish_analysis()
    except BaseException:  # interrupted: the workers must not run on to the end
        repo.cancel_analysis()
        raise
    # The facts (a million objects on a large repository) live until the end of the scan
    # and hold no cycles: frozen, the collector stops re-walking them for every pass.
    gc.freeze()
    try:
        return tuple(
            done[n] if n in done else run_rule(rule, repo, settings, kind)
            for n, rule in enumerate(rules)
        )
    finally:
        gc.unfreeze()


def open_repo(
    root: Path,
    policy: Policy,
    focus: frozenset[str] | None = None,
    git_view: GitView | None = None,
) -> Facts:
    try:
        return Facts(
            root,
            exclude=policy.exclude,
            max_text_bytes=policy.max_text_kb * 1024,
            focus=focus,
            git_view=git_view,
            model_exclude=policy.model_exclude,
        )
    except Exception as exc:  # contained: a clear message, never a traceback
        raise MlguardError(f"cannot list the files of {root}: {type(exc).__name__}: {exc}") from exc


def scan(
    root: Path,
    rules: list[RuleSpec],
    policy: Policy,
    *,
    jobs: int = 1,
    cache: FactsCache | None = None,
    repo: Facts | None = None,
    progress: bool = False,
    settings: Settings | None = None,
) -> ScanResult:
    """Evaluate ``rules``; pass ``repo`` to keep its facts for a later stage (suppression)."""
    repo = repo or open_repo(root, policy)
    effective = tuple(effective_rule(r, policy) for r in rules)
    prefix = repo.git.prefix if repo.git else ""
    key = memo.digest(repo, effective, policy, settings) if cache is not None else None
    if key is not None and cache is not None:
        found = memo.decode(cache.get(memo.cache_key(key)), [r.id for r in effective])
        if found is not None:
            ignores.collect.prime(repo, found.inline)  # the suppression stage reads none
            return ScanResult(
                repo.root,
                prefix,
                effective,
                redaction.results(found.results),
                redaction.skipped(found.skipped),
                found.traits,
                {"files": len(repo.files), "memo": 1},
                found.ci,
                found.kind,
            )
    # which rules this scan reports: CICD008 leaves to enabled zizmor rules what they cover
    active_rules.prime(
        repo, frozenset(r.id for r in effective if r.params.get("enabled", True) is not False)
    )
    want_bandit = any(r.check.get("python") == "security.bandit.issues" for r in effective)

    def kind_of() -> RepoKind:
        return repo_kind(repo, policy.kind, policy.sources[-1] if policy.sources else "")

    started = time.perf_counter()
    results = redaction.results(
        _evaluate(
            effective,
            repo,
            settings,
            lambda: start_python(repo, jobs, cache, want_bandit, progress),
            kind_of,
        )
    )
    found_kind = kind_of() if any(r.kind == Kind.PRACTICE for r in effective) else None
    evaluated = round(time.perf_counter() - started, 2)
    skipped = redaction.skipped(dict(sorted(repo.skipped.items())))
    seen = traits.seen(repo)
    systems = {name: tuple(files) for name, files in ci_files(repo).items()}
    if key is not None and cache is not None:
        inline = ignores.collect(repo)  # read now: a memo hit then needs no file read at all
        record = memo.encode(results, skipped, seen, inline, systems, found_kind)
        cache.put_many([(memo.cache_key(key), record)])
    return ScanResult(
        root=repo.root,
        uri_prefix=prefix,
        rules=effective,
        results=results,
        skipped=skipped,
        traits=seen,
        stats={
            "files": len(repo.files),
            **python_stats(repo),
            "rules_seconds": evaluated,
        },
        ci=systems,
        kind=found_kind,
    )
