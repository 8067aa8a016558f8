"""joblib's inline arrays: after ``BUILD`` of a ``NumpyArrayWrapper`` the raw array bytes
(or, for object arrays, a nested pickle) follow in the stream, outside the pickle opcodes.

joblib reads: [1 padding-length byte + padding] when ``numpy_array_alignment_bytes`` is
set, then ``prod(shape) * dtype.itemsize`` bytes. The dtype is a pickled
``numpy.dtype(code, ...)``; object dtypes (``O``, or structured dtypes with an object field)
are written as a nested pickle instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mlguard.analyzers.artifacts.streams import Unscannable
from mlguard.analyzers.artifacts.values import NONE, Made, Map, Num, Ref, Seq, Text, Val

WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_CODE = re.compile(r"^[<>|=]?([a-zA-Z])(\d*)(\[.*\])?$")


@dataclass(frozen=True)
class ArrayPlan:
    nbytes: int = 0
    aligned: bool = False
    nested_pickle: bool = False


def is_wrapper(obj: Made) -> bool:
    return isinstance(obj.callee, Ref) and obj.callee.full == WRAPPER


def _dtype_code(value: Val | None) -> str | None:
    if not (isinstance(value, Made) and isinstance(value.callee, Ref)):
        return None
    if value.callee.module.startswith("numpy") and isinstance(value.args, Seq):
        first = value.args.items[0] if value.args.items else None
        if isinstance(first, Text):
            return first.value
    return None


def _has_object(value: Val | None, depth: int = 0) -> bool:
    if value is None or depth > 16:
        return False
    code = _dtype_code(value)
    if code is not None and code.lstrip("<>|=").startswith("O"):
        return True
    if isinstance(value, Made):
        return _has_object(value.state, depth + 1) or _has_object(value.args, depth + 1)
    if isinstance(value, Seq):
        return any(_has_object(v, depth + 1) for v in value.items)
    if isinstance(value, Map):
        return any(_has_object(v, depth + 1) for _, v in value.pairs)
    return False


def _itemsize(dtype: Val | None) -> int:
    code = _dtype_code(dtype)
    match = _CODE.match(code or "")
    if code is None or match is None or not match.group(2):
        raise Unscannable(f"joblib array with an unrecognised dtype {code!r}")
    size = int(match.group(2)) * (4 if match.group(1) == "U" else 1)
    return size


def _count(shape: Val | None) -> int:
    if not isinstance(shape, Seq) or shape.kind != "tuple":
        raise Unscannable("joblib array without a literal shape")
    dims = [d.value if isinstance(d, Num) else None for d in shape.items]
    if any(d is None or d < 0 for d in dims):
        raise Unscannable("joblib array with a non-literal shape")
    return math.prod(d for d in dims if d is not None)


def plan(state: Val) -> ArrayPlan:
    """How to step over the array data that follows a wrapper's BUILD."""
    if not isinstance(state, Map):
        raise Unscannable("joblib array wrapper without a state dict")
    dtype = state.get("dtype")
    if _has_object(dtype):
        return ArrayPlan(nested_pickle=True)
    align = state.get("numpy_array_alignment_bytes")
    nbytes = _count(state.get("shape")) * _itemsize(dtype)
    return ArrayPlan(nbytes=nbytes, aligned=align is not None and align is not NONE)
