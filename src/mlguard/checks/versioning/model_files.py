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

from mlguard.analyzers.python_ast import Call
from mlguard.checks.base import CheckContext, Outcome, ev, line_of
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.ci_commands import ci_actions, ci_commands
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.sources import quiet_docs
from mlguard.facts.trackers import kedro_catalog_entries
from mlguard.known import MODEL_SUFFIXES
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

# a dataset or folder that holds a model: by its name (regressor, classifier, checkpoints,
# 06_models) or by a model file's suffix
MODEL_NAME = re.compile(
    r"(^|[^a-z])(models?|regressor|classifier|estimator|checkpoints?|weights)([^a-z]|$)", re.I
)


def _names_model(*names: str) -> bool:
    return any(MODEL_NAME.search(n) or n.lower().endswith(MODEL_SUFFIXES) for n in names if n)


# an f-string naming where models go with a placeholder that identifies the run
FSTRING = re.compile(r"""\b[rR]?[fF][rR]?(["'])(?P<body>[^"'\n]{1,300})\1""")
MODEL_PLACE = re.compile(
    r"(^|[^a-z])(models?|weights|checkpoints?|artifacts?|saved_model|model_\w+)([^a-z]|$)", re.I
)
# the identity of the run that made it, which leads back to the run's record (a timestamp
# or a random id names a folder, not a run anyone can look up)
RUN_FIELD = re.compile(
    r"\{[^{}\n]{0,80}\b(\w*job_id|\w*run_id|run_name|execution_id|build_id)\b[^{}\n]{0,80}\}",
    re.I,
)


def models_kept_per_run(ctx: CheckContext) -> list[Evidence]:
    """Training code (or the script that drives it) that writes models under a path named by
    the run's identity: ``f"gs://{bucket}/artifacts/{job_id}/model"``,
    ``f"models/{run.info.run_id}/model.pkl"``."""
    repo = ctx.repo
    training = traits.training_files(repo)
    index = ModuleIndex.of(repo)
    files = dict.fromkeys([*training, *(d for t in training for d in index.importers(t))])
    found = []
    for path in files:
        if not path.endswith(".py") or traits.is_test_path(path):
            continue
        text = repo.text(path) or ""
        for match in FSTRING.finditer(text):
            body = match.group("body")
            if RUN_FIELD.search(body) and MODEL_PLACE.search(RUN_FIELD.sub("", body)):
                found.append(ev(path, line_at(text, match.start()), match.group(0)[:120]))
                break
    return found


# a file or folder logged as an artifact of the tracked run
ARTIFACT_LOGS = ("log_artifact", "log_artifacts", "Artifact")
MODEL_HINT = re.compile(
    r"model|weights?\b|checkpoint|ckpt|\.(pkl|joblib|pt|pth|h5|keras|onnx|ubj|safetensors)\b",
    re.IGNORECASE,
)


def model_artifact(call: Call) -> bool:
    """``mlflow.log_artifact(model_path)``, ``wandb.log_artifact(ckpt)``, or a W&B
    ``Artifact(name, type="model")``: a model file kept with the run that made it."""
    if call.attr == "Artifact":
        return call.name.startswith("wandb.") and call.kwarg("type") == "model"
    if not call.name.startswith(("mlflow.", "wandb.", "run.", "client.", "self.run.")):
        return False
    first = call.args[0] if call.args else call.kwarg("local_path") or call.kwarg("local_dir")
    text = first if isinstance(first, str) else getattr(first, "text", "")
    return bool(MODEL_HINT.search(str(text)))


def models_logged_with_runs(ctx: CheckContext) -> list[Evidence]:
    """Model files logged as artifacts of the tracked run that made them."""
    found = []
    for path, call in callsites.sites(ctx.repo, attrs=ARTIFACT_LOGS):
        if not traits.is_test_path(path) and model_artifact(call):
            found.append(ev(path, call.line, f"{call.name}(...) (a model kept with the run)"))
    return found


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


# ``git add models/`` in CI: the job commits what it trained, so git history keeps each version
GIT_ADD = re.compile(r"\bgit\s+add\s+([^;&|\n]*)")
COMMIT_PATTERN = re.compile(r"^\s*file_pattern\s*:\s*(.+)$", re.MULTILINE)


def models_committed_by_ci(ctx: CheckContext) -> list[Evidence]:
    """CI that commits model files it trained (``git add saved_models/ && git commit``, or
    ``stefanzweifel/git-auto-commit-action`` with a ``file_pattern`` naming models): each
    version is a commit of the repository, but not a registered model."""
    found = []
    for command in ci_commands(ctx.repo):
        for match in GIT_ADD.finditer(command.text):
            if any(
                _names_model(*w.strip("\"'").rstrip("/").split("/")) for w in match.group(1).split()
            ):
                found.append(ev(command.location.path, command.location.line, match.group(0)[:120]))
                break
    for action in ci_actions(ctx.repo, r"stefanzweifel/git-auto-commit-action@"):
        text = ctx.repo.text(action.location.path) or ""
        pattern = COMMIT_PATTERN.search(text)
        if pattern and any(
            _names_model(*w.rstrip("/").split("/")) for w in pattern.group(1).split()
        ):
            found.append(
                ev(action.location.path, line_at(text, pattern.start()), pattern.group(0).strip())
            )
    return found


# SageMaker training saves the model to SM_MODEL_DIR (/opt/ml/model); SageMaker uploads it
# as the training job's model.tar.gz, one S3 path per job
SAGEMAKER_MODEL_DIR = re.compile(r"""\bSM_MODEL_DIR\b|["']/opt/ml/model/?["'/]""")


def models_kept_per_training_job(ctx: CheckContext) -> list[Evidence]:
    """Training code that saves the model where SageMaker keeps it per training job."""
    found = []
    for path in traits.training_files(ctx.repo):
        if not path.endswith(".py") or traits.is_test_path(path):
            continue
        text = ctx.repo.text(path) or ""
        match = SAGEMAKER_MODEL_DIR.search(text)
        if match:
            found.append(ev(path, line_at(text, match.start()), match.group(0)))
    return found


@register(needs_python=False)
def models_versioned_by_file(ctx: CheckContext) -> Outcome:
    """A model kept per commit by DVC (a stage output or a ``.dvc`` file) or by CI that
    commits it, or per run by Kedro's dataset versioning, a path named by the run or a
    SageMaker training job."""
    found = dvc_stage_models(ctx) + kedro_versioned_models(ctx) + dvc_tracked_models(ctx)
    found += models_kept_per_run(ctx) + models_logged_with_runs(ctx)
    found += models_committed_by_ci(ctx) + models_kept_per_training_job(ctx)
    return Outcome.passed(found) if found else Outcome.failed("No model file is versioned.")
