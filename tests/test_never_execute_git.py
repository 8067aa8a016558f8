"""No git setting of the scanned repository makes mlguard start a program.

The canary's ``.git/config`` (the attacker's, when a repository is handed over with its
``.git``) points every setting that can start a program at a script that writes a marker
file: clean/smudge/process filters on every file (stat-dirty, so that re-hashing would run
them), ``gpg.program`` with ``log.showSignature`` and a signed commit at HEAD,
``core.fsmonitor``, ``diff.external``, textconv and diff drivers via ``.gitattributes``,
``core.pager``, hooks (``core.hooksPath`` and ``.git/hooks``), ``core.sshCommand``, a
credential helper and askpass, and a promisor remote reached over ssh. Every mlguard
entry point that uses git runs against it: ``scan``, ``scan --diff-base``, ``hook``,
``baseline``, ``scan --config-ref``. No marker may appear.

The canary is shown to be live: the ordinary git commands mlguard used to run (status,
log, diff, worktree add) do fire its scripts.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import git, make_repo, write_files

SRC = Path(__file__).resolve().parents[1] / "src"
SETTINGS = (
    "filter-clean",
    "filter-smudge",
    "filter-process",
    "gpg",
    "gpg-ssh",
    "gpg-x509",
    "fsmonitor",
    "diff-external",
    "diff-command",
    "textconv",
    "pager",
    "ssh",
    "credential",
    "askpass",
    "editor",
    "alternate-refs",
    "hook",
)
HOOKS = (
    "post-checkout",
    "reference-transaction",
    "pre-auto-gc",
    "post-index-change",
    "pre-commit",
    "post-commit",
    "fsmonitor-watchman",
)


def _script(bin_dir: Path, markers: Path, name: str) -> Path:
    """An executable that records that it ran, then passes its input through."""
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\ntouch '{markers / name}'\ncat\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _signed_commit(root: Path, message: str) -> str:
    """A commit on top of HEAD whose object carries a (fake) gpgsig header."""
    tree = git(root, "write-tree").strip()
    parent = git(root, "rev-parse", "HEAD").strip()
    body = (
        f"tree {tree}\nparent {parent}\n"
        "author t <t@example.com> 1700000000 +0000\n"
        "committer t <t@example.com> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n"
        f"\n{message}\n"
    )
    proc = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=root,
        input=body,
        capture_output=True,
        text=True,
        check=True,
    )
    commit = proc.stdout.strip()
    git(root, "update-ref", "HEAD", commit)
    return commit


def _canary(tmp: Path) -> tuple[Path, Path]:
    markers = tmp / "markers"
    markers.mkdir()
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    hooks_dir = tmp / "hooks"
    hooks_dir.mkdir()
    run = {name: str(_script(bin_dir, markers, name)) for name in SETTINGS}
    for hook in HOOKS:
        (hooks_dir / hook).write_text(f"#!/bin/sh\ntouch '{markers / 'hook'}'\n", "utf-8")
        (hooks_dir / hook).chmod(0o755)
    root = make_repo(
        tmp / "canary",
        {
            "train.py": "import pickle\npickle.load(open('m.pkl', 'rb'))\n",
            "README.md": "# canary\n",
        },
    )
    write_files(
        root,
        {
            ".gitattributes": "* filter=evil diff=evil merge=evil\n",
            "serve.py": "import yaml\nyaml.load(open('c.yaml'))\n",
            "data/params.json": '{"lr": 0.1}\n',
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    _signed_commit(root, "signed third")
    settings = {
        "filter.evil.clean": run["filter-clean"],
        "filter.evil.smudge": run["filter-smudge"],
        "filter.evil.process": run["filter-process"],
        "filter.evil.required": "false",
        "gpg.program": run["gpg"],
        "gpg.ssh.program": run["gpg-ssh"],
        "gpg.x509.program": run["gpg-x509"],
        "log.showSignature": "true",
        "core.fsmonitor": run["fsmonitor"],
        "diff.external": run["diff-external"],
        "diff.evil.command": run["diff-command"],
        "diff.evil.textconv": run["textconv"],
        "core.pager": run["pager"],
        "pager.log": run["pager"],
        "core.sshCommand": run["ssh"],
        "credential.helper": run["credential"],
        "core.askPass": run["askpass"],
        "core.editor": run["editor"],
        "core.alternateRefsCommand": run["alternate-refs"],
        "core.hooksPath": str(hooks_dir),
        "remote.origin.url": "ssh://git@example.invalid/canary.git",
        "remote.origin.promisor": "true",
        "extensions.partialClone": "origin",
        "core.repositoryFormatVersion": "1",
    }
    for key, value in settings.items():
        git(root, "config", key, value)
    for hook in HOOKS:  # also in the default place
        target = root / ".git" / "hooks" / hook
        target.write_bytes((hooks_dir / hook).read_bytes())
        target.chmod(0o755)
    # stat-dirty: re-hashing these would run the clean filter
    later = time.time() + 5
    for path in root.rglob("*"):
        if ".git" not in path.parts and path.is_file():
            os.utime(path, (later, later))
    return root, markers


def _mlguard(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "MLGUARD_OFFLINE": "1", "MLGUARD_DEBUG": "1"}
    env.pop("MLGUARD_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "mlguard", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


COMMANDS = {
    "scan": (["scan", ".", "--format", "json"], (0, 1)),
    "scan-sarif": (["scan", ".", "--format", "sarif", "--jobs", "1"], (0, 1)),
    "diff-base": (["scan", ".", "--diff-base", "HEAD~2", "--format", "json"], (0, 1)),
    "hook": (["hook", "train.py", "serve.py"], (0, 1)),
    "baseline": (["baseline", ".", "-o", "../baseline.json"], (0,)),
    "config-ref": (["scan", ".", "--config-ref", "HEAD~1", "--format", "json"], (0, 1)),
}


@pytest.fixture(scope="module")
def canary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _canary(tmp_path_factory.mktemp("git-canary"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_git_setting_runs_a_program(canary: tuple[Path, Path], command: str) -> None:
    root, markers = canary
    args, codes = COMMANDS[command]
    proc = _mlguard(args, root)
    assert proc.returncode in codes, (args, proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stdout + proc.stderr
    assert sorted(p.name for p in markers.iterdir()) == []


def test_diff_mode_on_the_canary_still_compares_with_the_base(canary: tuple[Path, Path]) -> None:
    """The base is read from git's objects: serve.py (added after HEAD~2) is new, train.py
    (already in HEAD~2) is not."""
    root, markers = canary
    proc = _mlguard(["scan", ".", "--diff-base", "HEAD~2", "--format", "json", "--no-config"], root)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    import json

    paths = {f["path"] for f in json.loads(proc.stdout)["findings"]}
    assert "serve.py" in paths
    assert "train.py" not in paths
    assert sorted(p.name for p in markers.iterdir()) == []


def test_signed_commit_is_counted_without_gpg(canary: tuple[Path, Path]) -> None:
    root, markers = canary
    proc = _mlguard(["scan", ".", "--format", "json", "--select", "GOV*"], root)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "gpg" not in {p.name for p in markers.iterdir()}


def test_the_git_canary_is_live(tmp_path: Path) -> None:
    """Ordinary git commands on the same canary do run its programs."""
    root, markers = _canary(tmp_path)

    def fired(*args: str) -> set[str]:
        subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=60, check=False)
        return {p.name for p in markers.iterdir()}

    assert "fsmonitor" in fired("ls-files")
    assert "filter-process" in fired("status")  # a process filter wins over clean
    assert "gpg" in fired("log", "-1")
    assert "diff-command" in fired("diff", "HEAD~2", "HEAD")
    assert "textconv" in fired("log", "-p", "-1", "--no-ext-diff", "HEAD~1")
    worktree = tmp_path / "wt"
    assert {"hook"} <= fired("worktree", "add", "--detach", str(worktree), "HEAD")
