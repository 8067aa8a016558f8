"""One artifact, any format: sniff, then analyse with the matching reader, recursively.

Every read goes through one :class:`Budget` per artifact (bytes read or decompressed,
seconds), and nested archives stop at ``max_depth``; whatever cannot be analysed
completely becomes an ``unscannable: <reason>`` issue instead of a silent pass.

A file (or archive member) named like a model file is read the way its loader reads it
even when no format matched: ``torch.load``/``pickle.load`` would unpickle it from byte 0,
so it is simulated as a pickle; when the unpickler would fail before importing anything,
the file is "unrecognised" (the reason is kept for the check to report).
"""

from __future__ import annotations

import bz2
import contextlib
import lzma
import re
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from functools import partial
from typing import IO, Any

from mlguard.analyzers.artifacts import keras_fmt, numpy_fmt, safetensors_fmt, sniff, tars, zips
from mlguard.analyzers.artifacts.issues import ArtifactReport, Collector
from mlguard.analyzers.artifacts.opcodes import Malformed, Truncated
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

MAX_PICKLES = 100_000
_IO_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error, tarfile.TarError)
_TORCH_STORAGE = re.compile(r"(^|/)(\.data/)?data/\d+$|(^|/)\.data/serialization_id$")


class NotAPickle(Exception):
    """The unpickler would fail before importing anything: not a pickle after all."""


class _Prefixed:
    """``head`` (already read) followed by the rest of ``raw``."""

    def __init__(self, head: bytes, raw: Readable) -> None:
        self.head = head
        self.raw = raw

    def read(self, n: int = -1) -> bytes:
        if self.head:
            data, self.head = (self.head, b"") if n < 0 else (self.head[:n], self.head[n:])
            return data
        return self.raw.read(n)


