"""Bounded byte streams: every byte read or decompressed is charged to one budget.

Nothing here loads a whole file: reads are clamped to what is left of the budget, so a
length field claiming exabytes allocates nothing, and a zip or gzip bomb stops at the cap.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Protocol

CHUNK = 1 << 16
LARGE_ARG = 8 << 20


class Unscannable(Exception):
    """The artifact (or one member) cannot be analysed completely; the reason is reported."""


class OverBudget(Unscannable):
    """The artifact's byte budget is spent: nothing more of it can be analysed."""


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 256 * 1024 * 1024
    max_depth: int = 3
    max_seconds: int = 300


class Hole(bytes):
    """Stands for ``n`` bytes that were stepped over, not read (a huge pickle argument).

    ``pickletools`` only checks the length of a counted argument; the VM never looks
    inside bytes, so skipping them keeps memory flat for multi-GB tensors in one opcode.
    """

    n: int

    def __new__(cls, n: int) -> Hole:
        hole = super().__new__(cls)
        hole.n = n
        return hole

    def __len__(self) -> int:
        return self.n


class Budget:
    """Bytes (and seconds) left for one artifact, across all its members and nested
    archives. The clock is looked at once per MiB read."""

    def __init__(self, limit: int, seconds: float | None = None) -> None:
        self.limit = limit
        self.used = 0
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.next_check = 1 << 20

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise OverBudget(f"larger than the {self.limit} byte analysis budget (max_bytes)")
        if self.deadline is not None and self.used >= self.next_check:
            self.next_check = self.used + (1 << 20)
            if time.monotonic() > self.deadline:
                raise OverBudget(
                    f"analysis took longer than the {self.seconds:g} second budget (max_seconds)"
                )


class Meter:
    """A buffered read-only stream over ``raw`` charging each byte it delivers to ``budget``.

    ``size`` (when known) is how many bytes may still come; reads never ask for more than
    the budget or the size allows, so hostile length fields cannot force allocations.
    Bytes are charged to the budget when fetched from ``raw`` (a chunk at a time), and
    ``crc`` is the CRC-32 of everything fetched (``crc_ok`` is false once bytes were
    seeked over). ``seekable`` says ``raw`` is a plain file or window whose forward seeks
    cost nothing (never a decompressor). ``skip_large`` (set while a pickle is simulated)
    turns reads of ``LARGE_ARG`` bytes or more into skips that return a :class:`Hole`.
    """

    def __init__(
        self, raw: Readable, budget: Budget, size: int | None = None, *, seekable: bool = False
    ) -> None:
        self.raw = raw
        self.seekable = seekable
        self.budget = budget
        self.size = size
        self.pos = 0
        self.crc = 0
        self.crc_ok = True
        self.buf = b""
        self.off = 0
        self.skip_large = False

    def _fill(self, want: int) -> bool:
        """Make sure the buffer holds at least one byte (fetching up to ``want``)."""
        if self.off < len(self.buf):
            return True
        amount = min(max(min(want, 1 << 24), CHUNK), self.budget.left + 1)
        if self.size is not None:
            amount = min(amount, self.size - self.pos)
        if amount <= 0:
            self.buf, self.off = b"", 0
            return False
        self.buf = self.raw.read(amount)
        self.off = 0
        self.crc = zlib.crc32(self.buf, self.crc)
        self.budget.spend(len(self.buf))
        return bool(self.buf)

    def read(self, n: int = -1) -> bytes:
        off = self.off
        if 0 <= n <= len(self.buf) - off:  # the common case: small reads from the buffer
            self.off = off + n
            self.pos += n
            return self.buf[off : off + n]
        if self.skip_large and n >= LARGE_ARG:
            return self._hole(n)
        return self._read(n)

    def _read(self, n: int) -> bytes:
        want = n if n >= 0 else 1 << 62
        parts: list[bytes] = []
        while want > 0 and self._fill(want):
            piece = self.buf[self.off : self.off + want]
            self.off += len(piece)
            self.pos += len(piece)
            want -= len(piece)
            parts.append(piece)
        return b"".join(parts)

    def _hole(self, n: int) -> bytes:
        if self.size is not None and n > self.size - self.pos:
            return b""  # shorter than announced: let the caller report it
        done = self.skip(n)
        return Hole(n) if done == n else b""

    def readline(self, limit: int = -1) -> bytes:
        want = limit if limit >= 0 else 1 << 62
        parts: list[bytes] = []
        while want > 0 and self._fill(CHUNK):
            end = self.buf.find(b"\n", self.off, self.off + want)
            stop = min(self.off + want, len(self.buf)) if end < 0 else end + 1
            piece = self._read(stop - self.off)
            parts.append(piece)
            want -= len(piece)
            if end >= 0:
                break
        return b"".join(parts)

    def tell(self) -> int:
        return self.pos

    def skip(self, n: int) -> int:
        """Move ``n`` bytes on: seek when the source can, else read (and pay for) them."""
        buffered = min(n, len(self.buf) - self.off)
        self.off += buffered
        self.pos += buffered
        rest = n - buffered
        seek = getattr(self.raw, "seek", None) if self.seekable else None
        if rest and seek is not None and (self.size is None or rest <= self.size - self.pos):
            seek(rest, 1)
            self.pos += rest
            self.crc_ok = False
            self.budget.spend(0)
            return n
        done = buffered
        while done < n:
            data = self._read(min(n - done, CHUNK))
            if not data:
                break
            done += len(data)
        return done

    def peek(self, n: int) -> bytes:
        """Up to ``n`` bytes of what comes next (within the buffer), without consuming them."""
        self._fill(n)
        return self.buf[self.off : self.off + n]

    def at_eof(self) -> bool:
        if self.size is not None and self.pos >= self.size:
            return True
        return not self._fill(1)

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


