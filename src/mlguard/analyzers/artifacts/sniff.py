"""Which model format a file is, from its first bytes (never from its name)."""

from __future__ import annotations

import bz2
import io
import lzma
import pickletools  # opcode tables only: nothing is ever unpickled  # nosec B403
import re
import struct
import zlib

HEAD_BYTES = 4096
# Names used for other formats too (sentencepiece .model, raw .bin weights): an
# unrecognised file with these suffixes is not reported as unscannable.
AMBIGUOUS_SUFFIXES = (".bin", ".model")

PICKLE = "pickle"
LEGACY_TORCH = "torch-legacy"
ZIP = "zip"
NPY = "npy"
HDF5 = "hdf5"
SAFETENSORS = "safetensors"
GZIP = "gzip"
BZIP2 = "bz2"
XZ = "xz"
LZMA = "lzma"
ZLIB = "zlib"
JOBLIB_ZF = "joblib-zfile"
LZ4 = "lz4"
LFS_POINTER = "git-lfs-pointer"
TAR = "tar"
KERAS_METADATA = "keras-metadata"
COMPRESSED = (GZIP, BZIP2, XZ, LZMA, ZLIB, JOBLIB_ZF)

_DOTTED_PAIR = re.compile(r"^[A-Za-z_][\w.]* [A-Za-z_][\w.]*$")
# pickletools' messages when the head ends inside the stream (the file goes on)
_TRUNCATED = re.compile(r"exhausted|no newline found|remain|not enough data")
TORCH_MAGIC = b"\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _looks_like_text_pickle(head: bytes) -> bool:
    """Protocol 0/1 pickles: the head must parse as opcodes (three or more) whose imports
    are identifiers and whose stack and marks balance (``pickletools.dis`` checks that)."""
    if not head or head[:1] not in b"(]})cNIJKLSVFUTXGMi":
        return False
    count, stopped = 0, False
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(head)):
            count += 1
            if opcode.name in ("GLOBAL", "INST") and not _DOTTED_PAIR.match(str(arg)):
                return False  # "c" + two lines of text: a text file, not an import
            stopped = opcode.name == "STOP"
    except ValueError as exc:
        if not _TRUNCATED.search(str(exc)) or count < 3 or len(head) < 64:
            return False
    except Exception:  # any parse failure means "not a pickle"
        return False
    if stopped and count < 2:
        return False
    try:
        pickletools.dis(io.BytesIO(head), out=io.StringIO())
    except ValueError as exc:
        return not stopped and bool(_TRUNCATED.search(str(exc)))
    except Exception:
        return False
    return True


def _is_tar(head: bytes) -> bool:
    return head[257:262] == b"ustar"


def _decompressed_head(kind: str, head: bytes) -> bytes:
    want = 512
    try:
        if kind == GZIP:
            return zlib.decompressobj(31).decompress(head, want)
        if kind == ZLIB:
            return zlib.decompressobj(15).decompress(head, want)
        if kind == JOBLIB_ZF:
            return zlib.decompressobj(15).decompress(head[21:], want)
        if kind == BZIP2:
            return bz2.BZ2Decompressor().decompress(head, want)
        return lzma.LZMADecompressor().decompress(head, want)
    except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError):
        return b""


def _compression(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return XZ
    if head.startswith(b"\x5d\x00\x00") and len(head) > 13:
        return LZMA
    if head.startswith(b"ZF0x"):
        return JOBLIB_ZF
    if len(head) > 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return ZLIB
    return None


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def sniff(head: bytes, size: int) -> str | None:
    """The format of a file whose first bytes are ``head`` (``None``: not a model format)."""
    if head.startswith(b"\x80") and len(head) > 1 and 2 <= head[1] <= 5:
        return LEGACY_TORCH if head[2:14] == TORCH_MAGIC else PICKLE
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if head.startswith(b"\x93NUMPY"):
        return NPY
    if head.startswith(HDF5_SIGNATURE) or head[512:520] == HDF5_SIGNATURE:
        return HDF5
    if head.startswith(b"version https://git-lfs.github.com/spec/"):
        return LFS_POINTER
    if head.startswith(b"\x04\x22\x4d\x18"):
        return LZ4
    if _is_tar(head):
        return TAR
    kind = _compression(head)
    if kind is not None:
        inner = _decompressed_head(kind, head)
        if inner.startswith(b"\x80") and len(inner) > 1 and 2 <= inner[1] <= 5:
            return kind
        return TAR if kind in (GZIP, BZIP2, XZ) and _is_tar(inner) else None
    if _is_safetensors(head, size):
        return SAFETENSORS
    if _looks_like_text_pickle(head):
        return PICKLE
    return None


def sniff_name(path: str) -> str | None:
    """Formats known by their file name only (protobuf has no magic number)."""
    if path.rsplit("/", 1)[-1] == "keras_metadata.pb":
        return KERAS_METADATA
    return None
