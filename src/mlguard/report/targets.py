"""Where reports go: ``-f FORMAT[:FILE]`` / ``-o FILE`` targets, checked before the scan
runs; colour on standard output (``--color``, ``NO_COLOR``, ``FORCE_COLOR``, a terminal);
writing a report file through :mod:`mlguard.safeio.outputs` (never through a symlink), with
a usage error (not a crash) when the file cannot be written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlguard.errors import UsageError
from mlguard.report.formats import FORMATS
from mlguard.safeio import outputs as safe


@dataclass(frozen=True)
class Target:
    fmt: str
    dest: Path | None  # None: standard output


def parse_format(value: str) -> Target:
    fmt, _, dest = value.partition(":")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return Target(fmt, Path(dest) if dest else None)


def targets(formats: tuple[str, ...], output: Path | None) -> list[Target]:
    """The report targets of a command line: at most one on standard output, every file
    writable in principle (an existing folder, not a directory itself)."""
    chosen = [parse_format(f) for f in formats] or [Target("text", None)]
    if output is not None:
        if len(chosen) > 1 or chosen[0].dest is not None:
            raise UsageError("--output takes one format without :FILE")
        chosen = [Target(chosen[0].fmt, output)]
    on_stdout = [t.fmt for t in chosen if t.dest is None]
    if len(on_stdout) > 1:
        raise UsageError(
            f"only one format can go to standard output (got {', '.join(on_stdout)}); "
            "write the others to files with FORMAT:FILE"
        )
    for target in chosen:
        if target.dest is not None:
            check_writable(target.dest)
    return chosen


def check_writable(dest: Path) -> None:
    """A usage error now, rather than after the scan, for a file that cannot be written: a
    directory, a missing folder, a symlink or anything but a regular file."""
    if dest.is_dir() and not dest.is_symlink():
        raise UsageError(f"cannot write {dest}: it is a directory")
    safe.check(dest)


def write(dest: Path, text: str) -> None:
    """Write a report or baseline file, never through a symlink (a usage error if not)."""
    check_writable(dest)
    safe.write_text(dest, text)


def use_color(flag: bool | None, isatty: bool, env: Mapping[str, str] = os.environ) -> bool:
    """``--color/--no-color`` first, then ``NO_COLOR`` (any non-empty value: no colour),
    then ``FORCE_COLOR`` (non-empty and not ``0``: colour), else colour on a terminal."""
    if flag is not None:
        return flag
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force and force != "0":
        return True
    return isatty
