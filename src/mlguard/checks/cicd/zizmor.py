"""zizmor's audits as mlguard rules (ZIZ001...): one zizmor run per scan, shared.

Inputs are the repository's GitHub workflows (``.github/workflows/*.y*ml``), action
definitions (``action.yml``/``action.yaml`` at any depth) and Dependabot configuration.
Findings are placed on zizmor's own primary location (line and column); their fingerprint
is the audit, the YAML route and zizmor's annotation, so it survives unrelated edits.
Defaults and severities: see :mod:`mlguard.zizmor_rules`.
"""

from __future__ import annotations

import os

from mlguard.analyzers.zizmor_adapter import (
    DEFAULT_TIMEOUT,
    PERSONAS,
    ZizmorFinding,
    ZizmorRun,
    run_zizmor,
)
from mlguard.analyzers.zizmor_meta import BY_IDENT
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome
from mlguard.checks.registry import register
from mlguard.facts.ci import workflow_files
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence, Location
from mlguard.repo import globs

INPUTS = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    "action.yml",
    "action.yaml",
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
)
ENV_TIMEOUT = "MLGUARD_ZIZMOR_TIMEOUT"
SEVERITIES = ("informational", "low", "medium", "high")


def inputs(repo: Facts) -> list[str]:
    """The root's workflows, actions and dependabot file, and the seed projects' workflows."""
    return sorted(set(repo.glob(*INPUTS)) | set(workflow_files(repo)))


@fact
def zizmor_run(repo: Facts) -> ZizmorRun:
    """The scan's one zizmor run."""
    try:
        timeout = float(os.environ.get(ENV_TIMEOUT, DEFAULT_TIMEOUT))
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    run = run_zizmor(repo.root, inputs(repo), timeout=timeout)
    for rel, reason in run.skipped:
        repo.skipped.setdefault(rel, reason)
    return run


def within(finding: ZizmorFinding, persona: str) -> bool:
    """Whether ``persona`` (regular < pedantic < auditor) sees the finding."""
    wanted = PERSONAS.index(persona) if persona in PERSONAS else 0
    seen = PERSONAS.index(finding.persona) if finding.persona in PERSONAS else len(PERSONAS)
    return seen <= wanted


def _evidence(finding: ZizmorFinding) -> Evidence:
    note = f": {finding.annotation}" if finding.annotation else ""
    message = (
        f"{finding.desc or finding.ident}{note} [zizmor {finding.ident}: {finding.severity} "
        f"severity, {finding.confidence} confidence]"
    )
    location = Location(finding.path, finding.line, finding.column)
    text = f"{finding.ident}|{finding.route}|{finding.annotation}"
    return Evidence(location, text=text, message=message)


@register
def findings(ctx: CheckContext) -> Outcome:
    """The findings of zizmor's audit ``params.audit`` (zizmor's ignores honoured)."""
    ident = str(ctx.param("audit", ""))
    if ident not in BY_IDENT:
        raise NotCheckable(f"zizmor has no audit {ident!r} known to mlguard")
    if not ctx.param("enabled", True):
        reason = BY_IDENT[ident].default_off
        if reason:
            raise NotApplicable(f"off by default ({reason}); enable with params.enabled: true")
        raise NotApplicable("disabled by the policy (params.enabled: false)")
    if not inputs(ctx.repo):
        raise NotApplicable("no GitHub workflow, action definition or Dependabot configuration")
    run = zizmor_run(ctx.repo)
    if run.error:
        raise NotCheckable(run.error)
    persona = str(ctx.param("persona", "regular"))
    floor = str(ctx.param("min_severity", "low")).lower()
    if floor not in SEVERITIES:
        raise NotCheckable(f"params.min_severity must be one of {', '.join(SEVERITIES)}")
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    return Outcome.violations(
        _evidence(f)
        for f in run.findings
        if f.ident == ident
        and within(f, persona)
        and _rank(f.severity) >= SEVERITIES.index(floor)
        and not (skip and globs.match_any(f.path, skip))
    )


def _rank(severity: str) -> int:
    lowered = severity.lower()
    return SEVERITIES.index(lowered) if lowered in SEVERITIES else len(SEVERITIES)
