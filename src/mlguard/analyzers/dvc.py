"""DVC metadata -> the data it tracks (pure functions of a parsed ``.dvc`` or ``dvc.lock``).

A ``.dvc`` file lists ``outs:`` (path relative to the file, ``md5``, ``size``, ``nfiles``);
``dvc.lock`` lists the ``outs:`` of each stage. DVC 3 writes ``hash: md5`` next to ``md5``;
a directory's md5 ends in ``.dir`` (the hash of its file listing). Nothing is fetched.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MD5 = re.compile(r"^([0-9a-f]{32})(\.dir)?$")


@dataclass(frozen=True)
class DvcOut:
    """One tracked output: ``path`` from the repository root, ``md5`` without ``.dir``."""

    path: str
    md5: str | None
    directory: bool
    size: int | None
    nfiles: int | None
    source: str  # the .dvc file, or dvc.lock:stage


def outs_of_dvc_file(doc: Any, path: str) -> list[DvcOut]:
    """The ``outs:`` of a ``.dvc`` file (paths are relative to the file's folder)."""
    if not isinstance(doc, dict):
        return []
    return list(_outs(doc.get("outs"), posixpath.dirname(path), path))


def outs_of_lock(doc: Any, path: str) -> list[DvcOut]:
    """The ``outs:`` of every stage of a ``dvc.lock`` (relative to its folder)."""
    stages = doc.get("stages") if isinstance(doc, dict) else None
    if not isinstance(stages, dict):
        return []
    found: list[DvcOut] = []
    for name, stage in stages.items():
        if isinstance(stage, dict):
            found += _outs(stage.get("outs"), posixpath.dirname(path), f"{path}:{name}")
    return found


def _outs(items: Any, base: str, source: str) -> Iterator[DvcOut]:
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        rel = posixpath.normpath(posixpath.join(base, item["path"]))
        if rel.startswith("..") or posixpath.isabs(item["path"]):
            continue  # outside the repository: not the repository's data
        match = MD5.match(str(item.get("md5", "")).lower())
        yield DvcOut(
            path=rel,
            md5=match.group(1) if match else None,
            directory=bool(match and match.group(2)),
            size=_int(item.get("size")),
            nfiles=_int(item.get("nfiles")),
            source=source,
        )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
