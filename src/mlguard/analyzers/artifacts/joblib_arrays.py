"""joblib's inline arrays: after ``BUILD`` of a ``NumpyArrayWrapper`` the raw array bytes
(or, for object arrays, a nested pickle) follow in the stream, outside the pickle opcodes.

The wrapper's attributes are what the unpickler gives it: the ``__init__`` arguments when
it was called (``REDUCE``/``OBJ``/``INST``), then the ``BUILD`` state dict (its last value
per key, as a dict keeps it) and slot state. joblib then reads [1 padding-length byte +
padding] when ``numpy_array_alignment_bytes`` is set, then ``prod(shape) * itemsize``
bytes. The itemsize is numpy's: for flexible types (``S``, ``U``, ``V``) the element size
of the dtype's ``__setstate__`` state wins over the type string. Object dtypes (``O``, or
fields/subarrays with an object type) are written as a nested pickle instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mlguard.analyzers.artifacts.streams import Unscannable
from mlguard.analyzers.artifacts.values import NONE, Made, Map, Num, Ref, Seq, Text, Val

WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_INIT_ARGS = ("subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes")
_CODE = re.compile(r"^[<>|=]?([a-zA-Z])(\d*)(\[.*\])?$")
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8, "q": 8, "Q": 8}
_SIZES |= {"e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32, "?": 1, "O": 8}
_FLEXIBLE = {"S", "a", "U", "V"}
_OBJECT_CODE = re.compile(r"(?<![A-Za-z])O\d*(?![A-Za-z])|object")


@dataclass(frozen=True)
class ArrayPlan:
    nbytes: int = 0
    aligned: bool = False
    nested_pickle: bool = False


def is_wrapper(obj: Made) -> bool:
    return isinstance(obj.callee, Ref) and obj.callee.full == WRAPPER


def attributes(wrapper: Made) -> dict[str, Val]:
    """The wrapper's instance attributes after its BUILD, as the unpickler sets them."""
    attrs: dict[str, Val] = {}
    if wrapper.how in ("REDUCE", "OBJ", "INST") and isinstance(wrapper.args, Seq):
        if wrapper.args.items:
            attrs["numpy_array_alignment_bytes"] = Num(16)  # __init__'s default
        for key, value in zip(_INIT_ARGS, wrapper.args.items, strict=False):
            attrs[key] = value
    elif wrapper.how in ("REDUCE", "OBJ", "INST"):
        raise Unscannable("joblib array wrapper created with arguments mlguard cannot read")
    state = wrapper.state
    parts: list[Val | None] = [state]
    if isinstance(state, Seq) and state.kind == "tuple" and len(state.items) == 2:
        parts = list(state.items)
    for part in parts:
        if part is None or part is NONE:
            continue
        if not isinstance(part, Map) or part.overflow:
            raise Unscannable("joblib array wrapper with a state mlguard cannot read")
        attrs.update(part.last)
    return attrs


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
    if code is not None and _OBJECT_CODE.search(code):
        return True
    if isinstance(value, Made):
        return _has_object(value.state, depth + 1) or _has_object(value.args, depth + 1)
    if isinstance(value, Seq):
        return any(_has_object(v, depth + 1) for v in value.items)
    if isinstance(value, Map):
        return any(_has_object(v, depth + 1) for _, v in value.pairs) or any(
            _has_object(v, depth + 1) for v in value.last.values()
        )
    return False


def _state_elsize(dtype: Made) -> int | None:
    """The element size in a dtype's ``__setstate__`` tuple (``None``: no state)."""
    state = dtype.state
    if state is None:
        return None
    if not isinstance(state, Seq) or state.kind != "tuple":
        raise Unscannable("joblib array dtype with a state mlguard cannot read")
    index = {9: 5, 8: 5, 7: 5, 6: 4, 5: 3}.get(len(state.items))
    value = state.items[index] if index is not None else None
    if not isinstance(value, Num) or value.value is None:
        raise Unscannable("joblib array dtype with a state mlguard cannot read")
    return value.value


def _itemsize(dtype: Val | None) -> int:
    code = _dtype_code(dtype)
    match = _CODE.match(code or "")
    if code is None or match is None or not isinstance(dtype, Made):
        raise Unscannable(f"joblib array with an unrecognised dtype {code!r}")
    kind, digits = match.group(1), match.group(2)
    if kind in _FLEXIBLE:
        elsize = _state_elsize(dtype)
        if elsize is not None and elsize >= 0:
            return elsize
        if not digits:
            raise Unscannable(f"joblib array with a flexible dtype {code!r} of unknown size")
        return int(digits) * (4 if kind == "U" else 1)
    if digits:
        return int(digits)
    if kind in _SIZES:
        return _SIZES[kind]
    raise Unscannable(f"joblib array with an unrecognised dtype {code!r}")


def _count(shape: Val | None) -> int:
    if not isinstance(shape, Seq) or shape.kind != "tuple":
        raise Unscannable("joblib array without a literal shape")
    dims = [d.value if isinstance(d, Num) else None for d in shape.items]
    if any(d is None or d < 0 for d in dims):
        raise Unscannable("joblib array with a non-literal shape")
    return math.prod(d for d in dims if d is not None)


def plan(wrapper: Made) -> ArrayPlan:
    """How to step over the array data that follows a wrapper's BUILD."""
    attrs = attributes(wrapper)
    dtype = attrs.get("dtype")
    if _has_object(dtype):
        return ArrayPlan(nested_pickle=True)
    align = attrs.get("numpy_array_alignment_bytes")
    nbytes = _count(attrs.get("shape")) * _itemsize(dtype)
    return ArrayPlan(nbytes=nbytes, aligned=align is not None and align is not NONE)
