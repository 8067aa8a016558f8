"""Line numbers of positions in a text: every finding and piece of evidence names a 1-based line."""

from __future__ import annotations


def line_at(text: str, offset: int) -> int:
    """1-based number of the line holding ``text[offset]``; 1 when ``offset`` is negative
    (a search that found nothing), so evidence still points at the file."""
    if offset < 0:
        return 1
    return text.count("\n", 0, offset) + 1
