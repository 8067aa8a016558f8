"""Whole-scan result memo: the same repository content scanned again with the same rules,
policy, settings and tools gets its previous result back without any analysis.

The key hashes every input the result depends on: mlguard's build (its version and a
signature of its code) and Python's version, the
installed bandit and zizmor, the effective rules and policy, the network/advisory settings,
git's HEAD and tags (history rules), and each file's path with its content key (git blob id when the
work tree matches the index, else its stat signature: size, mtime, inode, ctime). Results
that depend on a network service (online vulnerability lookups) are never memoised. Values
are JSON, like every cache entry: a cache restored in CI may come from an untrusted run.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlguard.analyzers import zizmor_adapter
from mlguard.analyzers.bandit_adapter import bandit_identity
from mlguard.engine.build import build_id
from mlguard.engine.cache import FactsCache
from mlguard.facts.files import Facts
from mlguard.facts.ignores import InlineIgnore
from mlguard.facts.kind import RepoKind
from mlguard.model import Evidence, Finding, Location, RuleResult, Severity, Status
from mlguard.rules.catalog import RuleSpec
from mlguard.rules.policy import Policy
from mlguard.settings import Settings

# 2: inline ignores stored with the result; 3: the repository kind; 4: CI systems;
# 5: partial results that are prerequisites only
VERSION = "5"
NETWORK_RULES = frozenset({"SEC012"})  # online lookups: the answer changes without the repo


def digest(
    repo: Facts, rules: Iterable[RuleSpec], policy: Policy, settings: Settings | None
) -> str | None:
    """The memo key of this scan, or ``None`` when its result must not be memoised."""
    rules = tuple(rules)
    online = settings is None or (not settings.offline and settings.advisory_db is None)
    if online and any(r.id in NETWORK_RULES for r in rules):
        return None
    h = hashlib.sha256()
    for part in (
        VERSION,
        build_id(),
        sys.version,
        bandit_identity()[0],
        zizmor_adapter.identity(),
        repr(policy),
        repr(rules),
        repr(settings),
        repr(sorted(repo.focus or ())),
    ):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    if settings is not None and settings.advisory_db is not None:
        h.update(_tree_signature(settings.advisory_db).encode())
    git = repo.git
    h.update(f"{git.head if git else ''}|{git.tags if git else ()}\0".encode())
    for rel in repo.files:
        key = git.blobs.get(rel) if git is not None else None
        if key is None:
            try:
                key = FactsCache.signature(repo.abspath(rel).lstat())
            except OSError:
                return None
        h.update(f"{rel}\0{key}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _tree_signature(folder: Path) -> str:
    h = hashlib.sha256()
    try:
        for path in sorted(folder.rglob("*")):
            st = path.lstat()
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    except OSError:
        h.update(b"unreadable")
    return h.hexdigest()


def cache_key(key: str) -> str:
    return FactsCache.key("scan", VERSION, "", key)


def _loc(loc: Location) -> list[Any]:
    return [loc.path, loc.line, loc.column, loc.end_line]


def _unloc(raw: list[Any]) -> Location:
    path, line, column, end_line = raw
    return Location(str(path), int(line), column, end_line)


def encode(
    results: Iterable[RuleResult],
    skipped: dict[str, str],
    traits: dict[str, bool],
    inline: Iterable[InlineIgnore] = (),
    ci: Mapping[str, tuple[str, ...]] | None = None,
    kind: RepoKind | None = None,
) -> dict[str, Any]:
    return {
        "kind": [kind.name, list(kind.evidence), kind.source] if kind else None,
        "ignores": [
            [i.path, i.line, list(i.rule_ids), i.reason, i.own_line, i.text] for i in inline
        ],
        "results": [
            [
                r.rule_id,
                r.status.value,
                r.reason,
                [
                    [
                        f.rule_id,
                        f.message,
                        _loc(f.location),
                        f.severity.value,
                        f.snippet,
                        f.rule_name,
                    ]
                    for f in r.findings
                ],
                [
                    [_loc(e.location), e.text, e.message, e.severity.value if e.severity else None]
                    for e in r.evidence
                ],
                r.prerequisite,
            ]
            for r in results
        ],
        "skipped": skipped,
        "traits": traits,
        "ci": {name: list(files) for name, files in (ci or {}).items()},
    }


@dataclass(frozen=True)
class Memoised:
    results: tuple[RuleResult, ...]
    skipped: dict[str, str]
    traits: dict[str, bool]
    inline: tuple[InlineIgnore, ...]  # the repository's inline ignores (same content key)
    ci: dict[str, tuple[str, ...]]
    kind: RepoKind | None = None


def decode(raw: Any, rule_ids: list[str]) -> Memoised | None:
    """The memoised result, or ``None`` when the entry is damaged or does not fit the rules."""
    try:
        results = tuple(
            RuleResult(
                str(rule_id),
                Status(status),
                tuple(
                    Finding(str(fr), str(msg), _unloc(loc), Severity(sev), str(snip), str(name))
                    for fr, msg, loc, sev, snip, name in findings
                ),
                str(reason),
                tuple(
                    Evidence(_unloc(loc), str(text), str(msg), Severity(sev) if sev else None)
                    for loc, text, msg, sev in evidence
                ),
                bool(prerequisite),
            )
            for rule_id, status, reason, findings, evidence, prerequisite in raw["results"]
        )
        skipped = {str(k): str(v) for k, v in raw["skipped"].items()}
        traits = {str(k): bool(v) for k, v in raw["traits"].items()}
        ci = {str(k): tuple(str(p) for p in v) for k, v in raw["ci"].items()}
        inline = tuple(
            InlineIgnore(str(p), int(n), tuple(map(str, ids)), str(why), bool(alone), str(t))
            for p, n, ids, why, alone, t in raw["ignores"]
        )
        kind_raw = raw.get("kind")
        kind = (
            RepoKind(str(kind_raw[0]), tuple(map(str, kind_raw[1])), str(kind_raw[2]))
            if kind_raw
            else None
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if [r.rule_id for r in results] != rule_ids:
        return None
    return Memoised(results, skipped, traits, inline, ci, kind)
