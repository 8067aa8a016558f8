"""SEC012 online through pip-audit's JSON, with a recorded-output stand-in for pip-audit.

The stand-in is a small program written by each test and named by MLGUARD_PIP_AUDIT; it
records the arguments it was given and prints recorded pip-audit output. Skipped packages
and service errors must give not-checked, never a pass or a finding.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json

REQUIREMENTS = {"requirements.txt": "requests==2.19.0\npyyaml==6.0.2\ntorch\n"}
VULN = {
    "id": "PYSEC-2018-28",
    "fix_versions": ["2.20.0"],
    "aliases": ["CVE-2018-18074"],
    "description": "Requests sends Authorization headers on redirects.",
}


@pytest.fixture
def fake_pip_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> Any:
    """``fake(stdout, code, stderr)`` installs a pip-audit stand-in; returns its argv log."""
    monkeypatch.delenv("MLGUARD_OFFLINE", raising=False)
    log = tmp_path / "argv.json"

    def install(stdout: str, code: int = 0, stderr: str = "") -> Path:
        script = tmp_path / "fake-pip-audit"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, sys\n"
            "argv = sys.argv[1:]\n"
            "req = open(argv[argv.index('-r') + 1]).read()\n"
            f"json.dump({{'argv': argv, 'requirements': req}}, open({str(log)!r}, 'w'))\n"
            f"sys.stdout.write({stdout!r})\n"
            f"sys.stderr.write({stderr!r})\n"
            f"sys.exit({code})\n",
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("MLGUARD_PIP_AUDIT", str(script))
        return log

    return install


def run(cli: Any, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    repo = make_repo(tmp_path / "repo", REQUIREMENTS)
    _, report = scan_json(cli, repo, "--select", "SEC012")
    return next(r for r in report["rules"] if r["id"] == "SEC012"), report


def audit_json(*deps: dict[str, Any]) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


def test_vulnerabilities_become_findings_at_the_requirement_line(
    cli, tmp_path, fake_pip_audit
) -> None:
    log = fake_pip_audit(
        audit_json(
            {"name": "requests", "version": "2.19.0", "vulns": [VULN]},
            {"name": "PyYAML", "version": "6.0.2", "vulns": []},
        ),
        code=1,  # pip-audit exits 1 when it found vulnerabilities
    )
    rule, report = run(cli, tmp_path)
    assert rule["status"] == "fail"
    (finding,) = report["findings"]
    assert (finding["path"], finding["line"]) == ("requirements.txt", 1)
    assert "PYSEC-2018-28" in finding["message"] and "CVE-2018-18074" in finding["message"]
    assert "2.20.0" in finding["message"]
    assert "torch" in rule["reason"]  # unpinned: not audited, and said so
    called = json.loads(log.read_text())
    assert {"-f", "json", "--no-deps", "--disable-pip"} <= set(called["argv"])
    # pip-audit reads a file mlguard wrote from the exact pins, never the repository's own
    assert called["requirements"] == "pyyaml==6.0.2\nrequests==2.19.0\n"


def test_no_vulnerabilities_passes(cli, tmp_path, fake_pip_audit) -> None:
    fake_pip_audit(
        audit_json(
            {"name": "requests", "version": "2.19.0", "vulns": []},
            {"name": "pyyaml", "version": "6.0.2", "vulns": []},
        )
    )
    rule, report = run(cli, tmp_path)
    assert rule["status"] == "pass"
    assert report["findings"] == []


def test_skipped_packages_are_not_checked_even_when_pip_audit_exits_0(
    cli, tmp_path, fake_pip_audit
) -> None:
    skip = "Dependency not found on PyPI and could not be audited: {} ({})"
    fake_pip_audit(
        audit_json(
            {"name": "requests", "skip_reason": skip.format("requests", "2.19.0")},
            {"name": "pyyaml", "skip_reason": skip.format("pyyaml", "6.0.2")},
        )
    )
    rule, report = run(cli, tmp_path)
    assert rule["status"] == "not-checked"
    assert "could not be audited" in rule["reason"]
    assert report["findings"] == []


def test_partly_skipped_keeps_the_findings_and_names_the_skipped(
    cli, tmp_path, fake_pip_audit
) -> None:
    fake_pip_audit(
        audit_json(
            {"name": "requests", "version": "2.19.0", "vulns": [VULN]},
            {"name": "pyyaml", "skip_reason": "service unavailable"},
        ),
        code=1,
    )
    rule, report = run(cli, tmp_path)
    assert rule["status"] == "fail"
    assert len(report["findings"]) == 1
    assert "pyyaml" in rule["reason"] and "service unavailable" in rule["reason"]


def test_package_missing_from_the_report_is_not_checked(cli, tmp_path, fake_pip_audit) -> None:
    fake_pip_audit(audit_json({"name": "requests", "version": "2.19.0", "vulns": []}))
    rule, _ = run(cli, tmp_path)
    assert rule["status"] == "not-checked"
    assert "pyyaml" in rule["reason"]


@pytest.mark.parametrize(
    ("stdout", "code", "stderr"),
    [
        ("", 1, "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev')\n"),
        ("No known vulnerabilities found\n", 1, "ConnectionError: offline\n"),
        ("{}", 2, "usage: pip-audit ...\n"),
        ("[1, 2]", 0, "ConnectionError: odd output\n"),
    ],
)
def test_service_errors_are_not_checked_with_the_reason(
    cli, tmp_path, fake_pip_audit, stdout: str, code: int, stderr: str
) -> None:
    fake_pip_audit(stdout, code, stderr)
    rule, report = run(cli, tmp_path)
    assert rule["status"] == "not-checked"
    assert "pip-audit" in rule["reason"]
    assert stderr.strip().split(":")[0] in rule["reason"]
    assert report["findings"] == []


def test_missing_executable_is_not_checked(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("MLGUARD_OFFLINE", raising=False)
    monkeypatch.setenv("MLGUARD_PIP_AUDIT", str(tmp_path / "no-such-program"))
    rule, _ = run(cli, tmp_path)
    assert rule["status"] == "not-checked"
    assert "not found" in rule["reason"]


def test_offline_flag_never_runs_pip_audit(cli, tmp_path, fake_pip_audit) -> None:
    log = fake_pip_audit(audit_json())
    repo = make_repo(tmp_path / "repo", REQUIREMENTS)
    _, report = scan_json(cli, repo, "--select", "SEC012", "--offline")
    assert next(r for r in report["rules"] if r["id"] == "SEC012")["status"] == "not-checked"
    assert not log.exists()


def test_hook_mode_never_runs_pip_audit(cli, tmp_path, fake_pip_audit) -> None:
    log = fake_pip_audit(audit_json({"name": "requests", "version": "2.19.0", "vulns": [VULN]}))
    repo = make_repo(tmp_path / "repo", REQUIREMENTS)
    result = cli(["hook", "requirements.txt", "--no-config", "--format", "json"], cwd=repo)
    assert result.code == 0, result.err
    assert next(r for r in result.json()["rules"] if r["id"] == "SEC012")["status"] == (
        "not-checked"
    )
    assert not log.exists()
    manifest = (Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text()
    assert "entry: mlguard scan . --offline" in manifest


def test_only_pep440_pins_reach_pip_audit(cli, tmp_path, fake_pip_audit) -> None:
    log = fake_pip_audit(audit_json({"name": "requests", "version": "2.19.0", "vulns": []}))
    files = {"requirements.txt": "requests==2.19.0\nevil===--index-url=http://x\n"}
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "SEC012")
    rule = next(r for r in report["rules"] if r["id"] == "SEC012")
    assert rule["status"] == "not-checked"
    assert "not a PEP 440 version" in rule["reason"]
    assert json.loads(log.read_text())["requirements"] == "requests==2.19.0\n"
