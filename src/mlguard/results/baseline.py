"""Known findings: baseline files and the subtraction shared with ``--diff-base``.

A finding's key is its rule id, path (relative to the scan root) and normalised snippet,
never its line number, so code moving around does not make old findings look new. The
baseline file is JSON, versioned, with entries sorted and counted (two identical findings
in one file are two occurrences of one key).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlguard import __version__
from mlguard.engine.scan import ScanResult
from mlguard.errors import ConfigError
from mlguard.model import Finding, fingerprint
from mlguard.settings import DEFAULT_BASELINE

FORMAT_VERSION = 1
DEFAULT_NAME = DEFAULT_BASELINE


def key(f: Finding) -> str:
    return fingerprint(f, f.location.path)


@dataclass(frozen=True)
class Entry:
    rule_id: str
    path: str
    fingerprint: str
    snippet: str
    count: int = 1

    def describe(self) -> str:
        return f"{self.rule_id} {self.path}: {self.snippet}"


@dataclass(frozen=True)
class Known:
    """What a filter removed: the new result, how many findings it dropped, and which
    known entries matched nothing (stale)."""

    result: ScanResult
    removed: int
    stale: tuple[Entry, ...]


def entries(findings: Iterable[Finding]) -> tuple[Entry, ...]:
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for f in findings:
        k = key(f)
        counts[k] += 1
        first.setdefault(k, f)
    rows = [
        Entry(f.rule_id, f.location.path, k, " ".join((f.snippet or f.message).split())[:200])
        for k, f in first.items()
    ]
    return tuple(
        replace(e, count=counts[e.fingerprint])
        for e in sorted(rows, key=lambda e: (e.path, e.rule_id, e.fingerprint))
    )


def dumps(rows: tuple[Entry, ...]) -> str:
    doc = {
        "version": FORMAT_VERSION,
        "tool": {"name": "mlguard", "version": __version__},
        "entries": [
            {
                "rule_id": e.rule_id,
                "path": e.path,
                "fingerprint": e.fingerprint,
                "snippet": e.snippet,
                "count": e.count,
            }
            for e in rows
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> tuple[Entry, ...]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read baseline: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), f"baseline is not JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
        raise ConfigError(str(path), f"not an mlguard baseline of version {FORMAT_VERSION}")
    rows = doc.get("entries")
    if not isinstance(rows, list):
        raise ConfigError(str(path), "baseline has no 'entries' list")
    return tuple(_entry(row, path, n) for n, row in enumerate(rows))


def _entry(row: Any, path: Path, index: int) -> Entry:
    try:
        count = int(row.get("count", 1))
        return Entry(
            str(row["rule_id"]),
            str(row["path"]),
            str(row["fingerprint"]),
            str(row["snippet"]),
            count,
        )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(str(path), f"entries[{index}] is malformed ({exc})") from exc


def subtract(result: ScanResult, known: Iterable[Entry]) -> Known:
    """Drop findings whose key is known (each known occurrence absorbs one finding)."""
    rows = {e.fingerprint: e for e in known}
    left: Counter[str] = Counter({e.fingerprint: e.count for e in rows.values()})
    removed = 0
    results = []
    for res in result.results:
        kept = []
        for f in res.findings:
            k = key(f)
            if left[k] > 0:
                left[k] -= 1
                removed += 1
            else:
                kept.append(f)
        results.append(
            res if len(kept) == len(res.findings) else replace(res, findings=tuple(kept))
        )
    stale = tuple(replace(rows[k], count=n) for k, n in sorted(left.items()) if n > 0)
    stale = tuple(sorted(stale, key=lambda e: (e.path, e.rule_id, e.fingerprint)))
    return Known(replace(result, results=tuple(results)), removed, stale)
