"""SEC002: model files are analysed by content, without ever being loaded.

Every malicious artifact is built from raw opcodes at test time (tests/artifact_corpus.py);
each would create a canary file if anything unpickled it.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from artifact_corpus import (
    APPENDS,
    EMPTY_DICT,
    EMPTY_LIST,
    EMPTY_TUPLE,
    LAMBDA_LAYER,
    MARK,
    NEWOBJ,
    PROTO2,
    REDUCE,
    SETITEM,
    STOP,
    Case,
    benign_cases,
    g,
    malicious_cases,
    npy_header,
    os_system,
    s,
    sg,
    state_dict_pickle,
    tar_gz,
    torch_zip,
    write_corpus,
    zip_bytes,
)
from conftest import make_repo, scan_json, status_of

CANARY = "/nonexistent-mlguard-canary"
MALICIOUS = malicious_cases(CANARY)
BENIGN = benign_cases()


def sec002(cli: Any, root: Path, *extra: str) -> tuple[str, list[dict[str, Any]]]:
    _, report = scan_json(cli, root, "--select", "SEC002", *extra)
    findings = [f for f in report["findings"] if f["rule_id"] == "SEC002"]
    return status_of(report, "SEC002"), findings


def scan_with_params(cli: Any, tmp_path: Path, root: Path, params: dict[str, Any]) -> Any:
    config = tmp_path / "mlguard.yaml"
    config.write_text(json.dumps({"rules": {"configure": {"SEC002": {"params": params}}}}))
    result = cli(["scan", root, "--format", "json", "--select", "SEC002", "--config", config])
    assert result.code in (0, 1), result.err
    report = result.json()
    return status_of(report, "SEC002"), report["findings"]


@pytest.mark.parametrize("case", MALICIOUS, ids=lambda c: c.name)
def test_malicious_artifact_is_caught(cli, tmp_path: Path, case: Case) -> None:
    repo = make_repo(tmp_path / "r", dict(case.files))
    status, findings = sec002(cli, repo)
    assert status == "fail"
    messages = " | ".join(f["message"] for f in findings)
    for expected in case.expect:
        assert expected in messages, messages
    assert {f["path"] for f in findings} == {case.path}
    assert "error" in {f["severity"] for f in findings}, findings


@pytest.mark.parametrize("case", BENIGN, ids=lambda c: c.name)
def test_benign_artifact_is_not_flagged(cli, tmp_path: Path, case: Case) -> None:
    repo = make_repo(tmp_path / "r", dict(case.files))
    status, findings = sec002(cli, repo)
    if case.note_only:
        # Pickle-format files of known libraries, or a .bin that is no pickle: one note,
        # which informs and breaks nothing: the rule passes
        assert status == "pass"
        assert [(f["severity"], f["path"]) for f in findings] == [("note", case.path)]
        message = findings[0]["message"]
        assert "prefer .safetensors" in message or "not a recognised model format" in message
    else:
        assert (status, findings) == ("pass", [])


def test_scanning_never_executes_a_payload(cli, tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    repo = tmp_path / "r"
    cases = malicious_cases(str(canary))
    files = {f"{n:02d}/{rel}": data for n, c in enumerate(cases) for rel, data in c.files.items()}
    make_repo(repo, files)
    out = tmp_path / "out"
    args = ["scan", repo, "--select", "SEC002", "--no-config", "--format", "text"]
    args += ["--format", f"json:{out}.json", "--format", f"sarif:{out}.sarif"]
    result = cli(args)
    assert result.code == 1, result.err
    assert not canary.exists()
    sarif = json.loads(Path(f"{out}.sarif").read_text())
    flagged = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        if r["level"] == "error"
    }
    assert flagged == {f"{n:02d}/{c.path}" for n, c in enumerate(cases)}
    assert not canary.exists()


def test_written_corpus_matches_the_cases(tmp_path: Path) -> None:
    pairs = write_corpus(tmp_path, str(tmp_path / "CANARY"))
    assert len(pairs) == len(MALICIOUS) + len(BENIGN)
    assert all(p.read_bytes() == c.data for c, p in pairs)


def sklearn_model() -> bytes:
    cls = g("sklearn.linear_model._logistic", "LogisticRegression")
    return PROTO2 + cls + EMPTY_TUPLE + NEWOBJ + STOP


def custom_class_model() -> bytes:
    cls = g("mymodels.linear", "TinyRegressor")
    return PROTO2 + cls + EMPTY_TUPLE + NEWOBJ + STOP


def test_ml_library_classes_are_notes_and_unknown_classes_errors(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"clf.pkl": sklearn_model(), "mine.pkl": custom_class_model()})
    status, findings = sec002(cli, repo)
    assert status == "fail"
    by_path = {f["path"]: f for f in findings}
    assert by_path["clf.pkl"]["severity"] == "note"
    assert "classes of well-known ML libraries (scikit-learn)" in by_path["clf.pkl"]["message"]
    assert by_path["mine.pkl"]["severity"] == "error"
    assert "instantiates mymodels.linear.TinyRegressor" in by_path["mine.pkl"]["message"]
    assert "allow your own classes with params.allow" in by_path["mine.pkl"]["message"]
    allow = {"allow": ["mymodels.*"]}
    status, findings = scan_with_params(cli, tmp_path, repo, allow)
    assert [f["severity"] for f in findings] == ["note", "note"]


def test_dangerous_globals_cannot_be_allowed(cli, tmp_path: Path) -> None:
    wrapfunc = next(c.data for c in MALICIOUS if "_wrapfunc" in c.name)
    repo = make_repo(tmp_path / "r", {"m.pkl": os_system(CANARY), "w.pkl": wrapfunc})
    params = {"allow": ["os.system", "os.*", "numpy.*"], "profiles": ["sklearn", "collections"]}
    _status, findings = scan_with_params(cli, tmp_path, repo, params)
    assert [(f["path"], f["severity"], f["message"].split(" (")[0]) for f in findings] == [
        ("m.pkl", "error", "pickle: imports os.system"),
        ("w.pkl", "error", "pickle: imports numpy._core.fromnumeric._wrapfunc"),
    ]


def test_invalid_params_are_reported_not_passed(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"m.pkl": os_system(CANARY)})
    config = tmp_path / "mlguard.yaml"
    for params, reason in [
        ({"profiles": ["nope"]}, "unknown profile(s) ['nope']"),
        ({"allow": "os.system"}, "allow must be a list"),
        ({"max_bytes": -1}, "max_bytes must be a non-negative integer"),
        ({"max_seconds": "1"}, "max_seconds must be a non-negative integer"),
    ]:
        config.write_text(json.dumps({"rules": {"configure": {"SEC002": {"params": params}}}}))
        args = ["scan", repo, "--format", "json", "--select", "SEC002", "--config", config]
        rule = cli(args).json()["rules"][0]
        assert rule["status"] == "not-checked"
        assert rule["reason"].startswith("invalid SEC002 params: ")
        assert reason in rule["reason"]


def test_file_beyond_the_budget_is_unscannable(cli, tmp_path: Path) -> None:
    big = PROTO2 + EMPTY_LIST + MARK + s("x" * 5000) * 20 + APPENDS + STOP
    repo = make_repo(tmp_path / "r", {"big.pkl": big})
    status, findings = scan_with_params(cli, tmp_path, repo, {"max_bytes": 4096})
    assert status == "fail"
    assert [f["severity"] for f in findings] == ["warning"]
    assert "unscannable: larger than the 4096 byte analysis budget" in findings[0]["message"]


def test_zip_bomb_stops_at_the_budget(cli, tmp_path: Path) -> None:
    bomb = PROTO2 + b"(" + b"N0" * (8 * 1024 * 1024) + b"0" + b"N" + STOP
    repo = make_repo(tmp_path / "r", {"model.pt": torch_zip_deflated(bomb)})
    assert len((repo / "model.pt").read_bytes()) < 200_000
    status, findings = scan_with_params(cli, tmp_path, repo, {"max_bytes": 1 << 20})
    assert status == "fail"
    assert any("unscannable: larger than" in f["message"] for f in findings), findings


def torch_zip_deflated(data_pkl: bytes) -> bytes:
    return zip_bytes({"archive/data.pkl": data_pkl, "archive/version": b"3\n"}, stored=False)


def test_archives_nested_too_deep_are_unscannable(cli, tmp_path: Path) -> None:
    inner = zip_bytes({"model.pkl": os_system(CANARY)})
    for _ in range(2):  # bundle.zip > inner.zip > inner.zip > model.pkl: depth 3
        inner = zip_bytes({"inner.zip": inner})
    repo = make_repo(tmp_path / "r", {"bundle.zip": inner})
    status, findings = scan_with_params(cli, tmp_path, repo, {"max_depth": 2})
    assert status == "fail"
    assert any("nested deeper than 2 levels" in f["message"] for f in findings), findings
    status, findings = sec002(cli, repo, "--fail-on", "never")
    assert any("os.system" in f["message"] for f in findings)


def test_truncated_pickle_is_unscannable_not_passed(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"m.pkl": state_dict_pickle()[:-7]})
    status, findings = sec002(cli, repo)
    assert status == "fail"
    assert any(f["message"].startswith("pickle: unscannable: ") for f in findings), findings


def test_malformed_safetensors_is_reported(cli, tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}).encode()
    data = struct.pack("<Q", len(header)) + header + b"\0" * 8
    lying = struct.pack("<Q", 1 << 40) + b"{}"
    repo = make_repo(tmp_path / "r", {"a.safetensors": data, "b.safetensors": lying})
    status, findings = sec002(cli, repo)
    assert status == "fail"
    by_path = {f["path"]: f["message"] for f in findings}
    assert "8 bytes for dtype F32 shape [4]" in by_path["a.safetensors"]
    assert "header length" in by_path["b.safetensors"] or "no known" in by_path["b.safetensors"]


def test_model_named_files_of_unknown_content(cli, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "weights.pt": b"\x01\x02garbage" * 10,
        "tokenizer.model": b"\x0a\x05hello" * 10,
        "ckpt/pytorch_model.bin": b"\x00" * 64,
        "notes.bin": "plain text, not weights\n",
        "big.pt": f"version https://git-lfs.github.com/spec/v1\noid sha256:{'ab' * 32}\nsize 12\n",
        "fake-lfs.pt": "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n",
    }
    repo = make_repo(tmp_path / "r", files)
    _status, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"]) for f in findings] == [
        ("ckpt/pytorch_model.bin", "note"),
        ("fake-lfs.pt", "warning"),
        ("weights.pt", "warning"),
    ]
    assert (
        "not loadable as a pickle (the unpickler stops at byte 0: invalid opcode"
        in (findings[0]["message"])
    )
    assert "matches no known model format" in findings[2]["message"]


def test_compressed_joblib_payload_beside_a_torch_zip_in_a_bundle(cli, tmp_path: Path) -> None:
    joblib_like = zlib.compress(os_system(CANARY))
    outer = zip_bytes({"archive/data.pkl": state_dict_pickle(), "archive/extra.pkl.z": b""})
    bundle = zip_bytes({"a/model.pt": outer, "a/aux.joblib": joblib_like})
    repo = make_repo(tmp_path / "r", {"bundle.zip": bundle})
    status, findings = sec002(cli, repo)
    assert status == "fail"
    assert [f["message"] for f in findings if f["severity"] == "error"] == [
        "zip archive (member a/aux.joblib): imports os.system (module 'os' can run code or "
        "commands)"
    ]


def test_torch_zip_with_benign_weights_is_only_a_note(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"m.pt": torch_zip(state_dict_pickle())})
    _, findings = sec002(cli, repo)
    assert [f["severity"] for f in findings] == ["note"]
    assert findings[0]["message"].startswith("PyTorch zip checkpoint in a code-executing")


def test_extension_and_reduce_of_computed_callables(cli, tmp_path: Path) -> None:
    ext = PROTO2 + b"\x82\x07" + EMPTY_TUPLE + REDUCE + STOP
    repo = make_repo(tmp_path / "r", {"ext.pkl": ext})
    _, findings = sec002(cli, repo)
    assert ["extension code 7" in f["message"] for f in findings] == [True]


def test_damaged_artifacts_never_crash_the_check(cli, tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    files: dict[str, str | bytes] = {}
    for n, case in enumerate(malicious_cases(str(canary)) + benign_cases()):
        data = case.data
        for cut in (len(data) // 3, 2 * len(data) // 3, len(data) - 1):
            files[f"{n:02d}/cut{cut}-{case.path}"] = data[:cut]
        middle = len(data) // 2
        files[f"{n:02d}/flip-{case.path}"] = (
            data[:middle] + bytes([data[middle] ^ 0x5A]) + data[middle + 1 :]
        )
    repo = make_repo(tmp_path / "r", files)
    status, findings = sec002(cli, repo, "--fail-on", "never")
    assert status == "fail"
    assert not canary.exists()
    unscannable = [f for f in findings if "unscannable: " in f["message"]]
    assert unscannable, "damaged pickles must be reported as unscannable"


def test_python2_names_are_renamed_like_the_unpickler_does(cli, tmp_path: Path) -> None:
    benign = PROTO2 + g("__builtin__", "set") + EMPTY_TUPLE + REDUCE + STOP
    evil = PROTO2 + g("__builtin__", "eval") + s("1") + b"\x85" + REDUCE + STOP
    protocol3 = b"\x80\x03" + g("__builtin__", "set") + EMPTY_TUPLE + REDUCE + STOP
    files: dict[str, str | bytes] = {"a.pkl": benign, "b.pkl": evil, "c.pkl": protocol3}
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"], f["message"].split(" (")[0]) for f in findings] == [
        ("a.pkl", "note", "pickle in a code-executing"),
        ("b.pkl", "error", "pickle: imports builtins.eval"),
        ("c.pkl", "error", "pickle: imports __builtin__.set"),
    ]


def test_zip64_local_headers_are_not_suspicious(cli, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("a.npy", "b.npy"):  # how numpy.savez writes members
            with zf.open(name, "w", force_zip64=True) as member:
                member.write(npy_header("<f8", (2,)) + b"\0" * 16)
    repo = make_repo(tmp_path / "r", {"arrays.npz": buf.getvalue()})
    assert sec002(cli, repo) == ("pass", [])


def test_huge_byte_arguments_are_stepped_over_not_read(cli, tmp_path: Path) -> None:
    blob = b"\x8e" + struct.pack("<Q", 10 << 20) + b"\0" * (10 << 20)  # BINBYTES8, 10 MiB
    payload = blob + b"0" + os_system(CANARY)[2:]  # POP, then the os.system call
    truncated = b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"\0" * 64
    repo = make_repo(tmp_path / "r", {"big.pkl": b"\x80\x04" + payload, "cut.pkl": truncated})
    _, findings = scan_with_params(cli, tmp_path, repo, {"max_bytes": 1 << 20})
    assert [(f["path"], f["severity"], f["message"][:40]) for f in findings] == [
        ("big.pkl", "error", "pickle: imports os.system (module 'os' c"),
        ("cut.pkl", "warning", "pickle: unscannable: pickle ended withou"),
    ]
    assert "data ends inside an argument (0 of 1099511627776 bytes)" in findings[1]["message"]


def test_formats_mlguard_cannot_decode_are_unscannable(cli, tmp_path: Path) -> None:
    lz4_frame = b"\x04\x22\x4d\x18" + b"\x64\x40\xa7" + b"\x00" * 32
    zstd_in_zip = zip_bytes({"archive/data.pkl": b""})
    central = zstd_in_zip.find(b"PK\x01\x02")
    patched = bytearray(zstd_in_zip)
    patched[central + 10] = 93  # compression method: zstd
    local = zstd_in_zip.find(b"PK\x03\x04")
    patched[local + 8] = 93
    files: dict[str, str | bytes] = {"m.joblib": lz4_frame, "z.pt": bytes(patched)}
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"], f["message"]) for f in findings] == [
        (
            "m.joblib",
            "warning",
            "lz4-compressed file: unscannable: lz4-compressed (joblib): "
            "mlguard does not decompress lz4",
        ),
        (
            "z.pt",
            "warning",
            "PyTorch zip checkpoint (member archive/data.pkl): unscannable: zip "
            "member 'archive/data.pkl': compression method 93 not supported",
        ),
    ]


def test_build_state_data_keys_are_not_smuggling(cli, tmp_path: Path) -> None:
    pydantic_like = PROTO2 + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
    pydantic_like += b"}" + s("__dict__") + b"}" + SETITEM + s("__pydantic_extra__") + b"N"
    pydantic_like += SETITEM + b"b" + STOP
    class_swap = PROTO2 + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + b"N}"
    class_swap += s("__class__") + g("collections", "Counter") + SETITEM + b"\x86b" + STOP
    files: dict[str, str | bytes] = {"data.pkl": pydantic_like, "swap.pkl": class_swap}
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"], f["message"]) for f in findings] == [
        ("data.pkl", "note", findings[0]["message"]),
        (
            "swap.pkl",
            "error",
            "pickle: BUILD sets '__class__' on an object (state smuggling: it runs later)",
        ),
    ]


def test_unknown_globals_are_gathered_into_one_finding_per_member(cli, tmp_path: Path) -> None:
    classes = [g(f"mymodels.layers{i}", "Block") + EMPTY_TUPLE + NEWOBJ + b"0" for i in range(10)]
    whole_model = PROTO2 + b"".join(classes) + g("os", "system") + b"0N" + STOP
    repo = make_repo(tmp_path / "r", {"model.pt": torch_zip(whole_model)})
    _, findings = sec002(cli, repo)
    assert [(f["severity"], f["message"]) for f in findings] == [
        (
            "error",
            "PyTorch zip checkpoint (member archive/data.pkl): imports os.system (module 'os' "
            "can run code or commands)",
        ),
        (
            "error",
            "PyTorch zip checkpoint (member archive/data.pkl): instantiates 10 classes outside "
            "the allow-list and the known ML libraries (instantiated when the file is loaded: "
            "its __new__ and __setstate__ run with state from the file; not a data-only class "
            "nor one of a known ML library (allow your own classes with params.allow)): "
            "mymodels.layers0.Block, mymodels.layers1.Block, mymodels.layers2.Block, "
            "mymodels.layers3.Block, mymodels.layers4.Block, mymodels.layers5.Block, "
            "mymodels.layers6.Block, mymodels.layers7.Block, ... (+2 more)",
        ),
    ]


def test_tar_gz_model_bundles_are_opened(cli, tmp_path: Path) -> None:
    bundle = tar_gz(
        {
            "code/inference.py": b"import torch\n",
            "model.pth": torch_zip(os_system(CANARY)),
            "weights.pkl": state_dict_pickle(),
        }
    )
    benign = tar_gz({"model.pth": torch_zip(state_dict_pickle())})
    files: dict[str, str | bytes] = {"model.tar.gz": bundle, "ok.tar.gz": benign}
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"], f["message"]) for f in findings] == [
        (
            "model.tar.gz",
            "error",
            "tar archive (member model.pth!archive/data.pkl): imports os.system (module 'os' "
            "can run code or commands)",
        ),
        ("ok.tar.gz", "note", findings[1]["message"]),
    ]
    assert findings[1]["message"].startswith("tar archive in a code-executing (pickle) format")


def test_hdf5_that_cannot_be_analysed_is_unscannable(cli, tmp_path: Path) -> None:
    signature = b"\x89HDF\r\n\x1a\n"
    broken = signature + b"\0" * 64 + b'model_config\0{"class_name": "Seq", "config": [1, 2'
    weights = signature + b"\0" * 8192
    files: dict[str, str | bytes] = {"broken.h5": broken, "weights.h5": weights}
    repo = make_repo(tmp_path / "r", files)
    _, findings = scan_with_params(cli, tmp_path, repo, {"max_bytes": 4096})
    assert [(f["path"], f["message"]) for f in findings] == [
        ("broken.h5", "HDF5 file: unscannable: HDF5 model_config JSON is truncated or too large"),
        (
            "weights.h5",
            "HDF5 file: unscannable: larger than the 4096 byte analysis budget (max_bytes)",
        ),
    ]


def test_symlinked_model_files_are_never_followed(cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(os_system(CANARY))
    repo = make_repo(tmp_path / "r", {"README.md": "# r\n"}, commit=False)
    (repo / "model.pkl").symlink_to(outside)
    _, report = scan_json(cli, repo, "--select", "SEC002")
    assert status_of(report, "SEC002") == "pass"
    assert {"path": "model.pkl", "reason": "symbolic link (never followed)"} in report["skipped"]


def test_hdf5_config_is_found_whatever_the_json_spacing(cli, tmp_path: Path) -> None:
    config = {"module": "keras", "class_name": "Sequential", "config": {"layers": [LAMBDA_LAYER]}}
    compact = json.dumps(config, separators=(",", ":")).encode()
    data = b"\x89HDF\r\n\x1a\n" + b"\0" * 100 + b"model_config\0" + compact + b"\0" * 8
    repo = make_repo(tmp_path / "r", {"model.h5": data})
    _, findings = sec002(cli, repo)
    assert [f["message"] for f in findings] == [
        "HDF5 file: Lambda layer 'evil' (serialized Python bytecode runs when the model loads)"
    ]


def test_mutated_artifacts_never_break_the_analyzer(cli, tmp_path: Path) -> None:
    """Seeded mutations of every corpus file: each is analysed or reported unscannable;
    none reaches the analyzer's last-resort "analysis failed" guard."""
    rng = random.Random(20261127)
    seeds = [c.data for c in MALICIOUS + BENIGN]
    files: dict[str, str | bytes] = {}
    for n in range(240):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            if not data:
                break
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 12)]
        files[f"m{n:03d}.pkl"] = bytes(data)
    files.update(hostile_headers())
    repo = make_repo(tmp_path / "r", files)
    status, findings = sec002(cli, repo, "--fail-on", "never")
    assert status == "fail"
    assert not [f["message"] for f in findings if "analysis failed" in f["message"]]
    by_path = {f["path"]: f["message"] for f in findings}
    assert "unscannable: truncated .npy header" in by_path["short.npy"]
    shifted = [f["message"] for f in findings if f["path"] == "shifted.pt"]
    assert any("points outside the file" in m for m in shifted), shifted
    assert any("imports os.system" in m for m in shifted), shifted
    assert "central directory unreadable" in by_path["future.pt"]


