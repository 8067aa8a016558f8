"""A one-line progress display on stderr for long scans (only where a person watches)."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

DELAY = 1.0  # seconds before the first update: short scans print nothing


def wanted(flag: bool | None) -> bool:
    """``--progress``/``--no-progress`` decide; by default only on a terminal, never in CI."""
    if flag is not None:
        return flag
    return sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    def __init__(self, label: str, total: int, enabled: bool, stream: TextIO | None = None):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled or time.monotonic() - self.started < DELAY:
            return
        self.shown = True
        self.stream.write(f"\rmlguard: {self.label} {done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (len(self.label) + 40) + "\r")
            self.stream.flush()
