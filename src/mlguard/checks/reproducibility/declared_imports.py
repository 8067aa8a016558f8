"""Imports are covered by declared dependencies (REP002).

A third-party top-level import in product code (not tests, docs or examples) should be
provided by a declared or locked distribution. The standard library, modules of the
repository itself, relative imports and imports guarded by ``try:`` or
``if TYPE_CHECKING:`` are left out.
"""

from __future__ import annotations

import sys

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.facts.dependencies import dependency_facts
from mlguard.facts.files import Facts
from mlguard.facts.import_names import IMPLICIT, candidates
from mlguard.model import Evidence

MAX_GUARD_LOOKBACK = 200  # lines searched upwards for the enclosing block
GUARDS = ("try:", "if TYPE_CHECKING", "if typing.TYPE_CHECKING", "except ImportError")


def _local_modules(repo: Facts) -> set[str]:
    names: set[str] = set()
    for path in repo.files:
        parts = path.split("/")
        names.update(parts[:-1])
        if parts[-1].endswith((".py", ".pyi")):
            names.add(parts[-1].rsplit(".", 1)[0])
    return names


def _guarded(lines: list[str], number: int) -> bool:
    """The import sits in a ``try:``/``except ImportError``/``TYPE_CHECKING`` block."""
    if not 0 < number <= len(lines):
        return False
    line = lines[number - 1]
    indent = len(line) - len(line.lstrip())
    for previous in reversed(lines[max(0, number - 1 - MAX_GUARD_LOOKBACK) : number - 1]):
        stripped = previous.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(previous) - len(previous.lstrip()) < indent:
            return stripped.startswith(GUARDS)
    return False


@register
def imports_declared(ctx: CheckContext) -> Outcome:
    """Each undeclared third-party top-level module is one finding, at its first import."""
    repo = ctx.repo
    facts = dependency_facts(repo)
    declared = {d.name for d in facts.all}
    skip = set(sys.stdlib_module_names) | IMPLICIT | _local_modules(repo)
    seen: dict[str, list[tuple[str, int]]] = {}
    for path in traits.product_paths(repo):
        py = repo.python(path)
        if py is None:
            continue
        lines = repo.lines(path) if path.endswith(".py") else []
        here: set[str] = set()
        for imp in py.imports:
            top = imp.module.split(".")[0]
            if not top or top in skip or top in here or candidates(imp.module) & declared:
                continue
            if not _guarded(lines, imp.line):
                here.add(top)
                seen.setdefault(top, []).append((path, imp.line))
    if not facts.all:
        return Outcome.violations(_no_manifest(seen))
    manifests = ", ".join(facts.files) or "the lock files"
    return Outcome.violations(_finding(top, places, manifests) for top, places in seen.items())


def _no_manifest(seen: dict[str, list[tuple[str, int]]]) -> list[Evidence]:
    """Without any manifest, one finding (not one per module) at the first import."""
    if not seen:
        return []
    path, line = min(places[0] for places in seen.values())
    names = sorted(seen)
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return [
        ev(
            path,
            line,
            "no dependency manifest",
            f"No dependency is declared anywhere, but the code imports {len(names)} "
            f"third-party module(s) ({shown}): declare them (requirements.txt, pyproject.toml "
            "or environment.yml) so a fresh environment can run this code",
        )
    ]


def _finding(top: str, places: list[tuple[str, int]], manifests: str) -> Evidence:
    path, line = places[0]
    others = f" (and in {len(places) - 1} other file(s))" if len(places) > 1 else ""
    return ev(
        path,
        line,
        top,
        f"`{top}` is imported here{others} but no declared dependency provides it "
        f"({manifests}): add its distribution so a fresh environment can run this code",
    )
