"""REP002: an undeclared module is one finding at its first import; guarded imports are not."""

from __future__ import annotations

from conftest import make_repo, scan_json


def test_one_finding_per_undeclared_module(cli, tmp_path) -> None:
    files = {
        "requirements.txt": "pandas==2.2.3\n",
        "a/features.py": "import pandas\nimport cv2\n",
        "b/serve.py": "import cv2.dnn\nfrom cv2 import imread\n",
        "c/optional.py": "try:\n    import lightgbm\nexcept ImportError:\n    lightgbm = None\n",
        "tests/test_a.py": "import hypothesis\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "REP002")
    hits = [(f["path"], f["line"], f["message"]) for f in report["findings"]]
    assert [(p, line) for p, line, _ in hits] == [("a/features.py", 2)]
    assert "`cv2`" in hits[0][2] and "and in 1 other file(s)" in hits[0][2]
