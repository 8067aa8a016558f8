"""Worker processes that import nothing from the scanned repository or the working
directory, under every multiprocessing start method.

With ``spawn`` and ``forkserver`` (the defaults on macOS and, from Python 3.14, on Linux)
a child is a new interpreter started as ``python -c ...``: it puts the working directory
first on ``sys.path`` and imports ``multiprocessing`` from there before anything else,
then takes the parent's ``sys.path``. In CI the working directory is the untrusted
checkout, so a ``multiprocessing/`` package in it would run. Hence:

* children (and the forkserver and resource tracker processes) start with
  ``PYTHONSAFEPATH=1``: no working directory or script directory on their ``sys.path``;
* the parent's ``sys.path`` they inherit is handed over without ``''``, ``.``, relative
  entries or the working directory (restored for the parent afterwards);
* each worker strips those entries again when it starts.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path


def unsafe_entry(entry: str, cwd: Path) -> bool:
    """A ``sys.path`` entry that resolves through, or to, the working directory."""
    if not entry or not Path(entry).is_absolute():
        return True
    try:
        return Path(entry).resolve() == cwd
    except (OSError, RuntimeError):
        return True


def _cwd() -> Path:
    try:
        return Path.cwd().resolve()
    except OSError:  # deleted working directory
        return Path("/nonexistent-working-directory")


def strip_unsafe_path() -> None:
    """Remove the working directory (in any spelling) from ``sys.path``."""
    cwd = _cwd()
    sys.path[:] = [p for p in sys.path if not unsafe_entry(p, cwd)]


@contextmanager
def clean_import_path() -> Iterator[None]:
    """While a pool and its workers start: the ``sys.path`` they inherit holds no working
    directory, and the interpreters they start put none there either. Both are restored
    for the parent afterwards."""
    saved_env = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    saved = list(sys.path)
    strip_unsafe_path()
    try:
        yield
    finally:
        sys.path[:] = saved
        if saved_env is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = saved_env


def executor(jobs: int) -> ProcessPoolExecutor:
    """A process pool of ``jobs`` workers with the default start method. Create it and
    submit its work inside :func:`clean_import_path`: with spawn and forkserver its helper
    processes start on creation and its workers on submission."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(),
        initializer=strip_unsafe_path,
    )
