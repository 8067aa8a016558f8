"""Publishing the trained model to the Hugging Face Hub is putting it to use (``deployed``):
CICD003 and CICD004 apply; an automated release is partial for CICD003 (no serving
endpoint), and MON003 (prediction logging) stays n/a since nothing makes predictions.

Each case scans a fixture repository through the CLI and reads the rule's status from the
JSON report; each signal has a near-miss negative.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

TRAIN = """\
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_pretrained("base")
trainer = Trainer(model=model)
trainer.train()
"""
PUSH_IN_CODE = TRAIN + 'model.push_to_hub("org/classifier")\n'
HF_API_UPLOAD = """\
from huggingface_hub import HfApi

HfApi().upload_folder(folder_path="model", repo_id="org/classifier")
"""
S3_UPLOAD = """\
import boto3

boto3.client("s3").upload_file("model/model.pkl", "bucket", "model.pkl")
"""
GHA = """\
on: {on}
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
{run}
"""
GIT_PUSH_TO_HUB = """\
          git clone https://user:$HF_TOKEN@huggingface.co/org/classifier hub
          cp -r model/* hub/
          cd hub && git add --all && git commit -m release
          git push origin main"""
GIT_PUSH_ELSEWHERE = """\
          wget https://huggingface.co/org/base-model/resolve/main/config.json
          git tag v1 && git push origin v1"""


def notebook(*cells: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    return json.dumps(
        {
            "cells": [{**cell, "source": c.splitlines(keepends=True)} for c in cells],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def gha(on: str, run: str) -> str:
    return GHA.format(on=on, run=run)


CASES: list[tuple[str, str, dict[str, str | bytes], str]] = [
    (
        "ci-on-push-uploads-with-the-hub-cli",
        "CICD003",
        {
            "train.py": TRAIN,
            ".github/workflows/release.yml": gha(
                "[push]", "          huggingface-cli upload org/classifier model/"
            ),
        },
        "partial",
    ),
    (
        "ci-uploads-with-the-hf-cli-on-push-is-deployed-for-cicd004",
        "CICD004",
        {
            "train.py": TRAIN,
            ".github/workflows/release.yml": gha("[push]", "          hf upload org/clf model/"),
        },
        "fail",
    ),
    (
        "ci-downloads-with-the-hub-cli-is-not-publishing",
        "CICD003",
        {
            "train.py": TRAIN,
            ".github/workflows/release.yml": gha(
                "[push]", "          huggingface-cli download org/base-model"
            ),
        },
        "n/a",
    ),
    (
        "ci-on-push-git-pushes-to-a-hub-repository",
        "CICD003",
        {"train.py": TRAIN, ".github/workflows/release.yml": gha("[push]", GIT_PUSH_TO_HUB)},
        "partial",
    ),
    (
        # near miss: a file is downloaded from the hub; the push goes to this repository
        "ci-git-pushes-here-after-downloading-from-the-hub",
        "CICD004",
        {"train.py": TRAIN, ".github/workflows/release.yml": gha("[push]", GIT_PUSH_ELSEWHERE)},
        "n/a",
    ),
    (
        "training-script-pushes-the-model-run-by-ci",
        "CICD003",
        {
            "train.py": PUSH_IN_CODE,
            ".github/workflows/train.yml": gha("[push]", "          python train.py"),
        },
        "partial",
    ),
    (
        "hfapi-upload-in-code",
        "CICD004",
        {"train.py": TRAIN, "release.py": HF_API_UPLOAD},
        "fail",
    ),
    (
        "s3-upload-file-is-not-hub-publishing",
        "CICD004",
        {"train.py": TRAIN, "release.py": S3_UPLOAD},
        "n/a",
    ),
    (
        "push-to-hub-in-a-notebook-is-deployed",
        "CICD004",
        {"train.py": TRAIN, "notebooks/train.ipynb": notebook('model.push_to_hub("org/c")')},
        "fail",
    ),
    (
        "a-delegating-push-to-hub-method-is-not-publishing",
        "CICD004",
        {
            "train.py": TRAIN,
            "hub.py": "class Mixin:\n    def publish(self):\n        self.push_to_hub('x')\n",
        },
        "n/a",
    ),
    (
        "makefile-uploads-by-hand",
        "CICD003",
        {"train.py": TRAIN, "Makefile": "release:\n\thuggingface-cli upload org/c model/\n"},
        "partial",
    ),
    (
        "makefile-downloads-only",
        "CICD003",
        {"train.py": TRAIN, "Makefile": "base:\n\thuggingface-cli download org/base\n"},
        "n/a",
    ),
    (
        "publishing-only-makes-no-predictions-for-mon003",
        "MON003",
        {"train.py": TRAIN, ".github/workflows/release.yml": gha("[push]", GIT_PUSH_TO_HUB)},
        "n/a",
    ),
]


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [pytest.param(rule, files, expected, id=name) for name, rule, files, expected in CASES],
)
def test_model_publishing(
    cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    assert status_of(report, rule) == expected


def test_hub_release_is_partial_not_pass_and_says_why(cli: Any, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "train.py": TRAIN,
        ".github/workflows/release.yml": gha("[push]", GIT_PUSH_TO_HUB),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "CICD003")
    rule = next(r for r in report["rules"] if r["id"] == "CICD003")
    assert rule["status"] == "partial"
    assert "model hub" in json.dumps(rule)
    assert any(e["text"].startswith("git push") for e in rule["evidence"])


def test_hub_release_started_by_hand_is_partial(cli: Any, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "train.py": TRAIN,
        ".github/workflows/release.yml": gha("[workflow_dispatch]", GIT_PUSH_TO_HUB),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "CICD003")
    rule = next(r for r in report["rules"] if r["id"] == "CICD003")
    assert rule["status"] == "partial"
    assert "by hand" in json.dumps(rule)
