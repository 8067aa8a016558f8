"""zizmor as an engine (ZIZ rules): the JSON shape it speaks, failures as not-checked,
zizmor's own ignores and configuration, and no problem reported twice with CICD008.

Shape tests use a stand-in named by MLGUARD_ZIZMOR that prints a recorded zizmor 1.33.1
answer (tests/fixtures/zizmor/); the others run the installed zizmor on fixture workflows.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json

SAMPLE = Path(__file__).parent / "fixtures" / "zizmor" / "sample-1.33.1.json"
CI = ".github/workflows/ci.yml"
WORKFLOW = (
    "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n"
)
STDERR = " INFO zizmor: 🌈 zizmor v1.33.1\n INFO audit: zizmor: 🌈 completed ./{path}\n"


@pytest.fixture
def fake_zizmor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``fake(stdout, code, stderr, sleep)`` installs a stand-in; returns its log path."""
    log = tmp_path / "zizmor-call.json"

    def install(stdout: str, code: int = 0, stderr: str = "", sleep: float = 0) -> Path:
        script = tmp_path / "fake-zizmor"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys, time\n"
            f"time.sleep({sleep})\n"
            "env = sorted(k for k in os.environ if 'TOKEN' in k)\n"
            f"json.dump({{'argv': sys.argv[1:], 'env': env}}, open({str(log)!r}, 'w'))\n"
            f"sys.stdout.write({stdout!r})\n"
            f"sys.stderr.write({stderr!r})\n"
            f"sys.exit({code})\n",
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("MLGUARD_ZIZMOR", str(script))
        return log

    return install


def rule(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in report["rules"] if r["id"] == rule_id)


def hits(report: dict[str, Any], rule_id: str) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in report["findings"] if f["rule_id"] == rule_id]


