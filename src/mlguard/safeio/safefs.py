"""Reading files of an untrusted tree: bounded, never through a symlink, never blocking.

A scanned repository may contain symlinks out of it, FIFOs that block a reader forever,
devices that never end and sparse files of many gigabytes. Every byte mlguard reads from
a repository, or from a config file, goes through :func:`read_bounded`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegular(OSError):
    """The path is not a regular file (or is a symlink): it was not read."""


def kind(mode: int) -> str:
    """``"a FIFO"``, ``"a socket"``, ... for a non-regular file mode."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_bounded(path: Path, limit: int, follow: bool = False) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``path`` (so the caller can tell
    "over the limit"). Raises :class:`NotRegular` for anything but a regular file and, unless
    ``follow``, for a symlink; ``OSError`` when it cannot be opened."""
    flags = OPEN_FLAGS & ~getattr(os, "O_NOFOLLOW", 0) if follow else OPEN_FLAGS
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and path.is_symlink():
            raise NotRegular("a symbolic link") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(kind(mode))
        return handle.read(limit + 1)


def escapes(root: Path, rel: str, linked: dict[str, bool]) -> str:
    """Why the repository path ``rel`` would lead out of ``root`` ("" when it stays inside):
    an absolute or ``..`` path, or a parent directory that is a symlink. ``linked`` caches
    the answer per directory."""
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "\0" in rel:
        return "path outside the repository (never read)"
    parent = "/".join(parts[:-1])
    if parent and parent not in linked:
        lexical = root / parent
        linked[parent] = lexical.resolve() != lexical
    if parent and linked[parent]:
        return "inside a symbolically linked directory (never followed)"
    return ""
