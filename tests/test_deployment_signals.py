"""Deployment signals: deploy actions and tasks in CI, deploy CLIs, managed model endpoints,
CD pipelines defined in code, and clock triggers declared in infrastructure code.

Each signal has a positive case and a near-miss negative case; every case scans a fixture
repository through the CLI (``--select`` the rule) and reads the rule's status from the
JSON report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

SERVE = "from flask import Flask\napp = Flask(__name__)\n"
GHA_USES = """\
on: {{push: {{branches: [main]}}}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: {uses}
"""
GHA_RUN = """\
on: {{push: {{branches: [main]}}}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {run}
"""
AZURE_TASK = """\
trigger: [main]
pool: {{vmImage: ubuntu-latest}}
steps:
  - task: {task}
    inputs: {{appName: scoring}}
"""

CASES: list[tuple[str, str, dict[str, str | bytes], str]] = [
    (
        "github-deploy-action",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_USES.format(uses="azure/webapps-deploy@v3"),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "github-login-action-only",
        "CICD003",
        {".github/workflows/cd.yml": GHA_USES.format(uses="azure/login@v2"), "app.py": SERVE},
        "fail",
    ),
    (
        "azure-pipelines-deploy-task",
        "CICD003",
        {"azure-pipelines.yml": AZURE_TASK.format(task="AzureWebApp@1"), "app.py": SERVE},
        "pass",
    ),
    (
        "azure-pipelines-build-task-only",
        "CICD003",
        {"azure-pipelines.yml": AZURE_TASK.format(task="Docker@2"), "app.py": SERVE},
        "fail",
    ),
    (
        "ci-runs-az-ml-model-deploy",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_RUN.format(
                run="az ml model deploy --name svc --model m:1 --ic inference.yml"
            ),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "ci-only-shows-an-endpoint",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_RUN.format(run="az ml online-endpoint show -n svc"),
            "app.py": SERVE,
        },
        "fail",
    ),
]


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [pytest.param(rule, files, expected, id=name) for name, rule, files, expected in CASES],
)
def test_deployment_signal(
    cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    assert status_of(report, rule) == expected
