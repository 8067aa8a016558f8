"""Bounded, symlink-safe reading of one file of the scanned repository."""

from __future__ import annotations

import os
from pathlib import Path

TEXT_LIKE = (
    ".py",
    ".ipynb",
    ".yaml",
    ".yml",
    ".toml",
    ".json",
    ".cfg",
    ".ini",
    ".txt",
    ".md",
    ".sh",
    ".env",
    ".in",
    ".lock",
    ".properties",
    ".pbtxt",
    ".j2",
    ".rst",
)


UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_text(path: Path, rel: str, max_bytes: int) -> tuple[str | None, str]:
    """``(text, "")``, or ``(None, reason)`` when the file is skipped (reason may be empty
    for binary files that nobody expects to be text). Text has ``\\n`` line endings and no
    UTF-8 byte order mark (Windows editors write one; Python and JSON readers reject it);
    a text file with a UTF-16 byte order mark is decoded as UTF-16."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return (
            None,
            f"larger than the {max_bytes // 1024} KiB text budget"
            " (raise settings.max_text_kb in the policy or config to read it)",
        )
    if data.startswith(UTF16_BOMS) and rel.endswith(TEXT_LIKE):
        # Windows shells write UTF-16 (``pip freeze > requirements.txt`` in PowerShell)
        try:
            return data.decode("utf-16").replace("\r\n", "\n"), ""
        except UnicodeDecodeError:
            return None, "invalid UTF-16 (a UTF-16 byte order mark, then undecodable bytes)"
    if b"\0" in data[:8192]:
        return None, "binary content in a text file (NUL bytes)" if rel.endswith(TEXT_LIKE) else ""
    text = data.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")  # editors' marker
    reason = ""
    if "\ufffd" in text and rel.endswith(TEXT_LIKE) and b"\xef\xbf\xbd" not in data:
        reason = "invalid UTF-8 (undecodable bytes replaced)"
    return text.replace("\r\n", "\n"), reason
