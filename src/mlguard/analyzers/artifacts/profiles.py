"""Which imported globals a pickle may name, and how serious each one is.

Verdict tiers, by what the unpickler does with the global:

* allowed (no finding): data-only constructors of the active profiles and ``allow``.
* error: anything *called* at load time (``REDUCE``, ``OBJ``, ``INST``, ``EXT*``, the
  class of ``NEWOBJ``, whose ``__new__``/``__setstate__`` run with state from the file)
  that is neither allowed nor a class or reconstructor of a well-known ML library (allow
  your own classes by name); every known code-execution module or
  gadget; every dotted attribute path (``torch`` + ``serialization.pickle.loads``) unless
  the policy names it exactly. A wildcard never matches a dotted path.
* note: classes and pickle reconstructors of well-known ML libraries (scikit-learn, pandas,
  torch modules, numpy, scipy, xgboost, lightgbm, catboost, TorchScript ``__torch__``):
  loading runs their code, which a trusted file is meant to do.
* warning: what is not understood, such as a global only referenced, never called.
"""

from __future__ import annotations

import re
import sys
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
        "torch.serialization._get_layout",
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
        "copyreg.__newobj__",
        "copyreg.__newobj_ex__",
        "re._compile",
        "uuid.UUID",
        "uuid.SafeUUID",
        "fractions.Fraction",
        "datetime.time",
        "datetime.timezone",
        "array.array",
        "array._array_reconstructor",
        "enum.Enum",
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
    # Kept for existing configurations: scikit-learn classes are known without it.
    "sklearn": (
        "sklearn.*",
        "scipy.sparse.*",
        "joblib.numpy_pickle.NumpyArrayWrapper",
    ),
}
DEFAULT_PROFILES = ("tensors", "numpy", "collections")

