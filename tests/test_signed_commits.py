"""GOV004 counts signed commits (SSH-signed here) as a partial audit trail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git, scan_json, status_of, write_files


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_signed_history_is_partial_and_unsigned_fails(cli, tmp_path: Path) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, {"app.py": "print('hi')\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "unsigned")
    _, report = scan_json(cli, repo, "--select", "GOV004")
    assert status_of(report, "GOV004") == "fail"

    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}.pub"]
    for n in range(4):
        write_files(repo, {"app.py": f"print({n})\n"})
        git(repo, *sign, "commit", "-q", "-S", "-am", f"signed {n}")
    _, report = scan_json(cli, repo, "--select", "GOV004")
    assert status_of(report, "GOV004") == "partial"
    (rule,) = report["rules"]
    assert rule["reason"].startswith("4 of the last 5 commits are signed")
