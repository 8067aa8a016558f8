"""Benign model files shaped the way the libraries write them, built by hand.

The opcode sequences follow what ``pickle``/``joblib``/``torch.save`` emit for these
objects (NEWOBJ + BUILD of the estimator, ``_reconstruct`` + BUILD for arrays, the
libraries' own reconstructors); none of the libraries is needed to build them. Each must
come out as a note (pickle format) or clean, never a warning.
"""

from __future__ import annotations

import bz2
import gzip
import json
import struct

from artifact_corpus import (
    APPENDS,
    BUILD,
    DENSE_LAYER,
    EMPTY_DICT,
    EMPTY_LIST,
    EMPTY_TUPLE,
    MARK,
    NEWFALSE,
    NEWOBJ,
    NEWTRUE,
    NONE,
    PROTO2,
    PROTO4,
    REDUCE,
    SETITEMS,
    STOP,
    TUPLE1,
    TUPLE2,
    Case,
    call,
    i,
    joblib_array,
    npy_header,
    safetensors_file,
    sg,
    state_dict_pickle,
    su,
    zip_bytes,
)

PROTO5 = b"\x80\x05"


def b(data: bytes) -> bytes:
    """SHORT_BINBYTES / BINBYTES."""
    if len(data) < 256:
        return b"C" + bytes([len(data)]) + data
    return b"B" + struct.pack("<I", len(data)) + data


def f64(x: float) -> bytes:
    return b"G" + struct.pack(">d", x)


def dtype(code: str, byteorder: str = "<") -> bytes:
    state = MARK + i(3) + su(byteorder) + NONE + NONE + NONE + i(-1) + i(-1) + i(0) + b"t"
    return call(sg("numpy", "dtype"), su(code), NEWFALSE, NEWTRUE) + state + BUILD


def ndarray(code: str, shape: tuple[int, ...], raw: bytes) -> bytes:
    """numpy.ndarray as pickle writes it: _reconstruct + BUILD (version, shape, dtype, ...)."""
    head = call(
        sg("numpy.core.multiarray", "_reconstruct"), sg("numpy", "ndarray"), i(0) + TUPLE1, b(b"b")
    )
    dims = MARK + b"".join(i(d) for d in shape) + b"t"
    state = MARK + i(1) + dims + dtype(code) + NEWFALSE + b(raw) + b"t"
    return head + state + BUILD


def obj(module: str, name: str, state: dict[str, bytes]) -> bytes:
    """copyreg.__newobj__ as protocol 2+ writes it: NEWOBJ of the class, BUILD of __dict__."""
    items = b"".join(su(k) + v for k, v in state.items())
    return sg(module, name) + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT + MARK + items + SETITEMS + BUILD


def sklearn_logistic(array: bytes | None = None) -> bytes:
    coef = array if array is not None else ndarray("f8", (1, 4), b"\0" * 32)
    return obj(
        "sklearn.linear_model._logistic",
        "LogisticRegression",
        {
            "penalty": su("l2"),
            "C": f64(1.0),
            "max_iter": i(100),
            "classes_": ndarray("i8", (2,), struct.pack("<2q", 0, 1)),
            "coef_": coef,
            "intercept_": ndarray("f8", (1,), b"\0" * 8),
            "_sklearn_version": su("1.5.2"),
        },
    )


def sklearn_joblib() -> bytes:
    """joblib.dump(LogisticRegression): arrays as inline NumpyArrayWrapper data."""
    coef = joblib_array(32, b"\0" * 32)
    return PROTO4 + sklearn_logistic(coef) + STOP