# Whole modules whose import from a pickle means code or command execution.
DANGEROUS_MODULES = frozenset(
    {
        "numpy.distutils",
        "numpy.f2py",
        "numpy.ctypeslib",
        "numpy.testing",
        "numpy._pytesttester",
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
        "_ctypes",
        "marshal",
        "types",
        "pickle",
        "_pickle",
        "cPickle",
        "pickletools",
        "dill",
        "cloudpickle",
        "joblib.externals",
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
        "imaplib",
        "poplib",
        "nntplib",
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
        "pydoc",
        "doctest",
        "pkgutil",
        "zipimport",
        "logging.config",
        "_posixsubprocess",
        "_winapi",
        "msvcrt",
        "winreg",
        "operator",
        "functools",
        "torch.package",
        "torch.utils.cpp_extension",
        "torch.fx",
        "torch._dynamo",
        "torch._inductor",
        "torch.distributed",
        "torch.multiprocessing",
        "torch.hub",
        "torch._ops",
        "torch.testing",
        "torch.utils.collect_env",
        "torch.utils.benchmark",
        "torch.compiler",
        "pandas.io",
        "pandas.core.computation",
        "pandas.testing",
        "pandas._testing",
        "pandas.util._tester",
        "sklearn.datasets",
        "sklearn.externals",
        "sklearn.utils._testing",
        "scipy.weave",
        "numpy.lib.npyio",
        "numpy.lib.format",
        "numpy.lib._npyio_impl",
        "numpy.lib._datasource",
        "numpy.core.memmap",
        "numpy._core.memmap",
    }
)
DANGEROUS_GLOBALS = frozenset(
    {
        "torch.load",
        "torch.save",
        "torch.jit.load",
        "torch.jit.save",
        "torch.jit.CompilationUnit",
        "torch.jit._script.CompilationUnit",
        "torch.serialization.load",
        "torch.serialization.save",
        "torch.classes.load_library",
        "torch.utils.data.DataLoader",
        "numpy.load",
        "numpy.save",
        "numpy.savez",
        "numpy.savez_compressed",
        "numpy.savetxt",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "numpy.memmap",
        "numpy.DataSource",
        "numpy.testing._private.utils.runstring",
        "numpy._core.fromnumeric._wrapfunc",
        "numpy.core.fromnumeric._wrapfunc",
        "numpy._core.fromnumeric._wrapit",
        "numpy.core.fromnumeric._wrapit",
        "numpy.lib.utils.safe_eval",
        "joblib.load",
        "joblib.dump",
        "joblib.numpy_pickle.load",
        "joblib.numpy_pickle.dump",
        "pandas.read_pickle",
        "pandas.to_pickle",
        "pandas.read_csv",
        "pandas.read_table",
        "pandas.read_json",
        "pandas.read_hdf",
        "pandas.read_sql",
        "pandas.read_parquet",
        "pandas.read_excel",
        "pandas.eval",
        "pandas.HDFStore",
        "pandas.ExcelWriter",
        "yaml.load",
        "yaml.unsafe_load",
        "yaml.full_load",
        "torch._C._jit_set_profiling_executor",
        "torch._C.CompilationUnit",
        "torch._C.import_ir_module",
        "torch._C.import_ir_module_from_buffer",
        "torch._C._load_for_lite_interpreter",
        "torch._C._load_for_lite_interpreter_from_buffer",
        "logging.config.dictConfig",
        "logging.config.fileConfig",
        "logging.config.listen",
        "uuid._get_command_stdout",
        "uuid._popen",
        "keras.models.load_model",
        "keras.saving.load_model",
        "sklearn.utils._joblib.load",
    }
)
# Reconstructors that load a whole nested file from bytes inside the pickle (not analysed).
NESTED_LOADERS = {
    "torch.storage._load_from_bytes": (
        "rebuilds a storage with torch.load of bytes embedded in the pickle (a nested "
        "torch.save file, not analysed here)"
    ),
}
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
    n
    for p in ("collections", "tensors")
    for n in PROFILES[p]
    if n.startswith(("builtins.", "pathlib.", "torch.serialization."))
)
# Well-known ML libraries: their classes (and pickle reconstructors) are what a model
# pickle is made of. Top-level package -> name shown in findings.
ML_LIBRARIES = {
    "sklearn": "scikit-learn",
    "pandas": "pandas",
    "numpy": "numpy",
    "scipy": "scipy",
    "torch": "PyTorch",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
    "torchtext": "torchtext",
    "__torch__": "TorchScript",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "_catboost": "catboost",
    "joblib": "joblib",
    "transformers": "transformers",
    "tokenizers": "tokenizers",
    "timm": "timm",
    "lightning": "Lightning",
    "pytorch_lightning": "Lightning",
    "lightning_fabric": "Lightning",
    "statsmodels": "statsmodels",
    "imblearn": "imbalanced-learn",
    "category_encoders": "category_encoders",
    "umap": "umap-learn",
    "pynndescent": "pynndescent",
    "hdbscan": "hdbscan",
    "gensim": "gensim",
    "spacy": "spaCy",
    "thinc": "thinc",
    "sentence_transformers": "sentence-transformers",
    "peft": "peft",
    "accelerate": "accelerate",
    "optuna": "optuna",
}
# Lower-case functions that only rebuild data (library pickle reconstructors).
_RECONSTRUCTOR = re.compile(
    r"^(_+new_\w*|_*unpickle\w*|__pyx_unpickle_\w+|_+reconstruct\w*|_rebuild\w*|"
    r"\w*_ctor|\w*_unpickle|newObj|_load_from_state\w*|_frombuffer|scalar|"
    r"build_\w+|restore_type_tag|_restore_\w+|_from_state|_create_\w+_from_state)$"
)
_CLASS_PART = re.compile(r"^_*[A-Z][A-Za-z0-9_]*$")
_IDENT_PATH = re.compile(r"^[^\W\d]\w*(\.[^\W\d]\w*)*$")
_STDLIB = frozenset(sys.stdlib_module_names)


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


