"""Generate ``docs/rules/<ID>.md`` and ``docs/rules/README.md`` from the built-in rules.

``python -m mlguard.docsgen [--check] [--out DIR]`` (or ``mlguard docs``) writes the pages;
with ``--check`` it writes nothing and exits 1 when the committed pages are stale, so CI can
insist that the docs match the rule files.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from mlguard.catalog import Catalog
from mlguard.model import CATEGORIES
from mlguard.ruledocs import index_markdown, rule_markdown

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
    from mlguard.resources import data_dir

    try:
        return data_dir("rules").resolve() == (cwd / "rules").resolve()
    except FileNotFoundError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlguard.docsgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the docs are stale")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    catalog = Catalog.load()
    if args.check:
        outdated = stale(args.out, catalog)
        for name in outdated:
            print(f"stale: {args.out / name}", file=sys.stderr)
        if outdated:
            print("run `mlguard docs` to regenerate the rule docs", file=sys.stderr)
        return 1 if outdated else 0
    for name in write(args.out, catalog):
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