def tree_nodes() -> bytes:
    """The structured dtype of sklearn's Tree.nodes (V64 with named fields)."""
    names = ("left_child", "right_child", "feature", "threshold", "impurity")
    codes = ("i8", "i8", "i8", "f8", "f8")
    fields = EMPTY_DICT + MARK
    for n, (name, code) in enumerate(zip(names, codes, strict=True)):
        fields += su(name) + dtype(code) + i(8 * n) + TUPLE2
    fields += SETITEMS
    state = MARK + i(3) + su("|") + NONE + MARK + b"".join(su(n) for n in names) + b"t"
    state += fields + i(40) + i(8) + i(16) + b"t"
    node_dtype = call(sg("numpy", "dtype"), su("V40"), NEWFALSE, NEWTRUE) + state + BUILD
    head = call(
        sg("numpy.core.multiarray", "_reconstruct"), sg("numpy", "ndarray"), i(0) + TUPLE1, b(b"b")
    )
    return (
        head
        + MARK
        + i(1)
        + MARK
        + i(1)
        + b"t"
        + node_dtype
        + NEWFALSE
        + b(b"\0" * 40)
        + b"t"
        + BUILD
    )


def sklearn_pipeline() -> bytes:
    """pickle.dump(Pipeline([StandardScaler(), DecisionTreeClassifier()]))."""
    tree = call(
        sg("sklearn.tree._tree", "Tree"), i(4), ndarray("i8", (1,), struct.pack("<q", 2)), i(1)
    )
    tree += EMPTY_DICT + MARK + su("max_depth") + i(1) + su("node_count") + i(1)
    tree += su("nodes") + tree_nodes() + su("values") + ndarray("f8", (1, 1, 2), b"\0" * 16)
    tree += SETITEMS + BUILD
    clf = obj("sklearn.tree._classes", "DecisionTreeClassifier", {"tree_": tree})
    scaler = obj(
        "sklearn.preprocessing._data", "StandardScaler", {"mean_": ndarray("f8", (4,), b"\0" * 32)}
    )
    steps = EMPTY_LIST + MARK + su("scale") + scaler + TUPLE2 + su("clf") + clf + TUPLE2 + APPENDS
    return PROTO5 + obj("sklearn.pipeline", "Pipeline", {"steps": steps, "memory": NONE}) + STOP


def pandas_frame() -> bytes:
    """pd.DataFrame({'a': [1.0, 2.0]}).to_pickle() (pandas 2.x layout)."""
    index = call(
        sg("pandas.core.indexes.base", "_new_Index"),
        sg("pandas.core.indexes.range", "RangeIndex"),
        EMPTY_DICT
        + MARK
        + su("name")
        + NONE
        + su("start")
        + i(0)
        + su("stop")
        + i(2)
        + su("step")
        + i(1)
        + SETITEMS,
    )
    columns = call(
        sg("pandas.core.indexes.base", "_new_Index"),
        sg("pandas.core.indexes.base", "Index"),
        EMPTY_DICT + MARK + su("data") + ndarray("O8", (1,), b"") + su("name") + NONE + SETITEMS,
    )
    block = call(
        sg("pandas._libs.internals", "_unpickle_block"),
        ndarray("f8", (1, 2), b"\0" * 16),
        call(sg("builtins", "slice"), i(0), i(1), i(1)),
        i(2),
    )
    mgr = sg("pandas.core.internals.managers", "BlockManager") + EMPTY_TUPLE + NEWOBJ
    mgr += MARK + EMPTY_LIST + MARK + columns + index + APPENDS + EMPTY_LIST + MARK + block
    mgr += APPENDS + EMPTY_DICT + b"t" + BUILD
    frame = obj(
        "pandas.core.frame",
        "DataFrame",
        {"_mgr": mgr, "_typ": su("dataframe"), "_metadata": EMPTY_LIST, "attrs": EMPTY_DICT},
    )
    return PROTO5 + frame + STOP


