"""Run-wide settings that checks may read (network use, offline advisory data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASELINE = ".mlguard-baseline.json"  # `mlguard baseline` writes it, scans read it


@dataclass(frozen=True)
class Settings:
    """``offline``: no network use at all. ``advisory_db``: a local OSV advisory folder."""

    offline: bool = False
    advisory_db: Path | None = None