def hostile_headers() -> dict[str, str | bytes]:
    """Directory fields that make zipfile or struct raise something other than BadZipFile."""
    good = bytearray(torch_zip(os_system(CANARY)))
    eocd = good.rfind(b"PK\x05\x06")
    shifted = bytearray(good)
    offset = struct.unpack_from("<I", shifted, eocd + 16)[0]
    struct.pack_into("<I", shifted, eocd + 16, offset + 100)  # central dir "later" than it is
    future = bytearray(good)
    central = future.find(b"PK\x01\x02")
    struct.pack_into("<H", future, central + 6, 0xFF)  # needs zip version 25.5
    return {
        "short.npy": b"\x93NUMPY\x01\x00\x05",
        "shifted.pt": bytes(shifted),
        "future.pt": bytes(future),
    }


def test_saved_model_keras_metadata_with_a_lambda_layer(cli, tmp_path: Path) -> None:
    layer = json.dumps({"name": "l", "class_name": "Lambda", "config": {"function": "4wEA"}})
    evil = b"\n\x8a\x01" + b"\x12\x05dense" + b"\x32" + layer.encode() + b"\x00" * 8
    benign = b"\n\x30" + json.dumps({"name": "d", "class_name": "Dense"}).encode()
    files: dict[str, str | bytes] = {
        "export/evil/keras_metadata.pb": evil,
        "export/ok/keras_metadata.pb": benign,
        "export/ok/other_metadata.pb": evil,
    }
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert [(f["path"], f["severity"], f["message"]) for f in findings] == [
        (
            "export/evil/keras_metadata.pb",
            "error",
            "SavedModel Keras metadata: Lambda layer (its code runs when tf.keras loads the "
            "SavedModel)",
        )
    ]