def test_recorded_json_maps_to_findings_on_zizmors_locations(
    cli: Any, tmp_path: Path, fake_zizmor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_zizmor(SAMPLE.read_text(), stderr=STDERR.format(path=CI))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_not_for_zizmor")
    repo = make_repo(tmp_path / "repo", {CI: WORKFLOW, "src/action.yml": "name: a\n"})
    _, report = scan_json(cli, repo, "--select", "tag:zizmor")
    # unpinned-uses: primary location row 5 (0-based) -> line 6
    (unpinned,) = [f for f in report["findings"] if f["rule_id"] == "ZIZ036"]
    assert (unpinned["path"], unpinned["line"]) == (CI, 6)
    assert "zizmor unpinned-uses: High severity, High confidence" in unpinned["message"]
    # the regular-persona excessive-permissions finding only (the pedantic one is left out)
    assert hits(report, "ZIZ011") == [(CI, 3)]
    assert rule(report, "ZIZ001")["status"] == "n/a"  # adhoc-packages: off by default
    call = json.loads(log.read_text())
    argv = call["argv"]
    assert {"--offline", "--no-exit-codes"} <= set(argv)
    assert argv[argv.index("--format") + 1] == "json"
    assert argv[argv.index("--persona") + 1] == "auditor"
    # explicit files after "--", never the repository directory; no token reaches zizmor
    assert argv[argv.index("--") + 1 :] == [f"./{CI}", "./src/action.yml"]
    assert call["env"] == []


def test_a_wider_persona_is_a_rule_parameter(cli: Any, tmp_path: Path, fake_zizmor: Any) -> None:
    fake_zizmor(SAMPLE.read_text(), stderr=STDERR.format(path=CI))
    config = "rules:\n  configure:\n    ZIZ011: {params: {persona: pedantic}}\n"
    repo = make_repo(tmp_path / "repo", {CI: WORKFLOW, ".mlguard.yaml": config})
    result = cli(["scan", repo, "--select", "ZIZ011", "--format", "json"])
    assert sorted(hits(result.json(), "ZIZ011")) == [(CI, 1), (CI, 3)]


@pytest.mark.parametrize(
    ("stdout", "code", "stderr", "reason"),
    [
        ("[]", 1, "error: something broke\n", "zizmor failed (exit 1): something broke"),
        ('{"findings": []}', 0, "", "unknown shape"),
        ('[{"ident": "x"}]', 0, "", "unknown shape"),
        ("[]", 0, " INFO zizmor: 🌈 zizmor v0.9.0\n", "outside the supported range"),
    ],
)
def test_a_failing_zizmor_makes_its_rules_not_checked(
    cli: Any, tmp_path: Path, fake_zizmor: Any, stdout: str, code: int, stderr: str, reason: str
) -> None:
    fake_zizmor(stdout, code, stderr)
    repo = make_repo(tmp_path / "repo", {CI: WORKFLOW})
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    result = rule(report, "ZIZ036")
    assert result["status"] == "not-checked"
    assert reason in result["reason"]


def test_missing_or_hanging_zizmor_is_not_a_pass(
    cli: Any, tmp_path: Path, fake_zizmor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo", {CI: WORKFLOW})
    monkeypatch.setenv("MLGUARD_ZIZMOR", str(tmp_path / "no-such-zizmor"))
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    assert rule(report, "ZIZ036")["status"] == "not-checked"
    assert "not found" in rule(report, "ZIZ036")["reason"]
    fake_zizmor("[]", sleep=5)
    monkeypatch.setenv("MLGUARD_ZIZMOR_TIMEOUT", "0.5")
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    assert rule(report, "ZIZ036")["status"] == "not-checked"
    assert "no answer within 0.5 s" in rule(report, "ZIZ036")["reason"]


def test_workflow_files_outside_the_repository_are_never_passed(
    cli: Any, tmp_path: Path, fake_zizmor: Any
) -> None:
    log = fake_zizmor("[]", stderr=STDERR.format(path=CI))
    outside = tmp_path / "outside.yml"
    outside.write_text(WORKFLOW)
    repo = make_repo(tmp_path / "repo", {CI: WORKFLOW})
    (repo / ".github/workflows/linked.yml").symlink_to(outside)
    scan_json(cli, repo, "--select", "ZIZ036")
    argv = json.loads(log.read_text())["argv"]
    assert argv[argv.index("--") + 1 :] == [f"./{CI}"]


def test_no_workflows_means_not_applicable(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"train.py": "x = 1\n"})
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    assert rule(report, "ZIZ036")["status"] == "n/a"


# --- the real zizmor -------------------------------------------------------------------

PR_TARGET = """\
on: pull_request_target
jobs:
  evaluate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          persist-credentials: false
      - run: echo "${{ github.event.pull_request.title }}"
      - uses: docker/login-action@v3 # zizmor: ignore[unpinned-uses]
"""


def test_real_zizmor_findings_and_its_inline_ignores(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {CI: PR_TARGET})
    _, report = scan_json(cli, repo, "--select", "tag:zizmor", "--select", "CICD008")
    assert hits(report, "ZIZ008") == [(CI, 1)]  # dangerous-triggers
    assert hits(report, "ZIZ011") == [(CI, 3)]  # excessive-permissions, on the job
    assert hits(report, "ZIZ036") == [(CI, 6)]  # the ignored docker/login-action is not here
    assert hits(report, "ZIZ031") == [(CI, 10)]  # template-injection
    # CICD008 keeps what zizmor did not report (the PR-head checkout) and nothing twice
    assert hits(report, "CICD008") == [(CI, 8)]
    assert rule(report, "ZIZ004")["status"] == "pass"  # persist-credentials: false


def test_cicd008_reports_everything_when_zizmor_rules_are_not_selected(
    cli: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {CI: PR_TARGET})
    _, report = scan_json(cli, repo, "--select", "CICD008")
    # line 11 says `# zizmor: ignore[unpinned-uses]`: the repository's word on that concern
    assert hits(report, "CICD008") == [(CI, 3), (CI, 6), (CI, 8), (CI, 10)]


def test_the_repositorys_zizmor_config_is_honoured(cli: Any, tmp_path: Path) -> None:
    config = (
        "rules:\n  unpinned-uses:\n    disable: true\n"
        "  template-injection:\n    ignore: [ci.yml:10]\n"
    )
    repo = make_repo(tmp_path / "repo", {CI: PR_TARGET, ".github/zizmor.yml": config})
    _, report = scan_json(cli, repo, "--select", "ZIZ036", "--select", "ZIZ031")
    assert rule(report, "ZIZ036")["status"] == "pass"
    assert rule(report, "ZIZ031")["status"] == "pass"
    # CICD008 takes the repository's word too, even when it reports alone
    _, report = scan_json(cli, repo, "--select", "CICD008")
    assert hits(report, "CICD008") == [(CI, 3), (CI, 8)]


def test_zizmor_rules_carry_security_severity_in_sarif(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {CI: PR_TARGET})
    result = cli(["scan", repo, "--no-config", "--select", "ZIZ031", "--format", "sarif"])
    sarif = json.loads(result.out)
    (spec,) = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ZIZ031"]
    assert float(spec["properties"]["security-severity"]) == 8.0
    (alert,) = sarif["runs"][0]["results"]
    assert alert["locations"][0]["physicalLocation"]["region"]["startLine"] == 10


def test_every_audit_of_the_installed_zizmor_has_a_rule_or_a_reason(cli: Any) -> None:
    exe = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert exe, "zizmor is a dependency of mlguard"
    binary = Path(exe).read_bytes()
    table = cli(["rules", "--format", "json"])
    assert table.code == 0
    known = {r["slug"].removeprefix("zizmor-") for r in table.json() if r["id"].startswith("ZIZ")}
    online = {"impostor-commit", "known-vulnerable-actions", "ref-confusion"}
    online |= {"ref-version-mismatch", "stale-action-refs", "insecure-url-scheme"}
    found = set()
    for match in re.finditer(rb"docs\.zizmor\.sh/audits/#([a-z-]+)", binary):
        text = match.group(1).decode()
        idents = [i for i in known | online if text.startswith(i)]
        if idents:
            found.add(max(idents, key=len))
        elif text:
            raise AssertionError(f"zizmor has an audit mlguard does not know: {text}")
    assert found == known | online


ALIASED = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    permissions: {contents: read}
    steps:
      - &checkout
        uses: actions/checkout@v4
      - uses: ./.github/actions/setup
      - uses: $/.github/actions/setup
  release:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - *checkout
"""


def test_cicd008_places_job_findings_on_the_job_and_aliases_on_their_anchor(
    cli: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {CI: ALIASED})
    _, report = scan_json(cli, repo, "--select", "CICD008")
    # the aliased checkout once, on its anchor's line; write-all on the release job's key;
    # same-repository actions (./ and $/) are not findings
    assert hits(report, "CICD008") == [(CI, 8), (CI, 13)]


def test_workflow_write_all_overridden_by_every_job_is_not_reported(
    cli: Any, tmp_path: Path
) -> None:
    workflow = (
        "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    permissions: {}\n    steps:\n      - run: echo a\n"
    )
    repo = make_repo(tmp_path / "repo", {CI: workflow})
    _, report = scan_json(cli, repo, "--select", "CICD008")
    assert rule(report, "CICD008")["status"] == "pass"
    more = workflow + "  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo b\n"
    (repo / CI).write_text(more)
    _, report = scan_json(cli, repo, "--select", "CICD008")
    assert hits(report, "CICD008") == [(CI, 2)]


EDGES = """\
on: issues
permissions: {}
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - uses: |
          actions/checkout@v4
      - run: &say |
          echo "${{ github.event.issue.title }}"
      - run: *say
      - run: echo "${{ github.event.issue.title == 'help' }}"
      - run: echo "${{ contains(github.event.issue.body, 'x') }}"
"""


def test_cicd008_block_scalars_aliases_and_boolean_expressions(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {CI: EDGES})
    _, report = scan_json(cli, repo, "--select", "CICD008")
    # the block-scalar uses on its text's line; the aliased script once, on the expression's
    # line; comparisons and contains() yield true/false, not the title's text
    assert hits(report, "CICD008") == [(CI, 8), (CI, 10)]


def test_files_zizmor_cannot_read_are_listed_as_skipped(cli: Any, tmp_path: Path) -> None:
    files = {CI: PR_TARGET, ".github/workflows/notes.yml": "title: not a workflow\n"}
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    assert rule(report, "ZIZ036")["status"] == "fail"
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert "zizmor" in skipped[".github/workflows/notes.yml"]
    (repo / CI).write_text("title: nor this one\n")
    _, report = scan_json(cli, repo, "--select", "ZIZ036")
    assert rule(report, "ZIZ036")["status"] == "not-checked"
    assert "could read none" in rule(report, "ZIZ036")["reason"]


UNPINNED_ONLY = """\
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
"""


def test_cicd008_fails_without_findings_when_zizmor_reports_every_problem(
    cli: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {CI: UNPINNED_ONLY})
    _, report = scan_json(cli, repo, "--select", "tag:zizmor", "--select", "CICD008")
    assert hits(report, "ZIZ036") == [(CI, 7)]  # unpinned-uses, zizmor's finding
    assert hits(report, "CICD008") == []  # not reported twice ...
    assert rule(report, "CICD008")["status"] == "fail"  # ... but the workflow is not hardened
    assert "zizmor" in rule(report, "CICD008")["reason"]


def test_cicd008_passes_a_hardened_workflow_with_zizmor(cli: Any, tmp_path: Path) -> None:
    pinned = UNPINNED_ONLY.replace(
        "actions/setup-python@v5", "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065"
    )
    repo = make_repo(tmp_path / "repo", {CI: pinned})
    _, report = scan_json(cli, repo, "--select", "tag:zizmor", "--select", "CICD008")
    assert rule(report, "CICD008")["status"] == "pass"
