"""CICD008 and SEC007 findings land on the offending line, with the case named in the message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import make_repo, scan_json

WORKFLOW = """\
name: pr
on:
  pull_request_target:
  issue_comment:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.ref }}
      - uses: actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b
      - uses: actions/checkout@main
      - run: |
          echo start
          echo "${{ github.event.comment.body }}"
          git checkout "${{ github.head_ref }}"
      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea
        with:
          script: console.log("${{ github.event.pull_request.title }}")
  deploy:
    permissions: write-all
    uses: org/infra/.github/workflows/deploy.yml@v1
"""


def findings(cli: Any, tmp_path: Path, files: dict[str, str], rule: str) -> list[tuple[int, str]]:
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", rule)
    return sorted((f["line"], f["message"]) for f in report["findings"] if f["rule_id"] == rule)


def test_workflow_problems_are_found_at_their_lines(cli, tmp_path) -> None:
    hits = findings(cli, tmp_path, {".github/workflows/pr.yml": WORKFLOW}, "CICD008")
    lines = [line for line, _ in hits]
    assert lines == [6, 9, 11, 13, 16, 17, 17, 20, 22, 23], hits
    text = dict(hits)
    assert "no `permissions:`" in text[6]
    assert "actions/checkout@v4" in text[9]
    assert "pull_request_target" in text[11]
    assert "actions/checkout@main" in text[13]
    assert "github.event.comment.body" in text[16]
    assert "github.event.pull_request.title" in text[20]
    assert "write-all" in text[22]
    assert "deploy.yml@v1" in text[23]
    messages = [m for line, m in hits if line == 17]
    assert any("pull_request_target" in m for m in messages)  # git checkout of the PR head
    assert any("github.head_ref" in m and "script" in m for m in messages)


def test_workflow_hardening_is_a_security_result_in_sarif(cli, tmp_path) -> None:
    repo = make_repo(tmp_path / "repo", {".github/workflows/pr.yml": WORKFLOW})
    result = cli(["scan", repo, "--no-config", "--select", "CICD008", "--format", "sarif"])
    sarif = json.loads(result.out)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    (rule,) = [r for r in rules if r["id"] == "CICD008"]
    assert float(rule["properties"]["security-severity"]) > 0


DOCKERFILE = """\
FROM python AS base
FROM base
ARG HF_TOKEN=hf_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
ENV PATH=/opt/bin:$PATH \\
    WANDB_API_KEY=0123456789abcdef
RUN apt-get update \\
 && wget -qO- https://example.com/setup \\
    | sh
ADD http://example.com/model.bin /m/
CMD ["serve"]
"""


def test_dockerfile_problems_are_found_at_their_lines(cli, tmp_path) -> None:
    hits = findings(cli, tmp_path, {"docker/Dockerfile.serve": DOCKERFILE}, "SEC007")
    assert [line for line, _ in hits] == [1, 3, 5, 6, 9, 10], hits
    text = dict(hits)
    assert "no tag" in text[1]
    assert "ARG HF_TOKEN" in text[3] and "hf_a" not in text[3]  # never repeat the value
    assert "WANDB_API_KEY" in text[5] and "0123456789abcdef" not in text[5]
    assert "shell" in text[6]
    assert "http://example.com/model.bin" in text[9]
    assert "no USER instruction" in text[10]


def test_a_policy_can_accept_tag_pins_for_chosen_owners(cli, tmp_path) -> None:
    workflow = (
        "on: push\npermissions: {contents: read}\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - uses: someone/action@v1\n"
    )
    config = "rules:\n  configure:\n    CICD008: {params: {tag_pins_allowed: [actions/*]}}\n"
    files = {".github/workflows/ci.yml": workflow, ".mlguard.yaml": config}
    repo = make_repo(tmp_path / "repo", files)
    result = cli(["scan", repo, "--select", "CICD008", "--format", "json"])
    hits = [(f["line"], f["message"]) for f in result.json()["findings"]]
    assert [line for line, _ in hits] == [8]
    assert "someone/action@v1" in hits[0][1]


def test_local_composite_actions_are_audited(cli, tmp_path) -> None:
    workflow = (
        "on: push\npermissions: {contents: read}\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: ./.github/actions/setup\n"
    )
    action = (
        "name: setup\nruns:\n  using: composite\n  steps:\n"
        "    - uses: actions/setup-python@v5\n"
        "    - run: echo ${{ github.event.head_commit.message }}\n      shell: bash\n"
    )
    files = {".github/workflows/ci.yml": workflow, ".github/actions/setup/action.yml": action}
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "CICD008")
    action_path = ".github/actions/setup/action.yml"
    hits = [(f["path"], f["line"]) for f in report["findings"]]
    assert hits == [(action_path, 5), (action_path, 6)]


def test_kubernetes_workloads_without_security_context(cli, tmp_path) -> None:
    manifest = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0.0
        - name: sidecar
          image: registry.example.com/proxy:2.0.0
          securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
"""
    hits = findings(cli, tmp_path, {"k8s/api.yaml": manifest}, "SEC007")
    assert [line for line, _ in hits] == [9]
    assert "may run as root" in hits[0][1] and "allowPrivilegeEscalation" in hits[0][1]