def test_text_files_that_resemble_pickles_are_left_alone(cli, tmp_path: Path) -> None:
    record = "".join(f"click/f{n}.py,sha256=abc{n},{n}00\n" for n in range(200))
    py2_header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2L,), }"
    py2_header += " " * (64 - 10 - len(py2_header) - 1) + "\n"
    py2_npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(py2_header)) + py2_header.encode()
    cp437 = io.BytesIO()
    with zipfile.ZipFile(cp437, "w") as zf:
        zf.writestr(zipfile.ZipInfo("caf\xe9.txt"), b"x")  # name stored as cp437
    files: dict[str, str | bytes] = {
        "ruletest.al": "VARIABLES X,Y$\nCONSTANTS A,B,R$\nEQN[1] = A*X^3+B*Y^2-R$\n" * 4,
        "names.zip": cp437.getvalue(),
        "pkg.dist-info/RECORD": record,  # every line starts with "c" (GLOBAL)
        "paths.pth": "../src\n",
        "py2.npy": py2_npy + b"\0" * 16,
        "cmds.txt": "cd\nmake\nmake install\n",  # GLOBAL d.make, then nothing uses it
        "nb.txt": "N.B. this loads as a pickle of None, and nothing else\n",
    }
    repo = make_repo(tmp_path / "r", files)
    assert sec002(cli, repo) == ("pass", [])


