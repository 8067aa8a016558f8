"""NumPy ``.npy``: magic, version, a literal header dict; object dtypes are a pickle.

Whether the dtype holds objects is decided as numpy decides it from ``descr``, in every
spelling numpy accepts: type strings (``'O'``, ``'|O'``, ``'O8'``, ``'object'``), comma
strings (``'i8,O'``), ``(base, shape)`` subarrays, structured lists of ``(name, descr[,
shape])`` at any depth, and the dicts older numpy passed to ``numpy.dtype``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from mlguard.analyzers.artifacts.streams import Meter, Unscannable

MAX_HEADER = 1 << 20
_PY2_LONG = re.compile(r"\b(\d+)L\b")


@dataclass(frozen=True)
class NpyHeader:
    descr: Any
    has_object: bool


_OBJECT = re.compile(r"(?<![A-Za-z])O\d*(?![A-Za-z])|object")


def _has_object(descr: Any, depth: int = 0) -> bool:
    """Conservative: any type spelling in ``descr`` that names Python objects."""
    if depth > 32:
        return True
    if isinstance(descr, str):
        return bool(_OBJECT.search(descr))
    if isinstance(descr, tuple):  # (base, shape)
        return bool(descr) and _has_object(descr[0], depth + 1)
    if isinstance(descr, list):  # [(name, descr[, shape]), ...]
        return any(_field_has_object(f, depth + 1) for f in descr)
    if isinstance(descr, dict):
        formats = descr.get("formats")
        if formats is not None:
            listed = formats if isinstance(formats, (list, tuple)) else [formats]
            return any(_has_object(f, depth + 1) for f in listed)
        return any(_has_object(v, depth + 1) for v in descr.values())  # {name: (descr, off)}
    return True  # numpy would need to interpret something mlguard does not know


def _field_has_object(field: Any, depth: int) -> bool:
    if isinstance(field, (tuple, list)) and len(field) >= 2:
        return _has_object(field[1], depth)
    return _has_object(field, depth)


def read_header(stream: Meter) -> NpyHeader:
    """Parse the header (with ``ast.literal_eval``, which evaluates nothing)."""
    magic = stream.read(8)
    if len(magic) < 8 or not magic.startswith(b"\x93NUMPY"):
        raise Unscannable("not a .npy file (bad magic)")
    major = magic[6]
    if major not in (1, 2, 3):
        raise Unscannable(f".npy format version {major} not understood")
    width = 2 if major == 1 else 4
    raw_length = stream.read(width)
    if len(raw_length) < width:
        raise Unscannable("truncated .npy header")
    length = int.from_bytes(raw_length, "little")
    if length > MAX_HEADER:
        raise Unscannable(f".npy header of {length} bytes")
    raw = stream.read(length)
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
        if major == 1:  # Python 2 wrote long shapes as 1L, as numpy's own reader accepts
            text = _PY2_LONG.sub(r"\1", text)
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError) as exc:
        raise Unscannable(f"malformed .npy header ({type(exc).__name__})") from exc
    if not isinstance(header, dict) or "descr" not in header:
        raise Unscannable("malformed .npy header (no descr)")
    return NpyHeader(header["descr"], _has_object(header["descr"]))
