"""``torch.load`` without ``weights_only=True`` (part of SEC001), aware of torch 2.6's default.

Since torch 2.6, ``weights_only`` defaults to ``True``. A call that omits it is therefore
safe when every declared or locked torch requirement of the repository only allows 2.6 or
later; otherwise (older, unpinned or unknown torch) it unpickles arbitrary objects.
An explicit ``weights_only=`` other than the literal ``True`` is always a finding.
"""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import callsites
from mlguard.facts.dependencies import dependency_facts
from mlguard.facts.files import Facts
from mlguard.model import Evidence

TORCH_LOADS = frozenset({"torch.load", "torch.serialization.load"})
SAFE_SINCE = Version("2.6")
OLDER_PROBES = ("2.5.1", "2.5.0", "2.4.1", "2.3.1", "2.0.1", "1.13.1", "1.0.0")


def default_is_safe(repo: Facts) -> bool:
    """Every torch requirement of the repository excludes versions before 2.6."""
    torch = [d for d in dependency_facts(repo).all if d.name == "torch"]
    return bool(torch) and all(_only_new(d.version, d.specifier) for d in torch)


def _only_new(version: str | None, specifier: str) -> bool:
    if version is not None:
        try:
            return Version(version) >= SAFE_SINCE
        except ValueError:
            return False
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return False
    return bool(specifier) and not any(spec.contains(p, prereleases=True) for p in OLDER_PROBES)


@register
def torch_load_unsafe(ctx: CheckContext) -> Outcome:
    """Each ``torch.load`` that may unpickle arbitrary objects is a finding."""
    safe_default: bool | None = None
    found: list[Evidence] = []
    for path, call in callsites.sites(ctx.repo, names=TORCH_LOADS):
        if call.has_kwarg("weights_only"):
            if call.kwarg("weights_only") is not True:
                found.append(ev(path, call.line, f"{call.name}(...)"))
            continue
        if safe_default is None:
            safe_default = default_is_safe(ctx.repo)
        if not safe_default:
            found.append(ev(path, call.line, f"{call.name}(...)"))
    return Outcome.violations(found)
