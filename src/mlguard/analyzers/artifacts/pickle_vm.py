"""Pickle analysis by simulation: a stack machine with the unpickler's semantics.

Nothing is ever unpickled. Opcodes are decoded as CPython's unpickler decodes them
(:mod:`.opcodes`); the machine tracks the stack, the mark stack and the memo exactly, so a
module name hidden behind ``BINPUT``/``BINGET`` still resolves. Every global is judged by
what the unpickler does with it (:func:`.profiles.classify`): referenced, instantiated
(``NEWOBJ``) or called (``REDUCE``, ``OBJ``, ``INST``). Operations on values that are not
callable (or not objects) stop the simulation where the unpickler would raise. joblib's
inline array data is skipped the way joblib reads it, so a payload placed after an array
is still seen.
"""

from __future__ import annotations

import _compat_pickle
from collections.abc import Callable
from typing import Any

from mlguard.analyzers.artifacts import joblib_arrays
from mlguard.analyzers.artifacts.issues import Collector
from mlguard.analyzers.artifacts.opcodes import Malformed, read_opcode
from mlguard.analyzers.artifacts.profiles import SPECIAL_NAMES, AllowList, classify, is_importable
from mlguard.analyzers.artifacts.streams import Meter, Unscannable
from mlguard.analyzers.artifacts.values import (
    BYTES,
    NONE,
    OTHER,
    Atom,
    Made,
    Map,
    Num,
    Ref,
    Seq,
    Text,
    Val,
)
from mlguard.analyzers.artifacts.vm_stack import Machine
from mlguard.model import Severity

