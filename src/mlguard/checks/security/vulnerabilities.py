"""Known-vulnerable pinned dependencies (online through pip-audit, or an offline OSV folder)."""

from __future__ import annotations

from mlguard.analyzers.deps import PYPI, Dependency
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts.dependencies import dependency_facts
from mlguard.model import Evidence
from mlguard.vulns.advisory_db import AdvisoryDirectory
from mlguard.vulns.model import Advisory, AuditReport, Pin, SourceError, VulnSource
from mlguard.vulns.pip_audit import DEFAULT_TIMEOUT, PipAudit

MAX_LISTED = 5
SERVICES = ("pypi", "osv")
MAX_TIMEOUT = 900


def _source(ctx: CheckContext) -> VulnSource:
    settings = ctx.settings
    if settings.advisory_db is not None:
        return AdvisoryDirectory(settings.advisory_db)
    if settings.offline:
        raise NotCheckable(
            "network use is off (--offline) and no offline advisory database was given "
            "(--advisory-db DIR)"
        )
    service = ctx.param("service", "pypi")
    timeout = ctx.param("timeout", DEFAULT_TIMEOUT)
    if service not in SERVICES:
        raise NotCheckable(f"params.service must be one of {', '.join(SERVICES)}: {service!r}")
    if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT:
        raise NotCheckable(f"params.timeout must be 1-{MAX_TIMEOUT} seconds: {timeout!r}")
    return PipAudit(timeout=float(timeout), service=service)


@register(needs_python=False)
def known_vulnerabilities(ctx: CheckContext) -> Outcome:
    """Each exactly pinned or locked PyPI dependency with a known advisory is a finding."""
    facts = dependency_facts(ctx.repo)
    deps = [d for d in facts.all if d.ecosystem == PYPI]
    if not deps and facts.all:
        raise NotCheckable("only conda packages are declared; they are not audited")
    if not deps:
        raise NotApplicable("no Python dependencies are declared")
    pinned = [d for d in deps if d.version is not None]
    if not pinned:
        raise NotCheckable(
            "no dependency is pinned to an exact version or locked, so none can be audited "
            f"precisely ({_names({d.name for d in deps})})"
        )
    try:
        source = _source(ctx)
        report = source.audit(sorted({_pin(d) for d in pinned}))
    except SourceError as exc:
        raise NotCheckable(str(exc)) from None
    evidence = [item for dep in pinned for item in _evidence(dep, report)]
    unpinned = {d.name for d in deps} - {d.name for d in pinned}
    detail = "; ".join(filter(None, [_detail(source.name, report, unpinned), *facts.notes]))
    if report.unchecked and not evidence:
        raise NotCheckable(detail)
    if evidence:
        return Outcome.failed(detail, evidence)
    return Outcome.passed(detail=detail)


def _pin(dep: Dependency) -> Pin:
    if dep.version is None:  # not an assert: asserts vanish under python -O
        raise ValueError(f"{dep.name} has no pinned version")
    return Pin(dep.name, dep.version)


def _evidence(dep: Dependency, report: AuditReport) -> list[Evidence]:
    pin = _pin(dep)
    return [
        ev(dep.path, dep.line, f"{pin.name}=={pin.version} {adv.id}", _message(pin, adv))
        for adv in report.vulnerable.get(pin, ())
    ]


def _message(pin: Pin, adv: Advisory) -> str:
    aliases = f" ({', '.join(adv.aliases)})" if adv.aliases else ""
    fixed = f"fixed in {', '.join(adv.fixed)}" if adv.fixed else "no fixed version is known"
    return f"{pin.name} {pin.version} is affected by {adv.id}{aliases}; {fixed}"


def _detail(source: str, report: AuditReport, unpinned: set[str]) -> str:
    parts = []
    if report.unchecked:
        first_pin, first_reason = sorted(report.unchecked.items())[0]
        parts.append(
            f"{len(report.unchecked)} pinned package(s) not checked by {source} "
            f"({_names({p.name for p in report.unchecked})}); "
            f"{first_pin.name} {first_pin.version}: {first_reason}"
        )
    if unpinned:
        parts.append(f"not audited, no exact pin: {_names(unpinned)}")
    if report.notes:
        parts.append(f"{len(report.notes)} advisory file(s) unreadable (first: {report.notes[0]})")
    return "; ".join(parts)


def _names(names: set[str]) -> str:
    ordered = sorted(names)
    more = f" and {len(ordered) - MAX_LISTED} more" if len(ordered) > MAX_LISTED else ""
    return ", ".join(ordered[:MAX_LISTED]) + more