class _Run:
    def __init__(self, allow: AllowList, limits: Limits) -> None:
        self.allow = allow
        self.limits = limits
        self.budget = Budget(limits.max_bytes, limits.max_seconds)
        self.out = Collector()

    def emit(self, severity: Severity, key: str, message: str) -> None:
        self.out.add(severity, key, message)

    def warn(self, key: str, message: str) -> None:
        self.out.add(Severity.WARNING, key, message)

    def error(self, key: str, message: str) -> None:
        self.out.add(Severity.ERROR, key, message)

    # --- dispatch ----------------------------------------------------------------------
    def scan_file(
        self, f: SeekableFile, size: int, depth: int, kind: str | None, strict: bool
    ) -> None:
        """``strict``: the file is named like a model file (its loader will read it)."""
        if kind is None:
            kind = sniff.sniff_file(f, size)
        if kind is None and not strict:
            return
        outer, self.out.depth = self.out.depth, depth
        f.seek(0)
        try:
            self._dispatch(f, size, depth, kind, strict)
        except NotAPickle as exc:
            if depth == 0:
                self.out.unrecognised = str(exc)
        except _IO_ERRORS as exc:
            raise Unscannable(f"unreadable {kind or 'model'} data ({exc})") from exc
        finally:
            self.out.depth = outer

    def _dispatch(
        self, f: SeekableFile, size: int, depth: int, kind: str | None, strict: bool
    ) -> None:
        stream = Meter(f, self.budget, size, seekable=True)
        if kind in (None, sniff.PICKLE, sniff.LEGACY_TORCH):
            reopen = partial(_rewind, f, self.budget, size)
            label = kind or sniff.PICKLE
            self.pickles(stream, label, strict or kind == sniff.LEGACY_TORCH, reopen)
            return
        if kind in sniff.COMPRESSED:
            self.compressed(f, kind, depth, strict)
            return
        self.out.found(kind)
        if kind == sniff.ZIP:
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
        elif kind == sniff.KERAS_METADATA:
            keras_fmt.scan_saved_model_metadata(stream, self.emit)
        elif kind == sniff.KERAS_CONFIG:
            self.keras_config(stream)
        elif kind == sniff.LZ4:
            raise Unscannable("lz4-compressed (joblib): mlguard does not decompress lz4")

    # --- pickles -----------------------------------------------------------------------
    def pickles(
        self,
        stream: Meter,
        kind: str,
        strict: bool,
        reopen: Callable[[], Meter] | None = None,
    ) -> None:
        """Every pickle in the stream, one after the other, each from where the previous
        stopped (legacy PyTorch files hold five; a loader may read more). The first one
        decides whether this is a pickle at all (see :func:`_confirmed`); data after the
        last complete pickle that the unpickler would reject at once is not a pickle.

        A joblib stream is then read once more the way ``pickle.load`` reads it (``reopen``
        gives the stream from its start), since joblib files are often loaded that way.
        """
        self.out.joblib_seen = False
        memo = None
        try:
            for index in range(MAX_PICKLES):
                vm, failure = self._one_pickle(stream, kind, strict, index, memo)
                if failure is not None:
                    return
                memo = vm.memo
                try:
                    if stream.at_eof():
                        return
                except (Unscannable, *_IO_ERRORS):
                    return  # what follows cannot even be read: no loader gets further
            raise Unscannable(f"more than {MAX_PICKLES} consecutive pickles")
        finally:
            if self.out.joblib_seen and reopen is not None:
                self._as_plain_pickle(reopen)

    def _one_pickle(
        self, stream: Meter, kind: str, strict: bool, index: int, memo: Any
    ) -> tuple[PickleVM, Exception | None]:
        start = stream.peek(2)
        proto_first = start[:1] == b"\x80" and len(start) > 1 and start[1] <= 5
        mark = self.out.checkpoint()
        vm = PickleVM(stream, self.allow, self.out, memo=memo)
        failure: Exception | None = None
        try:
            vm.run()
        except Malformed as exc:
            failure = exc
        except Unscannable:
            if index == 0:
                self._confirm(kind)
            raise
        if index == 0 and not (proto_first or _confirmed(vm, failure, strict)):
            self.out.rollback(mark)
            raise NotAPickle(f"the unpickler stops {failure}" if failure else "an empty pickle")
        if index == 0:
            self._confirm(kind)
        elif failure is not None and not vm.calls:
            # trailing data (a legacy checkpoint's tensor bytes): nothing in it was called
            # before the unpickler would stop, so it is no pickle that runs anything
            self.out.rollback(mark)
            return vm, failure
        if isinstance(failure, Truncated):
            self.out.unscannable(f"pickle ended without STOP ({failure})")
        elif failure is not None:
            self.out.unscannable(f"malformed pickle {failure}")
        return vm, failure

    def _confirm(self, kind: str) -> None:
        self.out.found(kind)
        self.out.executes_code = True

    def _as_plain_pickle(self, reopen: Callable[[], Meter]) -> None:
        side = Collector()
        side.member = self.out.member
        with contextlib.suppress(Unscannable, Malformed):  # raw array bytes end most readings
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
            self.pickles(stream, "npy-object", strict=True)

    def compressed(self, f: SeekableFile, kind: str, depth: int, strict: bool) -> None:
        """Decompress to the end (within the budget) and analyse what is inside."""
        f.seek(0)
        raw = _decompressor(f, kind)
        head = b""
        while len(head) < sniff.HEAD_BYTES and (piece := raw.read(sniff.HEAD_BYTES - len(head))):
            head += piece
        more = len(head) == sniff.HEAD_BYTES
        inner = sniff.sniff(head, len(head) + (1 if more else 0))
        if inner is None and not strict:
            return
        if inner in (None, sniff.PICKLE, sniff.LEGACY_TORCH):
            replay = Meter(_Prefixed(head, raw), self.budget)
            reopen = partial(_reinflate, f, kind, self.budget)
            self.pickles(replay, kind, strict or inner == sniff.LEGACY_TORCH, reopen)
            return
        self.out.found(kind)
        self._spooled(_Prefixed(head, raw), depth, inner, strict, nest=False)

    # --- archives ----------------------------------------------------------------------
    def archive(self, f: SeekableFile, size: int, depth: int) -> None:
        members = zips.list_members(f, size, self.warn, self.error)
        lowered = [m.name.lower() for m in members]
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in lowered):
            self.torch_archive(f, members, depth)
            return
        names = {m.name for m in members}
        keras = "config.json" in names and bool({"metadata.json", "model.weights.h5"} & names)
        npz = bool(names) and all(n.endswith(".npy") for n in names)
        self.out.found("keras" if keras else "npz" if npz else "zip")
        for m in members:
            if keras and m.name.endswith(".h5"):
                continue  # weights only: Keras reads arrays from it, never a config
            if m.name == "config.json" and keras:
                self.member(f, m, self.keras_config)
            else:
                self.member(f, m, partial(self.nested, size=m.usize, depth=depth, name=m.name))

    def torch_archive(self, f: SeekableFile, members: list[zips.Member], depth: int) -> None:
        """Every ``*.pkl`` record as a pickle (PyTorch finds records case-insensitively),
        storages skipped (read as raw bytes), anything else sniffed."""
        self.out.found("torch-zip")
        lowered = [m.name.lower() for m in members]
        if any(n.endswith("constants.pkl") for n in lowered):
            self.out.found("torchscript")
        pkl = [n for n in lowered if n.endswith("pkl")]
        for dup in sorted({n for n in pkl if pkl.count(n) > 1}):
            self.error(
                f"zip:ambiguous:{dup}",
                f"zip holds several members PyTorch's reader can take for {dup!r} (names "
                "compared case-insensitively); loaders may read a different one than scanners",
            )
        for m, lower in zip(members, lowered, strict=True):
            if lower.endswith("pkl"):
                self.member(f, m, partial(self._pickle_member, m=m))
            elif not _TORCH_STORAGE.search(lower):
                self.member(f, m, partial(self.nested, size=m.usize, depth=depth, name=m.name))

    def tar_archive(self, f: SeekableFile, depth: int) -> None:
        self.out.found("tar")
        for name, size, handle in tars.members(f, self.budget):
            stream = Meter(handle, Budget(size + 1), size)
            self.guarded(name, partial(self.nested, stream, size=size, depth=depth, name=name))

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
        except NotAPickle:
            pass
        except _IO_ERRORS as exc:
            self.out.unscannable(f"unreadable member data ({exc})")
        finally:
            self.out.member = outer

    def _pickle_member(self, stream: Meter, m: zips.Member) -> None:
        self.pickles(stream, sniff.PICKLE, strict=True)  # torch's own unpickler reads it
        if m.usize <= 64 * 1024 * 1024:
            stream.drain()
            zips.check_crc(stream, m, self.warn)

    def keras_config(self, stream: Meter) -> None:
        data = stream.read(keras_fmt.MAX_CONFIG + 1)
        if len(data) > keras_fmt.MAX_CONFIG:
            raise Unscannable("Keras config.json larger than 64 MiB")
        keras_fmt.check_config_json(data, self.emit)

    def nested(self, stream: Meter, size: int, depth: int, name: str = "") -> None:
        head = stream.read(sniff.HEAD_BYTES)
        kind = sniff.sniff(head, size)
        strict = name.lower().endswith(MODEL_SUFFIXES)
        if (kind is None and not strict) or kind == sniff.LFS_POINTER:
            return
        self._spooled(_Prefixed(head, stream), depth, kind, strict)

    def _spooled(
        self, source: Readable, depth: int, kind: str | None, strict: bool, nest: bool = True
    ) -> None:
        """Copy ``source`` to a seekable file and scan it: one level deeper when it is an
        archive member, at the same level when it is the content of a compressed file."""
        inner = depth + 1 if nest else depth
        if inner > self.limits.max_depth:
            raise Unscannable(f"archive nested deeper than {self.limits.max_depth} levels")
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as tmp:
            while chunk := source.read(CHUNK):
                tmp.write(chunk)
            self.scan_file(tmp, tmp.tell(), inner, kind, strict)


