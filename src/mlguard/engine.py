"""One scan: evaluate each selected rule against the repository's facts.

A rule whose check raises is contained: it gets status ``error`` with the reason and the
scan goes on. A rule that cannot decide is ``not-checked``, never ``pass``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlguard import ignores, memo, traits
from mlguard.cache import FactsCache
from mlguard.catalog import RuleSpec
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome
from mlguard.checks.declarative import evaluate
from mlguard.errors import MlguardError
from mlguard.model import Evidence, Finding, Kind, Location, RuleResult, Severity, Status
from mlguard.policy import Policy
from mlguard.pool import start_python
from mlguard.repo import FactsPending, RepoContext
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


def effective_rule(rule: RuleSpec, policy: Policy) -> RuleSpec:
    severity = policy.severity_override(rule.id)
    params = {**rule.params, **policy.params(rule.id)}
    return replace(rule, severity=Severity(severity) if severity else rule.severity, params=params)


def _declarative(rule: RuleSpec, ctx: CheckContext) -> Outcome:
    check: Mapping[str, Any] = rule.check
    if "pass_if" in check:
        ok, evidence = evaluate(check["pass_if"], ctx)
        if ok:
            return Outcome.passed(evidence)
        if "partial_if" in check:
            ok, evidence = evaluate(check["partial_if"], ctx)
            if ok:
                return Outcome.partial("", evidence)
        return Outcome.failed()
    if set(check) == {"python"}:
        from mlguard.checks.families import PYTHON_CHECKS

        return PYTHON_CHECKS[check["python"]](ctx)
    ok, evidence = evaluate(check, ctx)
    if rule.kind == Kind.VIOLATION:
        return Outcome.violations(evidence)
    return Outcome.passed(evidence) if ok else Outcome.failed()


def _anchor(rule: RuleSpec, repo: RepoContext) -> Location:
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


def _findings(rule: RuleSpec, outcome: Outcome, repo: RepoContext) -> tuple[Finding, ...]:
    if rule.kind == Kind.VIOLATION:
        if outcome.status != Status.FAIL:
            return ()
        return tuple(
            Finding(
                rule.id,
                _message(rule, item),
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
        # the check's detail says what is missing (often: present but not automated)
        text = (
            f"Partly in place: {rule.title}."
            if outcome.detail
            else f"Partly in place: {rule.title} (present but not automated)."
        )
    if outcome.detail:
        text += f" {outcome.detail}"
    location = outcome.evidence[0].location if outcome.evidence else _anchor(rule, repo)
    return (Finding(rule.id, text, location, rule.severity, snippet=rule.id, rule_name=rule.slug),)


def run_rule(rule: RuleSpec, repo: RepoContext, settings: Settings | None = None) -> RuleResult:
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
    findings = tuple(sorted(_findings(rule, outcome, repo), key=Finding.sort_key))
    return RuleResult(rule.id, outcome.status, findings, outcome.detail, outcome.evidence)


def _evaluate(
    rules: tuple[RuleSpec, ...], repo: RepoContext, settings: Settings | None
) -> tuple[RuleResult, ...]:
    """Every rule's result, in rule order. The first rule that needs Python facts starts
    their analysis in worker processes; while the workers run, the rules that need no
    Python facts (history, configs, secrets, CI files) are evaluated, and the ones that do
    wait for the analysis and run after it."""
    done: dict[int, RuleResult] = {}
    try:
        with repo.facts_deferred():
            for number, rule in enumerate(rules):
                try:
                    done[number] = run_rule(rule, repo, settings)
                except FactsPending:
                    continue  # run again below, once the facts are in
        repo.finish_started()
    except BaseException:  # interrupted: the workers must not run on to the end
        repo.cancel_started()
        raise
    # The facts (a million objects on a large repository) live until the end of the scan
    # and hold no cycles: frozen, the collector stops re-walking them for every pass.
    gc.freeze()
    try:
        return tuple(
            done[n] if n in done else run_rule(rule, repo, settings) for n, rule in enumerate(rules)
        )
    finally:
        gc.unfreeze()


def open_repo(root: Path, policy: Policy, focus: frozenset[str] | None = None) -> RepoContext:
    try:
        return RepoContext(
            root, exclude=policy.exclude, max_text_bytes=policy.max_text_kb * 1024, focus=focus
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
    repo: RepoContext | None = None,
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
            repo.cache[ignores.CACHE_KEY] = found.inline  # the suppression stage reads none
            return ScanResult(
                repo.root,
                prefix,
                effective,
                found.results,
                found.skipped,
                found.traits,
                {"files": len(repo.files), "memo": 1},
            )
    # which rules this scan reports: CICD008 leaves to enabled zizmor rules what they cover
    repo.cache["rules.active"] = frozenset(
        r.id for r in effective if r.params.get("enabled", True) is not False
    )
    want_bandit = any(r.check.get("python") == "bandit.issues" for r in effective)
    repo.defer_python(lambda: start_python(repo, jobs, cache, want_bandit, progress))
    started = time.perf_counter()
    results = _evaluate(effective, repo, settings)
    evaluated = round(time.perf_counter() - started, 2)
    skipped = dict(sorted(repo.skipped.items()))
    seen = {k[6:]: bool(v) for k, v in sorted(repo.cache.items()) if k.startswith("trait:")}
    if key is not None and cache is not None:
        inline = ignores.collect(repo)  # read now: a memo hit then needs no file read at all
        cache.put_many([(memo.cache_key(key), memo.encode(results, skipped, seen, inline))])
    return ScanResult(
        root=repo.root,
        uri_prefix=prefix,
        rules=effective,
        results=results,
        skipped=skipped,
        traits=seen,
        stats={
            "files": len(repo.files),
            **repo.cache.get("stats:python", {}),
            "rules_seconds": evaluated,
        },
    )
