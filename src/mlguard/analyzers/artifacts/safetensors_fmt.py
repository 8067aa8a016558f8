"""safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor bytes.

Nothing in a valid file executes code; malformed headers (lengths beyond the file,
overlapping or gapped offsets, sizes that do not match dtype x shape) are reported because
they crash or confuse loaders and are a sign of tampering.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

from mlguard.analyzers.artifacts.streams import Meter, Unscannable

MAX_HEADER = 32 * 1024 * 1024  # real headers are kilobytes to a few MiB
DTYPE_BITS = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}


def check(stream: Meter, size: int) -> list[str]:
    """Problems of a safetensors file (empty list: well-formed)."""
    raw = stream.read(8)
    if len(raw) < 8:
        return ["shorter than the 8-byte header length"]
    (length,) = struct.unpack("<Q", raw)
    if length > size - 8:
        return [f"header length {length} exceeds the file ({size} bytes)"]
    if length > MAX_HEADER:
        raise Unscannable(f"safetensors header of {length} bytes (more than 32 MiB)")
    try:
        header = json.loads(stream.read(length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return [f"header is not valid JSON ({type(exc).__name__})"]
    if not isinstance(header, dict):
        return ["header is not a JSON object"]
    return _entries(header, size - 8 - length)


def _entries(header: dict[str, Any], data_size: int) -> list[str]:
    problems: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                problems.append("__metadata__ must map strings to strings")
            continue
        problem, span = _entry(name, entry)
        if problem:
            problems.append(problem)
        elif span is not None:
            spans.append((*span, name))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin != end:
            kind = "overlaps the previous tensor" if begin < end else "leaves a gap"
            problems.append(f"tensor {name!r} {kind} (offset {begin}, expected {end})")
        end = max(end, stop)
    if end != data_size and not problems:
        problems.append(f"tensor data ends at {end} but the file holds {data_size} data bytes")
    return problems[:5]


def _entry(name: str, entry: Any) -> tuple[str, tuple[int, int] | None]:
    if not isinstance(entry, dict):
        return f"tensor {name!r} is not an object", None
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in DTYPE_BITS:
        return f"tensor {name!r} has unknown dtype {dtype!r}", None
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        return f"tensor {name!r} has an invalid shape", None
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        return f"tensor {name!r} has invalid data_offsets", None
    expected = math.prod(shape) * DTYPE_BITS[str(dtype)]
    if (offsets[1] - offsets[0]) * 8 != expected and expected % 8 == 0:
        return (
            f"tensor {name!r}: {offsets[1] - offsets[0]} bytes for dtype {dtype} shape {shape}",
            None,
        )
    return "", (offsets[0], offsets[1])
