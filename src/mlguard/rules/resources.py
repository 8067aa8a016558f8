"""Where the built-in ``rules/`` and ``policies/`` live.

In a wheel they are package data under ``mlguard/_data``; in a checkout (editable installs
included) they are the folders at the repository root, next to ``src/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the mlguard package


@cache
def data_dir(name: str) -> Path:
    """The built-in ``rules`` or ``policies`` folder."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"mlguard's built-in {name}/ folder is missing from this install")
