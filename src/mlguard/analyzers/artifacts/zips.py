"""Zip archives read as tolerantly as PyTorch reads them, and as Python's zipfile does.

Two readers find the central directory differently: Python's ``zipfile`` places it just
before the end record (shifting every offset by any data prepended to the archive), while
PyTorch's reader (miniz) takes the offset the end record states. Both are read; when they
list different members the archive shows one thing to one loader and another to the
other, which is reported as an error, and the members of both are analysed. When
``zipfile`` cannot read the directory at all, miniz's view (else a walk over the local
headers) is used. Member data is read by us from the local header on, so CRC errors,
encryption/flag bits and header mismatches do not stop the analysis. Mismatches between
local and central headers are reported: they are how payloads hide from zip-based tools.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from mlguard.analyzers.artifacts.streams import (
    Budget,
    Inflate,
    Meter,
    Readable,
    SeekableFile,
    Unscannable,
    Window,
)

LOCAL = b"PK\x03\x04"
_LOCAL_FMT = "<4sHHHHHIIIHH"
_LOCAL_LEN = struct.calcsize(_LOCAL_FMT)
MAX_MEMBERS = 100_000
_CENTRAL_FMT = "<4s6H3I5H2I"
_CENTRAL_LEN = struct.calcsize(_CENTRAL_FMT)
_EOCD_SEARCH = (1 << 16) + 22
Warn = Callable[[str, str], None]


@dataclass(frozen=True)
class Member:
    name: str
    offset: int
    method: int
    flags: int
    csize: int
    usize: int
    crc: int


def list_members(f: SeekableFile, size: int, warn: Warn, error: Warn) -> list[Member]:
    """Members in directory order: Python's view, plus miniz's when the two disagree."""
    python = _python_members(f, size, warn)
    miniz = _miniz_members(f, size)
    if python is None:
        return miniz if miniz else _walk_local(f, size)
    if miniz is not None and _keys(miniz) != _keys(python):
        only_torch = sorted({m.name for m in miniz} - {m.name for m in python})
        detail = (
            f" (only PyTorch sees {', '.join(map(repr, only_torch[:4]))})" if only_torch else ""
        )
        error(
            "zip:readers-disagree",
            "zip archive with two central directories: PyTorch's reader and Python's zipfile "
            f"list different members{detail}; each loader sees a different archive",
        )
        seen = _keys(python)
        return python + [m for m in miniz if (m.name, m.offset) not in seen]
    return python


def _keys(members: list[Member]) -> set[tuple[str, int]]:
    return {(m.name, m.offset) for m in members}


def _miniz_members(f: SeekableFile, size: int) -> list[Member] | None:
    """The directory at the offset the end record states (how PyTorch's reader finds it)."""
    start = max(size - _EOCD_SEARCH, 0)
    f.seek(start)
    tail = f.read(size - start)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    _, _, _, total, cd_size, cd_offset, _ = struct.unpack("<4HIIH", tail[pos + 4 : pos + 22])
    zip64 = tail.rfind(b"PK\x06\x06", 0, pos)
    if (total == 0xFFFF or cd_offset == 0xFFFFFFFF) and zip64 >= 0:
        record = tail[zip64 : zip64 + 56]
        if len(record) == 56:
            total, cd_size, cd_offset = struct.unpack("<QQQ", record[32:56])
    if cd_offset + cd_size > size or total > MAX_MEMBERS:
        return None
    f.seek(cd_offset)
    data = f.read(cd_size)
    members: list[Member] = []
    at = 0
    for _ in range(total):
        if at + _CENTRAL_LEN > len(data) or data[at : at + 4] != b"PK\x01\x02":
            return None
        fields = struct.unpack(_CENTRAL_FMT, data[at : at + _CENTRAL_LEN])
        flags, method = fields[3], fields[4]
        crc, csize, usize, nlen, xlen, clen = fields[7:13]
        offset = fields[16]
        name = _name(data[at + _CENTRAL_LEN : at + _CENTRAL_LEN + nlen], flags)
        extra = data[at + _CENTRAL_LEN + nlen : at + _CENTRAL_LEN + nlen + xlen]
        usize, csize, offset = _zip64_central(extra, usize, csize, offset)
        members.append(Member(name, offset, method, flags, csize, usize, crc))
        at += _CENTRAL_LEN + nlen + xlen + clen
    return members


def _zip64_central(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """The fields of a header that say "see the zip64 extra field" (0xFFFFFFFF), from it, in
    the order they stand there."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001:
            body = extra[pos + 4 : pos + 4 + length]
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        pos += 4 + length
    return usize, csize, offset


def _python_members(f: SeekableFile, size: int, warn: Warn) -> list[Member] | None:
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        struct.error,
    ) as exc:
        warn("zip:central", f"zip central directory unreadable ({exc}); read local headers")
        return None
    if len(infos) > MAX_MEMBERS:
        raise Unscannable(f"zip with more than {MAX_MEMBERS} members")
    members = [
        Member(
            i.filename,
            i.header_offset,
            i.compress_type,
            i.flag_bits,
            i.compress_size,
            i.file_size,
            i.CRC,
        )
        for i in infos
    ]
    if any(not 0 <= m.offset < size or m.csize < 0 for m in members):
        warn("zip:offsets", "zip directory points outside the file; read local headers")
        return None
    names = [m.name for m in members]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        warn(f"zip:duplicate:{dup}", f"zip lists member {dup!r} more than once")
    return members


def _walk_local(f: SeekableFile, size: int) -> list[Member]:
    members: list[Member] = []
    offset = 0
    while offset + _LOCAL_LEN <= size and len(members) < MAX_MEMBERS:
        f.seek(offset)
        raw = f.read(_LOCAL_LEN)
        if raw[:4] != LOCAL:
            break
        _, _, flags, method, _, _, crc, csize, usize, nlen, xlen = struct.unpack(_LOCAL_FMT, raw)
        name = _name(f.read(nlen), flags)
        if flags & 0x08 and csize == 0:
            raise Unscannable(
                f"zip member {name!r} has no size (data descriptor) and no central directory"
            )
        members.append(Member(name, offset, method, flags, csize, usize, crc))
        offset += _LOCAL_LEN + nlen + xlen + csize
    if not members:
        raise Unscannable("not a readable zip archive")
    return members


def open_member(f: SeekableFile, m: Member, budget: Budget, warn: Warn) -> Meter:
    """A metered stream of the member's uncompressed bytes, whatever its CRC or flags."""
    if m.offset < 0 or m.csize < 0:
        raise Unscannable(f"zip member {m.name!r}: negative offset or size in the directory")
    f.seek(m.offset)
    raw = f.read(_LOCAL_LEN)
    if len(raw) < _LOCAL_LEN or raw[:4] != LOCAL:
        raise Unscannable(f"zip member {m.name!r}: no local header at offset {m.offset}")
    _, _, flags, method, _, _, crc, csize, usize, nlen, xlen = struct.unpack(_LOCAL_FMT, raw)
    name = _name(f.read(nlen), flags)
    csize, usize = _zip64_sizes(f.read(xlen), csize, usize)
    _compare(m, name, flags, method, (crc, csize, usize), warn)
    start = m.offset + _LOCAL_LEN + nlen + xlen
    window = Window(f, start, m.csize)
    stream: Readable
    if m.method == zipfile.ZIP_STORED:
        stream = window
    elif m.method == zipfile.ZIP_DEFLATED:
        stream = Inflate(window)
    else:
        raise Unscannable(f"zip member {m.name!r}: compression method {m.method} not supported")
    return Meter(stream, budget, m.usize, seekable=m.method == zipfile.ZIP_STORED)


def _name(raw: bytes, flags: int) -> str:
    """A header's file name, decoded as zipfile does (UTF-8 flag bit, else cp437)."""
    return raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")


def _zip64_sizes(extra: bytes, csize: int, usize: int) -> tuple[int, int]:
    """Sizes of a local header whose 32-bit fields say "see the zip64 extra field"."""
    usize, csize, _ = _zip64_central(extra, usize, csize, 0)  # a local header has no offset
    return csize, usize


def _compare(
    m: Member, name: str, flags: int, method: int, sizes: tuple[int, int, int], warn: Warn
) -> None:
    problems = []
    if name != m.name:
        problems.append(f"local name {name!r} differs from the central directory")
    if method != m.method:
        problems.append(f"local compression method {method} vs central {m.method}")
    if flags != m.flags:
        problems.append(f"local flag bits {flags:#06x} vs central {m.flags:#06x}")
    if not flags & 0x08 and sizes != (m.crc, m.csize, m.usize):
        problems.append("local CRC/size fields differ from the central directory")
    if m.flags & 0x01:
        problems.append("marked encrypted (PyTorch ignores the bit)")
    if problems:
        warn(
            f"zip:header:{m.name}",
            f"zip member {m.name!r}: suspicious headers (loaders and scanners may read it "
            "differently): " + "; ".join(problems),
        )


def check_crc(stream: Meter, m: Member, warn: Warn) -> None:
    """After reading a member to its end: report a CRC that loaders like PyTorch ignore."""
    if stream.crc_ok and stream.pos == m.usize and stream.crc != m.crc:
        warn(
            f"zip:crc:{m.name}",
            f"zip member {m.name!r}: CRC-32 mismatch (PyTorch ignores it; zip-based scanners "
            "may skip the member)",
        )
