"""Findings a practitioner would not act on stay out of the default report; findings outside
the product code say where they are."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo, scan_json

DOWNLOAD = "from transformers import AutoModel\n\nm = AutoModel.from_pretrained('org/model')\n"
UNSAFE = "import pickle\n\n\ndef load(f):\n    return pickle.load(f)\n"


def test_hub_downloads_in_tests_are_not_findings_by_default(cli, tmp_path: Path) -> None:
    files = {"app.py": DOWNLOAD, "tests/test_app.py": DOWNLOAD, "pkg/model_test.py": DOWNLOAD}
    root = make_repo(tmp_path / "r", files)
    _, report = scan_json(cli, root, "--select", "SEC013")
    assert [f["path"] for f in report["findings"]] == ["app.py"]


def test_a_policy_can_report_hub_downloads_in_tests(cli, tmp_path: Path) -> None:
    policy = "extends: default\nrules:\n  configure:\n    SEC013: {params: {exclude_paths: []}}\n"
    files = {"tests/test_app.py": DOWNLOAD, "strict.yaml": policy}
    root = make_repo(tmp_path / "r", files)
    result = cli(
        ["scan", root, "--policy", root / "strict.yaml", "--select", "SEC013", "-f", "json"]
    )
    assert [f["path"] for f in result.json()["findings"]] == ["tests/test_app.py"]


def test_findings_in_tests_and_examples_say_so(cli, tmp_path: Path) -> None:
    files = {"src/io.py": UNSAFE, "tests/test_io.py": UNSAFE, "examples/demo.py": UNSAFE}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "SEC001")
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert messages["tests/test_io.py"].endswith("(in test code)")
    assert messages["examples/demo.py"].endswith("(in an example)")
    assert not messages["src/io.py"].endswith(")")


LFS = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 12345\n"


def test_only_a_complete_lfs_pointer_is_an_lfs_pointer(cli, tmp_path: Path) -> None:
    """VER006 uses the same strict pointer test as SEC002: a file that merely starts like a
    pointer is a committed model file."""
    files = {"models/a.pkl": LFS, "models/b.pkl": LFS + "trailing bytes that are not a pointer\n"}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "VER006")
    assert [f["path"] for f in report["findings"]] == ["models/b.pkl"]