def test_pth_path_file_with_import_lines_is_a_note(cli, tmp_path: Path) -> None:
    pth = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n"
    repo = make_repo(tmp_path / "r", {"distutils-precedence.pth": pth})
    _, findings = sec002(cli, repo)
    assert [(f["severity"], f["message"][:40]) for f in findings] == [
        ("note", "Python path file (.pth), not a PyTorch m")
    ]


def test_long_text_protocol_pickles_are_recognised_by_content(cli, tmp_path: Path) -> None:
    numbers = b"".join(b"I%d\na" % n for n in range(2000))  # > 4 KiB of protocol 0
    payload = b"(lp0\n" + numbers + b"cos\nsystem\n(S'" + CANARY.encode() + b"'\ntRa."
    repo = make_repo(tmp_path / "r", {"state.dat": payload})
    _, findings = sec002(cli, repo)
    assert [f["message"] for f in findings] == [
        "pickle: imports os.system (module 'os' can run code or commands)"
    ]


def test_wildcards_never_launder_dotted_names(cli, tmp_path: Path) -> None:
    inner = os_system(CANARY)
    dotted = b"\x80\x04" + sg("numpy", "lib.format.pickle.loads")
    dotted += b"C" + bytes([len(inner)]) + inner + b"\x85" + REDUCE + STOP
    nested_class = PROTO2 + g("sklearn.tree._classes", "Outer.Inner") + EMPTY_TUPLE + NEWOBJ + STOP
    repo = make_repo(tmp_path / "r", {"d.pkl": dotted, "n.pkl": nested_class})
    params = {"profiles": ["sklearn", "numpy"], "allow": ["numpy.*", "sklearn.*"]}
    _status, findings = scan_with_params(cli, tmp_path, repo, params)
    assert [(f["path"], f["severity"]) for f in findings] == [("d.pkl", "error"), ("n.pkl", "note")]
    assert "attribute path walked from module 'numpy'" in findings[0]["message"]


