"""Parallel, cached per-file analysis of Python files and notebooks.

Each file is read once, by a worker process, and parsed once; the facts are stored in the
on-disk cache under the file's content key (its git blob id when the work tree matches the
index, else the SHA-256 of its bytes), so an unchanged file is never read again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from mlguard.analyzers import python_codec
from mlguard.analyzers.python_ast import PyFacts
from mlguard.analyzers.python_file import analyze_text
from mlguard.cache import FactsCache
from mlguard.fileio import read_text
from mlguard.repo import RepoContext

ANALYZER = "python"
VERSION = "1"
INLINE_BELOW = 64  # files: below this a process pool costs more than it saves
CHUNK = 32

Job = tuple[str, str, int]  # rel, absolute path, max bytes
Done = tuple[str, str, Any, str]  # rel, sha256 of content, encoded facts or None, skip reason


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _work(job: Job) -> Done:
    rel, path, max_bytes = job
    text, reason = read_text(Path(path), rel, max_bytes)
    if text is None:
        return rel, "", None, reason
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    facts, nb_reason = analyze_text(rel, text)
    encoded = python_codec.encode(facts) if facts is not None else None
    return rel, sha, encoded, reason or nb_reason


def _work_batch(jobs: list[Job]) -> list[Done]:
    return [_work(job) for job in jobs]


def _batches(jobs: list[Job]) -> Iterable[list[Job]]:
    for start in range(0, len(jobs), CHUNK):
        yield jobs[start : start + CHUNK]


def prefetch_python(repo: RepoContext, jobs: int, cache: FactsCache | None) -> None:
    """Fill ``repo``'s Python facts for every Python file and notebook."""
    settings = str(repo.max_text_bytes)
    todo: list[Job] = []
    used: list[str] = []
    for rel in repo.needs_python():
        key = _content_key(repo, rel, cache)
        if key and cache is not None:
            full = cache.key(ANALYZER, VERSION, settings, key)
            cached = _decode(cache.get(full))
            if cached is not None:
                repo.set_python(rel, cached)
                used.append(full)
                continue
        if repo.files[rel].size > repo.max_text_bytes:
            repo.python(rel)  # records the skip reason without reading
            continue
        todo.append((rel, str(repo.abspath(rel)), repo.max_text_bytes))
    results = _run(todo, jobs)
    fresh: list[tuple[str, Any]] = []
    hashes: list[tuple[str, str, str]] = []
    for rel, sha, encoded, reason in results:
        if reason:
            repo.skipped.setdefault(rel, reason)
        repo.set_python(rel, python_codec.decode(encoded) if encoded is not None else None)
        if cache is not None and encoded is not None:
            key = _content_key_after(repo, rel, sha, hashes)
            fresh.append((cache.key(ANALYZER, VERSION, settings, key), encoded))
    if cache is not None:
        cache.remember_hashes(hashes)
        cache.put_many(fresh)
        cache.touch(used)
    repo.cache["stats:python"] = {"cached": len(used), "analysed": len(results)}


def _decode(raw: Any) -> PyFacts | None:
    """Cached facts, or ``None`` for a miss or a damaged entry (then the file is analysed)."""
    if not isinstance(raw, dict):
        return None
    try:
        return python_codec.decode(raw)
    except (KeyError, TypeError, ValueError):
        return None


def _run(todo: list[Job], jobs: int) -> list[Done]:
    if jobs <= 1 or len(todo) < INLINE_BELOW:
        return [_work(job) for job in todo]
    results: list[Done] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for batch in pool.map(_work_batch, _batches(todo)):
            results.extend(batch)
    return results


def _content_key(repo: RepoContext, rel: str, cache: FactsCache | None) -> str | None:
    if repo.git is not None and rel in repo.git.blobs:
        return "git:" + repo.git.blobs[rel]
    if cache is None:
        return None
    try:
        st = repo.abspath(rel).lstat()
    except OSError:
        return None
    return cache.known_hash(str(repo.abspath(rel)), cache.signature(st))


def _content_key_after(
    repo: RepoContext, rel: str, sha: str, hashes: list[tuple[str, str, str]]
) -> str:
    """The cache key of a freshly analysed file; queues its stat -> hash row."""
    if repo.git is not None and rel in repo.git.blobs:
        return "git:" + repo.git.blobs[rel]
    try:
        st = repo.abspath(rel).lstat()
        hashes.append((str(repo.abspath(rel)), FactsCache.signature(st), sha))
    except OSError:
        pass
    return sha
