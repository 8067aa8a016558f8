"""Which imported globals a pickle may name: deny by default, allow-list profiles.

A global the active profiles (or the policy's ``allow`` list) do not name is a finding.
Globals known to run code (os.system, builtins.eval, subprocess, ...) are errors, whatever
the profiles say, and so is any dotted path that walks through such a module
(``torch.os.system`` resolves to ``os.system`` under protocol 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from mlguard.model import Severity

_TORCH_STORAGES = tuple(
    f"torch.{kind}Storage"
    for kind in (
        "Float",
        "Double",
        "Half",
        "BFloat16",
        "Long",
        "Int",
        "Short",
        "Char",
        "Byte",
        "Bool",
        "ComplexFloat",
        "ComplexDouble",
        "QUInt8",
        "QInt8",
        "QInt32",
        "QUInt4x2",
        "QUInt2x4",
        "Untyped",
    )
)

PROFILES: dict[str, tuple[str, ...]] = {
    "tensors": (
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_wrapper_subclass",
        "torch._tensor._rebuild_from_type_v2",
        "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage",
        *_TORCH_STORAGES,
        "torch.device",
        "torch.Size",
        "torch.Tensor",
        "torch.nn.parameter.Parameter",
        "torch.serialization._get_layout",
        "torch.strided",
        "torch.sparse_coo",
        "torch.per_tensor_affine",
        "torch.per_channel_affine",
        "torch.float16",
        "torch.float32",
        "torch.float64",
        "torch.bfloat16",
        "torch.int8",
        "torch.int16",
        "torch.int32",
        "torch.int64",
        "torch.uint8",
        "torch.bool",
        "torch.complex64",
        "torch.complex128",
        "torch.torch_version.TorchVersion",
        "collections.OrderedDict",
    ),
    "numpy": (
        "numpy.core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        # numpy._core.* is deliberately not a wildcard: numpy._core.fromnumeric._wrapfunc
        # calls getattr(obj, name)(...), a gadget that turns any allowed object into a call.
        "numpy._core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar",
        "numpy._core.numeric._frombuffer",
        "numpy.dtype",
        "numpy.dtypes.*",
        "numpy.ndarray",
        "numpy.matrixlib.defmatrix.matrix",
        "numpy.ma.core._mareconstruct",
        "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__generator_ctor",
        "numpy.random._pickle.__bit_generator_ctor",
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "_codecs.encode",
    ),
    "collections": (
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.deque",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.complex",
        "builtins.bytearray",
        "builtins.range",
        "builtins.list",
        "builtins.dict",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.str",
        "builtins.bytes",
        "builtins.object",
        "collections.Counter",
        "copyreg._reconstructor",
        "argparse.Namespace",
        "pathlib.Path",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
        "pathlib.WindowsPath",
        "pathlib.PureWindowsPath",
        "_codecs.encode",
        "datetime.datetime",
        "datetime.date",
        "datetime.timedelta",
        "decimal.Decimal",
    ),
    "sklearn": (
        "sklearn.*",
        "scipy.sparse.*",
        "numpy.*",
        "joblib.numpy_pickle.NumpyArrayWrapper",
    ),
}
DEFAULT_PROFILES = ("tensors", "numpy", "collections")

# Whole modules whose import from a pickle means code or command execution.
DANGEROUS_MODULES = frozenset(
    {
        "numpy.distutils",
        "numpy.f2py",
        "os",
        "posix",
        "nt",
        "posixpath",
        "ntpath",
        "subprocess",
        "builtins",
        "__builtin__",
        "importlib",
        "runpy",
        "webbrowser",
        "pip",
        "multiprocessing",
        "socket",
        "shutil",
        "sys",
        "pty",
        "code",
        "codeop",
        "ctypes",
        "marshal",
        "types",
        "pickle",
        "_pickle",
        "cPickle",
        "dill",
        "cloudpickle",
        "commands",
        "asyncio",
        "signal",
        "platform",
        "tempfile",
        "pathlib",
        "io",
        "_io",
        "http",
        "urllib",
        "requests",
        "ftplib",
        "smtplib",
        "telnetlib",
        "timeit",
        "pdb",
        "bdb",
        "trace",
        "profile",
        "cProfile",
        "venv",
        "ensurepip",
        "distutils",
        "setuptools",
        "shelve",
        "gc",
        "inspect",
    }
)
DANGEROUS_GLOBALS = frozenset(
    {
        "operator.attrgetter",
        "operator.methodcaller",
        "operator.itemgetter",
        "functools.partial",
        "functools.reduce",
        "torch.load",
        "torch.hub.load",
        "torch.jit.load",
        "numpy.load",
        "numpy.lib.npyio.load",
        "joblib.load",
        "pandas.read_pickle",
        "yaml.load",
        "yaml.unsafe_load",
        "torch.serialization.load",
        "torch._C._jit_set_profiling_executor",
        "numpy.testing._private.utils.runstring",
        "numpy._core.fromnumeric._wrapfunc",
        "numpy.core.fromnumeric._wrapfunc",
        "numpy._core.fromnumeric._wrapit",
        "numpy.core.fromnumeric._wrapit",
        "copyreg.__newobj__",
        "copyreg.__newobj_ex__",
    }
)
# Special names whose presence in a BUILD state changes behaviour later (a method called
# by the interpreter, the class itself, code objects); plain "__x__" data keys (pydantic's
# "__pydantic_extra__", "__dict__") are not reported.
SPECIAL_NAMES = frozenset(
    {
        "__setstate__",
        "__getstate__",
        "__reduce__",
        "__reduce_ex__",
        "__class__",
        "__getattr__",
        "__getattribute__",
        "__setattr__",
        "__delattr__",
        "__del__",
        "__init__",
        "__new__",
        "__call__",
        "__getitem__",
        "__setitem__",
        "__delitem__",
        "__eq__",
        "__ne__",
        "__hash__",
        "__repr__",
        "__str__",
        "__format__",
        "__iter__",
        "__next__",
        "__enter__",
        "__exit__",
        "__len__",
        "__bool__",
        "__contains__",
        "__missing__",
        "__get__",
        "__set__",
        "__delete__",
        "__set_name__",
        "__init_subclass__",
        "__class_getitem__",
        "__index__",
        "__fspath__",
        "__globals__",
        "__code__",
        "__builtins__",
        "__import__",
        "__loader__",
        "__spec__",
        "__module__",
        "__func__",
        "__self__",
        "__wrapped__",
    }
)
_DANGEROUS_PARTS = frozenset(
    {"os", "subprocess", "sys", "builtins", "system", "popen", "eval", "exec", "importlib"}
)
# Harmless constructors that live in modules otherwise denied (builtins, pathlib): a
# profile or the policy may allow exactly these names, never the rest of the module.
SAFE_IN_DANGEROUS = frozenset(
    n for n in PROFILES["collections"] if n.startswith(("builtins.", "pathlib."))
)


@dataclass(frozen=True)
class AllowList:
    """Exact names and ``fnmatch`` patterns a pickle may import."""

    profiles: tuple[str, ...]
    exact: frozenset[str]
    patterns: tuple[str, ...]

    @classmethod
    def build(cls, profiles: tuple[str, ...], allow: tuple[str, ...] = ()) -> AllowList:
        unknown = sorted(set(profiles) - set(PROFILES))
        if unknown:
            raise ValueError(f"unknown profile(s) {unknown} (known: {sorted(PROFILES)})")
        names = [n for p in profiles for n in PROFILES[p]] + list(allow)
        exact = frozenset(n for n in names if not any(c in n for c in "*?["))
        patterns = tuple(sorted({n for n in names if n not in exact}))
        return cls(tuple(profiles), exact, patterns)


def _suspicious_path(full: str) -> str:
    parts = full.split(".")
    for part in parts[1:]:
        if part in _DANGEROUS_PARTS:
            return f"the dotted path walks through '{part}'"
        if part.startswith("__") and part.endswith("__"):
            return f"the dotted path uses the special attribute '{part}'"
    return ""


def classify(module: str, name: str, allow: AllowList) -> tuple[Severity, str] | None:
    """``None`` when the global is allowed, else (severity, reason).

    Known-dangerous modules stay errors even when a policy allows them by name; only the
    harmless constructors of :data:`SAFE_IN_DANGEROUS` (set, slice, PosixPath...) can be.
    """
    full = f"{module}.{name}"
    parts = module.split(".")
    denied = next(
        (
            p
            for p in (".".join(parts[: i + 1]) for i in range(len(parts)))
            if p in DANGEROUS_MODULES
        ),
        None,
    )
    if denied is not None:
        if full in SAFE_IN_DANGEROUS and full in allow.exact:
            return None
        return Severity.ERROR, f"module '{denied}' can run code or commands"
    if full in DANGEROUS_GLOBALS:
        return Severity.ERROR, "known code-execution gadget"
    if full in allow.exact:
        return None
    suspicious = _suspicious_path(full)
    if suspicious:
        return Severity.ERROR, suspicious
    if any(fnmatchcase(full, p) for p in allow.patterns):
        return None
    return Severity.WARNING, "outside the allow-list (profiles: " + ", ".join(allow.profiles) + ")"