def numpy_rng() -> bytes:
    """pickle.dump(np.random.RandomState(0)) (numpy 1.2x/2.x)."""
    bitgen = sg("numpy.random._pickle", "__bit_generator_ctor")
    rng = call(sg("numpy.random._pickle", "__randomstate_ctor"), su("MT19937"), bitgen)
    state = EMPTY_DICT + MARK + su("bit_generator") + su("MT19937") + su("state")
    state += EMPTY_DICT + MARK + su("key") + ndarray("u4", (4,), b"\0" * 16) + su("pos") + i(4)
    state += SETITEMS + su("has_gauss") + i(0) + su("gauss") + f64(0.0) + SETITEMS
    generator = call(
        sg("numpy.random._pickle", "__generator_ctor"),
        su("PCG64"),
        sg("numpy.random._pickle", "__bit_generator_ctor"),
    )
    return PROTO4 + EMPTY_LIST + MARK + rng + state + BUILD + generator + APPENDS + STOP


def torch_full_model() -> bytes:
    """torch.save(nn.Sequential(nn.Linear(2, 3), nn.ReLU())) - the whole module pickled."""
    tensor = state_dict_pickle()[2:-1]  # OrderedDict([('weight', tensor)])

    def module(name: str, cls: str, params: bytes, children: bytes) -> bytes:
        od = sg("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
        return obj(
            f"torch.nn.modules.{name}",
            cls,
            {
                "training": NEWTRUE,
                "_parameters": params,
                "_buffers": od,
                "_modules": children,
                "_forward_hooks": od,
            },
        )

    od = sg("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    linear = module("linear", "Linear", tensor, od)
    relu = module("activation", "ReLU", od, od)
    children = od + MARK + su("0") + linear + su("1") + relu + SETITEMS
    return PROTO2 + module("container", "Sequential", od, children) + STOP


def torch_zip(data_pkl: bytes, name: str = "archive") -> bytes:
    return zip_bytes(
        {
            f"{name}/data.pkl": data_pkl,
            f"{name}/byteorder": b"little",
            f"{name}/data/0": struct.pack("<6f", *range(6)),
            f"{name}/version": b"3\n",
            f"{name}/.data/serialization_id": b"1234567890",
        }
    )


def torchscript() -> bytes:
    """torch.jit.save: data.pkl of __torch__ classes, constants.pkl, TorchScript code."""
    data = PROTO2 + sg("__torch__", "Net") + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT
    data += MARK + su("training") + NEWTRUE + SETITEMS + BUILD + STOP
    return zip_bytes(
        {
            "net/data.pkl": data,
            "net/constants.pkl": PROTO2 + EMPTY_TUPLE + STOP,
            "net/code/__torch__.py": b"class Net(Module):\n  __parameters__ = []\n",
            "net/code/__torch__.py.debug_pkl": PROTO2 + EMPTY_TUPLE + STOP,
            "net/version": b"6\n",
            "net/data/0": b"\0" * 16,
        }
    )


def boosted(module: str, cls: str, booster_module: str, booster: str, key: str) -> bytes:
    handle = call(sg("builtins", "bytearray"), b(b"binf" + b"\0" * 60))
    inner = obj(booster_module, booster, {key: handle})
    return PROTO4 + obj(module, cls, {"n_estimators": i(10), "_Booster": inner}) + STOP


def catboost_model() -> bytes:
    state = {"_init_params": EMPTY_DICT, "__model": b(b"CBM1" + b"\0" * 40)}
    return PROTO4 + obj("catboost.core", "CatBoostClassifier", state) + STOP


def scipy_csr() -> bytes:
    """pickle.dump(scipy.sparse.csr_matrix(...)): a lower-case class, NEWOBJ + BUILD."""
    state = {
        "_shape": i(2) + i(2) + TUPLE2,
        "maxprint": i(50),
        "indices": ndarray("i4", (1,), b"\0" * 4),
        "indptr": ndarray("i4", (3,), b"\0" * 12),
        "data": ndarray("f8", (1,), b"\0" * 8),
    }
    return PROTO2 + obj("scipy.sparse._csr", "csr_matrix", state) + STOP


def keras_dir(layers: list[dict[str, object]]) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    config = {"module": "keras", "class_name": "Sequential", "config": {"layers": layers}}
    return json.dumps(config).encode(), (
        ("dense.keras/metadata.json", b'{"keras_version": "3.6.0"}'),
        ("dense.keras/model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 56),
    )


def sentencepiece() -> bytes:
    piece = b"\x0a\x05\xe2\x96\x81the\x15\x00\x00\x80\xbf"
    return b"\x0a" + bytes([len(piece)]) + piece + b"\x12\x04\x08\x01\x10\x02"


def npz_floats() -> bytes:
    return zip_bytes({f"arr_{n}.npy": npy_header("<f4", (4,)) + b"\0" * 16 for n in range(3)})


def benign() -> list[Case]:
    keras_config, keras_extra = keras_dir([DENSE_LAYER])
    return [
        Case("sklearn LogisticRegression (joblib)", "clf.joblib", sklearn_joblib(), note_only=True),
        Case(
            "sklearn Pipeline with a tree (pickle)", "pipe.pkl", sklearn_pipeline(), note_only=True
        ),
        Case(
            "sklearn joblib, bz2", "clf.joblib.bz2", bz2.compress(sklearn_joblib()), note_only=True
        ),
        Case(
            "sklearn joblib, gzip",
            "clf.joblib.gz",
            gzip.compress(sklearn_joblib(), mtime=0),
            note_only=True,
        ),
        Case("pandas DataFrame", "frame.pkl", pandas_frame(), note_only=True),
        Case("numpy RNG state", "rng.pkl", numpy_rng(), note_only=True),
        Case(
            "torch.save(model), full module",
            "model.pt",
            torch_zip(torch_full_model()),
            note_only=True,
        ),
        Case("TorchScript archive", "net.pt", torchscript(), note_only=True),
        Case(
            "legacy torch state_dict",
            "old.pth",
            PROTO2
            + b"\x8a\x0a"
            + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
            + STOP
            + PROTO2
            + b"M"
            + struct.pack("<H", 1001)
            + STOP
            + PROTO2
            + EMPTY_DICT
            + STOP
            + state_dict_pickle()
            + PROTO2
            + EMPTY_LIST
            + MARK
            + su("0")
            + APPENDS
            + STOP
            + struct.pack("<q", 6)
            + b"\0" * 24,
            note_only=True,
        ),
        Case(
            "xgboost XGBClassifier",
            "xgb.pkl",
            boosted("xgboost.sklearn", "XGBClassifier", "xgboost.core", "Booster", "handle"),
            note_only=True,
        ),
        Case(
            "lightgbm LGBMClassifier",
            "lgbm.pkl",
            boosted("lightgbm.sklearn", "LGBMClassifier", "lightgbm.basic", "Booster", "_handle"),
            note_only=True,
        ),
        Case("catboost CatBoostClassifier", "cb.pkl", catboost_model(), note_only=True),
        Case("scipy csr_matrix, protocol 2", "features.pkl", scipy_csr(), note_only=True),
        Case(
            "Keras v3 model directory, Dense",
            "dense.keras/config.json",
            keras_config,
            extra=keras_extra,
        ),
        Case("sentencepiece tokenizer.model", "tokenizer.model", sentencepiece()),
        Case(
            "Hugging Face config.json",
            "config.json",
            json.dumps({"architectures": ["BertModel"], "hidden_size": 768}).encode(),
        ),
        Case(
            "raw float weights .bin",
            "vectors.bin",
            struct.pack("<8f", *range(8)) * 64,
            note_only=True,
        ),
        Case("numpy.savez of floats", "arrays.npz", npz_floats()),
        Case("gzip CSV", "data.csv.gz", gzip.compress(b"a,b\n1,2\n" * 100, mtime=0)),
        Case("safetensors in a .bin", "model.bin", safetensors_file()),
        Case("site .pth path file", "paths.pth", b"../src\n"),
        Case(
            "OrderedDict, protocol 0",
            "od.pkl",
            b"ccollections\nOrderedDict\np0\n((lp1\ntp2\nRp3\n.",
            note_only=True,
        ),
    ]
