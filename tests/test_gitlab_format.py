"""`-f gitlab`: a GitLab Code Quality report of the violations, through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import make_repo

FILES = {
    "train.py": "import pickle\nimport torch\nm = pickle.load(open('m.pkl','rb'))\n"
    "s = torch.load('x.pt')\n",
    "requirements.txt": "torch\n",
}
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
MAPPED = {"error": "critical", "warning": "major", "note": "minor"}


def gitlab_for(cli: Any, repo: Path, *extra: str) -> list[dict[str, Any]]:
    result = cli(["scan", repo, "--no-config", "--format", "gitlab", *extra])
    assert result.code in (0, 1), result.err
    doc = result.json()
    assert isinstance(doc, list)
    return doc


def test_issues_have_what_gitlab_reads(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    issues = gitlab_for(cli, repo)
    report = cli(["scan", repo, "--no-config", "--format", "json"]).json()
    violations = [f for f in report["findings"] if f["kind"] == "violation"]
    assert len(issues) == len(violations) > 0  # violations only: no practice gap
    for issue, finding in zip(issues, violations, strict=True):
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["description"] == f"{finding['rule_id']}: {finding['message']}"
        assert issue["check_name"] == finding["rule_id"]
        assert issue["severity"] in SEVERITIES
        assert issue["severity"] == MAPPED[finding["severity"]]
        assert issue["fingerprint"] == finding["fingerprint"]  # the same identity as SARIF
        path, begin = issue["location"]["path"], issue["location"]["lines"]["begin"]
        assert (path, begin) == (finding["path"], finding["line"])
        assert (repo / path).is_file() and isinstance(begin, int) and begin >= 1
    assert sorted(
        (i["location"]["lines"]["begin"], i["check_name"])
        for i in issues
        if i["check_name"] == "SEC001"
    ) == [(3, "SEC001"), (4, "SEC001")]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_the_same_code_twice_gets_two_fingerprints(cli: Any, tmp_path: Path) -> None:
    line = "m = pickle.load(open('m.pkl','rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": "import pickle\n" + line + line})
    issues = [i for i in gitlab_for(cli, repo) if i["check_name"] == "SEC001"]
    assert [i["location"]["lines"]["begin"] for i in issues] == [2, 3]
    assert len({i["fingerprint"] for i in issues}) == 2  # GitLab would drop a duplicate


def test_paths_are_relative_to_the_repository_root(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {f"ml/{name}": text for name, text in FILES.items()})
    issues = gitlab_for(cli, repo / "ml")
    assert issues and all(i["location"]["path"].startswith("ml/") for i in issues)
    assert all((repo / i["location"]["path"]).is_file() for i in issues)


def test_written_to_a_file_next_to_other_formats(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", FILES)
    dest = tmp_path / "gl-code-quality-report.json"
    result = cli(["scan", repo, "--no-config", "-f", f"gitlab:{dest}", "-f", "concise"])
    assert result.code == 1, result.err
    assert dest.read_text().startswith("[") and "SEC001" in dest.read_text()
    assert "SEC001" in result.out


def test_clean_or_empty_repository_is_an_empty_array(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert gitlab_for(cli, empty) == []
    clean = make_repo(tmp_path / "clean", {"README.md": "# nothing\n"})
    assert gitlab_for(cli, clean, "--select", "security") == []


def test_help_lists_the_format(cli: Any) -> None:
    assert "gitlab" in cli(["scan", "--help"]).out


def test_repository_text_cannot_reorder_the_description(cli: Any, tmp_path: Path) -> None:
    rlo = "\u202e"
    mod, attr = b"os", f"system{rlo}x".encode()
    pickled = b"\x80\x04\x8c\x02" + mod + b"\x8c" + bytes([len(attr)]) + attr + b"\x93)R."
    repo = make_repo(
        tmp_path / "r",
        {"model.pkl": pickled, f"train{rlo}gnp.py": "import pickle\npickle.load(open('m'))\n"},
    )
    issues = gitlab_for(cli, repo)
    assert {i["check_name"] for i in issues} >= {"SEC001", "SEC002"}
    assert all(rlo not in i["description"] for i in issues)
    assert any("\\u202e" in i["description"] for i in issues)
    assert f"train{rlo}gnp.py" in {i["location"]["path"] for i in issues}  # the real file
