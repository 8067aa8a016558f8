"""bandit, in-process, on Python sources given as text.

Sources are written to a private temporary directory under generated names (never into the
scanned repository; bandit never sees the repository's paths), bandit's manager API runs
every test on them, and issues come back keyed by the caller's label. ``# nosec`` comments
are honoured. Any failure of bandit itself is returned as ``BanditRun.error``: the caller
reports its rules as not checked, never as passed.

bandit's manager API is not a documented stable interface: pyproject.toml pins the version
range and tests/test_bandit.py fails if its shape changes.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BanditIssue:
    label: str  # the caller's name for the source (a repository path)
    test_id: str  # "B602"
    line: int  # in the source as given
    column: int  # 1-based
    severity: str  # this issue's severity: LOW / MEDIUM / HIGH
    confidence: str
    text: str  # bandit's message (may quote code: callers decide what to show)
    code: str = ""  # the flagged line of the source, when the caller asked for it
    file_line: int = 0  # for notebooks: the line in the .ipynb file (0: same as ``line``)


@dataclass(frozen=True)
class BanditRun:
    issues: tuple[BanditIssue, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (label, reason) bandit could not parse
    error: str = ""
    available: frozenset[str] = frozenset()  # test ids the installed bandit has
    version: str = ""


@contextmanager
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("bandit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _manager() -> Any:
    from bandit.core import config, manager

    return manager.BanditManager(config.BanditConfig(), "file", quiet=True)


def _issue(raw: Any, labels: dict[str, str]) -> BanditIssue | None:
    data = raw.as_dict(with_code=False)
    label = labels.get(Path(str(data["filename"])).name)
    if label is None:
        return None
    return BanditIssue(
        label=label,
        test_id=str(data["test_id"]),
        line=int(data["line_number"]),
        column=int(data.get("col_offset") or 0) + 1,
        severity=str(data["issue_severity"]).upper(),
        confidence=str(data["issue_confidence"]).upper(),
        text=str(data["issue_text"]),
    )


def _available() -> tuple[frozenset[str], str]:
    import bandit
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    ids = set(manager.plugins_by_id)
    ids.update(item["id"] for items in manager.blacklist.values() for item in items)
    return frozenset(ids), str(bandit.__version__)


def _run(
    sources: Sequence[tuple[str, str]],
) -> tuple[tuple[BanditIssue, ...], tuple[tuple[str, str], ...]]:
    with tempfile.TemporaryDirectory(prefix="mlguard-bandit-") as tmp:
        labels: dict[str, str] = {}
        for index, (label, text) in enumerate(sources):
            name = f"src{index:06d}.py"
            (Path(tmp) / name).write_text(text, encoding="utf-8", errors="replace")
            labels[name] = label
        mgr = _manager()
        mgr.discover_files([str(Path(tmp) / name) for name in labels])
        mgr.run_tests()
        found = (_issue(raw, labels) for raw in mgr.get_issue_list("LOW", "LOW"))
        issues = sorted(
            (i for i in found if i is not None),
            key=lambda i: (i.label, i.line, i.column, i.test_id),
        )
        skipped = sorted(
            (labels.get(Path(str(name)).name, str(name)), str(reason))
            for name, reason in mgr.get_skipped()
        )
    return tuple(issues), tuple(skipped)


def bandit_identity() -> tuple[str, frozenset[str], str]:
    """(version, test ids available, error) of the installed bandit, without running it."""
    try:
        with _quiet():
            available, version = _available()
    except ImportError:
        return "", frozenset(), "bandit is not installed (pip install 'bandit>=1.7.7,<1.10')"
    except Exception as exc:  # bandit's internals: contained, reported, never a pass
        return "", frozenset(), f"bandit failed: {type(exc).__name__}: {exc}"
    return version, available, ""


def run_bandit(sources: Sequence[tuple[str, str]]) -> BanditRun:
    """Run every bandit test on ``(label, python source)`` pairs."""
    try:
        with _quiet():
            available, version = _available()
            if not sources:
                return BanditRun(available=available, version=version)
            issues, skipped = _run(sources)
    except ImportError:
        return BanditRun(error="bandit is not installed (pip install 'bandit>=1.7.7,<1.10')")
    except Exception as exc:  # bandit's internals: contained, reported, never a pass
        return BanditRun(error=f"bandit failed: {type(exc).__name__}: {exc}")
    return BanditRun(issues, skipped, "", available, version)
