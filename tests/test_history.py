"""``mlguard history``: maturity over past commits, read from git's objects.

The fixture repository grows the way a team's does: a notebook project (Level 0), a DVC
pipeline (Level 1, tagged v1.0), tests and CI (Level 2), monitoring and governance
(Level 3, tagged v2.0). Every behaviour is asserted through the CLI.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import maturity_projects as mp
from conftest import git, make_repo, write_files
from test_html_report import Elements

STAGES = (mp.LEVEL0, mp.LEVEL1, mp.LEVEL2, mp.LEVEL3)
TAGS = {1: "v1.0", 3: "v2.0"}
GIT_COMMIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c")
GIT_COMMIT += ("commit.gpgsign=false", "commit", "-q")


def _commit_stages(root: Path, stages: tuple[dict[str, Any], ...]) -> list[str]:
    git(root, "init", "-q", "-b", "main")
    shas = []
    for n, files in enumerate(stages):
        for child in root.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        write_files(root, files)
        git(root, "add", "-A")
        date = f"2025-0{n + 1}-15T12:00:00+00:00"
        message = f"stage {n}: Level {n}"
        with_date = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
        subprocess.run(
            [*GIT_COMMIT, "-m", message], cwd=root, check=True, env=with_date, capture_output=True
        )
        if n in TAGS:
            git(root, "tag", "-a", TAGS[n], "-m", TAGS[n])
        shas.append(git(root, "rev-parse", "HEAD").strip())
    return shas


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    return root, _commit_stages(root, STAGES)


def _history(cli: Any, root: Path, *extra: str) -> dict[str, Any]:
    result = cli(["history", root, "--no-config", "-f", "json", *extra])
    assert result.code == 0, result.err
    doc: dict[str, Any] = result.json()
    return doc


def test_points_follow_the_repository_as_it_grows(cli: Any, grown: tuple[Path, list[str]]) -> None:
    root, shas = grown
    doc = _history(cli, root)
    points = doc["points"]
    assert [p["commit"] for p in points] == shas  # oldest first, one per commit
    assert [p["level"] for p in points] == [0, 1, 2, 3]
    scores = [p["score"] for p in points]
    assert scores == sorted(scores) and len(set(scores)) == 4
    errors = [p["findings"]["error"] for p in points]
    assert errors == sorted(errors, reverse=True) and errors[0] > errors[-1]
    assert len({p["policy"]["hash"] for p in points}) == 1
    assert all(p["comparable"] and p["differs"] == [] and p["error"] is None for p in points)
    assert [p["subject"] for p in points] == [f"stage {n}: Level {n}" for n in range(4)]
    assert [p["date"][:10] for p in points] == [f"2025-0{n}-15" for n in range(1, 5)]
    assert [p["tags"] for p in points] == [[], [], [], []]  # tags only with --tags


def test_the_newest_point_is_the_scan_of_that_commit(
    cli: Any, grown: tuple[Path, list[str]]
) -> None:
    root, _ = grown
    newest = _history(cli, root, "--last", "1")["points"][0]
    result = cli(["scan", root, "--no-config", "-f", "json"])
    report = result.json()
    assert newest["level"] == report["maturity"]["level"]
    assert newest["score"] == report["maturity"]["score"]
    assert newest["violations"] == report["counts"]["violations"]
    assert newest["practice_gaps"] == report["counts"]["practice_gaps"]
    by_severity = Counter(f["severity"] for f in report["findings"])
    assert newest["findings"] == {s: by_severity.get(s, 0) for s in ("error", "warning", "note")}
    assert newest["mlguard_version"] == report["tool"]["version"]


def test_json_is_sorted_stable_and_documented(
    cli: Any, grown: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = grown
    first = cli(["history", root, "--no-config", "-f", "json", "-o", tmp_path / "a.json"])
    second = cli(["history", root, "--no-config", "-f", "json", "-o", tmp_path / "b.json"])
    assert first.code == second.code == 0
    text = (tmp_path / "a.json").read_text()
    assert text == (tmp_path / "b.json").read_text()  # warm run: the same bytes
    doc = _history(cli, root)
    assert list(doc) == sorted(doc)
    assert set(doc) == {"newest", "path", "points", "schema_version", "selection", "tool"}
    assert doc["selection"] == {"last": 10, "ref": "HEAD", "since": None, "tags": False}
    assert doc["newest"]["commit"] == shas[-1]
    documented = Path(__file__).parents[1].joinpath("docs/history.md").read_text()
    for key in doc["points"][0]:
        assert f"`{key}`" in documented, key


def test_text_table_marks_nothing_when_all_are_comparable(
    cli: Any, grown: tuple[Path, list[str]]
) -> None:
    root, shas = grown
    result = cli(["history", root, "--no-config"])
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines() if line[:12] in {s[:12] for s in shas}]
    assert [row[:12] for row in rows] == [s[:12] for s in shas]
    assert "*" not in result.out
    assert "Level 0 -> 3" in result.out


def test_last_ref_tags_and_since_select_commits(cli: Any, grown: tuple[Path, list[str]]) -> None:
    root, shas = grown
    assert [p["commit"] for p in _history(cli, root, "--last", "2")["points"]] == shas[2:]
    by_ref = _history(cli, root, "--ref", "v1.0")["points"]
    assert [p["commit"] for p in by_ref] == shas[:2]
    tagged = _history(cli, root, "--tags")["points"]
    assert [(p["commit"], p["tags"]) for p in tagged] == [
        (shas[1], ["v1.0"]),
        (shas[3], ["v2.0"]),
    ]
    assert [p["level"] for p in tagged] == [1, 3]
    since = _history(cli, root, "--since", "2025-03-01")["points"]
    assert [p["commit"] for p in since] == shas[2:]
    assert _history(cli, root, "--since", "2030-01-01")["points"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ref", "no-such-branch"], "no commit 'no-such-branch'"),
        (["--ref", "--all"], "not a git revision"),
        (["--since", "last tuesday"], "not a date"),
        (["--tags", "--ref", "main"], "choose one"),
    ],
)
def test_bad_selections_are_usage_errors(
    cli: Any, grown: tuple[Path, list[str]], args: list[str], message: str
) -> None:
    root, _ = grown
    result = cli(["history", root, *args])
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err


def test_not_a_repository_no_tags_and_a_shallow_clone(cli: Any, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write_files(plain, {"train.py": "print(1)\n"})
    result = cli(["history", plain])
    assert result.code == 2 and "needs a git repository" in result.err
    missing = cli(["history", tmp_path / "missing"])
    assert missing.code == 2 and "not a directory" in missing.err
    repo = make_repo(tmp_path / "repo", {"train.py": "print(1)\n"})
    for n in range(3):
        write_files(repo, {"train.py": f"print({n})\n"})
        git(repo, "commit", "-qam", f"change {n}")
    untagged = cli(["history", repo, "--tags"])
    assert untagged.code == 2 and "no tag" in untagged.err
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(shallow)], check=True
    )
    cut = cli(["history", shallow, "--last", "4"])
    assert cut.code == 2, cut.out
    assert "shallow clone has only 2 of the 4" in cut.err and "fetch-depth: 0" in cut.err
    assert "Traceback" not in cut.err
    enough = cli(["history", shallow, "--last", "2", "-f", "json"])
    assert enough.code == 0 and len(enough.json()["points"]) == 2


def _state(root: Path) -> tuple[str, str, bytes]:
    status = git(root, "status", "--porcelain=v2", "--untracked-files=all")
    index = (root / ".git" / "index").read_bytes()
    files = sorted(
        (p.relative_to(root).as_posix(), p.read_bytes())
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    return status, hashlib.sha256(index).hexdigest(), repr(files).encode()


def test_the_work_tree_and_the_index_are_left_as_they_were(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _commit_stages(root, STAGES[:2])
    write_files(root, {"train.py": "# edited, not staged\n", "new.py": "x = 1\n"})
    (root / "params.yaml").write_text("staged: true\n")
    git(root, "add", "params.yaml")
    before = _state(root)
    head = git(root, "rev-parse", "HEAD")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert cli(["history", root, "--no-config"]).code == 0
    assert _state(root) == before
    assert git(root, "rev-parse", "HEAD") == head
    assert list(scratch.iterdir()) == []  # the written commits are gone


def test_git_filters_and_hooks_of_the_repository_never_run(cli: Any, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    root = make_repo(
        tmp_path / "repo",
        {".gitattributes": "* filter=x diff=x\n", "train.py": "import torch\n"},
    )
    write_files(root, {"train.py": "import torch\nprint(2)\n"})
    git(root, "commit", "-qam", "second")
    for key in ("filter.x.smudge", "filter.x.clean", "filter.x.process", "diff.x.textconv"):
        git(root, "config", key, f"touch {marker}")
    git(root, "config", "filter.x.required", "true")
    git(root, "config", "core.fsmonitor", f"touch {marker}")
    hooks = root / ".git" / "hooks"
    for name in ("post-checkout", "pre-commit", "post-index-change"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / name).chmod(0o755)
    result = cli(["history", root, "--no-config", "-f", "json"])
    assert result.code == 0, result.err
    assert len(result.json()["points"]) == 2
    assert not marker.exists()
    # the configuration is live: a checkout runs it (and then fails on its answer)
    subprocess.run(["git", "checkout", "-q", "HEAD~1", "--", "train.py"], cwd=root, check=False)
    assert marker.exists()


def test_each_commit_is_judged_by_its_own_config_and_marked(cli: Any, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    stages = (
        mp.LEVEL1,
        {**mp.LEVEL1, ".mlguard.yaml": "policy: strict\n"},
        {**mp.LEVEL1, ".mlguard.yaml": "policy: [not a policy name\n"},
        {**mp.LEVEL2},
    )
    shas = _commit_stages(root, stages)
    result = cli(["history", root, "-f", "json"])
    assert result.code == 0, result.err
    points = result.json()["points"]
    assert [p["commit"] for p in points] == shas
    assert points[1]["policy"]["name"] == "strict"
    assert points[1]["policy"]["hash"] != points[0]["policy"]["hash"]
    assert points[0]["policy"]["hash"] == points[3]["policy"]["hash"]
    assert [p["differs"] for p in points] == [[], ["policy"], [], []]
    assert points[2]["error"] and ".mlguard.yaml" in points[2]["error"]
    assert points[2]["level"] is None and points[2]["comparable"] is False
    text = cli(["history", root])
    assert text.code == 0
    row = next(line for line in text.out.splitlines() if line.startswith(shas[1][:12]))
    assert "*" in row and "not comparable" in text.out
    assert f"{shas[2][:12]}: error:" in text.out
    # one config for every commit: the same policy hash throughout, no point marked
    same = cli(["history", root, "--no-config", "-f", "json"]).json()["points"]
    assert len({p["policy"]["hash"] for p in same}) == 1
    assert all(p["error"] is None and p["comparable"] for p in same)


def test_unchanged_files_are_analysed_once_and_a_warm_run_reuses_every_result(
    cli: Any, grown: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = grown
    cache = tmp_path / "cache"
    args = ["history", root, "--no-config", "--cache-dir", cache, "--stats"]
    cold = cli(args)
    assert cold.code == 0, cold.err
    found = re.search(r"(\d+) from cache, (\d+) analysed; whole result reused for (\d+)", cold.err)
    assert found, cold.err
    cached, analysed, reused = map(int, found.groups())
    per_commit = sum(
        1
        for sha in shas
        for line in git(root, "ls-tree", "-r", "--name-only", sha).splitlines()
        if line.endswith((".py", ".ipynb"))
    )
    assert reused == 0 and cached > 0 and cached + analysed == per_commit
    warm = cli(args)
    assert "0 from cache, 0 analysed; whole result reused for 4 commits" in warm.err
    assert warm.out == cold.out


def test_scan_history_draws_the_trend_in_the_html_report(
    cli: Any, grown: tuple[Path, list[str]], tmp_path: Path
) -> None:
    root, shas = grown
    page = tmp_path / "report.html"
    result = cli(["scan", root, "--no-config", "--history", "4", "-f", f"html:{page}"])
    assert result.code in (0, 1), result.err
    text = page.read_text("utf-8")
    doc = Elements(text)
    assert len(doc.having("svg", "trend")) == 1
    points = doc.having("g", "point")
    assert [p["data-commit"] for p in points] == shas
    assert [p["data-level"] for p in points] == ["0", "1", "2", "3"]
    assert len(doc.having("polyline", "score-line")) == 1
    assert len(doc.having("path", "level-step")) == 1
    assert not doc.having("g", "other-scoring")
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    plain = cli(["scan", root, "--no-config", "-f", f"html:{tmp_path / 'plain.html'}"])
    assert plain.code == result.code
    assert 'class="trend"' not in (tmp_path / "plain.html").read_text("utf-8")
    wrong = cli(["scan", root, "--history", "3"])
    assert wrong.code == 2 and "-f html:FILE" in wrong.err
