"""CICD008 and zizmor's rules never report the same problem twice.

A CICD008 finding is dropped when zizmor's rule for the same concern is enabled in this scan,
zizmor ran, and zizmor reported that concern on the same file and line. Everything zizmor did
not report (or when zizmor is missing or failed) stays with CICD008. What the repository tells
zizmor to ignore for the finding's concern (a ``# zizmor: ignore[<audit>]`` comment on its
line, ``rules.<audit>.disable`` or an ``ignore:`` entry in its zizmor configuration) is the
repository's word on it: CICD008 does not report it either, with or without zizmor.
"""

from __future__ import annotations

import re

from mlguard.analyzers.zizmor_meta import rule_for
from mlguard.checks.cicd.zizmor import inputs, within, zizmor_run
from mlguard.facts.files import Facts
from mlguard.facts.stats import active_rules
from mlguard.model import Evidence

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


def without_zizmor_duplicates(repo: Facts, found: list[Evidence]) -> list[Evidence]:
    active = active_rules(repo)
    if not found or not active:
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


CONFIGS = (".github/zizmor.yml", ".github/zizmor.yaml", "zizmor.yml", "zizmor.yaml")


def ignored_for_zizmor(repo: Facts, item: Evidence) -> bool:
    """The repository tells zizmor to ignore the audit of the finding's concern there."""
    audits = _audits(item)
    if not audits:
        return False
    lines = repo.lines(item.location.path)
    line = lines[item.location.line - 1] if 0 < item.location.line <= len(lines) else ""
    match = IGNORE.search(line)
    if match is not None:
        named = {part.strip() for part in match.group(1).split(",")}
        if any(ident in named for ident in audits):
            return True
    return any(_configured_away(repo, ident, item) for ident in audits)


def _configured_away(repo: Facts, ident: str, item: Evidence) -> bool:
    """``rules.<ident>.disable: true``, or an ``ignore:`` entry for the workflow (and line)
    in the repository's first zizmor configuration file (zizmor reads only one)."""
    for path in CONFIGS:
        if not repo.exists(path):
            continue
        docs = repo.config(path)
        rules = docs[0].get("rules") if docs and isinstance(docs[0], dict) else None
        rule = rules.get(ident) if isinstance(rules, dict) else None
        if not isinstance(rule, dict):
            return False
        if rule.get("disable") is True:
            return True
        if not item.location.path.startswith(".github/workflows/"):
            return False  # zizmor's file ignores apply to workflows only
        name = item.location.path.rsplit("/", 1)[-1]
        entries = rule.get("ignore")
        for entry in entries if isinstance(entries, list) else []:
            file, _, rest = str(entry).partition(":")
            where = rest.split(":", 1)[0]
            if file == name and (not where or where == str(item.location.line)):
                return True
        return False
    return False
