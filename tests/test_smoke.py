from pathlib import Path

from conftest import make_repo, scan_json, status_of


def test_unsafe_load_is_found_with_file_and_line(cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", {"train.py": "import pickle\n\nm = pickle.load(open('m.pkl','rb'))\n"}
    )
    code, report = scan_json(cli, repo)
    assert code == 1
    assert status_of(report, "SEC001") == "fail"
    hits = [f for f in report["findings"] if f["rule_id"] == "SEC001"]
    assert [(h["path"], h["line"]) for h in hits] == [("train.py", 3)]
