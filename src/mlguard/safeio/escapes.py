"""Showing text taken from the scanned repository without letting it act.

* Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) reorder
  what a reader sees ("Trojan Source"): every format shows them escaped, as ``\\u202e``.
* Markdown (job summaries, pull-request comments) would render links, images, HTML and
  tables from a file name, a pickle global or a layer name: :func:`markdown` escapes every
  character with a Markdown or HTML meaning and keeps the text on one line.
"""

from __future__ import annotations

BIDI = (
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x200E,
    0x200F,
    0x061C,
)
_BIDI_TABLE = {code: f"\\u{code:04x}" for code in BIDI}
_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()#+!|~")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def bidi(text: str) -> str:
    """``text`` with bidirectional controls shown as ``\\uXXXX``."""
    return text.translate(_BIDI_TABLE)


def markdown(text: str) -> str:
    """``text`` as literal Markdown inline text on one line: no link, image, emphasis,
    code, HTML or table cell boundary can come out of it."""
    flat = bidi(" ".join(text.split()))
    out = []
    for char in flat:
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _MARKDOWN_PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    # no bare URL autolink either (GitHub links text such as https://... and www....)
    return "".join(out).replace("://", ":\\/\\/").replace("www.", "www\\.")


def code_span(text: str) -> str:
    """``text`` inside a Markdown code span (where nothing renders): one line, no
    backtick, pipes escaped for tables."""
    flat = bidi(" ".join(text.split())).replace("`", "'")
    return "`" + flat.replace("|", "\\|") + "`"
