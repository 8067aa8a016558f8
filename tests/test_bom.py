"""`mlguard bom`: a CycloneDX 1.6 ML-BOM of the repository, built from its files alone."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonValidator

from artifact_corpus import BUILD, EMPTY_DICT, EMPTY_TUPLE, NEWOBJ, PROTO2, STOP, g, os_system
from conftest import make_repo

SHA = "0123456789abcdef0123456789abcdef01234567"
DATA_MD5 = "a304afb96060aad90176268345e10355"
DIR_MD5 = "b6923e1e4ad16ea1a7e2a328842d56a2"


def _fixture(root: Path) -> tuple[Path, bytes, bytes]:
    weights = pickle.dumps({"w": [0.5, 1.5], "b": 0.1}, protocol=2)  # data only, never loaded
    payload = os_system(str(root / "canary"))  # would run a command if anyone unpickled it
    files: dict[str, str | bytes] = {
        "models/clf.pkl": weights,
        "models/evil.pkl": payload,
        "train.py": f"""\
            from transformers import AutoModel
            from datasets import load_dataset

            base = AutoModel.from_pretrained("bert-base-uncased")
            tuned = AutoModel.from_pretrained("acme/sentiment", revision="{SHA}")
            again = AutoModel.from_pretrained("bert-base-uncased")
            data = load_dataset("imdb", revision="v1.0")
            local = AutoModel.from_pretrained("./models")
            import huggingface_hub
            corpus = huggingface_hub.hf_hub_download("acme/corpus", "a.csv", repo_type="dataset")
            """,
        "data/raw.csv.dvc": f"""\
            outs:
            - md5: {DATA_MD5}
              size: 1234
              hash: md5
              path: raw.csv
            """,
        "dvc.lock": f"""\
            schema: '2.0'
            stages:
              featurize:
                cmd: python featurize.py
                outs:
                - path: data/features
                  hash: md5
                  md5: {DIR_MD5}.dir
                  size: 99
                  nfiles: 3
            """,
        "requirements.txt": "torch==2.3.0\nscikit-learn>=1.4\nrequests==2.32.0\n",
    }
    return make_repo(root, files), weights, payload


def _by_name(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in bom["components"]}


def _props(component: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in component.get("properties", []):
        found.setdefault(prop["name"], []).append(prop["value"])
    return found


def _validate(text: str) -> None:
    errors = JsonValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert errors is None, [str(e) for e in errors or []]


def test_bom_lists_models_hub_data_and_frameworks(cli: Any, tmp_path: Path) -> None:
    root, weights, payload = _fixture(tmp_path / "repo")
    result = cli(["bom", root, "--no-config"])
    assert result.code == 0, result.err
    _validate(result.out)
    bom = json.loads(result.out)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "repo"
    assert "timestamp" not in bom["metadata"]
    parts = _by_name(bom)

    clf = parts["models/clf.pkl"]
    assert clf["type"] == "machine-learning-model"
    assert clf["hashes"] == [{"alg": "SHA-256", "content": hashlib.sha256(weights).hexdigest()}]
    assert _props(clf)["mlguard:format"] == ["pickle"]
    assert _props(clf)["mlguard:executes-code-on-load"] == ["true"]
    assert _props(clf)["mlguard:scan-verdict"] == ["code-on-load"]
    evil = parts["models/evil.pkl"]
    assert evil["hashes"][0]["content"] == hashlib.sha256(payload).hexdigest()
    assert _props(evil)["mlguard:scan-verdict"] == ["unsafe"]
    assert not (root / "canary").exists()

    base = parts["bert-base-uncased"]
    assert base["type"] == "machine-learning-model"
    assert "version" not in base
    assert _props(base)["mlguard:revision"] == ["unpinned"]
    assert _props(base)["mlguard:pinned"] == ["unpinned"]
    assert _props(base)["mlguard:referenced-at"] == ["train.py:4", "train.py:6"]
    tuned = parts["acme/sentiment"]
    assert tuned["version"] == SHA
    assert tuned["purl"] == f"pkg:huggingface/acme/sentiment@{SHA}"
    assert _props(tuned)["mlguard:revision"] == [SHA]
    assert _props(tuned)["mlguard:pinned"] == ["commit"]
    imdb = parts["imdb"]
    assert imdb["type"] == "data"
    assert _props(imdb)["mlguard:pinned"] == ["branch-or-tag"]
    assert "./models" not in parts
    corpus = parts["acme/corpus"]
    assert corpus["type"] == "data"
    assert "purl" not in corpus
    assert _props(corpus)["mlguard:hub-kind"] == ["dataset"]
    assert _props(corpus)["mlguard:referenced-at"] == ["train.py:10"]

    raw = parts["data/raw.csv"]
    assert raw["type"] == "data"
    assert raw["hashes"] == [{"alg": "MD5", "content": DATA_MD5}]
    assert _props(raw)["mlguard:tracked-by"] == ["data/raw.csv.dvc"]
    features = parts["data/features"]
    assert features["hashes"] == [{"alg": "MD5", "content": DIR_MD5}]
    assert _props(features)["mlguard:directory"] == ["true"]
    assert _props(features)["mlguard:tracked-by"] == ["dvc.lock:featurize"]

    torch = parts["torch"]
    assert torch["type"] == "library"
    assert torch["version"] == "2.3.0"
    assert torch["purl"] == "pkg:pypi/torch@2.3.0"
    sklearn = parts["scikit-learn"]
    assert "purl" not in sklearn
    assert _props(sklearn)["mlguard:version"] == ["unpinned"]
    assert "requests" not in parts  # not an ML framework

    refs = {c["bom-ref"] for c in bom["components"]}
    root_deps = next(d for d in bom["dependencies"] if d["ref"] == "repository")
    assert set(root_deps["dependsOn"]) == refs


def test_bom_is_deterministic_and_written_to_a_file(cli: Any, tmp_path: Path) -> None:
    root, _, _ = _fixture(tmp_path / "repo")
    first = cli(["bom", root, "--no-config"]).out
    dest = tmp_path / "ml-bom.cdx.json"
    result = cli(["bom", root, "--no-config", "-o", dest])
    assert result.code == 0, result.err
    assert "2 model files" in result.out
    assert dest.read_text("utf-8") == first
    serial = json.loads(first)["serialNumber"]
    assert serial.startswith("urn:uuid:")
    (root / "requirements.txt").write_text("torch==2.4.0\n", "utf-8")
    changed = json.loads(cli(["bom", root, "--no-config"]).out)
    assert changed["serialNumber"] != serial


def test_bom_of_a_repository_without_ml_is_valid_and_empty(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", {"app.py": "print('hi')\n"})
    result = cli(["bom", root, "--no-config"])
    assert result.code == 0, result.err
    _validate(result.out)
    assert json.loads(result.out).get("components", []) == []


def test_bom_bad_input_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    missing = cli(["bom", tmp_path / "nope"])
    assert missing.code == 2
    assert "not a directory" in missing.err
    root = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    (tmp_path / "out").mkdir()
    to_dir = cli(["bom", root, "--no-config", "-o", tmp_path / "out"])
    assert to_dir.code == 2
    assert "directory" in to_dir.err
    assert "Traceback" not in missing.err + to_dir.err


def test_bom_help_teaches(cli: Any) -> None:
    result = cli(["bom", "--help"])
    assert result.code == 0
    for word in ("CycloneDX 1.6", "unpinned", "DVC", "purl", "mlguard bom . -o"):
        assert word in result.out


def test_bom_redacts_credentials_in_direct_references(cli: Any, tmp_path: Path) -> None:
    token = "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789"
    url = f"https://ci:{token}@example.com/torch-2.3.0-cp311-linux_x86_64.whl"
    root = make_repo(tmp_path / "repo", {"requirements.txt": f"torch @ {url}\n"})
    result = cli(["bom", root, "--no-config"])
    assert result.code == 0, result.err
    assert token not in result.out
    assert "torch" in _by_name(json.loads(result.out))


def test_bom_lists_lfs_models_by_their_pointer_and_skips_text_files(
    cli: Any, tmp_path: Path
) -> None:
    oid = hashlib.sha256(b"the real weights").hexdigest()
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 123456789\n"
    root = make_repo(
        tmp_path / "repo",
        {
            "weights/model.safetensors": pointer,
            "site/extra.pth": "../src\n",  # a site path file, not a PyTorch model
        },
    )
    result = cli(["bom", root, "--no-config"])
    assert result.code == 0, result.err
    _validate(result.out)
    parts = _by_name(json.loads(result.out))
    assert "site/extra.pth" not in parts
    lfs = parts["weights/model.safetensors"]
    assert lfs["hashes"] == [{"alg": "SHA-256", "content": oid}]
    props = _props(lfs)
    assert props["mlguard:storage"] == ["git-lfs"]
    assert props["mlguard:size"] == ["123456789"]
    assert props["mlguard:executes-code-on-load"] == ["unknown"]
    assert props["mlguard:scan-verdict"] == ["not-analysed"]


def test_bom_reads_malformed_dvc_files_without_failing(cli: Any, tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            "a.dvc": "outs: [unclosed\n",  # not YAML
            "b.dvc": "outs: 5\n",
            "c.dvc": "- just\n- a list\n",
            "d/e.dvc": f"""\
                outs:
                - path: ../../../etc/passwd
                  md5: {DATA_MD5}
                - path: /abs/data
                - path: ok.bin
                  md5: not-a-hash
                  size: true
                - {{path: 7}}
                """,
            "dvc.lock": "stages: {s: {outs: [{path: out.csv, md5: 5}]}, t: 3}\n",
        },
    )
    result = cli(["bom", root, "--no-config"])
    assert result.code == 0, result.err
    _validate(result.out)
    parts = _by_name(json.loads(result.out))
    assert set(parts) == {"d/ok.bin", "out.csv"}  # nothing outside the repository
    assert "hashes" not in parts["d/ok.bin"]
    assert "mlguard:size" not in _props(parts["d/ok.bin"])


def test_bom_honours_the_configs_excluded_paths(cli: Any, tmp_path: Path) -> None:
    weights = pickle.dumps([1, 2, 3], protocol=2)
    root = make_repo(
        tmp_path / "repo",
        {
            ".mlguard.yaml": 'paths:\n  exclude: ["vendor/**"]\n',
            "vendor/theirs.pkl": weights,
            "models/ours.pkl": weights,
        },
    )
    parts = _by_name(cli(["bom", root], cwd=root).json())
    assert "models/ours.pkl" in parts
    assert "vendor/theirs.pkl" not in parts
    assert "vendor/theirs.pkl" in _by_name(cli(["bom", root, "--no-config"]).json())


def test_bom_verdict_uses_the_configs_sec002_allow_list(cli: Any, tmp_path: Path) -> None:
    own = PROTO2 + g("mypkg.models", "Net") + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT + BUILD + STOP
    root = make_repo(tmp_path / "repo", {"models/net.pkl": own})
    plain = _by_name(cli(["bom", root, "--no-config"]).json())["models/net.pkl"]
    assert _props(plain)["mlguard:scan-verdict"] == ["unsafe"]
    config = "rules:\n  configure:\n    SEC002: {params: {allow: [mypkg.models.Net]}}\n"
    (root / ".mlguard.yaml").write_text(config, "utf-8")
    allowed = _by_name(cli(["bom", root], cwd=root).json())["models/net.pkl"]
    assert _props(allowed)["mlguard:scan-verdict"] == ["code-on-load"]
