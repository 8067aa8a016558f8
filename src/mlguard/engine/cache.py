"""On-disk cache of per-file facts, keyed by content hash.

Layout: one SQLite database (safe under concurrent runs: WAL journal, busy timeout) with
two tables. ``stats`` maps a file's absolute path and stat signature (size, mtime, inode)
to the SHA-256 of its content, so a warm re-scan only stats files. ``facts`` maps
(analyzer, analyzer version + settings, content hash) to the analyzer's JSON output.
Entries unused for the longest time are pruned when the database outgrows its budget.
Values are JSON, never pickles: a cache restored in CI may come from an untrusted run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlguard.engine.build import build_id

SCHEMA = 1
DEFAULT_MAX_MB = 256


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlguard"


class RawJson(str):
    """A value already serialised to JSON (by a worker process): stored as is."""


class FactsCache:
    """A best-effort cache: any database problem disables it for the run, never fails it."""

    def __init__(self, directory: Path, max_mb: int = DEFAULT_MAX_MB) -> None:
        self.path = directory / f"facts-v{SCHEMA}.sqlite"
        self.max_bytes = max_mb * 1024 * 1024
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS stats (path TEXT PRIMARY KEY, "
                "stat TEXT NOT NULL, sha TEXT NOT NULL)"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, "
                "value TEXT NOT NULL, used INTEGER NOT NULL)"
            )
        except (sqlite3.Error, OSError):
            self._db = None

    @staticmethod
    def files(directory: Path) -> list[Path]:
        """The files the database consists of (SQLite adds the -wal and -shm journals)."""
        db = directory / f"facts-v{SCHEMA}.sqlite"
        return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]

    @property
    def enabled(self) -> bool:
        return self._db is not None

    @staticmethod
    def signature(st: os.stat_result) -> str:
        return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_ctime_ns}"

    def known_hash(self, path: str, signature: str) -> str | None:
        row = self._query("SELECT sha FROM stats WHERE path=? AND stat=?", (path, signature))
        return str(row[0]) if row else None

    def remember_hashes(self, rows: list[tuple[str, str, str]]) -> None:
        """Record (absolute path, stat signature, content hash) rows in one transaction."""
        self._write_many("INSERT OR REPLACE INTO stats VALUES (?,?,?)", rows)

    @staticmethod
    def key(analyzer: str, version: str, settings: str, sha: str) -> str:
        return f"{analyzer}|{build_id()}|{version}|{settings}|{sha}"

    def get(self, key: str) -> Any | None:
        row = self._query("SELECT value FROM facts WHERE key=?", (key,))
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def put_many(self, items: list[tuple[str, Any]]) -> None:
        now = int(time.time())
        rows = [
            (k, v if isinstance(v, RawJson) else json.dumps(v, separators=(",", ":")), now)
            for k, v in items
        ]
        self._write_many("INSERT OR REPLACE INTO facts VALUES (?,?,?)", rows)

    def touch(self, keys: list[str]) -> None:
        now = int(time.time())
        self._write_many("UPDATE facts SET used=? WHERE key=?", [(now, k) for k in keys])

    def prune(self) -> None:
        try:
            if self._db is None or self.path.stat().st_size <= self.max_bytes:
                return
            with self._db:
                self._db.execute(
                    "DELETE FROM facts WHERE key IN (SELECT key FROM facts "
                    "ORDER BY used LIMIT (SELECT COUNT(*) / 2 FROM facts))"
                )
                self._db.execute("DELETE FROM stats")
            self._db.execute("VACUUM")
        except (sqlite3.Error, OSError):
            self._db = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _query(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(sql, args).fetchone()
        except sqlite3.Error:
            self._db = None
            return None
        return tuple(row) if row else None

    def _write_many(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """``sql`` once per row, in one transaction; a database error turns the cache off."""
        if not rows or self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(sql, rows)
        except sqlite3.Error:
            self._db = None
