"""Writing mlguard's own outputs (reports, baselines, the cache database) safely.

An output path often lies inside the scanned checkout (``-f sarif:mlguard.sarif``, the
default ``.mlguard-baseline.json``), where the repository can plant a symlink to a file
elsewhere, a FIFO that blocks a writer, or a hard link. mlguard never writes through a
symlink or onto anything but a regular file with a single link: it stops with a usage
error (exit 2) that names the file and the reason, before the scan when it can.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mlguard.errors import UsageError
from mlguard.safeio.safefs import kind

WRITE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def problem(path: Path) -> str:
    """Why ``path`` must not be written ("" when it may be)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        parent = path.parent
        if not parent.exists():
            return f"directory {parent} does not exist"
        if not parent.is_dir():
            return f"{parent} is not a directory"
        return ""
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link (mlguard never writes through one)"
    if not stat.S_ISREG(st.st_mode):
        return f"it is {kind(st.st_mode)}, not a regular file"
    if st.st_nlink > 1:
        return "it has other hard links (mlguard would overwrite them too)"
    return ""


def check(path: Path) -> None:
    """Raise the usage error for a destination that must not be written."""
    why = problem(path)
    if why:
        raise UsageError(f"cannot write {path}: {why}")


def check_existing(paths: list[Path]) -> None:
    """Each of ``paths`` that exists (e.g. the cache database's files) must be a regular
    file: never a symlink, FIFO or device."""
    for path in paths:
        try:
            st = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            raise UsageError(f"cannot write {path}: {problem(path)}")


def write_text(path: Path, text: str) -> None:
    """Replace the contents of the regular file ``path`` (created if missing) with
    ``text``; a symlink, a non-regular file or a missing directory is a usage error."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """:func:`write_text` for bytes (written exactly as given)."""
    check(path)
    try:
        fd = os.open(path, WRITE_FLAGS, 0o644)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {problem(path) or exc.strerror or exc}") from exc
    with os.fdopen(fd, "wb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:  # replaced since the check
            raise UsageError(f"cannot write {path}: it changed into something else while opened")
        handle.truncate(0)
        handle.write(data)
