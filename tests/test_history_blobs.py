"""Rules that read git history: VER002 blob sizes (large files generated here), DATA003."""

from __future__ import annotations

from pathlib import Path

from conftest import git, make_repo, scan_json, status_of

MB = 1024 * 1024


def _findings(report: dict[str, object], rule_id: str) -> list[dict[str, object]]:
    found = report["findings"]
    assert isinstance(found, list)
    return [f for f in found if f["rule_id"] == rule_id]


def test_deleted_dataset_is_still_found_in_history(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"README.md": "# x\n", "data/big.csv": b"1,2\n" * (MB // 2)})
    git(repo, "rm", "-q", "data/big.csv")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "drop")
    _, report = scan_json(cli, repo, "--select", "VER002")
    assert status_of(report, "VER002") == "fail"
    (hit,) = _findings(report, "VER002")
    assert hit["path"] == "README.md"  # the blob's path is gone; anchored to an existing file
    assert "data/big.csv (2.0 MB" in str(hit["message"])


def test_thresholds_depend_on_the_file_kind_and_params(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"docs/logo.svg": b"<svg/>" * (MB // 3), "models/m.onnx": b"\x01" * (MB + 10)},
    )
    _, report = scan_json(cli, repo, "--select", "VER002")
    assert [f["path"] for f in _findings(report, "VER002")] == ["models/m.onnx"]
    config = tmp_path / "cfg.yaml"
    config.write_text("rules:\n  configure:\n    VER002: {params: {max_data_blob_mb: 5}}\n")
    result = cli(["scan", repo, "--format", "json", "--config", config, "--select", "VER002"])
    assert status_of(result.json(), "VER002") == "pass", result.err


def test_shallow_clone_and_plain_directory_are_not_checked(cli, tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"a.txt": "1\n"})
    (origin / "a.txt").write_text("2\n")
    git(origin, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "two")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    _, report = scan_json(cli, shallow, "--select", "VER002")
    assert status_of(report, "VER002") == "not-checked"
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.txt").write_text("x\n")
    _, report = scan_json(cli, plain, "--select", "VER002")
    assert status_of(report, "VER002") == "not-checked"


def test_raw_data_rewritten_in_a_later_commit(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"prep.py": "print(1)\n", "data/raw/a.csv": "x\n1\n", "data/raw/b.csv": "x\n2\n"},
    )
    _, report = scan_json(cli, repo, "--select", "DATA003")
    assert status_of(report, "DATA003") == "pass"
    (repo / "data/raw/a.csv").write_text("x\n1\n3\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "fix raw")
    _, report = scan_json(cli, repo, "--select", "DATA003")
    assert [f["path"] for f in _findings(report, "DATA003")] == ["data/raw/a.csv"]


def test_history_with_missing_objects_is_not_checked(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "old\n", "big.bin": b"\x00" * (11 * MB)})
    (repo / "a.txt").write_text("new\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "two")
    blob = git(repo, "rev-parse", "HEAD~1:a.txt").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a partial mirror
    _, report = scan_json(cli, repo, "--select", "VER002")
    rule = next(r for r in report["rules"] if r["id"] == "VER002")
    assert rule["status"] == "not-checked"
    assert "missing blob" in rule["reason"] and blob in rule["reason"]
