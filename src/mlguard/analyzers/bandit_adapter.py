"""bandit, in-process, on Python sources given as text.

Sources are written to a private temporary directory under generated names (never into the
scanned repository; bandit never sees the repository's paths), bandit's manager API runs
every test on them, and issues come back keyed by the caller's label. ``# nosec`` comments
are honoured. A caller that has already parsed a source passes its tree along, and bandit
walks that tree instead of parsing the text again; sources without a ``nosec`` comment are run
with bandit's nosec handling off, which skips its tokenizer pass and finds the same issues.
Any failure of bandit itself is returned as ``BanditRun.error``: the caller
reports its rules as not checked, never as passed.

bandit's manager API is not a documented stable interface: pyproject.toml pins the version
range and tests/test_bandit.py fails if its shape changes.
"""

from __future__ import annotations

import ast
import importlib
import logging
import re
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


class _Silent:
    """Stands in for bandit's module loggers while mlguard runs it: its output is never
    shown, and its per-node debug calls cost about a twentieth of its run time."""

    def _drop(self, *args: object, **kwargs: object) -> None:
        return None

    debug = info = warning = error = exception = critical = _drop

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging.Logger's name
        return False

    def getEffectiveLevel(self) -> int:  # noqa: N802 - logging.Logger's name
        return logging.CRITICAL


LOGGING_MODULES = ("manager", "node_visitor", "tester")


@contextmanager
def _quiet(running: bool = True) -> Iterator[None]:
    """bandit silenced; ``running``: its per-node module loggers replaced too."""
    logger = logging.getLogger("bandit")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    saved: list[tuple[Any, Any]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bandit's imports warn about their plugins
            try:
                for name in LOGGING_MODULES if running else ():
                    module = importlib.import_module(f"bandit.core.{name}")
                    if hasattr(module, "LOG"):
                        saved.append((module, module.LOG))
                        setattr(module, "LOG", _Silent())  # noqa: B010 - bandit's global
            except ImportError:
                pass  # reported by the caller, which imports bandit itself
            yield
    finally:
        for module, log in saved:
            setattr(module, "LOG", log)  # noqa: B010 - bandit's module global
        logger.setLevel(level)


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # some messages quote a Python object's repr
NOSEC = "nosec"  # bandit's marker (manager.NOSEC_COMMENT): a source without it has none


def _manager(trees: dict[str, ast.AST], ignore_nosec: bool) -> Any:
    """bandit's manager, walking the caller's parsed trees (keyed by file path) when given."""
    from bandit.core import config, manager, node_visitor, tester

    class Tester(tester.BanditTester):  # type: ignore[misc]
        def _get_nosecs_from_contexts(self, context: Any, test_result: Any = None) -> Any:
            if not self.nosec_lines:
                return None  # what bandit's lookup gives when a file has no comments at all
            return super()._get_nosecs_from_contexts(context, test_result)

    class Visitor(node_visitor.BanditNodeVisitor):  # type: ignore[misc]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.tester = Tester(self.testset, self.debug, self.nosec_lines, self.metrics)
            self.kinds: dict[type, bool] = {}  # node type -> bandit has a test or visitor

        def _tested(self, kind: type) -> bool:
            """Whether bandit does anything at a node of this type (a test or a visitor)."""
            if kind not in self.kinds:
                name = kind.__name__
                self.kinds[kind] = bool(self.testset.get_tests(name)) or hasattr(
                    self, "visit_" + name
                )
            return self.kinds[kind]

        def generic_visit(self, node: ast.AST) -> None:
            # bandit's own walk (parent and sibling links on every node), except that a
            # node bandit has no test for skips pre_visit/visit/post_visit: bandit would
            # only build a context for it and run an empty test list (no issue, no score)
            for _, value in ast.iter_fields(node):
                if isinstance(value, list):
                    last = len(value) - 1
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            item._bandit_sibling = value[index + 1] if index < last else None  # type: ignore[attr-defined]
                            item._bandit_parent = node  # type: ignore[attr-defined]
                            self._step(item)
                elif isinstance(value, ast.AST):
                    value._bandit_sibling = None  # type: ignore[attr-defined]
                    value._bandit_parent = node  # type: ignore[attr-defined]
                    self._step(value)

        def _step(self, node: ast.AST) -> None:
            if not self._tested(type(node)):
                self.generic_visit(node)
            elif self.pre_visit(node):
                self.visit(node)
                self.generic_visit(node)
                self.post_visit(node)

        def process(self, data: bytes) -> Any:
            tree = trees.get(str(self.fname))
            if tree is None:
                return super().process(data)
            # bandit's own process(), minus its ast.parse of the same text
            self.generic_visit(tree)
            self.context = {
                "file_data": self.fdata,
                "filename": self.fname,
                "lineno": 0,
                "linerange": [0, 1],
                "col_offset": 0,
            }
            self.update_scores(self.tester.run_tests(self.context, "File"))
            return self.scores

    class Manager(manager.BanditManager):  # type: ignore[misc]
        def _execute_ast_visitor(
            self, fname: str, fdata: Any, data: bytes, nosec_lines: dict[int, Any]
        ) -> Any:
            visitor = Visitor(
                fname, fdata, self.b_ma, self.b_ts, self.debug, nosec_lines, self.metrics
            )
            score = visitor.process(data)
            self.results.extend(visitor.tester.results)
            return score

    return Manager(config.BanditConfig(), "file", quiet=True, ignore_nosec=ignore_nosec)


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
        text=ADDRESS.sub("", str(data["issue_text"])),
    )


