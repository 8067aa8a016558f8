"""Parallel, cached per-file analysis of Python files and notebooks.

Each file is read once, by a worker process, and parsed once: the worker builds its Python
facts and, when bandit rules are selected, runs bandit on its batch of files. Results are
stored in the on-disk cache under the file's content key (its git blob id when the work
tree matches the index, else the SHA-256 of its text), so an unchanged file is never read
again. bandit's issues keep their code line and notebook file line, so reporting them
needs no second read either.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlguard.analyzers import python_codec
from mlguard.analyzers.bandit_adapter import BanditIssue, BanditRun, bandit_identity, run_bandit
from mlguard.analyzers.notebook import parse_cells, parse_notebook
from mlguard.analyzers.python_ast import PyFacts, analyze_tree, parse_source
from mlguard.analyzers.python_file import remap_to_notebook
from mlguard.engine import workers
from mlguard.engine.cache import FactsCache, RawJson
from mlguard.engine.progress import Progress
from mlguard.facts import files as facts_files
from mlguard.facts.bandit import the_run as bandit_run
from mlguard.facts.files import Facts
from mlguard.facts.stats import python_stats
from mlguard.safeio.fileio import read_text

# 3: value flows and definitions; 4: flows in LLM files only; 5: modules kept on ``self``;
# 7: source of newer Pythons and IPython lines in .py files parsed (analyzers.python_compat)
PYTHON, PYTHON_VERSION = "python", "7"
BANDIT = "bandit"
INLINE_BELOW = 64  # files: below this a process pool costs more than it saves
CHUNK = 32

Job = tuple[str, str, int]  # rel, absolute path, max bytes


@dataclass(frozen=True)
class FileResult:
    """One file's analysis as it crosses from a worker: facts as their cache JSON (a string
    pickles at memcpy speed; the objects would cost more to pickle than JSON to decode)."""

    rel: str
    sha: str = ""
    facts_json: str = ""  # "" when the file could not be read or parsed
    reason: str = ""
    bandit: list[dict[str, Any]] | None = None
    bandit_skip: str = ""


@dataclass
class Batch:
    results: list[FileResult]
    bandit_error: str = ""


@dataclass(frozen=True)
class Started:
    """An analysis under way (see :class:`mlguard.repo.context.Analysis`)."""

    finish: Callable[[], None]
    cancel: Callable[[], None]


@dataclass(frozen=True)
class _Read:
    result: FileResult
    source: str = ""  # the Python source analysed ("" when none)
    tree: ast.Module | None = None  # its syntax tree, shared with bandit
    notebook: Any = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _read(job: Job) -> _Read:
    """Read and parse one file (once: bandit walks the same tree)."""
    rel, path, max_bytes = job
    text, reason = read_text(Path(path), rel, max_bytes)
    if text is None:
        return _Read(FileResult(rel, reason=reason))
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    limit = facts_files.MAX_PYTHON_BYTES
    too_big = f"larger than the {limit >> 20} MiB Python analysis budget"
    nb = None
    if rel.endswith(".ipynb"):
        nb = parse_notebook(text)
        if nb.error:
            return _Read(FileResult(rel, sha, reason=reason or nb.error))
        text = nb.source
    if len(text) > limit:
        return _Read(FileResult(rel, sha, reason=too_big))
    if nb is not None:  # a cell that is not valid Python is left out, not the notebook
        tree, error, nb = parse_cells(nb, rel)
        text = nb.source
    else:
        tree, error = parse_source(text, rel)
    facts = PyFacts(syntax_error=error) if tree is None else analyze_tree(tree)
    if nb is not None:
        # cells left out of a notebook are noted like a syntax error, with what was kept
        facts = remap_to_notebook(dataclasses.replace(facts, syntax_error=error), nb)
    return _Read(FileResult(rel, sha, _json(facts), reason), text, tree, nb)


def _json(facts: PyFacts) -> str:
    return json.dumps(python_codec.encode(facts), separators=(",", ":"))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic cyclic garbage collection inside: each one re-walks every live object,
    and parsing or decoding creates objects by the hundred thousand (ast.parse of
    diffusers' files: 8.9 ms per file with the collector on, 1.9 ms with it off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _work_batch(args: tuple[list[Job], bool]) -> Batch:
    with _collector_paused():
        batch = _analyse_batch(*args)
    gc.collect(0)  # bandit links AST children to parents: each batch's trees are cycles
    return batch


def _analyse_batch(jobs: list[Job], want_bandit: bool) -> Batch:
    read = [_read(job) for job in jobs]
    if not want_bandit:
        return Batch([r.result for r in read])
    sources = [
        (r.result.rel, r.source, r.tree) for r in read if r.result.facts_json and r.source.strip()
    ]
    run = run_bandit(sources)
    if run.error:
        return Batch([r.result for r in read], run.error)
    by_file: dict[str, list[dict[str, Any]]] = {}
    lines = {rel: src.splitlines() for rel, src, _ in sources}
    notebooks = {r.result.rel: r.notebook for r in read if r.notebook is not None}
    for issue in run.issues:
        code = lines[issue.label][issue.line - 1] if issue.line <= len(lines[issue.label]) else ""
        nb = notebooks.get(issue.label)
        placed = dataclasses.replace(
            issue, code=code[:2000], file_line=nb.file_line(issue.line) if nb else 0
        )
        by_file.setdefault(issue.label, []).append(dataclasses.asdict(placed))
    skipped = dict(run.skipped)
    results = [
        dataclasses.replace(
            r.result,
            bandit=by_file.get(r.result.rel, []) if r.result.facts_json else None,
            bandit_skip=skipped.get(r.result.rel, ""),
        )
        for r in read
    ]
    return Batch(results)


def _batches(jobs: list[Job], want_bandit: bool) -> Iterable[tuple[list[Job], bool]]:
    for start in range(0, len(jobs), CHUNK):
        yield jobs[start : start + CHUNK], want_bandit


def _start(todo: list[Job], jobs: int, want_bandit: bool) -> tuple[Iterator[Batch], Any]:
    """Hand every batch to the workers now (they start at once); batches come back in
    order from the returned iterator. Inline (no pool) for small scans or one job."""
    work = _batches(todo, want_bandit)
    if jobs <= 1 or len(todo) < INLINE_BELOW:
        return map(_work_batch, work), None
    with workers.clean_import_path():  # the pool, its helper processes and workers start here
        pool = workers.executor(jobs)
        try:
            return iter(pool.map(_work_batch, work)), pool
        except BaseException:  # interrupted while handing out work: no one else owns it
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _collect(batches: Iterator[Batch], pool: Any, total: int, show: bool) -> Iterator[Batch]:
    """Each batch as soon as it is done, in order (the caller stores and drops them as
    they come: a large repository's facts are never all in flight at once)."""
    progress = Progress("analysing files", total, show)
    files = 0
    try:
        for batch in batches:
            files += len(batch.results)
            progress.update(files)
            yield batch
    finally:
        progress.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)


