"""Analysis workers never import from the scanned repository or the current directory,
whatever the multiprocessing start method (spawn is the default on macOS and Windows,
forkserver on Linux from Python 3.14).

The canary holds packages and modules named like the standard library modules a worker
imports while it starts (``multiprocessing`` first: a spawned child imports it before
anything else) and like mlguard's dependencies; each writes a marker file when imported.
The scan is launched by a script outside the canary (as the ``mlguard`` console script
is), with the canary as working directory, and with enough Python files for a real pool.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_repo, write_files

SRC = Path(__file__).resolve().parents[1] / "src"
SHADOWED_PACKAGES = ("multiprocessing", "concurrent", "json", "encodings", "email", "yaml")
SHADOWED_MODULES = (
    "pickle",
    "copyreg",
    "struct",
    "selectors",
    "threading",
    "queue",
    "runpy",
    "signal",
    "ast",
    "tokenize",
    "hashlib",
    "click",
    "bandit",
    "sitecustomize",
    "usercustomize",
)
LAUNCHER = """\
import multiprocessing
import sys

from mlguard.cli import main

if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv.pop(1), force=True)
    main()
"""


def _shadows(markers: Path) -> dict[str, str]:
    def touch(name: str) -> str:
        return f"open({str(markers / name)!r}, 'w').close()\n"

    files = {f"{name}/__init__.py": touch(name) for name in SHADOWED_PACKAGES}
    files.update({f"{name}.py": touch(name) for name in SHADOWED_MODULES})
    return files


def _python_files(count: int) -> dict[str, str]:
    return {f"pkg/mod{i:03d}.py": f"import os\nVALUE_{i} = os.getcwd()\n" for i in range(count)}


def _run(
    launcher: Path, method: str, args: list[str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "MLGUARD_OFFLINE": "1"}
    env.pop("MLGUARD_CONFIG", None)
    env.pop("PYTHONSAFEPATH", None)
    return subprocess.run(
        [sys.executable, str(launcher), method, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
@pytest.mark.parametrize("where", ["scanned-repository", "working-directory"])
def test_workers_import_nothing_from_the_repository_or_cwd(
    tmp_path: Path, method: str, where: str
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    launcher = write_files(tmp_path / "bin", {"launch.py": LAUNCHER}) / "launch.py"
    repo_files = _python_files(80)
    if where == "scanned-repository":
        repo = make_repo(tmp_path / "repo", {**repo_files, **_shadows(markers)})
        cwd, target = repo, "."
    else:
        repo = make_repo(tmp_path / "repo", repo_files)
        cwd = write_files(tmp_path / "cwd", _shadows(markers))
        target = str(repo)
    args = ["scan", target, "--no-config", "--no-cache", "--jobs", "2", "--stats"]
    proc = _run(launcher, method, args, cwd)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "by 2 workers" in proc.stderr  # the pool really ran
    assert sorted(p.name for p in markers.iterdir()) == []


def test_the_shadowing_canary_is_live(tmp_path: Path) -> None:
    """Without mlguard's precautions a spawned child does import the planted package."""
    markers = tmp_path / "markers"
    markers.mkdir()
    cwd = write_files(tmp_path / "cwd", _shadows(markers))
    script = (
        "import multiprocessing as mp\n"
        "if __name__ == '__main__':\n"
        "    ctx = mp.get_context('spawn')\n"
        "    p = ctx.Process(target=print)\n"
        "    p.start(); p.join()\n"
    )
    launcher = write_files(tmp_path / "bin", {"plain.py": script}) / "plain.py"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    subprocess.run([sys.executable, str(launcher)], cwd=cwd, env=env, timeout=120, check=False)
    assert "multiprocessing" in {p.name for p in markers.iterdir()}
