"""``mlguard history``: the scan of each of a repository's past commits, one point each.

Each commit's files are written from git's objects into a private temporary directory
(:mod:`mlguard.repo.commits`: nothing is checked out, nothing the repository configures
runs) and scanned by the normal pipeline with that commit's git view, so "is this file
tracked" and the history rules answer for that commit. One facts cache serves every
commit: a file is keyed by its git blob id, so a file unchanged across commits is
analysed once, and a commit scanned before gets its whole result back (the engine's memo).

Each commit is judged under the config it holds itself (what ``mlguard scan`` said at that
commit), unless ``--config``, ``--config-ref``, ``--no-config`` or ``MLGUARD_CONFIG`` names
one config for all of them. A commit whose scan fails becomes a point with its error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mlguard import __version__, app
from mlguard.analyzers import redaction
from mlguard.engine.cache import FactsCache
from mlguard.errors import MlguardError, UsageError
from mlguard.repo.commits import Commit, History
from mlguard.results.history import Point, policy_hash, severity_counts

DEFAULT_LAST = 10
LEFT_OUT = "larger than"  # the start of the reason commits.History gives for a large blob


@dataclass(frozen=True)
class HistoryOptions:
    scan: app.ScanOptions
    last: int = 0  # at most this many points (0: no limit)
    ref: str = "HEAD"
    tags: bool = False
    since: str | None = None


def commits(opts: HistoryOptions, history: History) -> list[Commit]:
    if opts.tags:
        return history.tagged(opts.last, opts.since)
    return history.last(opts.ref, opts.last, opts.since)


@dataclass
class Totals:
    """What the scans of a history cost, for ``--stats``."""

    commits: int = 0
    cached: int = 0  # Python files and notebooks whose facts came from the cache
    analysed: int = 0  # ... that were parsed
    reused: int = 0  # commits whose whole result came from the memo

    def add(self, stats: Mapping[str, float]) -> None:
        self.commits += 1
        self.cached += int(stats.get("cached", 0))
        self.analysed += int(stats.get("analysed", 0))
        self.reused += int(bool(stats.get("memo")))


def run(
    opts: HistoryOptions,
    progress: Callable[[str], None] | None = None,
    totals: Totals | None = None,
) -> tuple[Point, ...]:
    """One point per selected commit, oldest first."""
    path = opts.scan.path
    if not path.is_dir():
        raise UsageError(f"{path}: not a directory")
    one_config = (
        opts.scan.no_config
        or opts.scan.config
        or opts.scan.config_ref
        or os.environ.get("MLGUARD_CONFIG")
    )
    shared = app.prepare(opts.scan) if one_config else None
    scan_opts = replace(
        opts.scan, baseline=None, diff_base=None, only_files=None, progress=False, config_ref=None
    )
    with History(path, "mlguard history") as history, app.facts_cache(scan_opts) as cache:
        chosen = commits(opts, history)
        points = []
        for number, commit in enumerate(chosen, 1):
            if progress is not None:
                progress(f"{number}/{len(chosen)} {commit.sha[:12]}")
            points.append(_point(history, commit, scan_opts, shared, cache, totals))
    return tuple(points)


def _point(
    history: History,
    commit: Commit,
    opts: app.ScanOptions,
    shared: app.Setup | None,
    cache: FactsCache | None,
    totals: Totals | None,
) -> Point:
    base = Point(commit.sha, commit.date, redaction.text(commit.subject), __version__, commit.tags)
    try:
        with history.tree(commit.sha) as tree:
            if tree.view is None:
                return replace(base, error="the scanned folder does not exist in this commit")
            setup = shared or app.setup_at(opts, tree.root, f"{commit.sha[:12]}:")
            here = replace(opts, path=tree.root)
            suppressed = app.evaluate(tree.root, setup, here, cache, tree.view)
            report = app.build_report(here, setup, suppressed.result, suppressed.count)
            if totals is not None:
                totals.add(report.scan.stats)
            left_out = tuple(
                sorted(p for p, why in tree.skipped.items() if why.startswith(LEFT_OUT))
            )
    except MlguardError as exc:  # one commit's failure is its point's error; the rest go on
        return replace(base, error=redaction.text(str(exc)))
    except Exception as exc:  # e.g. a hostile tree git cannot list: that point only
        return replace(base, error=redaction.text(f"{type(exc).__name__}: {exc}"))
    a = report.assessment
    assessed = a.assessed and not report.nothing_to_scan
    return replace(
        base,
        level=a.level if assessed else None,
        score=a.score if assessed else None,
        findings=severity_counts(report.findings),
        violations=len(report.violations),
        practice_gaps=len(report.gaps),
        policy=policy_hash(setup.policy, setup.rules),
        policy_name=setup.policy.name,
        left_out=left_out,
    )
