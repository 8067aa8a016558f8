"""Hostile and broken repositories, built at test time in tmp_path (never committed).

Each builder gets the repository directory (not yet created) and a directory *outside* it,
and returns ``expect``: path -> a fragment of the reason mlguard must report in
``skipped`` for that path. Content placed outside the repository carries ``OUTSIDE_CANARY``
so a test can prove it was never read.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from conftest import git, make_repo, write_files

OUTSIDE_CANARY = "OUTSIDE-CANARY-7d3f9a"
LEAKY = f"import pickle\npickle.load(open('m.pkl', 'rb'))  # {OUTSIDE_CANARY}\n"
FORGED_NAME = "x\nResult: passed\x1b[2J.py"
TRAINING = "from sklearn.svm import SVC\nSVC().fit(X, y)\n"
Expect = dict[str, str]
Builder = Callable[[Path, Path], Expect]


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*{chr(96 + i)}"] * width)
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [{refs}]")
    return "\n".join(lines) + "\n"


def yaml_bombs(root: Path, outside: Path) -> Expect:
    bomb = billion_laughs()
    make_repo(
        root,
        {
            "dvc.yaml": bomb,
            "params.yaml": bomb,
            ".github/workflows/ci.yml": bomb,
            "MLproject": bomb,
            "train.py": TRAINING,
        },
    )
    # params.yaml is read as text only (a seed: key), never parsed: no skip to expect
    return dict.fromkeys(("dvc.yaml", ".github/workflows/ci.yml"), "alias")


def deep_json_notebook(root: Path, outside: Path) -> Expect:
    deep = "[" * 200_000 + "]" * 200_000
    make_repo(root, {"nb.ipynb": deep, "deep.json": deep})
    return {
        "nb.ipynb": "nested deeper",
    }


def deep_python(root: Path, outside: Path) -> Expect:
    make_repo(
        root,
        {
            "binop.py": "x = " + "1 + " * 100_000 + "1\n",
            "unary.py": "x = " + "-" * 100_000 + "1\n",
            "parens.py": "x = " + "(" * 5_000 + ")" * 5_000 + "\n",
            "attrs.py": "x = a" + ".b" * 100_000 + "\n",
            "calls.py": "f" + "(g" * 3_000 + ")" * 3_000 + "\n",
            "ok.py": "import pickle\npickle.loads(b'')\n",
        },
    )
    return {"binop.py": "", "unary.py": "", "parens.py": "", "calls.py": ""}


def symlinks(root: Path, outside: Path) -> Expect:
    outside.mkdir(parents=True, exist_ok=True)
    write_files(outside, {"evil.py": LEAKY, "pkg/train.py": LEAKY, "secret.yaml": "k: v\n"})
    make_repo(root, {"app.py": "x = 1\n"}, commit=False)
    (root / "train.py").symlink_to(outside / "evil.py")
    (root / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "selfdir").symlink_to(root, target_is_directory=True)
    (root / "dangling.yaml").symlink_to(outside / "missing.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "links")
    # the same links, untracked, inside a subdirectory
    (root / "sub").mkdir()
    (root / "sub" / "train.py").symlink_to(outside / "evil.py")
    (root / "sub" / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    link = "symbolic link"
    return dict.fromkeys(("train.py", "linked", "loop_a.py", "selfdir", "sub/train.py"), link)


def plain_symlinks(root: Path, outside: Path) -> Expect:
    """The symlink case without git: the directory walk must not follow links either."""
    outside.mkdir(parents=True, exist_ok=True)
    write_files(outside, {"evil.py": LEAKY, "pkg/train.py": LEAKY})
    write_files(root, {"app.py": "x = 1\n"})
    (root / "train.py").symlink_to(outside / "evil.py")
    (root / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    return {"train.py": "symbolic link", "linked": "symbolic link", "loop": "symbolic link"}


def bad_bytes(root: Path, outside: Path) -> Expect:
    junk = bytes(range(256)) * 64
    make_repo(
        root,
        {
            "latin1.py": "# caf\xe9\nimport pickle\n".encode("latin-1"),
            "nul.py": b"import os\x00\nos.system('x')\n",
            "junk.py": junk,
            "junk.yaml": junk,
            "junk.ipynb": junk,
            "dvc.yaml": junk,
            "train.py": TRAINING,
            ".github/workflows/ci.yml": b"on: push\nkey: \xff\xfe\n",
        },
    )
    return {
        "latin1.py": "UTF-8",
        "nul.py": "NUL",
        "junk.py": "NUL",
        "dvc.yaml": "NUL",
        "junk.ipynb": "NUL",
        ".github/workflows/ci.yml": "UTF-8",
    }


def huge_sparse(root: Path, outside: Path) -> Expect:
    make_repo(root, {"train.py": TRAINING})
    for name in HUGE:
        with (root / name).open("wb") as handle:
            handle.truncate(4 * 1024**3)
    return dict.fromkeys(("huge.py", "dvc.yaml", "requirements.txt", "nb.ipynb"), "budget")


HUGE = ("huge.py", "dvc.yaml", "requirements.txt", "pyproject.toml", "nb.ipynb")


def special_files(root: Path, outside: Path) -> Expect:
    """FIFOs and a socket (git does not list them: a plain directory walk meets them)."""
    write_files(root, {"app.py": "x = 1\n"})
    os.mkfifo(root / "fifo.py")
    os.mkfifo(root / "params.yaml")
    os.mkfifo(root / ".mlguard.yaml")
    os.mkfifo(root / "pyproject.toml")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(root / "sock.py"))
    finally:
        sock.close()
    return {
        "fifo.py": "not a regular file (a FIFO)",
        "params.yaml": "not a regular file (a FIFO)",
        "sock.py": "not a regular file (a socket)",
    }


def long_lines(root: Path, outside: Path) -> Expect:
    line = "a" * 400_000
    spaces = "CI_PIPELINE_SOURCE" + " " * 400_000
    make_repo(
        root,
        {
            "long.py": f"x = '{line}'",
            "long.yaml": f"key: {line}",
            "long.txt": line,
            "requirements.txt": "numpy" + "=" * 400_000,
            ".gitlab-ci.yml": spaces,
            "Makefile": "train" + "-" * 400_000,
            "tox.ini": "(" * 400_000,
        },
    )
    return {}


def blank_lines(root: Path, outside: Path) -> Expect:
    """MBs of blank lines and long lines where line-anchored regexes search (``^\\s*`` with
    MULTILINE backtracked quadratically: hours per file)."""
    blank = "\n" * (512 * 1024)
    make_repo(
        root,
        {
            "train.py": TRAINING,
            "params.yaml": "\n" * (2 * 1024 * 1024 - 1),
            "config.yaml": " \n" * (1024 * 1024 - 1),
            "Dockerfile": "FROM python:3.11\n" + blank + "ARG\n",
            "MLproject": "name: x\n" + blank,
            "pyproject.toml": "[project]\nname = 'x'\n" + blank,
            "serve.yaml": "kind: InferenceService\n" + blank,
            ".gitlab-ci.yml": "CI_PIPELINE_SOURCE" * 20_000 + "\n" + blank,
            "gate.py": "import mlflow\nif " + "a<" * 200_000 + "\n" + blank,
            "evaluate.py": "assert " + "acc" * 100_000 + "\n" + blank,
        },
    )
    return {}


def glob_bomb_config(root: Path, outside: Path) -> Expect:
    """paths.exclude patterns that backtrack polynomially in a naive glob translation."""
    deep = "/".join(["aa"] * 60)
    patterns = ["**/a*/" * 8 + "x", "*a" * 12 + "x", "**/" * 20 + "x", "**a*" * 10 + "x"]
    make_repo(
        root,
        {
            f"{deep}/train.py": "import pickle\npickle.load(f)\n",
            "a" * 200 + ".py": "x = 1\n",
            ".mlguard.yaml": "paths:\n  exclude:\n" + "".join(f"    - '{p}'\n" for p in patterns),
        },
    )
    return {}


def broken_git_head(root: Path, outside: Path) -> Expect:
    make_repo(root, {"train.py": "import pickle\npickle.load(f)\n"})
    (root / ".git" / "HEAD").write_bytes(b"\xff\x00garbage\n")
    return {".git": "not a valid git repository"}


def foreign_worktree(root: Path, outside: Path) -> Expect:
    """.git/config names another directory as the work tree (core.worktree)."""
    write_files(outside, {"evil.py": LEAKY})
    make_repo(root, {"train.py": "import pickle\npickle.load(f)\n"})
    (root / "untracked.py").write_text("import pickle\npickle.loads(b)\n")
    git(root, "config", "core.worktree", str(outside))
    return {}


def missing_objects(root: Path, outside: Path) -> Expect:
    make_repo(root, {"train.py": "import pickle\npickle.load(f)\n"})
    git(root, "tag", "v1")
    for path in sorted((root / ".git" / "objects").rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()
    return {}


def shallow_clone(root: Path, outside: Path) -> Expect:
    src = make_repo(outside / "origin", {"train.py": "import sklearn\n"})
    git(src, "commit", "-q", "--allow-empty", "-m", "second")
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", src.as_uri(), str(root)],
        check=True,
        capture_output=True,
    )
    return {}


def detached_head(root: Path, outside: Path) -> Expect:
    make_repo(root, {"train.py": "import sklearn\n"})
    git(root, "commit", "-q", "--allow-empty", "-m", "second")
    git(root, "checkout", "-q", "--detach", "HEAD~1")
    return {}


def submodule(root: Path, outside: Path) -> Expect:
    sub = make_repo(outside / "subrepo", {"evil.py": LEAKY})
    make_repo(root, {"app.py": "x = 1\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.as_uri(), "vendor")
    git(root, "commit", "-q", "-m", "submodule")
    return {"vendor": "submodule"}


def empty_repo(root: Path, outside: Path) -> Expect:
    make_repo(root, {}, commit=False)
    return {}


def no_commits(root: Path, outside: Path) -> Expect:
    make_repo(root, {"train.py": "import sklearn\n", "data/x.csv": "a,b\n"}, commit=False)
    git(root, "add", "train.py")
    return {}


def plain_directory(root: Path, outside: Path) -> Expect:
    write_files(root, {"train.py": "import pickle\npickle.load(f)\n", "node_modules/x.py": "1"})
    return {}


def odd_names(root: Path, outside: Path) -> Expect:
    make_repo(
        root,
        {
            "my dir/train model.py": "import pickle\npickle.load(f)\n",
            "données/entraîner_模型.py": "import pickle\npickle.load(f)\n",
            "crlf.py": b"import pickle\r\npickle.load(f)\r\n",
            "crlf.yaml": b"stages:\r\n  train:\r\n    cmd: python train.py\r\n",
            "-rf.py": "x = 1\n",
            "esc\x1b[31m.py": "x = 1\n",
            FORGED_NAME: "import pickle\npickle.load(f)\n",
        },
    )
    return {}


CASES: dict[str, Builder] = {
    "yaml-bombs": yaml_bombs,
    "deep-json-notebook": deep_json_notebook,
    "deep-python": deep_python,
    "symlinks": symlinks,
    "plain-symlinks": plain_symlinks,
    "bad-bytes": bad_bytes,
    "huge-sparse": huge_sparse,
    "special-files": special_files,
    "long-lines": long_lines,
    "blank-lines": blank_lines,
    "glob-bomb-config": glob_bomb_config,
    "broken-git-head": broken_git_head,
    "missing-objects": missing_objects,
    "foreign-worktree": foreign_worktree,
    "shallow-clone": shallow_clone,
    "detached-head": detached_head,
    "submodule": submodule,
    "empty-repo": empty_repo,
    "no-commits": no_commits,
    "plain-directory": plain_directory,
    "odd-names": odd_names,
}