def _available() -> tuple[frozenset[str], str]:
    import bandit
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    ids = set(manager.plugins_by_id)
    ids.update(item["id"] for items in manager.blacklist.values() for item in items)
    return frozenset(ids), str(bandit.__version__)


Source = tuple[str, str] | tuple[str, str, ast.AST | None]  # label, text[, parsed tree]


def _run(
    sources: Sequence[Source],
) -> tuple[tuple[BanditIssue, ...], tuple[tuple[str, str], ...]]:
    found: list[BanditIssue] = []
    skipped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="mlguard-bandit-") as tmp:
        labels: dict[str, str] = {}
        trees: dict[str, ast.AST] = {}
        groups: dict[bool, list[str]] = {True: [], False: []}  # ignore_nosec -> paths
        for index, source in enumerate(sources):
            label, text = source[0], source[1]
            name = f"src{index:06d}.py"
            path = str(Path(tmp) / name)
            Path(path).write_text(text, encoding="utf-8", errors="replace")
            labels[name] = label
            tree = source[2] if len(source) > 2 else None
            if tree is not None:
                trees[path] = tree
            groups[NOSEC not in text].append(path)
        for ignore_nosec, paths in groups.items():
            if not paths:
                continue
            mgr = _manager(trees, ignore_nosec)
            mgr.discover_files(paths)
            mgr.run_tests()
            found.extend(
                i
                for i in (_issue(raw, labels) for raw in mgr.get_issue_list("LOW", "LOW"))
                if i is not None
            )
            skipped.extend(
                (labels.get(Path(str(name)).name, str(name)), str(reason))
                for name, reason in mgr.get_skipped()
            )
    issues = sorted(found, key=lambda i: (i.label, i.line, i.column, i.test_id))
    return tuple(issues), tuple(sorted(skipped))


def bandit_identity() -> tuple[str, frozenset[str], str]:
    """(version, test ids available, error) of the installed bandit, without running it."""
    try:
        with _quiet(running=False):
            available, version = _available()
    except ImportError:
        return "", frozenset(), "bandit is not installed (pip install 'bandit>=1.7.7,<1.10')"
    except Exception as exc:  # bandit's internals: contained, reported, never a pass
        return "", frozenset(), f"bandit failed: {type(exc).__name__}: {exc}"
    return version, available, ""


def run_bandit(sources: Sequence[Source]) -> BanditRun:
    """Run every bandit test on ``(label, python source[, its parsed tree])`` entries.

    A tree must come from ``ast.parse`` of exactly that source; bandit annotates its nodes."""
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
