"""Zip archives read as tolerantly as PyTorch reads them.

The central directory comes from ``zipfile`` (or, when that fails, from a walk over the
local headers); member data is read by us from the local header on, so CRC errors,
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


def list_members(f: SeekableFile, size: int, warn: Warn) -> list[Member]:
    """Members in directory order (central directory, else local headers)."""
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
        return _walk_local(f, size)
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
        return _walk_local(f, size)
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
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        if tag == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            break
        pos += 4 + length
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
    if stream.pos == m.usize and stream.crc != m.crc:
        warn(
            f"zip:crc:{m.name}",
            f"zip member {m.name!r}: CRC-32 mismatch (PyTorch ignores it; zip-based scanners "
            "may skip the member)",
        )
