"""VER004's reading of committed outputs: what DVC means to be committed (outputs declared
``cache: false``) and committed prediction outputs (competition submissions, out-of-fold
and blend predictions), which a run regenerates and which are not inputs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from mlguard.checks.base import CheckContext
from mlguard.facts import traits

DVC_OUTPUT_KEYS = ("outs", "metrics", "plots")
PREDICTION_SUFFIXES = (".csv", ".tsv", ".parquet", ".feather", ".npy", ".npz", ".jsonl")
PREDICTION_DIR = re.compile(
    r"(^|/)(submissions?|submits?|predictions?|preds|oof|blends?|blend[_-]?\w*)/", re.I
)
PREDICTION_NAME = re.compile(
    r"^(submission|submit|sub[_-]|preds?[_-]|predictions?|oof|blend)", re.I
)
INPUT_NAME = re.compile(r"^(sample|example|dummy)", re.I)  # Kaggle's sample_submission.csv


def uncached_dvc_outputs(ctx: CheckContext) -> set[str]:
    """Paths a dvc.yaml declares as ``outs``/``metrics``/``plots`` with ``cache: false``:
    DVC leaves them to git, so committing them is the intent."""
    found: set[str] = set()
    for path in ctx.repo.glob("dvc.yaml", "**/dvc.yaml"):
        base = posixpath.dirname(path)
        for doc in ctx.repo.config(path):
            stages = doc.get("stages") if isinstance(doc, dict) else None
            for stage in stages.values() if isinstance(stages, dict) else ():
                if isinstance(stage, dict):
                    found.update(_uncached(stage, base))
            if isinstance(doc, dict):  # DVC 3 top-level metrics/plots
                found.update(_uncached(doc, base))
    return found


def _uncached(section: dict[str, Any], base: str) -> Iterator[str]:
    for key in DVC_OUTPUT_KEYS:
        items = section.get(key)
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict):
                continue
            for out, options in item.items():
                uncached = (
                    isinstance(options, dict) and str(options.get("cache")).lower() == "false"
                )
                if isinstance(out, str) and uncached:
                    yield posixpath.normpath(posixpath.join(base, out)).rstrip("/")


def prediction_output(path: str) -> str | None:
    """A committed prediction file: under a submissions/predictions/oof/blend folder or
    named so, in a tabular or array format; not a test fixture, not a sample input. Returns
    what to git-ignore: the folder (``submits/``), else the file's path."""
    name = path.rsplit("/", 1)[-1]
    if not name.lower().endswith(PREDICTION_SUFFIXES) or INPUT_NAME.match(name):
        return None
    if traits.is_test_path(path):
        return None
    folder = PREDICTION_DIR.search(path)
    if folder:
        return path[: folder.end()].lstrip("/")
    return path if PREDICTION_NAME.match(name) else None