class Window:
    """``n`` bytes of a seekable file starting at ``start`` (a stored zip member)."""

    def __init__(self, f: SeekableFile, start: int, n: int) -> None:
        self.f = f
        self.start = start
        self.n = n
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        left = self.n - self.pos
        n = left if n < 0 else min(n, left)
        if n <= 0:
            return b""
        self.f.seek(self.start + self.pos)
        data = self.f.read(n)
        self.pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.n}[whence]
        self.pos = min(max(base + offset, 0), self.n)
        return self.pos


class Inflate:
    """Raw-deflate / zlib / gzip decompression of another stream, a chunk at a time.

    ``multi``: after the end of one compressed stream, data that follows is decompressed
    as the next stream (joblib's zlib/gzip readers and ``gzip`` do so); raw deflate of a
    zip member stops at its end.
    """

    def __init__(self, raw: Readable, wbits: int = -15, *, multi: bool = False) -> None:
        self.raw = raw
        self.wbits = wbits
        self.z = zlib.decompressobj(wbits)
        self.multi = multi
        self.done = False

    def read(self, n: int = -1) -> bytes:
        n = CHUNK if n < 0 else n
        out = bytearray()
        while len(out) < n and not self.done:
            if self.z.eof:
                rest = self.z.unused_data
                if not self.multi:
                    self.done = True
                    break
                rest = rest or self.raw.read(CHUNK)
                if not rest:
                    self.done = True
                    break
                self.z = zlib.decompressobj(self.wbits)
                src = rest
            elif self.z.unconsumed_tail:
                src = self.z.unconsumed_tail
            else:
                src = self.raw.read(CHUNK)
                if not src:
                    out += self.z.flush()
                    self.done = True
                    break
            try:
                out += self.z.decompress(src, n - len(out))
            except zlib.error as exc:
                raise Unscannable(f"corrupt compressed data ({exc})") from exc
        return bytes(out)


class SeekableFile(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def tell(self) -> int: ...
