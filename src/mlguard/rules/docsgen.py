"""Generate ``docs/rules/<ID>.md`` and ``docs/rules/README.md`` from the built-in rules.

``mlguard docs [--check] [--out DIR]`` writes the pages; with ``--check`` it writes nothing
and exits 1 when the committed pages are stale, so CI can insist that the docs match the
rule files.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlguard.model import CATEGORIES
from mlguard.rules.catalog import Catalog
from mlguard.rules.ruledocs import index_markdown, rule_markdown

DEFAULT_OUT = Path("docs/rules")
INDEX = "README.md"
GENERATED = re.compile(r"^[A-Z][A-Z0-9]{1,5}[0-9]{3}\.md$")


def render(catalog: Catalog) -> dict[str, str]:
    """File name -> content of every generated page (built-in rules only)."""
    rules = list(catalog.rules.values())
    pages = {f"{rule.id}.md": rule_markdown(rule) for rule in rules}
    pages[INDEX] = index_markdown(rules, CATEGORIES)
    return dict(sorted(pages.items()))


def _leftovers(out: Path, pages: dict[str, str]) -> list[str]:
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if GENERATED.match(p.name) and p.name not in pages)


def stale(out: Path, catalog: Catalog) -> list[str]:
    """Pages that are missing, differ from the rules, or belong to no rule any more."""
    pages = render(catalog)
    changed = [
        name
        for name, text in pages.items()
        if not (out / name).is_file() or (out / name).read_text("utf-8") != text
    ]
    return sorted(changed + _leftovers(out, pages))


def write(out: Path, catalog: Catalog) -> list[str]:
    """Write the pages into ``out``; return the names that changed (or were removed)."""
    pages = render(catalog)
    changed = stale(out, catalog)
    out.mkdir(parents=True, exist_ok=True)
    for name in _leftovers(out, pages):
        (out / name).unlink()
    for name in changed:
        if name in pages:
            (out / name).write_text(pages[name], encoding="utf-8")
    return changed


def in_own_checkout(cwd: Path) -> bool:
    """``cwd`` is the root of mlguard's own source checkout (its built-in ``rules/`` folder
    is ``cwd/rules``), the only place ``mlguard docs`` writes without ``--out``."""
    from mlguard.rules.resources import data_dir

    try:
        return data_dir("rules").resolve() == (cwd / "rules").resolve()
    except FileNotFoundError:
        return False
