"""Orchestration shared by the CLI commands: config -> catalogue -> policy -> scan -> report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlguard.analyzers import redaction
from mlguard.engine import scan as engine
from mlguard.engine.cache import FactsCache
from mlguard.engine.cache import default_dir as default_cache_dir
from mlguard.engine.pool import default_jobs, start_python
from mlguard.engine.scan import ScanResult
from mlguard.errors import ConfigError, MlguardError, UsageError
from mlguard.facts import traits
from mlguard.facts.files import Facts
from mlguard.fix.model import Plan
from mlguard.model import Finding, Kind
from mlguard.repo.git import GitView
from mlguard.report.document import Report
from mlguard.results import baseline, filters, mltestscore, scoring, suppress, verdict
from mlguard.rules import config as config_mod
from mlguard.rules import config_ref, floor, selection
from mlguard.rules.catalog import Catalog, RuleSpec
from mlguard.rules.policy import Policy, build, resolve_chain
from mlguard.safeio import outputs
from mlguard.settings import Settings

if TYPE_CHECKING:
    from mlguard.results import bom


@dataclass(frozen=True)
class ScanOptions:
    path: Path
    policy: str | None = None
    config: str | None = None
    no_config: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    min_level: int | None = None
    jobs: int | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    no_ignores: bool = False
    baseline: Path | None = None
    diff_base: str | None = None
    only_files: tuple[str, ...] | None = None
    progress: bool = False
    offline: bool = False
    advisory_db: Path | None = None
    config_ref: str | None = None
    enforce_floor: bool = False


@dataclass(frozen=True)
class Setup:
    catalog: Catalog
    policy: Policy
    rules: list[RuleSpec]
    notes: tuple[str, ...] = ()  # what the report should say about the config
    baseline: Path | None = None  # the config's ``baseline:``, used without --baseline


def prepare(opts: ScanOptions) -> Setup:
    if not opts.path.is_dir():
        raise UsageError(f"{opts.path}: not a directory")
    if opts.config_ref and not opts.no_config:
        explicit = opts.config or os.environ.get("MLGUARD_CONFIG") or None
        with config_ref.config_at(opts.path, opts.config_ref, explicit) as tree:
            user = config_mod.discover(
                tree.directory,
                str(tree.explicit) if tree.explicit else None,
                False,
                use_env=False,
                label=f"{opts.config_ref}:",
                confine_all=True,
            )
            setup = _setup(opts, user)  # reads every policy and rule file it names now
            changed = config_ref.changed_files(opts.path, tree, _named(tree.directory))
        note = _change_note(changed, f"{opts.config_ref}", "the config from there is used")
        return replace(setup, notes=(*note, *setup.notes))
    return _setup(opts, config_mod.discover(opts.path, opts.config, opts.no_config))


def setup_at(opts: ScanOptions, root: Path, label: str) -> Setup:
    """The setup of a scan of ``root`` (a commit written out) under the config found
    there, confined to ``root``; ``label`` names the revision in messages."""
    return _setup(opts, config_mod.discover(root, None, False, use_env=False, label=label))


def _named(base: Path) -> tuple[str, ...]:
    """The files (relative to ``base``) read from a revision: the config, its policy chain
    and its rule files."""
    found = [p for p in base.rglob("*") if p.is_file()]
    return tuple(p.relative_to(base).as_posix() for p in found if p.name != "pyproject.toml")


def _change_note(changed: list[str], where: str, effect: str) -> tuple[str, ...]:
    if not changed:
        return ()
    return (
        f"config changed: this revision changes mlguard's config compared with {where} "
        f"({', '.join(changed)}); {effect}",
    )


def _setup(opts: ScanOptions, user: config_mod.UserConfig | None) -> Setup:
    catalog = Catalog.load(user.rule_paths if user else ())
    ref = opts.policy or (user.policy if user else None) or "default"
    base_dir = user.layer.base_dir if user and not opts.policy else Path.cwd()
    confine = user.confine if user and not opts.policy else None
    try:
        layers = resolve_chain(ref, base_dir, confine)
    except ConfigError as exc:
        if not user or opts.policy or exc.source != ref:
            raise
        # the config's own policy: key names what could not be found
        line = user.layer.doc.line_of(["policy"])
        raise ConfigError(user.layer.source, f"policy: {exc.problem}", line) from None
    if user:
        layers.append(user.layer)
    policy = build(layers, catalog)
    floor_policy = build(resolve_chain(opts.policy or "default", Path.cwd()), catalog)
    notes: tuple[str, ...] = ()
    enforce = opts.enforce_floor or floor_policy.floor
    if enforce and user is not None:
        policy, notes = floor.apply(floor_policy, policy, user.layer.source)
    elif enforce:  # no config to correct; inline ignores of gate rules still do not apply
        policy = replace(policy, floor=True)
    if opts.fail_on:
        policy = replace(policy, fail_on=opts.fail_on)
    if opts.min_level is not None:
        policy = replace(policy, fail_below_level=opts.min_level)
    _check_selectors(catalog, opts)
    select = opts.select or policy.select
    rules = selection.select_rules(catalog, select, (*policy.ignore, *opts.ignore))
    if enforce and user is not None:
        rules, back = floor.restore_rules(
            floor_policy, rules, catalog, opts.select, opts.ignore, user.layer.source
        )
        notes = (*notes, *back)
    return Setup(catalog, policy, rules, notes, user.baseline if user else None)


def _check_selectors(catalog: Catalog, opts: ScanOptions) -> None:
    problems = [
        f"{option}: {selection.no_match_message(catalog, selector)}"
        for option, values in (("--select", opts.select), ("--ignore", opts.ignore))
        for selector in selection.split(values)
        if selection.matches_nothing(catalog, selector)
    ]
    if problems:
        raise UsageError("\n".join(problems))


def _focus(root: Path, setup: Setup, opts: ScanOptions) -> frozenset[str] | None:
    """Hook mode with violation rules only: per-file rules need only the files passed
    (and small config files for context), so the rest of the repository is not analysed.
    Any practice rule needs the whole repository: then no focus."""
    if opts.only_files is None or root != opts.path:
        return None
    if any(rule.kind != Kind.VIOLATION for rule in setup.rules):
        return None
    return filters.scan_paths(opts.path, opts.only_files)


def evaluate(
    root: Path,
    setup: Setup,
    opts: ScanOptions,
    cache: FactsCache | None,
    git_view: GitView | None = None,
) -> suppress.Suppressed:
    """Engine, then inline suppression (which needs the scan's repository facts)."""
    repo = engine.open_repo(root, setup.policy, _focus(root, setup, opts), git_view)
    jobs = opts.jobs or default_jobs()
    settings = Settings(offline=opts.offline, advisory_db=opts.advisory_db)
    result = engine.scan(
        root,
        setup.rules,
        setup.policy,
        jobs=jobs,
        cache=cache,
        repo=repo,
        progress=opts.progress,
        settings=settings,
    )
    locked = floor.protected(setup.policy) if setup.policy.floor else frozenset()
    return suppress.apply(
        result, repo, set(setup.catalog.rules), enabled=not opts.no_ignores, locked=locked
    )


@contextmanager
def facts_cache(opts: ScanOptions) -> Iterator[FactsCache | None]:
    cache = None
    if not opts.no_cache:
        directory = opts.cache_dir or default_cache_dir()
        outputs.check_existing(FactsCache.files(directory))
        cache = FactsCache(directory)
    try:
        yield cache
    finally:
        if cache is not None:
            cache.prune()
            cache.close()


def _known(
    opts: ScanOptions, setup: Setup, result: ScanResult, cache: FactsCache | None
) -> tuple[baseline.Known, str]:
    if opts.diff_base:
        commit, entries = filters.against_merge_base(
            opts.path,
            opts.diff_base,
            lambda root, view: evaluate(root, setup, opts, cache, view).result,
        )
        known = baseline.subtract(result, entries)
        return replace(known, stale=()), f"merge-base {commit[:12]} of {opts.diff_base}"
    if opts.baseline is None:  # not an assert: asserts vanish under python -O
        raise UsageError("--baseline or --diff-base is needed")
    return baseline.subtract(result, baseline.load(opts.baseline)), f"baseline {opts.baseline}"


def run(opts: ScanOptions) -> Report:
    setup = prepare(opts)
    if opts.baseline and opts.diff_base:
        raise UsageError("use --baseline or --diff-base, not both")
    if setup.baseline and not (opts.baseline or opts.diff_base):
        opts = replace(opts, baseline=setup.baseline)
    with facts_cache(opts) as cache:
        suppressed = evaluate(opts.path, setup, opts, cache)
        result = suppressed.result
        known, compared_to = None, ""
        if opts.baseline or opts.diff_base:
            known, compared_to = _known(opts, setup, result, cache)
            result = known.result
    return build_report(opts, setup, result, suppressed.count, known, compared_to)


def build_report(
    opts: ScanOptions,
    setup: Setup,
    result: ScanResult,
    suppressed: int,
    known: baseline.Known | None = None,
    compared_to: str = "",
) -> Report:
    """The report of one evaluated scan: scoring, verdict, ML Test Score."""
    if opts.only_files is not None:
        result = filters.only_paths(result, filters.scan_paths(opts.path, opts.only_files))
    # findings added after the engine (unused inline ignores ...) are redacted too
    result = replace(result, results=redaction.results(result.results))
    assessment = scoring.assess(result.rules, result.results, setup.policy, result.kind)
    findings: tuple[Finding, ...] = tuple(
        sorted((f for r in result.results for f in r.findings), key=Finding.sort_key)
    )
    counted = verdict.counted_findings(result.rules, result.results, setup.policy)
    practice_ids = frozenset(r.id for r in result.rules if r.kind != Kind.VIOLATION)
    empty = not result.stats.get("files", 1)
    if empty:  # nothing to judge: no finding, no verdict against the repository
        decision, findings = verdict.Verdict(False, ()), ()
    else:
        decision = verdict.decide(counted, assessment, setup.policy, practice_ids)
    return Report(
        result,
        assessment,
        setup.policy,
        decision,
        findings,
        mltestscore.estimate(result.results),
        suppressed=suppressed,
        known=known.removed if known else 0,
        stale=tuple(e.describe() for e in known.stale) if known else (),
        compared_to=compared_to,
        notes=tuple(redaction.text(n) for n in (*setup.notes, *_diff_note(opts))),
        nothing_to_scan=empty,
    )


def _diff_note(opts: ScanOptions) -> tuple[str, ...]:
    """In diff mode (without --config-ref): does the work tree change mlguard's config
    compared with the merge-base? The changed config is the one applied."""
    if not opts.diff_base or opts.config_ref or opts.no_config:
        return ()
    from mlguard.repo import git as gitfacts

    commit = gitfacts.merge_base(opts.path, opts.diff_base)
    explicit = opts.config or os.environ.get("MLGUARD_CONFIG") or None
    try:
        with config_ref.config_at(opts.path, commit, explicit) as tree:
            changed = config_ref.changed_files(opts.path, tree, _named(tree.directory))
    except MlguardError:  # e.g. no such config at the merge-base
        changed = [explicit] if explicit else []
    effect = "the changed config applies to this scan (use --config-ref to take the base's)"
    return _change_note(changed, f"the merge-base of {opts.diff_base}", effect)


def baseline_entries(opts: ScanOptions) -> tuple[baseline.Entry, ...]:
    """What ``mlguard baseline`` writes: the findings left after inline ignores."""
    with facts_cache(opts) as cache:
        result = evaluate(opts.path, prepare(opts), opts, cache).result
    return baseline.entries(f for res in result.results for f in res.findings)


@contextmanager
def _analysed_repo(opts: ScanOptions, setup: Setup) -> Iterator[Facts]:
    """The repository as a scan opens it (the policy's excludes), its Python files parsed
    as a scan parses them: cached facts, else worker processes. No rule is evaluated."""
    with facts_cache(opts) as cache:
        repo = engine.open_repo(opts.path, setup.policy)
        repo.attach_analysis(start_python(repo, opts.jobs or default_jobs(), cache))
        try:
            yield repo
        finally:
            repo.cancel_analysis()  # only stops workers still running (an interrupt)


def _inventory(repo: Facts, setup: Setup) -> bom.Inventory:
    from mlguard.results import bom  # the BOM reads check modules: loaded only for `bom`/`fix`

    spec = setup.catalog.rules.get("SEC002")
    params = engine.effective_rule(spec, setup.policy).params if spec else {}
    return bom.inventory(repo, params)


def bom_inventory(opts: ScanOptions) -> bom.Inventory:
    """What ``mlguard bom`` lists: the repository's files as the policy's ``paths.exclude``
    and ``model_exclude`` leave them; nothing is fetched and no rule is evaluated."""
    setup = prepare(opts)
    with _analysed_repo(opts, setup) as repo:
        return _inventory(repo, setup)


def fix_plan(opts: ScanOptions, unsafe: bool) -> Plan:
    """What ``mlguard fix`` would change: a scan (the findings decide), then the code fixes
    and, for the practices that failed, the scaffolds (which read the repository again,
    from the facts cache)."""
    from mlguard.fix import plan as fixes
    from mlguard.fix.scaffolds import Inputs

    report = run(opts)

    def inputs() -> Inputs:
        setup = prepare(opts)
        with _analysed_repo(opts, setup) as repo:
            training = tuple(traits.training_files(repo))
            return Inputs(opts.path, repo, _inventory(repo, setup), training, report.findings)

    return fixes.build(report, inputs, unsafe)
