"""CICD008 and zizmor's rules never report the same problem twice.

A CICD008 finding is dropped when zizmor's rule for the same concern is enabled in this scan,
zizmor ran, and zizmor reported that concern on the same file and line. Everything zizmor did
not report (or when zizmor is missing or failed) stays with CICD008. A line that carries
``# zizmor: ignore[<audit>]`` for the finding's concern is the repository's word on it:
CICD008 does not report it either, with or without zizmor.
"""

from __future__ import annotations

import re

from mlguard.analyzers.zizmor_meta import rule_for
from mlguard.checks.zizmor import ACTIVE_KEY, inputs, within, zizmor_run
from mlguard.model import Evidence
from mlguard.repo import RepoContext

# the prefix of a CICD008 finding's text -> the zizmor audits that report the same concern
CONCERNS = {
    "uses ": ("unpinned-uses",),
    "script injection ": ("template-injection",),
    "pull_request_target checkout ": ("unsafe-checkout",),
}
PERMISSIONS = ("excessive-permissions",)


def _audits(item: Evidence) -> tuple[str, ...]:
    if item.text.endswith((": no permissions", ": permissions write-all")):
        return PERMISSIONS
    for prefix, audits in CONCERNS.items():
        if item.text.startswith(prefix):
            return audits
    return ()


def without_zizmor_duplicates(repo: RepoContext, found: list[Evidence]) -> list[Evidence]:
    active = repo.cache.get(ACTIVE_KEY)
    if not found or not isinstance(active, frozenset):
        return found
    audits = {
        ident
        for item in found
        for ident in _audits(item)
        if (rule := rule_for(ident)) is not None and rule in active
    }
    if not audits or not inputs(repo):
        return found
    run = zizmor_run(repo)
    if run.error:
        return found
    covered = {
        (f.ident, f.path, f.line)
        for f in run.findings
        if f.ident in audits and within(f, "regular")
    }
    return [
        item
        for item in found
        if not any(
            (ident, item.location.path, item.location.line) in covered
            for ident in _audits(item)
            if ident in audits
        )
    ]


IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[([a-z, -]+)\]")


def ignored_for_zizmor(repo: RepoContext, item: Evidence) -> bool:
    """The finding's line ignores the zizmor audit of the same concern."""
    lines = repo.lines(item.location.path)
    line = lines[item.location.line - 1] if 0 < item.location.line <= len(lines) else ""
    match = IGNORE.search(line)
    if match is None:
        return False
    named = {part.strip() for part in match.group(1).split(",")}
    return any(ident in named for ident in _audits(item))
