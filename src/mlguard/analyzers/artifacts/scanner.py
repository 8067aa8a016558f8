"""One artifact, any format: sniff, then analyse with the matching reader, recursively.

Every read goes through one :class:`Budget` per artifact (bytes read or decompressed), and
nested archives stop at ``max_depth``; whatever cannot be analysed completely becomes an
``unscannable: <reason>`` issue instead of a silent pass.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from functools import partial
from typing import IO, Any

from mlguard.analyzers.artifacts import keras_fmt, numpy_fmt, safetensors_fmt, sniff, tars, zips
from mlguard.analyzers.artifacts.issues import ArtifactReport, Collector
from mlguard.analyzers.artifacts.pickle_vm import PickleVM
from mlguard.analyzers.artifacts.profiles import AllowList
from mlguard.analyzers.artifacts.streams import (
    CHUNK,
    Budget,
    Inflate,
    Limits,
    Meter,
    OverBudget,
    Readable,
    SeekableFile,
    Unscannable,
)
from mlguard.known import MODEL_SUFFIXES
from mlguard.model import Severity

MAX_PICKLES = 16
MAX_SNIFFED_MEMBERS = 1000
_IO_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, tarfile.TarError)


class _Run:
    def __init__(self, allow: AllowList, limits: Limits) -> None:
        self.allow = allow
        self.limits = limits
        self.budget = Budget(limits.max_bytes)
        self.out = Collector()

    def emit(self, severity: Severity, key: str, message: str) -> None:
        self.out.add(severity, key, message)

    def warn(self, key: str, message: str) -> None:
        self.out.add(Severity.WARNING, key, message)

    # --- dispatch ----------------------------------------------------------------------
    def scan_file(self, f: SeekableFile, size: int, depth: int, kind: str | None) -> None:
        if kind is None:
            f.seek(0)
            kind = sniff.sniff(f.read(sniff.HEAD_BYTES), size)
        if kind is None:
            return
        outer, self.out.depth = self.out.depth, depth
        self.out.found(kind)
        f.seek(0)
        try:
            self._dispatch(f, size, depth, kind)
        except _IO_ERRORS as exc:
            raise Unscannable(f"unreadable {kind} data ({exc})") from exc
        finally:
            self.out.depth = outer

    def _dispatch(self, f: SeekableFile, size: int, depth: int, kind: str) -> None:
        stream = Meter(f, self.budget, size, seekable=True)
        if kind in (sniff.PICKLE, sniff.LEGACY_TORCH):
            reopen = partial(_rewind, f, self.budget, size)
            self.pickles(stream, legacy=kind == sniff.LEGACY_TORCH, reopen=reopen)
        elif kind == sniff.ZIP:
            self.archive(f, size, depth)
        elif kind == sniff.TAR:
            self.tar_archive(f, depth)
        elif kind == sniff.NPY:
            self.npy(stream)
        elif kind == sniff.HDF5:
            keras_fmt.scan_hdf5(stream, self.emit)
        elif kind == sniff.SAFETENSORS:
            for problem in safetensors_fmt.check(stream, size):
                self.warn(f"safetensors:{problem}", f"malformed safetensors: {problem}")
        elif kind in sniff.COMPRESSED:
            reopen = partial(_reinflate, f, kind, self.budget)
            self.pickles(reopen(), legacy=False, reopen=reopen)
        elif kind == sniff.KERAS_METADATA:
            keras_fmt.scan_saved_model_metadata(stream, self.emit)
        elif kind == sniff.LZ4:
            raise Unscannable("lz4-compressed (joblib): mlguard does not decompress lz4")

    # --- pickles -----------------------------------------------------------------------
    def pickles(
        self, stream: Meter, legacy: bool, reopen: Callable[[], Meter] | None = None
    ) -> None:
        """One pickle (plus any pickles that follow it); legacy torch files hold five.

        A joblib stream is then read once more the way ``pickle.load`` reads it (``reopen``
        gives the stream from its start), since joblib files are often loaded that way.
        """
        self.out.executes_code = True
        self.out.joblib_seen = False
        try:
            for index in range(5 if legacy else MAX_PICKLES):
                PickleVM(stream, self.allow, self.out).run()
                if stream.at_eof() or (not legacy and stream.peek(1) != b"\x80"):
                    return
                if legacy and index == 4:
                    return
        finally:
            if self.out.joblib_seen and reopen is not None:
                self._as_plain_pickle(reopen)

    def _as_plain_pickle(self, reopen: Callable[[], Meter]) -> None:
        side = Collector()
        side.member = self.out.member
        with contextlib.suppress(Unscannable):  # raw array bytes end most such readings
            PickleVM(reopen(), self.allow, side, joblib=False).run()
        for (member, key), issue in side.issues.items():
            if issue.severity == Severity.ERROR and (member, key) not in self.out.issues:
                self.out.add(
                    Severity.ERROR,
                    f"pickle-load:{key}",
                    f"read with pickle.load instead of joblib.load, the array data {issue.message}",
                )

    def npy(self, stream: Meter) -> None:
        if numpy_fmt.read_header(stream).has_object:
            self.out.found("npy-object")
            self.pickles(stream, legacy=False)

    # --- archives ----------------------------------------------------------------------
    def archive(self, f: SeekableFile, size: int, depth: int) -> None:
        members = zips.list_members(f, size, self.warn)
        names = [m.name for m in members]
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            self.out.found("torch-zip")
            wanted = [m for m in members if m.name.endswith(".pkl")]
            for m in wanted:
                self.member(f, m, partial(self._pickle_member, m=m))
            return
        keras = "config.json" in names and bool({"metadata.json", "model.weights.h5"} & set(names))
        npz = bool(names) and all(n.endswith(".npy") for n in names)
        self.out.found("keras" if keras else "npz" if npz else "zip")
        for i, m in enumerate(members):
            if keras and m.name.endswith(".h5"):
                continue  # weights only: Keras reads arrays from it, never a config
            if m.name == "config.json" and keras:
                self.member(f, m, self._keras_config)
            elif m.name.endswith(".npy") and npz:
                self.member(f, m, self.npy)
            elif i < MAX_SNIFFED_MEMBERS or m.name.endswith(MODEL_SUFFIXES):
                self.member(f, m, partial(self.nested, size=m.usize, depth=depth))

    def tar_archive(self, f: SeekableFile, depth: int) -> None:
        self.out.found("tar")
        for name, size, handle in tars.members(f, self.budget):
            stream = Meter(handle, Budget(size + 1), size)
            self.guarded(name, partial(self.nested, stream, size=size, depth=depth))

    def member(self, f: SeekableFile, m: zips.Member, fn: Callable[[Meter], None]) -> None:
        self.guarded(m.name, lambda: fn(zips.open_member(f, m, self.budget, self.warn)))

    def guarded(self, name: str, work: Callable[[], None]) -> None:
        """Analyse one member; a member that cannot be analysed does not stop the others."""
        outer = self.out.member
        self.out.member = f"{outer}!{name}" if outer else name
        try:
            work()
        except OverBudget:
            raise
        except Unscannable as exc:
            self.out.unscannable(str(exc))
        except _IO_ERRORS as exc:
            self.out.unscannable(f"unreadable member data ({exc})")
        finally:
            self.out.member = outer

    def _pickle_member(self, stream: Meter, m: zips.Member) -> None:
        self.pickles(stream, legacy=False)  # torch reads data.pkl with its own unpickler
        if m.usize <= 64 * 1024 * 1024:
            stream.drain()
            zips.check_crc(stream, m, self.warn)

    def _keras_config(self, stream: Meter) -> None:
        data = stream.read(keras_fmt.MAX_CONFIG + 1)
        if len(data) > keras_fmt.MAX_CONFIG:
            raise Unscannable("Keras config.json larger than 64 MiB")
        keras_fmt.check_config_json(data, self.emit)

    def nested(self, stream: Meter, size: int, depth: int) -> None:
        head = stream.read(sniff.HEAD_BYTES)
        kind = sniff.sniff(head, size)
        if kind is None or kind == sniff.LFS_POINTER:
            return
        if depth + 1 > self.limits.max_depth:
            raise Unscannable(f"archive nested deeper than {self.limits.max_depth} levels")
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as tmp:
            tmp.write(head)
            while chunk := stream.read(CHUNK):
                tmp.write(chunk)
            self.scan_file(tmp, tmp.tell(), depth + 1, kind)


def _rewind(f: SeekableFile, budget: Budget, size: int) -> Meter:
    f.seek(0)
    return Meter(f, budget, size, seekable=True)


def _reinflate(f: SeekableFile, kind: str, budget: Budget) -> Meter:
    f.seek(0)
    return Meter(_decompressor(f, kind), budget)


def _decompressor(f: SeekableFile, kind: str) -> Readable:
    raw: Any = f
    if kind == sniff.GZIP:
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == sniff.BZIP2:
        return bz2.BZ2File(raw)
    if kind in (sniff.XZ, sniff.LZMA):
        return lzma.LZMAFile(raw)
    if kind == sniff.JOBLIB_ZF:
        f.seek(21)
    return Inflate(f, wbits=15)


def scan_artifact(
    f: IO[bytes], size: int, allow: AllowList, limits: Limits, kind: str | None = None
) -> ArtifactReport:
    """Analyse one seekable binary file without ever loading what it describes."""
    run = _Run(allow, limits)
    try:
        run.scan_file(f, size, 0, kind)
    except Unscannable as exc:
        run.out.unscannable(str(exc))
    except Exception as exc:  # a hostile file must not take the whole rule down
        run.out.member = ""
        run.out.unscannable(f"analysis failed ({type(exc).__name__}: {exc})")
    return run.out.report()
