"""Model files versioned by the tool that writes or tracks them, without a registry: a Kedro
catalog dataset with ``versioned: true`` (each run saves under its own timestamped folder)
and a ``.dvc`` file tracking a model folder or file (each commit pins its content).

VER003 counts these as partial: the model is kept per run or per commit, but not registered
with its metrics and stage.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlguard.checks.base import CheckContext, Outcome, ev, line_of
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.facts.automation import automation
from mlguard.facts.sources import quiet_docs
from mlguard.facts.trackers import kedro_catalog_entries
from mlguard.known import MODEL_SUFFIXES
from mlguard.model import Evidence

# a dataset or folder that holds a model: by its name (regressor, classifier, checkpoints,
# 06_models) or by a model file's suffix
MODEL_NAME = re.compile(
    r"(^|[^a-z])(models?|regressor|classifier|estimator|checkpoints?|weights)([^a-z]|$)", re.I
)


def _names_model(*names: str) -> bool:
    return any(MODEL_NAME.search(n) or n.lower().endswith(MODEL_SUFFIXES) for n in names if n)


def kedro_versioned_models(ctx: CheckContext) -> list[Evidence]:
    """Kedro catalog entries of a model saved with ``versioned: true``."""
    return [
        ev(path, line_of(ctx, path, name, key=True), f"{name}: versioned")
        for path, name, entry in kedro_catalog_entries(ctx.repo)
        if entry.get("versioned") is True and _names_model(name, str(entry.get("filepath", "")))
    ]


def dvc_tracked_models(ctx: CheckContext) -> list[Evidence]:
    """``.dvc`` files whose ``outs`` track a model folder or file (``dvc add models/``)."""
    found = []
    for path in ctx.repo.glob("*.dvc"):
        if traits.is_test_path(path):
            continue
        for doc in quiet_docs(ctx.repo, path):  # a .dvc file is YAML under its own suffix
            outs = doc.data.get("outs") if isinstance(doc.data, dict) else None
            for out in outs if isinstance(outs, list) else []:
                target = _out_path(out)
                if target and _names_model(posixpath.basename(target.rstrip("/"))):
                    found.append(ev(path, 1, f"dvc tracks {target}"))
    return found


def dvc_stage_models(ctx: CheckContext) -> list[Evidence]:
    """dvc.yaml stage outputs that hold a model (``models/model.pkl``, ``checkpoints/``):
    versioned with each commit's dvc.lock. A stage that only outputs data or a run folder
    (``outputs/train``) versions no model."""
    found = []
    for stage in automation(ctx.repo).stages:
        if stage.system != "dvc":
            continue
        for out in stage.outs:
            if _names_model(*out.rstrip("/").split("/")):
                found.append(ev(stage.path, stage.line, f"{stage.name} outs {out}"))
                break
    return found


def _out_path(out: Any) -> str:
    value = out.get("path") if isinstance(out, dict) else None
    return value if isinstance(value, str) else ""


@register(needs_python=False)
def models_versioned_by_file(ctx: CheckContext) -> Outcome:
    """A model kept per commit by DVC (a stage output or a ``.dvc`` file), or per run by
    Kedro's dataset versioning."""
    found = dvc_stage_models(ctx) + kedro_versioned_models(ctx) + dvc_tracked_models(ctx)
    return Outcome.passed(found) if found else Outcome.failed("No model file is versioned.")