@dataclass(frozen=True)
class Verdict:
    """``severity`` of a global's use; ``library`` is set for the well-known-library tier."""

    severity: Severity
    reason: str
    library: str = ""
    group: bool = False  # reported with the member's other such classes, in one finding


def is_importable(module: str) -> bool:
    """Whether ``__import__`` could find a module of this name (dotted identifiers)."""
    return bool(_IDENT_PATH.match(module))


def _denied_module(module: str) -> str | None:
    parts = module.split(".")
    for i in range(len(parts)):
        prefix = ".".join(parts[: i + 1])
        if prefix in DANGEROUS_MODULES:
            return prefix
    return None


def _suspicious_path(full: str) -> str:
    parts = full.split(".")
    for part in parts[1:]:
        if part in _DANGEROUS_PARTS:
            return f"the dotted path walks through '{part}'"
        if part.startswith("__") and part.endswith("__"):
            return f"the dotted path uses the special attribute '{part}'"
    return ""


def _dotted(module: str, name: str) -> str:
    """Why a dotted ``name`` (an attribute path walked at load time) is not a nested class."""
    parts = name.split(".")
    if all(_CLASS_PART.match(p) for p in parts):
        return ""
    return (
        f"the name '{name}' is an attribute path walked from module '{module}' at load time "
        "(it can reach any object, e.g. a module's imports)"
    )


def _library(module: str) -> str:
    return ML_LIBRARIES.get(module.split(".")[0], "")


def classify(module: str, name: str, allow: AllowList, use: str = "import") -> Verdict | None:
    """``None`` when the global is allowed, else its verdict.

    ``use`` says what the unpickler does with it: ``import`` (only referenced), ``new``
    (``NEWOBJ``: the class's ``__new__``/``__setstate__`` run) or ``call`` (called with
    arguments from the file). Known-dangerous modules stay errors even when a policy allows
    them by name; only the harmless constructors of :data:`SAFE_IN_DANGEROUS` can be.
    """
    full = f"{module}.{name}"
    denied = _denied_module(module)
    if denied is not None:
        if full in SAFE_IN_DANGEROUS and full in allow.exact:
            return None
        return Verdict(Severity.ERROR, f"module '{denied}' can run code or commands")
    if full in DANGEROUS_GLOBALS:
        return Verdict(Severity.ERROR, "known code-execution gadget")
    if full in NESTED_LOADERS:
        return Verdict(Severity.WARNING, NESTED_LOADERS[full])
    if full in allow.exact:
        return None
    suspicious = _suspicious_path(full)
    if suspicious:
        return Verdict(Severity.ERROR, suspicious)
    if "." in name:
        dotted = _dotted(module, name)
        if dotted:
            return Verdict(Severity.ERROR, dotted)
    elif any(fnmatchcase(full, p) for p in allow.patterns):
        return None
    return _tier(module, name, use)


def _tier(module: str, name: str, use: str) -> Verdict:
    last = name.rsplit(".", 1)[-1]
    is_class = bool(_CLASS_PART.match(last))
    library = _library(module)
    root = module.split(".")[0]
    # NEWOBJ only accepts a type: whatever its spelling (scipy's csr_matrix), it is a class
    if library and (use in ("import", "new") or is_class or _RECONSTRUCTOR.match(last)):
        return Verdict(Severity.NOTE, f"a {library} class or reconstructor", library)
    if use == "call":
        where = "the standard library" if root in _STDLIB else f"module '{module}'"
        return Verdict(
            Severity.ERROR,
            f"called when the file is loaded, with arguments from the file; a callable of "
            f"{where} that is neither a data-only constructor nor a known ML library class",
        )
    if use == "new":
        return Verdict(
            Severity.ERROR,
            "instantiated when the file is loaded: its __new__ and __setstate__ run with "
            "state from the file; not a data-only class nor one of a known ML library "
            "(allow your own classes with params.allow)",
            group=root not in _STDLIB and is_class,
        )
    return Verdict(Severity.WARNING, "outside the allow-list and the known ML libraries")
