"""Config discovery order and overlays."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo, write_files

UNSAFE = {"train.py": "import pickle\npickle.load(open('m.pkl', 'rb'))\n"}
QUIET = "rules:\n  ignore: [SEC001]\n"


def code_for(cli, repo: Path, *extra: str) -> int:
    return cli(["scan", repo, *extra]).code


def test_mlguard_yaml_is_found(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**UNSAFE, ".mlguard.yaml": QUIET})
    assert code_for(cli, repo) == 0
    assert code_for(cli, repo, "--no-config") == 1


def test_github_mlguard_yaml_is_found(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**UNSAFE, ".github/mlguard.yaml": QUIET})
    assert code_for(cli, repo) == 0


def test_pyproject_tool_mlguard(cli, tmp_path: Path) -> None:
    pyproject = "[project]\nname = 'x'\n\n[tool.mlguard.rules]\nignore = ['SEC001']\n"
    repo = make_repo(tmp_path / "r", {**UNSAFE, "pyproject.toml": pyproject})
    assert code_for(cli, repo) == 0


def test_pyproject_tool_mlguard_is_validated(cli, tmp_path: Path) -> None:
    pyproject = "[tool.mlguard]\nfail = 'yes'\n"
    repo = make_repo(tmp_path / "r", {"pyproject.toml": pyproject})
    result = cli(["scan", repo])
    assert result.code == 2 and "[tool.mlguard]" in result.err


def test_env_and_explicit_config_win(cli, tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path / "r", {**UNSAFE, ".mlguard.yaml": "fail: {on: never}\n"})
    strict = tmp_path / "strict.yaml"
    strict.write_text("fail: {on: error}\n")
    assert code_for(cli, repo) == 0
    monkeypatch.setenv("MLGUARD_CONFIG", str(strict))
    assert code_for(cli, repo) == 1
    monkeypatch.delenv("MLGUARD_CONFIG")
    assert code_for(cli, repo, "--config", str(strict)) == 1


def test_config_names_policy_and_overrides_it(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"app.py": "x = 1\n", ".mlguard.yaml": "policy: strict\nfail: {below_level: 0}\n"},
    )
    result = cli(["scan", repo, "--format", "json"])
    report = result.json()
    assert report["policy"]["name"] == "strict"
    assert report["policy"]["sources"][-1] == ".mlguard.yaml"


def test_policy_excludes_paths(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            "vendor/train.py": UNSAFE["train.py"],
            ".mlguard.yaml": "paths: {exclude: ['vendor/**']}\n",
        },
    )
    assert code_for(cli, repo) == 0


def test_security_policy_selects_only_security(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", UNSAFE)
    result = cli(["scan", repo, "--policy", "security", "--format", "json", "--no-config"])
    categories = {r["category"] for r in result.json()["rules"]}
    assert categories == {"security"}
    assert result.code == 1


def test_strict_fails_on_missing_practices(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "x = 1\n", "requirements.txt": "flask\n"})
    assert code_for(cli, repo, "--no-config") == 0
    assert code_for(cli, repo, "--no-config", "--policy", "strict") == 1


def test_gitignored_files_are_not_scanned(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {".gitignore": "build/\n", "app.py": "x = 1\n"})
    write_files(repo, {"build/gen.py": UNSAFE["train.py"], "new.py": "y = 2\n"})
    assert code_for(cli, repo, "--no-config") == 0
    write_files(repo, {"new.py": UNSAFE["train.py"]})
    assert code_for(cli, repo, "--no-config") == 1


def test_subdirectory_scan_uses_repo_relative_sarif_uris(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"ml/train.py": UNSAFE["train.py"], "other.py": "x = 1\n"})
    result = cli(["scan", repo / "ml", "--no-config", "--format", "sarif"])
    run = result.json()["runs"][0]
    [res] = [r for r in run["results"] if r["ruleId"] == "SEC001"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ml/train.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/r/")
    text = cli(["scan", repo / "ml", "--no-config"]).out
    assert "train.py:2" in text


def test_plain_directory_scan(cli, tmp_path: Path) -> None:
    root = write_files(tmp_path / "plain", UNSAFE)
    assert code_for(cli, root, "--no-config") == 1