def test_verdicts_follow_what_the_unpickler_does(cli, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        # called with arguments from the file: error, whatever the module
        "call.pkl": PROTO2 + g("mylib.helpers", "make") + EMPTY_TUPLE + REDUCE + STOP,
        # a standard-library class instantiated by NEWOBJ: error
        "std.pkl": PROTO2 + g("zipfile", "ZipFile") + EMPTY_TUPLE + NEWOBJ + STOP,
        # only referenced, never called: not understood, warning
        "ref.pkl": PROTO2 + EMPTY_LIST + g("mylib.helpers", "make") + b"a" + STOP,
        # a reconstructor of a known ML library, called: note
        "ml.pkl": PROTO2
        + g("pandas._libs.tslibs.timestamps", "_unpickle_timestamp")
        + MARK
        + b"K\x00"
        + b"t"
        + REDUCE
        + STOP,
        # a function of a known ML library that is no reconstructor, called: error
        "mlcall.pkl": PROTO2 + g("sklearn.utils", "resample") + EMPTY_TUPLE + REDUCE + STOP,
    }
    repo = make_repo(tmp_path / "r", files)
    _, findings = sec002(cli, repo)
    assert sorted((f["path"], f["severity"]) for f in findings) == [
        ("call.pkl", "error"),
        ("ml.pkl", "note"),
        ("mlcall.pkl", "error"),
        ("ref.pkl", "warning"),
        ("std.pkl", "error"),
    ]
    by_path = {f["path"]: f["message"] for f in findings}
    assert "calls mylib.helpers.make (called when the file is loaded" in by_path["call.pkl"]
    assert "instantiates zipfile.ZipFile" in by_path["std.pkl"]


