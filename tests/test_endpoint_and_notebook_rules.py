"""SEC005 (notebook outputs), SEC006 (update automation) and SEC009 (endpoint protection):
findings on the right lines with the right severities, and the cases that must stay quiet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import make_repo, scan_json


def findings(report: dict[str, Any], rule_id: str) -> list[tuple[str, int, str]]:
    return [
        (f["path"], f["line"], f["severity"]) for f in report["findings"] if f["rule_id"] == rule_id
    ]


def status(report: dict[str, Any], rule_id: str) -> str:
    return next(r["status"] for r in report["rules"] if r["id"] == rule_id)


def notebook(image_chars: int) -> str:
    output = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"image/png": "A" * image_chars, "text/plain": ["<Figure>"]},
    }
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["show()"]}
    doc = {"cells": [{**cell, "outputs": [output]}], "metadata": {}, "nbformat": 4}
    return json.dumps(doc, indent=1) + "\n"


def test_a_gallery_of_images_is_reported_a_few_plots_are_not(cli: Any, tmp_path: Path) -> None:
    files = {"eda/samples.ipynb": notebook(1_200_000), "eda/loss.ipynb": notebook(40_000)}
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "SEC005")
    (hit,) = [f for f in report["findings"] if f["rule_id"] == "SEC005"]
    assert hit["path"] == "eda/samples.ipynb"
    text = notebook(1_200_000)
    assert hit["line"] == text[: text.index('"image/png"')].count("\n") + 1
    assert "1 MB" in hit["message"]


def test_a_gitattributes_filter_strips_outputs(cli: Any, tmp_path: Path) -> None:
    files = {"samples.ipynb": notebook(1_200_000), ".gitattributes": "*.ipynb filter=nbstripout\n"}
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "SEC005")
    assert status(report, "SEC005") == "pass"


SERVICE = """\
import gradio as gr
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)


@app.get("/health")
def health():
    return "ok"


@app.post("/v1/predict")
async def predict(x: float):
    return {"y": x}


gr.Interface(fn=predict, inputs="number", outputs="json").launch(share=True)
"""


def test_endpoint_findings_and_their_severities(cli: Any, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"serve/app.py": SERVICE, "tests/test_app.py": SERVICE})
    _, report = scan_json(cli, repo, "--select", "SEC009")
    assert findings(report, "SEC009") == [
        ("serve/app.py", 6, "warning"),  # CORS * with credentials
        ("serve/app.py", 14, "note"),  # the first inference route, not /health
        ("serve/app.py", 19, "warning"),  # share=True
    ]


def test_a_service_with_only_non_inference_routes_or_behind_a_gateway(
    cli: Any, tmp_path: Path
) -> None:
    app = 'from flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/")\ndef home():\n'
    app += '    return "hi"\n'
    repo = make_repo(tmp_path / "repo", {"web.py": app})
    _, report = scan_json(cli, repo, "--select", "SEC009")
    assert status(report, "SEC009") == "pass"
    gateway = "rules:\n  configure:\n    SEC009: {params: {require_auth: false}}\n"
    repo = make_repo(tmp_path / "gw", {"serve.py": SERVICE, ".mlguard.yaml": gateway})
    result = cli(["scan", repo, "--select", "SEC009", "--format", "json"])
    assert [line for _, line, _ in findings(result.json(), "SEC009")] == [6, 19]


def test_an_audit_step_without_update_automation_is_partial(cli: Any, tmp_path: Path) -> None:
    workflow = (
        "on: push\npermissions: {contents: read}\njobs:\n  audit:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: pip-audit -r requirements.txt\n"
    )
    files = {
        "requirements.txt": "torch==2.4.1\n",
        "train.py": "import torch\n",
        ".github/workflows/audit.yml": workflow,
    }
    repo = make_repo(tmp_path / "repo", files)
    _, report = scan_json(cli, repo, "--select", "SEC006")
    result = next(r for r in report["rules"] if r["id"] == "SEC006")
    assert result["status"] == "partial"
    assert "pip-audit" in result["reason"]
