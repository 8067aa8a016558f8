"""Pickle opcodes decoded the way CPython's unpickler reads them (``_pickle.c``).

Not ``pickletools``: its decoder rejects streams the unpickler accepts (``INT`` and
``LONG`` take any base-0 literal, ``0x10`` or ``1_000``; text lines are not validated
further than the unpickler does). Every argument is read from a :class:`Meter`, so huge
length fields cost nothing (``Hole``) and every byte is charged to the artifact's budget.
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Callable
from typing import Any

from mlguard.analyzers.artifacts.streams import Hole, Meter, Unscannable

MAX_LINE = 1 << 20
HIGHEST_PROTOCOL = 5
_C_INT = re.compile(rb"^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\s*$")


class Malformed(Exception):
    """The unpickler would stop here with an error (what came before has already run)."""


class Truncated(Malformed):
    """The data ends inside an opcode: the unpickler would stop with EOFError."""


Reader = Callable[[Meter], Any]


def _exact(stream: Meter, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise Truncated(f"data ends inside an argument ({len(data)} of {n} bytes)")
    return data


def _line(stream: Meter) -> bytes:
    line = stream.readline(MAX_LINE + 1)
    if not line.endswith(b"\n"):
        if len(line) > MAX_LINE:
            raise Unscannable(f"pickle text argument longer than {MAX_LINE} bytes")
        raise Truncated("data ends inside a text argument")
    return line[:-1]


def _c_int(raw: bytes) -> int:
    """``strtol(s, 0)`` then ``int(s, 0)``: what ``load_int``/``load_long`` accept."""
    match = _C_INT.match(raw)
    if match:
        sign, digits = match.groups()
        if digits[:2].lower() == b"0x":
            value = int(digits[2:], 16)
        elif len(digits) > 1 and digits[:1] == b"0":
            value = int(digits[1:], 8)
        else:
            value = int(digits)
        return -value if sign == b"-" else value
    try:
        return int(raw, 0)
    except ValueError as exc:
        raise Malformed(f"not an integer literal: {raw[:40]!r}") from exc


def _uint1(s: Meter) -> int:
    return _exact(s, 1)[0]


def _uint2(s: Meter) -> int:
    return int(struct.unpack("<H", _exact(s, 2))[0])


def _int4(s: Meter) -> int:
    return int(struct.unpack("<i", _exact(s, 4))[0])


def _uint4(s: Meter) -> int:
    return int(struct.unpack("<I", _exact(s, 4))[0])


def _uint8(s: Meter) -> int:
    return int(struct.unpack("<Q", _exact(s, 8))[0])


def _counted(s: Meter, n: int) -> bytes:
    if n < 0:
        raise Malformed("negative byte count")
    return _exact(s, n)


def _decoded(data: bytes, encoding: str, problem: str, errors: str = "strict") -> str:
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise Malformed(problem) from exc


def _text(data: bytes) -> str | None:
    if isinstance(data, Hole):
        return None
    return _decoded(data, "utf-8", "string argument is not valid UTF-8", "surrogatepass")


def _long(s: Meter, n: int) -> int | None:
    data = _counted(s, n)
    return None if isinstance(data, Hole) or n > 64 else int.from_bytes(data, "little", signed=True)


def _string_nl(s: Meter) -> str:
    data = _line(s)
    if len(data) < 2 or data[:1] != data[-1:] or data[:1] not in (b"'", b'"'):
        raise Malformed("the STRING opcode argument must be quoted")
    try:
        decoded: bytes = codecs.escape_decode(data[1:-1])[0]
        return decoded.decode("latin-1")
    except ValueError as exc:
        raise Malformed("invalid escape in a STRING argument") from exc


def _unicode_nl(s: Meter) -> str:
    return _decoded(_line(s), "raw-unicode-escape", "invalid UNICODE argument")


def _int_nl(s: Meter) -> int | bool:
    data = _line(s)
    if data == b"00":
        return False
    if data == b"01":
        return True
    return _c_int(data)


def _long_nl(s: Meter) -> int:
    data = _line(s)
    if len(data) > 1 and data.endswith(b"L"):
        data = data[:-1]
    return _c_int(data)


def _float_nl(s: Meter) -> None:
    data = _line(s)
    try:
        float(data)
    except ValueError as exc:
        raise Malformed("invalid FLOAT argument") from exc


def _memo_nl(s: Meter) -> int:
    data = _line(s)
    try:
        return int(data)
    except ValueError as exc:
        raise Malformed("invalid memo key") from exc


def _utf8_line(s: Meter) -> str:
    return _decoded(_line(s), "utf-8", "GLOBAL/INST argument is not valid UTF-8")


def _pair_nl(s: Meter) -> tuple[str, str]:
    return _utf8_line(s), _utf8_line(s)


def _proto(s: Meter) -> int:
    value = _uint1(s)
    if value > HIGHEST_PROTOCOL:
        raise Malformed(f"unsupported pickle protocol: {value}")
    return value


def _none(_: Meter) -> None:
    return None


_READERS: dict[str, Reader] = {
    "INT": _int_nl,
    "BININT": _int4,
    "BININT1": _uint1,
    "BININT2": _uint2,
    "LONG": _long_nl,
    "LONG1": lambda s: _long(s, _uint1(s)),
    "LONG4": lambda s: _long(s, _int4(s)),
    "STRING": _string_nl,
    "BINSTRING": lambda s: _counted(s, _int4(s)).decode("latin-1"),
    "SHORT_BINSTRING": lambda s: _counted(s, _uint1(s)).decode("latin-1"),
    "BINBYTES": lambda s: _counted(s, _uint4(s)),
    "SHORT_BINBYTES": lambda s: _counted(s, _uint1(s)),
    "BINBYTES8": lambda s: _counted(s, _uint8(s)),
    "BYTEARRAY8": lambda s: _counted(s, _uint8(s)),
    "UNICODE": _unicode_nl,
    "SHORT_BINUNICODE": lambda s: _text(_counted(s, _uint1(s))),
    "BINUNICODE": lambda s: _text(_counted(s, _uint4(s))),
    "BINUNICODE8": lambda s: _text(_counted(s, _uint8(s))),
    "FLOAT": _float_nl,
    "BINFLOAT": lambda s: _exact(s, 8),
    "GET": _memo_nl,
    "BINGET": _uint1,
    "LONG_BINGET": _uint4,
    "PUT": _memo_nl,
    "BINPUT": _uint1,
    "LONG_BINPUT": _uint4,
    "EXT1": _uint1,
    "EXT2": _uint2,
    "EXT4": _int4,
    "GLOBAL": _pair_nl,
    "INST": _pair_nl,
    "PROTO": _proto,
    "FRAME": _uint8,
    "PERSID": _utf8_line,
}


def _table() -> dict[int, tuple[str, Reader]]:
    import pickletools  # the opcode table only: nothing is ever unpickled  # nosec B403

    return {
        ord(op.code.encode("latin-1")): (op.name, _READERS.get(op.name, _none))
        for op in pickletools.opcodes
    }


OPCODES = _table()


def read_opcode(stream: Meter) -> tuple[str, Reader]:
    """The next opcode's name and the reader of its argument."""
    code = stream.read(1)
    if not code:
        raise Truncated("data ends before STOP")
    entry = OPCODES.get(code[0])
    if entry is None:
        raise Malformed(f"invalid opcode {code!r}")
    return entry