def test_time_budget_makes_a_file_unscannable(cli, tmp_path: Path) -> None:
    big = PROTO2 + EMPTY_LIST + MARK + s("x" * 5000) * 400 + APPENDS + STOP
    repo = make_repo(tmp_path / "r", {"big.pkl": big})
    _status, findings = scan_with_params(cli, tmp_path, repo, {"max_seconds": 0})
    assert [f["severity"] for f in findings] == ["warning"]
    assert "longer than the 0 second budget (max_seconds)" in findings[0]["message"]


def test_consecutive_pickles_stop_at_data_the_unpickler_rejects(cli, tmp_path: Path) -> None:
    # 130 float32 values: the count's first byte reads as EXT1, then the unpickler stops
    benign = PROTO2 + EMPTY_DICT + STOP + struct.pack("<q", 130) + b"\0" * 520
    evil_tail = PROTO2 + EMPTY_DICT + STOP + b"\x00" + os_system(CANARY)
    repo = make_repo(tmp_path / "r", {"a.pkl": benign, "b.pkl": evil_tail})
    _, findings = sec002(cli, repo)
    # b.pkl's payload sits after bytes no unpickler gets past: it never runs
    assert [(f["path"], f["severity"]) for f in findings] == [("a.pkl", "note"), ("b.pkl", "note")]
