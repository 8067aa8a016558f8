"""Tar archives (plain or gzip/bz2/xz-compressed: model.tar.gz bundles, PyTorch's legacy
tar format), read as a stream, member by member, never extracted to disk.

Every member's declared size is charged to the budget before its data is read or
skipped, so decompression stays bounded whatever the archive holds.
"""

from __future__ import annotations

import lzma
import tarfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from mlguard.analyzers.artifacts.streams import Budget, Unscannable

MAX_MEMBERS = 100_000
BLOCK = 512


def members(f: Any, budget: Budget) -> Iterator[tuple[str, int, IO[bytes]]]:
    """(name, size, stream) of each regular file, in archive order."""
    try:
        with tarfile.open(fileobj=f, mode="r|*") as archive:
            for count, info in enumerate(archive):
                if count >= MAX_MEMBERS:
                    raise Unscannable(f"tar archive with more than {MAX_MEMBERS} members")
                budget.spend(BLOCK)
                if not info.isfile():
                    continue
                budget.spend(info.size)
                handle = archive.extractfile(info)
                if handle is not None:
                    yield info.name, info.size, handle
    except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise Unscannable(f"unreadable tar archive ({exc})") from exc