def _confirmed(vm: PickleVM, failure: Exception | None, strict: bool) -> bool:
    """Whether the first pickle of a stream is one: any that reached an import or STOP
    when the file is named like a model file; otherwise one whose imports were used
    (called, or the pickle completed, or the data ended). One that starts with PROTO
    always is."""
    if strict:
        return vm.imports > 0 or vm.calls > 0 or vm.stopped
    used = vm.calls > 0 or vm.stopped or isinstance(failure, Truncated)
    return (vm.imports > 0 and used) or vm.calls > 0


def _rewind(f: SeekableFile, budget: Budget, size: int) -> Meter:
    f.seek(0)
    return Meter(f, budget, size, seekable=True)


def _reinflate(f: SeekableFile, kind: str, budget: Budget) -> Meter:
    f.seek(0)
    return Meter(_decompressor(f, kind), budget)


def _decompressor(f: SeekableFile, kind: str) -> Readable:
    raw: Any = f
    if kind == sniff.GZIP:
        return Inflate(f, wbits=31, multi=True)
    if kind == sniff.BZIP2:
        return bz2.BZ2File(raw)
    if kind in (sniff.XZ, sniff.LZMA):
        return lzma.LZMAFile(raw)
    if kind == sniff.JOBLIB_ZF:
        f.seek(21)
        if f.read(1) != b" ":  # joblib <= 0.8.4 wrote one more (space) character
            f.seek(21)
    return Inflate(f, wbits=15, multi=True)


def scan_artifact(
    f: IO[bytes],
    size: int,
    allow: AllowList,
    limits: Limits,
    kind: str | None = None,
    *,
    named_like_model: bool = False,
) -> ArtifactReport:
    """Analyse one seekable binary file without ever loading what it describes."""
    run = _Run(allow, limits)
    try:
        run.scan_file(f, size, 0, kind, named_like_model)
    except Unscannable as exc:
        run.out.unscannable(str(exc))
    except Exception as exc:  # a hostile file must not take the whole rule down
        run.out.member = ""
        run.out.unscannable(f"analysis failed ({type(exc).__name__}: {exc})")
    return run.out.report()