class _Keys:
    """Cache keys of one scan: content key of each file, analyzer keys built from it."""

    def __init__(self, repo: Facts, cache: FactsCache | None, bandit_id: str) -> None:
        self.repo, self.cache = repo, cache
        self.settings = str(repo.max_text_bytes)
        self.bandit_id = bandit_id

    def content(self, rel: str) -> str | None:
        git = self.repo.git
        if git is not None and rel in git.blobs:
            return "git:" + git.blobs[rel]
        if self.cache is None:
            return None
        try:
            st = self.repo.abspath(rel).lstat()
        except OSError:
            return None
        return self.cache.known_hash(str(self.repo.abspath(rel)), self.cache.signature(st))

    def python(self, content: str) -> str:
        return FactsCache.key(PYTHON, PYTHON_VERSION, self.settings, content)

    def bandit(self, content: str) -> str:
        # bandit reads the tree mlguard parsed: a change in parsing changes its results too
        return FactsCache.key(BANDIT, f"{self.bandit_id}+{PYTHON_VERSION}", self.settings, content)


def start_python(
    repo: Facts,
    jobs: int,
    cache: FactsCache | None,
    want_bandit: bool = False,
    show_progress: bool = False,
) -> Started:
    """Start filling ``repo``'s Python facts (and the scan's bandit run) for every Python
    file: cached files at once, the others in worker processes that begin immediately.
    Returns the analysis under way: ``finish`` waits for the workers and records what
    they found, ``cancel`` stops them."""
    identity = bandit_identity() if want_bandit else ("", frozenset(), "")
    keys = _Keys(repo, cache, identity[0])
    issues: list[BanditIssue] = []
    used: list[str] = []
    todo: list[Job] = []
    from_cache = 0
    with _collector_paused():  # cached facts are decoded here
        for rel in repo.needs_python():
            if _from_cache(repo, rel, keys, want_bandit, issues, used):
                from_cache += 1
                continue
            if repo.files[rel].size > repo.max_text_bytes:
                repo.python(rel)  # records the skip reason without reading
                continue
            todo.append((rel, str(repo.abspath(rel)), repo.max_text_bytes))
    started = time.perf_counter()
    batches, pool = _start(todo, jobs, want_bandit)

    def finish() -> None:
        skipped: list[tuple[str, str]] = []
        errors: list[str] = []
        # decoded with the collector paused: the facts are acyclic (reference counting
        # frees them), and a collector pass re-walks every object decoded so far
        with _collector_paused():
            for batch in _collect(batches, pool, len(todo), show_progress):
                if batch.bandit_error:
                    errors.append(batch.bandit_error)
                fresh: list[tuple[str, Any]] = []
                hashes: list[tuple[str, str, str]] = []
                for result in batch.results:
                    _record(repo, result, keys, fresh, hashes, issues, skipped)
                if cache is not None:
                    cache.remember_hashes(hashes)
                    cache.put_many(fresh)
        if cache is not None:
            cache.touch(used)
        python_stats.prime(
            repo,
            {
                "cached": from_cache,
                "analysed": len(todo),
                "seconds": round(time.perf_counter() - started, 2),
                "workers": jobs if pool is not None else 1,
            },
        )
        if want_bandit:
            run = BanditRun(
                issues=tuple(sorted(issues, key=lambda i: (i.label, i.line, i.column, i.test_id))),
                skipped=tuple(sorted(skipped)),
                error=errors[0] if errors else identity[2],
                available=identity[1],
                version=identity[0],
            )
            bandit_run.prime(repo, (run, {}))

    def cancel() -> None:
        # waits for the batches already running (a fraction of a second): without the wait
        # the executor can be collected before its manager thread reads the cancel flag,
        # and the workers then run through every queued batch
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    return Started(finish, cancel)


