"""Odd but parseable CI, Kubernetes, MCP and CODEOWNERS files never crash a check."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo, scan_json

ODD = {
    "train.py": "import sklearn\n\n\ndef train(m, x, y):\n    return m.fit(x, y)\n",
    "tests/test_train.py": "from train import train\n\n\ndef test_train():\n    assert train\n",
    "serve.py": "import fastapi\n",
    "app.py": "import openai\n\nopenai.chat.completions.create(model=None, **{})\neval()\n",
    ".github/workflows/a.yml": "on: [{push: 1}]\njobs: [1, 2]\n",
    ".github/workflows/b.yml": "jobs:\n  x:\n    steps: [1, {run: 5}, {run: [pytest]}]\n"
    "    environment: {name: [prod]}\n",
    ".github/workflows/c.yml": "- just\n- a list\n",
    ".github/workflows/d.yml": "jobs:\n  x: {environment: production, needs: null, steps: null}\n",
    ".gitlab-ci.yml": "stages: [test]\n"
    "job: {script: [[pytest, 1], {x: 1}], rules: 5, environment: production}\n",
    "Jenkinsfile": "sh '''\nunterminated\n",
    "k8s/a.yaml": "kind: Deployment\nspec: {containers: [1, {resources: 5}]}\n---\n"
    "kind: InferenceService\nspec: 3\n",
    "k8s/b.yaml": "kind: InferenceService\nspec: {predictor: [1]}\n",
    "charts/m/templates/deploy.yaml": "kind: Deployment\n{{ if .Values.x }}\n",
    ".mcp.json": '{"mcpServers": {"a": {"command": 5, "args": "npx"}, "b": [], '
    '"d": {"command": "npx", "args": null}, '
    '"c": {"command": "docker", "args": ["run"], "env": ["x"]}}}',
    "mcp.json": "[1, 2]",
    "CODEOWNERS": "*\n# only a comment\n[Section]\n  \n",
    "MODEL_CARD.md": "",
    "README.md": "---\nunclosed front matter\n",
}


def test_odd_files_give_statuses_not_errors(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", ODD)
    selected = ["testing", "cicd", "monitoring", "governance", "llm"]
    _, report = scan_json(cli, repo, *(a for s in selected for a in ("--select", s)))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    crashed = {r["id"]: r["reason"] for r in report["rules"] if r["status"] == "error"}
    assert crashed == {}
    assert len(statuses) >= 31
    assert statuses["CICD001"] == "pass"  # GitLab allows nested script lists: [[pytest, 1]]


def test_a_long_expression_does_not_hide_the_rest_of_its_file(cli, tmp_path: Path) -> None:
    # 1,500 chained additions parse into a tree 1,500 levels deep; the facts walk has no
    # recursion limit, so the unsafe load after it is still seen.
    chain = "total = " + " + ".join(["x"] * 1500) + "\n"
    source = f"import pickle\n\nx = 1\n{chain}\nmodel = pickle.load(open('m.pkl', 'rb'))\n"
    repo = make_repo(tmp_path / "r", {"train.py": source})
    _, report = scan_json(cli, repo, "--select", "SEC001")
    found = [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]]
    assert found == [("SEC001", "train.py", 6)]
