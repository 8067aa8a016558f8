"""Which model format a file is, from its content (never from its name).

Each test mirrors what the format's loader accepts, not what writers usually produce:
a pickle is whatever the unpickler would run (any protocol, any first opcode, no PROTO
needed); compressed streams are recognised by the prefixes joblib dispatches on; a tar by
a header checksum (V7 archives have no ``ustar`` magic); HDF5 by its signature at any
user-block offset (0, 512, 1024, 2048, ...); a git-LFS pointer only when the whole file is
one, well-formed and small.
"""

from __future__ import annotations

import io
import re
import struct

from mlguard.analyzers.artifacts.issues import Collector
from mlguard.analyzers.artifacts.opcodes import OPCODES, Malformed, Truncated
from mlguard.analyzers.artifacts.profiles import DEFAULT_PROFILES, AllowList
from mlguard.analyzers.artifacts.streams import Budget, Meter, SeekableFile, Unscannable

HEAD_BYTES = 4096
# Names used for other formats too (sentencepiece .model, raw .bin weights, site .pth
# path files): unrecognised content there gets a note with the reason, not a warning.
AMBIGUOUS_SUFFIXES = (".bin", ".model", ".pth")

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
KERAS_CONFIG = "keras-config"
COMPRESSED = (GZIP, BZIP2, XZ, LZMA, ZLIB, JOBLIB_ZF)

TORCH_MAGIC = b"\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_LFS_POINTER = 1024
_LFS = re.compile(
    rb"version https://git-lfs\.github\.com/spec/v1\n"
    rb"(?:ext-\d+-\w+ sha256:[0-9a-f]{64}\n)*"
    rb"oid sha256:[0-9a-f]{64}\n"
    rb"size \d+\n"
)
_PROBE_ALLOW = AllowList.build(DEFAULT_PROFILES)


def is_lfs_pointer(data: bytes, size: int) -> bool:
    """A complete git-LFS pointer file: the spec's lines and nothing else, under 1 KiB."""
    return size <= MAX_LFS_POINTER and len(data) == size and bool(_LFS.fullmatch(data))


def is_tar_header(block: bytes) -> bool:
    """A tar header block as ``tarfile`` checks it: name present, checksum right."""
    if len(block) < 512 or not block[:1].strip(b"\0"):
        return False
    field = block[148:156].replace(b"\0", b" ").strip()
    if not field or any(c not in b"01234567" for c in field):
        return False
    stored = int(field, 8)
    raw = block[:148] + b" " * 8 + block[156:512]
    unsigned = sum(raw)
    signed = sum(struct.unpack("148b8x356b", block[:512])) + 256
    return stored in (unsigned, signed)


def _joblib_zfile(head: bytes) -> bool:
    """joblib's old ``ZF`` + hex length container (``int(header, 16)`` decides)."""
    if not head.startswith(b"ZF") or len(head) < 21:
        return False
    try:
        int(head[2:21], 16)
    except ValueError:
        return False
    return True


def _compression(head: bytes) -> str | None:
    """joblib's compressor prefixes (``_detect_compressor``), plus plain gzip/xz."""
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith(b"BZh") and head[3:4] in b"123456789" and len(head) > 4:
        return BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return XZ
    if head.startswith(b"\x5d\x00") and len(head) > 13:
        return LZMA
    if _joblib_zfile(head):
        return JOBLIB_ZF
    if len(head) > 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return ZLIB
    return None


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= size - 8 and head[8:9] == b"{"


def probe_pickle(head: bytes, size: int) -> bool:
    """Whether the unpickler, started at byte 0, would get somewhere with these bytes:
    a complete pickle, a valid prefix cut by the end of ``head``, or an import and a call
    before it fails. Final judgement is the scan's (it reads the whole stream)."""
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return True
    if not head or head[0] not in OPCODES:
        return False
    from mlguard.analyzers.artifacts.pickle_vm import PickleVM  # circular at import time

    vm = PickleVM(
        Meter(io.BytesIO(head), Budget(len(head) + 1), len(head)), _PROBE_ALLOW, Collector()
    )
    try:
        vm.run()
    except Truncated:
        return vm.imports > 0 or len(head) < size
    except Malformed:
        return vm.calls > 0
    except Unscannable:
        return True
    return vm.imports > 0 or vm.ops >= 4


def sniff(head: bytes, size: int) -> str | None:
    """The format of a file whose first bytes are ``head`` (``None``: not a model format)."""
    if head.startswith(b"\x80") and len(head) > 1 and head[1] <= 5:
        return LEGACY_TORCH if head[2:14] == TORCH_MAGIC else PICKLE
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if head.startswith(b"\x93NUMPY"):
        return NPY
    if any(head[at : at + 8] == HDF5_SIGNATURE for at in (0, 512, 1024, 2048)):
        return HDF5
    if is_lfs_pointer(head, size):
        return LFS_POINTER
    if head.startswith(b"\x04\x22\x4d\x18"):
        return LZ4
    if is_tar_header(head):
        return TAR
    kind = _compression(head)
    if kind is not None:
        return kind
    if _is_safetensors(head, size):
        return SAFETENSORS
    if probe_pickle(head, size):
        return PICKLE
    return None


def sniff_file(f: SeekableFile, size: int) -> str | None:
    """:func:`sniff` on the head, then (binary files only) HDF5 signatures at larger
    user-block offsets: 4096, 8192, ... up to the file's size."""
    f.seek(0)
    head = f.read(HEAD_BYTES)
    kind = sniff(head, size)
    if kind is not None or b"\0" not in head:
        return kind
    at = HEAD_BYTES
    while at + 8 <= size:
        f.seek(at)
        if f.read(8) == HDF5_SIGNATURE:
            return HDF5
        at *= 2
    return None


def sniff_name(path: str, siblings: frozenset[str] = frozenset()) -> str | None:
    """Formats known by their file name only: ``keras_metadata.pb`` (protobuf has no magic
    number) and the ``config.json`` of a Keras model saved as a directory."""
    name = path.rsplit("/", 1)[-1]
    if name == "keras_metadata.pb":
        return KERAS_METADATA
    if name == "config.json":
        folder = path[: -len(name)]
        if f"{folder}model.weights.h5" in siblings or f"{folder}metadata.json" in siblings:
            return KERAS_CONFIG
    return None
