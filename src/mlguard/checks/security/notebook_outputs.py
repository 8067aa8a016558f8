"""SEC005: notebooks committed with outputs that show data (HTML tables, more than 1 MB of
images, large text dumps), unless the repository strips outputs (nbstripout / nb-clean / nbconvert
``--clear-output`` in pre-commit, or a ``.gitattributes`` filter on ``*.ipynb``).

Secrets printed in outputs are SEC004's findings; this rule is about the data itself.
"""

from __future__ import annotations

import re
from typing import Any

from mlguard.analyzers.configs import parse_json
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence
from mlguard.repo import globs
from mlguard.safeio.lines import line_at

STRIPPERS = re.compile(r"nbstripout|nb-clean|nbclean|clear[-_]output|jupyter-notebook-cleanup")
IMAGES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
LARGE_TEXT = 20_000  # characters of text output in one notebook: a data dump, not a log line
# base64 characters of images in one notebook: a few plots stay under it; galleries of
# samples (images of the data itself) do not
LARGE_IMAGES = 1_000_000


def stripped_by(ctx: CheckContext) -> str:
    """How the repository strips notebook outputs, or '' when it does not."""
    for path in ctx.repo.glob(".pre-commit-config.yaml", ".pre-commit-config.yml"):
        if STRIPPERS.search(ctx.repo.text(path) or ""):
            return f"{path} strips notebook outputs"
    for path in ctx.repo.glob(".gitattributes"):
        for line in (ctx.repo.text(path) or "").splitlines():
            pattern, _, attributes = line.strip().partition(" ")
            if "ipynb" in pattern and "filter=" in attributes:
                return f"{path} filters notebooks"
    return ""


def _outputs(doc: Any) -> list[dict[str, Any]]:
    cells = doc.get("cells") if isinstance(doc, dict) else None
    found = []
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        found += [o for o in (outputs if isinstance(outputs, list) else []) if isinstance(o, dict)]
    return found


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""


def _kinds(outputs: list[dict[str, Any]]) -> tuple[list[str], str]:
    """What the outputs show, and the text to locate the first of them."""
    images = tables = text = image_bytes = 0
    needle = image_needle = ""
    for out in outputs:
        raw = out.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        mimes = [m for m in IMAGES if m in data]
        if mimes:
            images += 1
            image_bytes += sum(len(_text(data[m])) for m in mimes)
            image_needle = image_needle or f'"{mimes[0]}"'
        if "<table" in _text(data.get("text/html")):
            tables += 1
            needle = needle or '"text/html"'
        text += len(_text(out.get("text"))) + len(_text(data.get("text/plain")))
    kinds = []
    if image_bytes > LARGE_IMAGES:
        kinds.append(f"{images} images, {image_bytes // 1_000_000} MB")
        needle = image_needle
    if tables:
        kinds.append(f"{tables} HTML table{'s' if tables > 1 else ''}")
    if text > LARGE_TEXT:
        kinds.append(f"{text // 1000} KB of printed text")
        needle = needle or '"outputs": ['
    return kinds, needle


def _line(text: str, needle: str) -> int:
    at = text.find(needle) if needle else -1
    return line_at(text, at)


@register
def notebook_outputs(ctx: CheckContext) -> Outcome:
    """Each notebook whose saved outputs show data, unless outputs are stripped."""
    how = stripped_by(ctx)
    if how:
        return Outcome.passed(detail=how)
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    found: list[Evidence] = []
    for path in ctx.repo.glob("*.ipynb"):
        if skip and globs.match_any(path, skip):
            continue
        text = ctx.repo.text(path)
        docs, error = parse_json(text) if text is not None else ([], "")
        if error or not docs or text is None:
            continue
        kinds, needle = _kinds(_outputs(docs[0]))
        if kinds:
            found.append(
                ev(
                    path,
                    _line(text, needle),
                    "outputs " + ", ".join(kinds),
                    f"Notebook is committed with outputs ({', '.join(kinds)}): plots, tables "
                    "and printed records carry the data they show into git history, for "
                    "everyone who can read the repository. Clear outputs before committing "
                    "(nbstripout as a pre-commit hook or git filter)",
                )
            )
    return Outcome.violations(found)