def _from_cache(
    repo: Facts,
    rel: str,
    keys: _Keys,
    want_bandit: bool,
    issues: list[BanditIssue],
    used: list[str],
) -> bool:
    content = keys.content(rel)
    if content is None or keys.cache is None:
        return False
    facts = _decode(keys.cache.get(keys.python(content)))
    if facts is None:
        return False
    found: list[BanditIssue] = []
    if want_bandit:
        raw = keys.cache.get(keys.bandit(content))
        if not isinstance(raw, list):
            return False
        try:
            found = [BanditIssue(**item) for item in raw]
        except TypeError:
            return False
        used.append(keys.bandit(content))
    repo.set_python(rel, facts)
    issues.extend(found)
    used.append(keys.python(content))
    return True


def _record(
    repo: Facts,
    result: FileResult,
    keys: _Keys,
    fresh: list[tuple[str, Any]],
    hashes: list[tuple[str, str, str]],
    issues: list[BanditIssue],
    skipped: list[tuple[str, str]],
) -> None:
    rel = result.rel
    if result.reason:
        repo.skipped.setdefault(rel, result.reason)
    if result.bandit_skip:
        skipped.append((rel, result.bandit_skip))
        repo.skipped.setdefault(rel, f"bandit: {result.bandit_skip}")
    facts = _decode(json.loads(result.facts_json)) if result.facts_json else None
    repo.set_python(rel, facts)
    if result.bandit is not None:
        issues.extend(BanditIssue(**item) for item in result.bandit)
    if keys.cache is None or facts is None:
        return
    content = _content_key_after(repo, rel, result.sha, hashes)
    fresh.append((keys.python(content), RawJson(result.facts_json)))
    if result.bandit is not None and not result.bandit_skip:
        fresh.append((keys.bandit(content), result.bandit))


def _decode(raw: Any) -> PyFacts | None:
    """Cached facts, or ``None`` for a miss or a damaged entry (then the file is analysed)."""
    if not isinstance(raw, dict):
        return None
    try:
        return python_codec.decode(raw)
    except (KeyError, TypeError, ValueError):
        return None


def _content_key_after(repo: Facts, rel: str, sha: str, hashes: list[tuple[str, str, str]]) -> str:
    """The cache key of a freshly analysed file; queues its stat -> hash row."""
    if repo.git is not None and rel in repo.git.blobs:
        return "git:" + repo.git.blobs[rel]
    try:
        st = repo.abspath(rel).lstat()
        hashes.append((str(repo.abspath(rel)), FactsCache.signature(st), sha))
    except OSError:
        pass
    return sha