MAX_NESTING = 8
_TEXT_OPS = {"STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE"}
_TEXT_OPS |= {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8"}
_INT_OPS = {"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"}
_BYTES_OPS = {"BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"}
_ATOMS = {"NONE": NONE, "NEWTRUE": OTHER, "NEWFALSE": OTHER, "FLOAT": OTHER, "BINFLOAT": OTHER}
_MEMO_PUT = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GET = {"GET", "BINGET", "LONG_BINGET"}
_CALLS = {"REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST"}
_NEW_WRAPPERS = {"copyreg.__newobj__", "copyreg.__newobj_ex__", "copyreg._reconstructor"}
_GENOPS_ERRORS = (ValueError, EOFError, UnicodeError, OverflowError, RecursionError)


class PickleVM(Machine):
    """Simulates one pickle stream from the current position of ``stream`` up to STOP.

    After :meth:`run`: ``ops`` opcodes were executed, ``imports`` globals reached,
    ``calls`` of them made, ``stopped`` tells whether STOP was reached, ``first`` is the
    first opcode's name. ``memo`` may be handed in (an unpickler object reused for the
    next pickle of a file keeps its memo).
    """

    def __init__(
        self,
        stream: Meter,
        allow: AllowList,
        out: Collector,
        nesting: int = 0,
        *,
        joblib: bool = True,
        memo: dict[int, Val] | None = None,
    ) -> None:
        super().__init__()
        if memo is not None:
            self.memo = dict(memo)
        self.stream = stream
        self.allow = allow
        self.out = out
        self.nesting = nesting
        self.joblib = joblib  # False: read as pickle.load would, array bytes as opcodes
        self.proto = 0
        self.ops = 0
        self.imports = 0
        self.calls = 0
        self.stopped = False
        self.first = ""
        self.handlers: dict[str, Callable[[Any], None]] = {
            "MARK": self._mark,
            "STOP": lambda _: None,
            "PROTO": self._proto,
            "FRAME": lambda _: None,
            "POP": self._pop,
            "POP_MARK": lambda _: self._discard(self._pop_mark()),
            "DUP": lambda _: self._push(self._top()),
            "EMPTY_LIST": lambda _: self._push(Seq("list")),
            "EMPTY_TUPLE": lambda _: self._push(Seq("tuple")),
            "EMPTY_SET": lambda _: self._push(Seq("set")),
            "EMPTY_DICT": lambda _: self._push(Map()),
            "TUPLE": lambda _: self._push(Seq("tuple", self._pop_mark())),
            "TUPLE1": lambda _: self._tuple(1),
            "TUPLE2": lambda _: self._tuple(2),
            "TUPLE3": lambda _: self._tuple(3),
            "LIST": lambda _: self._push(Seq("list", self._pop_mark())),
            "FROZENSET": lambda _: self._push(Seq("frozenset", self._pop_mark())),
            "DICT": lambda _: self._push(self._dict(self._pop_mark(), Map())),
            "APPEND": lambda _: self._extend([self._pop1()], "APPEND"),
            "APPENDS": lambda _: self._extend(self._pop_mark()),
            "ADDITEMS": lambda _: self._extend(self._pop_mark(), "ADDITEMS"),
            "SETITEM": self._setitem,
            "SETITEMS": self._setitems,
            "MEMOIZE": lambda _: self._memo_put(len(self.memo)),
            "GLOBAL": self._global,
            "STACK_GLOBAL": self._stack_global,
            "INST": self._inst,
            "OBJ": self._obj,
            "REDUCE": self._reduce,
            "NEWOBJ": self._newobj,
            "NEWOBJ_EX": self._newobj_ex,
            "BUILD": self._build,
            "EXT1": self._ext,
            "EXT2": self._ext,
            "EXT4": self._ext,
            "PERSID": lambda _: self._push(Made("PERSID")),
            "BINPERSID": lambda _: self._push(Made("BINPERSID", None, self._pop1())),
            "NEXT_BUFFER": lambda _: self._push(Atom("an out-of-band buffer")),
            "READONLY_BUFFER": lambda _: self._discard(self._top()),
        }

    # --- driver --------------------------------------------------------------------------
    def run(self) -> Val | None:
        """Simulate up to STOP; return the unpickled value's abstraction.

        Raises :class:`Malformed` (with the byte offset) where the unpickler would stop
        with an error: what was found before stays reported, as it would have run.
        """
        stream = self.stream
        outer, stream.skip_large = stream.skip_large, True
        pos = stream.pos
        try:
            while True:
                pos = stream.pos
                name, reader = read_opcode(stream)
                if not self.ops:
                    self.first = name
                self.ops += 1
                self._step(name, reader(stream))
                if name == "STOP":
                    value = self._pop1()
                    self.stopped = True
                    return value
        except Malformed as exc:
            raise type(exc)(f"at byte {pos}: {exc}") from exc
        except _GENOPS_ERRORS as exc:
            raise Malformed(f"at byte {pos}: {exc}") from exc
        finally:
            self.stream.skip_large = outer

    def _step(self, name: str, arg: Any) -> None:
        if name in _TEXT_OPS:
            self._push(Text(arg or ""))
        elif name in _INT_OPS:
            ok = isinstance(arg, int) and -(2**62) < arg < 2**62
            self._push(Num(arg if ok else None))
        elif name in _BYTES_OPS:
            self._push(BYTES)
        elif name in _ATOMS:
            self._push(_ATOMS[name])
        elif name in _MEMO_PUT:
            self._memo_put(arg)
        elif name in _MEMO_GET:
            if arg not in self.memo:
                raise Malformed(f"memo key {arg} is not defined")
            self._push(self.memo[arg])
        else:
            handler = self.handlers.get(name)
            if handler is None:
                raise Malformed(f"opcode {name} is not understood")
            handler(arg)

    # --- imports -----------------------------------------------------------------------
    def _proto(self, arg: Any) -> None:
        self.proto = arg if isinstance(arg, int) else 0

    def _import(self, module: str, name: str) -> Ref:
        if self.proto < 3:  # Python 2 names, renamed exactly as Unpickler(fix_imports=True)
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        if not is_importable(module) or not name:
            raise Malformed(f"cannot import module {module[:60]!r} (not a module name)")
        self.imports += 1
        ref = Ref(module, name)
        self._judge(ref, "import")
        return ref

    def _judge(self, ref: Ref, use: str) -> None:
        if ref.module.startswith("<"):
            return  # computed or extension: reported where it was made
        verdict = classify(ref.module, ref.name, self.allow, use)
        if verdict is None:
            return
        full = ref.full
        if verdict.severity == Severity.ERROR and verdict.group:
            self.out.unknown_class(full, verdict.reason)
        elif verdict.severity == Severity.ERROR:
            verb = "imports" if use == "import" else "calls" if use == "call" else "instantiates"
            self.out.add(Severity.ERROR, f"global:{full}", f"{verb} {full} ({verdict.reason})")
        elif verdict.severity == Severity.WARNING:
            self.out.unknown_global(full, verdict.reason)
        else:
            self.out.known_library(verdict.library)

    def _global(self, arg: Any) -> None:
        module, name = arg
        self._push(self._import(module, name))

    def _stack_global(self, _: Any) -> None:
        name, module = self._pop1(), self._pop1()
        if isinstance(module, Text) and isinstance(name, Text) and module.value and name.value:
            self._push(self._import(module.value, name.value))
            return
        bad = module if not (isinstance(module, Text) and module.value) else name
        self.out.add(
            Severity.ERROR,
            "stack-global:computed",
            f"STACK_GLOBAL imports a name computed at load time (operand is {bad.describe()})",
        )
        self._push(Ref("<computed>", "<computed>"))

    def _inst(self, arg: Any) -> None:
        module, name = arg
        cls = self._import(module, name)
        args = self._pop_mark()
        self._callable(cls, "INST")
        self._push(Made("INST", cls, Seq("tuple", args)))

    def _ext(self, code: Any) -> None:
        # not counted as an import: without a registered code the unpickler stops here,
        # so an EXT opcode alone does not make bytes a pickle (a call of it does)
        self.out.add(
            Severity.ERROR,
            f"ext:{code}",
            f"imports a global through extension code {code} (copyreg registry, unresolvable)",
        )
        self._push(Ref("<extension>", str(code)))

    # --- calls -------------------------------------------------------------------------
    def _callable(self, fn: Val, op: str, args: Val | None = None) -> None:
        """``fn`` is called (or instantiated, NEWOBJ) by ``op``; judge it."""
        if isinstance(fn, Ref):
            self.calls += 1
            self._judge(fn, "new" if op.startswith("NEWOBJ") else "call")
            if fn.full in _NEW_WRAPPERS and isinstance(args, Seq) and args.items:
                for i, inner in enumerate(args.items[:2]):  # (cls, base, state): both run
                    if isinstance(inner, Ref):
                        self._judge(inner, "new" if i == 0 else "call")
            return
        if isinstance(fn, Made) and fn.how not in ("PERSID", "BINPERSID"):
            self.calls += 1
            self.out.add(
                Severity.ERROR,
                f"computed-call:{op}",
                f"{op} calls {fn.describe()}, not a plain import (gadget chain)",
            )
            return
        raise Malformed(f"{op} on {fn.describe()}, which cannot be called")

    def _container(self, target: Val, op: str) -> None:
        if isinstance(target, Ref):
            self.out.add(
                Severity.ERROR,
                f"mutate-global:{target.full}",
                f"{op} adds items to the imported {target.full} (calls its methods)",
            )
        elif not isinstance(target, (Made, Seq, Map)):
            raise Malformed(f"{op} on {target.describe()}")

    def _obj(self, _: Any) -> None:
        items = self._pop_mark()
        if not items:
            raise Malformed("OBJ without a class")
        args = Seq("tuple", items[1:])
        self._callable(items[0], "OBJ", args)
        self._push(Made("OBJ", items[0], args))

    def _reduce(self, _: Any) -> None:
        args, fn = self._pop1(), self._pop1()
        if not (isinstance(args, Seq) and args.kind == "tuple") and not isinstance(args, Made):
            raise Malformed(f"REDUCE arguments are {args.describe()}, not a tuple")
        self._callable(fn, "REDUCE", args)
        self._push(Made("REDUCE", fn, args))

    def _newobj(self, _: Any) -> None:
        args, cls = self._pop1(), self._pop1()
        self._callable(cls, "NEWOBJ", args)
        self._push(Made("NEWOBJ", cls, args))

    def _newobj_ex(self, _: Any) -> None:
        _kwargs, args, cls = self._pop1(), self._pop1(), self._pop1()
        self._callable(cls, "NEWOBJ_EX", args)
        self._push(Made("NEWOBJ_EX", cls, args))

    def _build(self, _: Any) -> None:
        state = self._pop1()
        target = self._top()
        if isinstance(target, Ref):
            self.out.add(
                Severity.ERROR,
                f"build-global:{target.full}",
                f"BUILD changes attributes of the imported {target.full} (monkey-patching)",
            )
        for part in _state_dicts(state):
            for key in sorted(part.dunders & SPECIAL_NAMES):
                self.out.add(
                    Severity.ERROR,
                    f"build-dunder:{key}",
                    f"BUILD sets '{key}' on an object (state smuggling: it runs later)",
                )
        if isinstance(target, Made):
            target.state = state
            if joblib_arrays.is_wrapper(target):
                self.out.found("joblib")
                self.out.joblib_seen = True
                if self.joblib:
                    self._joblib_array(target)

    def _joblib_array(self, wrapper: Made) -> None:
        plan = joblib_arrays.plan(wrapper)
        if plan.nested_pickle:
            if self.nesting >= MAX_NESTING:
                raise Unscannable("joblib object arrays nested too deeply")
            # joblib reads object arrays with a plain pickle.load (no array wrappers)
            PickleVM(self.stream, self.allow, self.out, self.nesting + 1, joblib=False).run()
        else:
            if plan.aligned:
                pad = self.stream.read(1)
                if pad and self.stream.skip(pad[0]) < pad[0]:
                    raise Unscannable("joblib array padding truncated")
            if self.stream.skip(plan.nbytes) < plan.nbytes:
                raise Unscannable("joblib array data truncated")
        self.stack[-1] = Made("joblib-array")


def _state_dicts(state: Val) -> list[Map]:
    if isinstance(state, Map):
        return [state]
    if isinstance(state, Seq) and state.kind == "tuple":
        return [item for item in state.items[:2] if isinstance(item, Map)]
    return []
