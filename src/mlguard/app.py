"""Orchestration shared by the CLI commands: config -> catalogue -> policy -> scan -> report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from mlguard import config as config_mod
from mlguard import engine, scoring, verdict
from mlguard.catalog import Catalog, RuleSpec
from mlguard.errors import UsageError
from mlguard.model import Finding
from mlguard.policy import RULE_ID, Policy, build, resolve_chain
from mlguard.report import Report
from mlguard.selection import select_rules


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


@dataclass(frozen=True)
class Setup:
    catalog: Catalog
    policy: Policy
    rules: list[RuleSpec]


def prepare(opts: ScanOptions) -> Setup:
    if not opts.path.is_dir():
        raise UsageError(f"{opts.path}: not a directory")
    user = config_mod.discover(opts.path, opts.config, opts.no_config)
    catalog = Catalog.load(user.rule_paths if user else ())
    ref = opts.policy or (user.policy if user else None) or "default"
    base_dir = user.layer.base_dir if user and not opts.policy else Path.cwd()
    confine = user.confine if user and not opts.policy else None
    layers = resolve_chain(ref, base_dir, confine)
    if user:
        layers.append(user.layer)
    policy = build(layers, catalog)
    if opts.fail_on:
        policy = replace(policy, fail_on=opts.fail_on)
    if opts.min_level is not None:
        policy = replace(policy, fail_below_level=opts.min_level)
    _check_selectors(catalog, opts)
    select = opts.select or policy.select
    rules = select_rules(catalog, select, (*policy.ignore, *opts.ignore))
    return Setup(catalog, policy, rules)


def _check_selectors(catalog: Catalog, opts: ScanOptions) -> None:
    for selector in (*opts.select, *opts.ignore):
        if RULE_ID.match(selector) and selector not in catalog:
            raise UsageError(f"unknown rule id {selector!r} in --select/--ignore")


def run(opts: ScanOptions) -> Report:
    setup = prepare(opts)
    result = engine.scan(opts.path, setup.rules, setup.policy)
    assessment = scoring.assess(result.rules, result.results, setup.policy)
    findings: tuple[Finding, ...] = tuple(
        sorted((f for r in result.results for f in r.findings), key=Finding.sort_key)
    )
    counted = verdict.counted_findings(result.rules, result.results, setup.policy)
    decision = verdict.decide(counted, assessment, setup.policy)
    return Report(result, assessment, setup.policy, decision, findings)
