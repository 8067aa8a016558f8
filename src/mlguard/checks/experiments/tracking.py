"""Experiment checks: params and metrics per run, shared tracking, registry, serving by ref."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlguard.analyzers.python_ast import Call, Expr
from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.checks.versioning.model_files import (
    kedro_versioned_models,
    models_kept_per_run,
    models_logged_with_runs,
)
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.run_records import run_records
from mlguard.facts.trackers import kedro_mlflow_datasets, trackers
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

PARAM_CALLS = re.compile(
    r"(^|\.)(log_param|log_params|log_hyperparams|log_parameter|log_parameters)$|"
    r"^wandb\.config\.update$"
)
METRIC_TRACKERS = frozenset({"dvclive.Live", "dvclive.live.Live"})  # Live writes metrics files
METRIC_CALLS = re.compile(
    r"(^|\.)(log_metric|log_metrics)$|^wandb\.log$|^mlflow\.autolog$|"
    r"^mlflow\.\w+\.autolog$"
)
METRIC_FILES = ("metrics.json", "metrics.yaml", "eval/*.json", "reports/metrics*.json")


@register
def runs_tracked(ctx: CheckContext) -> Outcome:
    """EXP001: an experiment tracker records the runs (TensorBoard event files: partial)."""
    found = trackers(ctx.repo).all
    if found:
        return Outcome.passed(found)
    records = run_records(ctx.repo)
    kinds = [
        (records.tensorboard, "TensorBoard event (or trainer CSV) files"),
        (records.dvc, "DVC metrics and params committed per run"),
        (records.files, "the project's own per-run metric files"),
        (records.configured, "a tracker logger that is configured but optional"),
        (records.pipeline, "a SageMaker pipeline's execution records and model metrics"),
    ]
    partial = [(evidence, what) for evidence, what in kinds if evidence]
    if partial:
        whats = ", ".join(what for _, what in partial)
        return Outcome.partial(
            f"Runs are recorded without an experiment tracker ({whats}): no shared, "
            "queryable run history with parameters.",
            [e for evidence, _ in partial for e in evidence[:2]],
        )
    return Outcome.failed(
        "No experiment tracker: no MLflow, W&B, Neptune, Comet, ClearML, Aim or DVCLive "
        "calls, no tracker integration, no Azure ML / Vertex AI / SageMaker run logging."
    )


def _calls(ctx: CheckContext, regex: re.Pattern[str]) -> list[Evidence]:
    names = callsites.by_name(ctx.repo).keys(lambda name: bool(regex.search(name)))
    return _calls_named(ctx, names)


@register
def params_metrics_persisted(ctx: CheckContext) -> Outcome:
    """EXP002: each run records its parameters and its metrics (tracker calls or DVC)."""
    stages = automation(ctx.repo).stages
    with_params = [s for s in stages if s.params]
    with_metrics = [s for s in stages if s.metrics]
    if with_params and with_metrics:
        return Outcome.passed([ev(s.path, s.line, s.name) for s in with_params + with_metrics])
    params = _calls(ctx, PARAM_CALLS) + [ev(s.path, s.line, s.name) for s in with_params]
    metrics = _calls(ctx, METRIC_CALLS) + [ev(s.path, s.line, s.name) for s in with_metrics]
    metrics += _top_level_metrics(ctx) + _calls_named(ctx, METRIC_TRACKERS)
    records = run_records(ctx.repo)  # what EXP001 reads as runs recorded without a tracker
    metrics += list(records.tensorboard + records.files)
    autolog = [m for m in metrics if m.text.endswith("autolog")]
    if (params or autolog) and metrics:
        return Outcome.passed(params + metrics)
    # frameworks and platforms that record a run's arguments and its metrics themselves
    found = trackers(ctx.repo)
    automatic = list(found.integrations + found.platform + records.pipeline)
    if automatic:
        return Outcome.passed(automatic + params + metrics)
    tracked = [p for p in ctx.repo.glob(*METRIC_FILES) if ctx.repo.is_tracked(p)]
    if params or metrics or tracked:
        missing = "metrics" if params else "parameters"
        return Outcome.partial(
            f"Runs record their {'parameters' if params else 'metrics'} but not their {missing}.",
            params + metrics + [ev(p) for p in tracked],
        )
    if found.api:
        return Outcome.partial(
            "An experiment tracker is started but no run logs parameters or metrics to it.",
            found.api[:3],
        )
    return Outcome.failed("No run records its parameters or metrics.")


def _top_level_metrics(ctx: CheckContext) -> list[Evidence]:
    """dvc.yaml's top-level ``metrics:``/``plots:`` (DVC 3 layout, e.g. DVCLive output)."""
    found = []
    for path in ctx.repo.glob("dvc.yaml"):
        for doc in ctx.repo.config(path):
            if isinstance(doc, dict) and (doc.get("metrics") or doc.get("plots")):
                found.append(ev(path, 1, "metrics"))
    return found


def _calls_named(ctx: CheckContext, names: Iterable[str]) -> list[Evidence]:
    return [
        ev(path, c.line, c.name)
        for path, c in callsites.sites(ctx.repo, names=names)
        if not traits.is_test_path(path)
    ]


TRACKER_CALLS = re.compile(
    r"^(mlflow\.|wandb\.init$|neptune\.|comet_ml\.|clearml\.|aim\.Run$|dvclive\.)"
)
REMOTE_URI = re.compile(r"^(https?://|databricks|postgresql|mysql|mssql|azureml://)", re.I)
LOCAL_URI = re.compile(r"^(file:|\./|mlruns|sqlite:)", re.I)
HOSTED = re.compile(r"^(wandb\.init|neptune\.|comet_ml\.|clearml\.|dvclive\.)")  # dvclive: in git
ENV_URI = re.compile(r"MLFLOW_TRACKING_URI\s*[:=]\s*['\"]?(\S+)")


def _tracking_uris(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    remote: list[Evidence] = []
    local: list[Evidence] = []
    tracking = callsites.sites(
        ctx.repo, names=["mlflow.set_tracking_uri"], attrs=["set_tracking_uri"]
    )
    for path, call in tracking:
        value = call.args[0] if call.args else call.kwarg("uri")
        item = ev(path, call.line, f"set_tracking_uri({_text(value)})")
        if isinstance(value, str) and LOCAL_URI.search(value):
            local.append(item)
        else:  # a remote URL, or a value read from config/env at run time
            remote.append(item)
    files = (
        ".github/workflows/*.y*ml",
        ".gitlab-ci.yml",
        ".env.example",
        "*.env.example",
        "docker-compose*.y*ml",
        "Makefile",
        "*.cfg",
        "*.toml",
        "conf/**/*.y*ml",
    )
    for path in ctx.repo.glob(*files):
        for number, line in enumerate(ctx.repo.lines(path), 1):
            match = ENV_URI.search(line)
            if match:
                value = match.group(1).strip("'\"")
                target = local if LOCAL_URI.search(value) else remote
                target.append(ev(path, number, "MLFLOW_TRACKING_URI"))
    return remote, local


def _text(value: object) -> str:
    return value.text if isinstance(value, Expr) else repr(value)


@register
def shared_tracking(ctx: CheckContext) -> Outcome:
    """EXP003: runs go to a shared tracking server or hosted tracker, not a local mlruns/."""
    calls = _calls(ctx, TRACKER_CALLS)
    hosted = [t for t in calls if HOSTED.search(t.text)]
    remote, local = _tracking_uris(ctx)
    committed = [p for p in ctx.repo.glob("mlruns/**") if ctx.repo.is_tracked(p)]
    if committed:
        return Outcome.failed(
            "Runs are committed under mlruns/ (a local file store).", [ev(committed[0])]
        )
    found = trackers(ctx.repo)
    hosted += list(found.hosted) + _workspace_mlflow(ctx, calls)
    if remote or hosted:
        return Outcome.passed(remote + hosted)
    if local:
        return Outcome.failed("MLflow tracks to a local file store only.", local)
    if calls or found.all:
        return Outcome.partial(
            "The tracker has no visible shared backend (MLflow without a tracking URI logs "
            "to a local ./mlruns unless MLFLOW_TRACKING_URI is set where training runs).",
            (calls or list(found.all))[:3],
        )
    if run_records(ctx.repo).metrics:
        return Outcome.failed(
            "No experiment tracker (see EXP001): runs are recorded in local files only, so "
            "there is no shared run history."
        )
    return Outcome.failed("No experiment tracker (see EXP001), so no shared run history.")


WORKSPACE_IMPORTS = ("azure.ai.ml", "azureml")
WORKSPACE_FILES = ("databricks.yml", "databricks.yaml", "**/databricks.yml")


def _workspace_mlflow(ctx: CheckContext, calls: list[Evidence]) -> list[Evidence]:
    """MLflow inside Azure ML jobs or Databricks bundles logs to the workspace's server."""
    mlflow = [c for c in calls if c.text.startswith("mlflow.")]
    if not mlflow:
        return []
    if ctx.repo.glob(*WORKSPACE_FILES):
        return mlflow[:1]
    for path, facts in ctx.repo.iter_python():
        if traits.is_test_path(path):
            continue
        if any(i.module.startswith(WORKSPACE_IMPORTS) for i in facts.imports):
            return mlflow[:1]
    return []


REGISTER_CALLS = re.compile(
    r"^mlflow\.register_model$|\.create_model_version$|\.link_model$|\.link_artifact$|"
    r"RegisterModel$|ModelPackageGroup$|\.push_to_hub$|aiplatform\.Model\.upload$|"
    r"^azureml\.core\.(model\.)?Model\.register$|(^|\.)\w*[Rr]un\.register_model$|"
    r"\.models\.create_or_update$|ModelUploadOp$|"
    # Hopsworks: project.get_model_registry().<framework>.create_model(...)
    r"\.(python|sklearn|tensorflow|torch|llm)\.create_model$"
)
# Calls that register only with one of these keyword arguments: SageMaker's
# ``model.register(model_package_group_name=...)`` (inside a ``ModelStep`` or not), Vertex AI's
# ``CustomTrainingJob.run(model_display_name=... | parent_model=...)``, which uploads the
# trained model to the Model Registry as a new model or a new version.
REGISTER_BY_KWARG = {
    "register": ("model_package_group_name",),
    "run": ("parent_model", "model_display_name"),
}


def _registers(call: Call) -> bool:
    if REGISTER_CALLS.search(call.name):
        return True
    if call.attr == "log_model":
        return call.kwarg("registered_model_name") is not None
    return any(call.has_kwarg(k) for k in REGISTER_BY_KWARG.get(call.attr, ()))


ZENML_MODELS = ["zenml.Model", "zenml.model.model.Model"]
KEDRO_MODEL_DATASET = re.compile(
    r"^[ \t]*type:[ \t]*kedro_mlflow\.io\.models\.MlflowModel\w*Data[Ss]et\b", re.MULTILINE
)
METAFLOW_MODEL = re.compile(r"^[ \t]*self\.\w*model\w*\s*=[^=]", re.MULTILINE)
KFP_MODEL = re.compile(r"\bOutput\[(?:dsl\.)?Model\]")
# a TFX Trainer component: its model is an artifact of each pipeline run, in ML Metadata
TFX_TRAINER = re.compile(r"\b(?:components\.)?Trainer\(")
ZENML_MODEL = re.compile(r"\bOutput\([^)]*\bmodel\w*\s*=|->\s*Annotated\[[^,\]]+,\s*[\"']\w*model")
# step outputs an orchestrator stores per run: the model is an artifact of the pipeline run
RUN_ARTIFACT_MODELS = {
    "metaflow": METAFLOW_MODEL,
    "kfp": KFP_MODEL,
    "zenml": ZENML_MODEL,
    "tfx": TFX_TRAINER,
}
MODEL_OUT = re.compile(r"(?i)(model|\.(pkl|joblib|pt|pth|ckpt|onnx|h5|keras|safetensors|bin)$)")


def _run_versioned_models(ctx: CheckContext) -> list[Evidence]:
    """Models kept as artifacts of the run that made them, which records its lineage: an
    MLflow run's logged model or checkpoints, a Metaflow step artifact, a Kubeflow/Vertex
    pipeline's ``Output[Model]``, a TFX ``Trainer``'s model (an artifact of each pipeline run,
    with its lineage in ML Metadata), a DVC stage output locked in a committed dvc.lock."""
    found: list[Evidence] = []
    attrs = ["log_model", "MLflowLoggerCallback", "autolog"]
    for path, call in callsites.sites(ctx.repo, attrs=attrs):
        if traits.is_test_path(path):
            continue
        if call.attr == "log_model" and call.name.startswith(("mlflow.", "wandb.", "run.")):
            found.append(ev(path, call.line, call.name))
        elif call.attr == "autolog" and logs_models(call):
            found.append(ev(path, call.line, f"{call.name}() (logs the model with the run)"))
        elif call.attr == "MLflowLoggerCallback" and call.kwarg("save_artifact") is True:
            found.append(ev(path, call.line, f"{call.name}(save_artifact=True)"))
    for path, facts in ctx.repo.iter_python():
        if traits.is_test_path(path):
            continue
        tops = {i.module.split(".")[0] for i in facts.imports}
        pattern = RUN_ARTIFACT_MODELS.get(next((t for t in RUN_ARTIFACT_MODELS if t in tops), ""))
        match = pattern.search(ctx.repo.text(path) or "") if pattern else None
        if match:
            line = line_at(ctx.repo.text(path) or "", match.start())
            found.append(ev(path, line, match.group(0).strip()))
    found += kedro_mlflow_datasets(ctx.repo, KEDRO_MODEL_DATASET)
    found += kedro_versioned_models(ctx)  # one save folder per run, named by the run
    found += models_kept_per_run(ctx)  # a path named by the run (f".../{job_id}/model")
    found += models_logged_with_runs(ctx)  # mlflow.log_artifact(model_path), W&B artifacts
    if ctx.repo.exists("dvc.lock"):
        outs = [o for s in automation(ctx.repo).stages if s.system == "dvc" for o in s.outs]
        models = [o for o in outs if MODEL_OUT.search(o)]
        if models:
            found.append(ev("dvc.lock", 1, f"locks {models[0]}"))
    return found


def logs_models(call: Call) -> bool:
    """``mlflow.autolog()`` / ``mlflow.sklearn.autolog()``: logs the fitted model as an
    artifact of each run, unless ``log_models=False`` (or ``disable=True``)."""
    return (
        call.name.startswith("mlflow.")
        and call.kwarg("log_models") is not False
        and call.kwarg("disable") is not True
    )


def _unsigned(call: Call) -> bool:
    return (
        call.name.startswith("mlflow.")
        and call.attr == "log_model"
        and not call.star_kwargs
        and not (call.has_kwarg("signature") or call.has_kwarg("input_example"))
    )


@register
def registry_lineage(ctx: CheckContext) -> Outcome:
    """EXP004: models are registered from the run that made them, with an I/O signature."""
    registered: list[Evidence] = []
    unsigned: list[Evidence] = []
    names = callsites.by_name(ctx.repo).keys(lambda name: bool(REGISTER_CALLS.search(name)))
    attrs = ["log_model", *REGISTER_BY_KWARG]
    for path, call in callsites.sites(ctx.repo, names=names, attrs=attrs):
        if traits.is_test_path(path):
            continue
        if _registers(call):
            registered.append(ev(path, call.line, call.name))
        if _unsigned(call):
            unsigned.append(ev(path, call.line, call.name))
    for path in ctx.repo.glob("dvc.yaml"):
        if any(isinstance(d, dict) and d.get("artifacts") for d in ctx.repo.config(path)):
            registered.append(ev(path, 1, "artifacts"))
    for path, call in callsites.sites(ctx.repo, names=ZENML_MODELS):
        if not traits.is_test_path(path):  # a model version per run, no I/O signature
            registered.append(ev(path, call.line, call.name))
            unsigned.append(ev(path, call.line, f"{call.name} (no input/output signature)"))
    if not registered:
        versioned = _run_versioned_models(ctx)
        if versioned:
            return Outcome.partial(
                "Models are kept per run with their lineage (the run's parameters, data and "
                "metrics) but not registered: nothing names the released version or its "
                "input/output signature.",
                versioned,
            )
    if registered and unsigned:
        return Outcome.partial(
            "Models are registered, but logged without a signature or input example: the "
            "registry cannot check the model's input/output contract.",
            unsigned,
        )
    if registered:
        return Outcome.passed(registered)
    return Outcome.failed("No model is registered from its training run.")


LOAD_ATTRS = frozenset({"load_model", "load", "from_pretrained", "InferenceSession", "get"})
LOCAL_LOADS = frozenset({"joblib.load", "pickle.load", "torch.load", "dill.load"})
MODEL_FILE = re.compile(
    r"\.(pkl|pickle|joblib|pt|pth|ckpt|onnx|h5|keras|bin|safetensors|pb|tflite|gguf|cbm|ubj)$|"
    r"^(\./|/)?(models?|artifacts|checkpoints|weights|saved_models?)(/|$)"
)
MANIFEST_REF = re.compile(r"models:/\S+|storageUri:[ \t]*\S*/(v\d+|\d+)/?[ \t]*$", re.MULTILINE)
REGISTRY_REF = re.compile(r"^models:/|^runs:/|:(prod|production|champion|staging|latest|v\d+)$")


def _model_loads(ctx: CheckContext, path: str) -> tuple[list[Evidence], list[Evidence]]:
    by_ref: list[Evidence] = []
    by_file: list[Evidence] = []
    facts = ctx.repo.python(path)
    for call in facts.calls if facts is not None else ():
        if call.attr == "get_model_path" and call.name.startswith("azureml."):
            # an Azure ML deployment mounts a registered model version and resolves it here
            by_ref.append(ev(path, call.line, call.name))
            continue
        if call.attr not in LOAD_ATTRS and call.name not in LOCAL_LOADS:
            continue
        values = [*call.args[:1], call.kwarg("model_uri"), call.kwarg("name")]
        literal = next((v for v in values if isinstance(v, str)), "")
        if (
            REGISTRY_REF.search(literal)
            or call.attr == "use_artifact"
            or (call.attr == "from_pretrained" and call.has_kwarg("revision"))
        ):
            by_ref.append(ev(path, call.line, f"{call.attr}({literal!r})"))
        elif call.name in LOCAL_LOADS or MODEL_FILE.search(literal):
            by_file.append(ev(path, call.line, f"{call.attr}({literal or '...'})"))
    return by_ref, by_file


def _registry_uris(ctx: CheckContext, path: str) -> list[Evidence]:
    """MLflow model registry URIs written in the code (``f"models:/{name}@{alias}"``)."""
    facts = ctx.repo.python(path)
    strings = facts.strings if facts is not None else ()
    return [ev(path, line, text[:80]) for text, line in strings if text.startswith("models:/")][:1]


def _serving_and_imports(ctx: CheckContext) -> list[str]:
    """Serving and inference code, and the local modules it imports (two levels): the model
    is often loaded by a ``predict_pipeline`` module the web app imports."""
    from mlguard.facts.modules import ModuleIndex

    found = list(traits.prediction_files(ctx.repo))

    def kept(path: str) -> bool:
        return path.endswith(".py") and not traits.is_test_path(path)

    return found + ModuleIndex.of(ctx.repo).imported_within(found, 2, kept, limit=10_000)


@register
def serving_by_reference(ctx: CheckContext) -> Outcome:
    """EXP005: serving code loads models by registry name and alias, not a bundled file."""
    by_ref: list[Evidence] = []
    by_file: list[Evidence] = []
    for path in _serving_and_imports(ctx):
        ref, local = _model_loads(ctx, path)
        by_ref += ref + _registry_uris(ctx, path)
        by_file += local
    for path in ctx.repo.glob("*.yaml", "*.yml"):
        text = ctx.repo.text(path) or ""
        match = MANIFEST_REF.search(text) if "kind:" in text else None
        if match:
            by_ref.append(ev(path, line_at(text, match.start()), match.group(0)[:80]))
    if by_ref:
        return Outcome.passed(by_ref)
    if by_file:
        return Outcome.failed(
            "Serving loads a model file shipped with the code: rolling back means a redeploy. "
            "Load by registry reference (models:/name@champion).",
            by_file,
        )
    raise NotApplicable("serving code loads no model")


SEARCH_NODE = {
    "any": [
        {
            "any_call": {
                "names": [
                    "optuna.create_study",
                    "ray.tune.Tuner",
                    "ray.tune.run",
                    "*.GridSearchCV",
                    "*.RandomizedSearchCV",
                    "*.HalvingGridSearchCV",
                    "*.HalvingRandomSearchCV",
                    "hyperopt.fmin",
                    "wandb.sweep",
                    "*.BayesSearchCV",
                    "keras_tuner.RandomSearch",
                    "keras_tuner.BayesianOptimization",
                    "keras_tuner.Hyperband",
                ]
            }
        },
        {"any_file": ["sweep.yaml", "sweep.yml", "**/sweep*.yaml", "conf/hydra/sweeper/*.yaml"]},
        {
            "file_contains": {
                "files": ["**/*.yaml", "**/*.yml"],
                "pattern": "^kind:\\s*Experiment\\s*$|^\\s*sweeper:",
            }
        },
        {
            "file_contains": {
                "files": [".github/workflows/*.y*ml", ".gitlab-ci.yml", "Makefile", "*.sh"],
                "pattern": "dvc exp run\\b.*(--queue|-S\\b|--set-param)",
            }
        },
    ]
}
# searches run by a cloud ML platform, which records every trial itself
PLATFORM_SEARCH_NODE = {
    "any_call": {
        "names": [
            "google.cloud.aiplatform.HyperparameterTuningJob",
            "azureml.train.hyperdrive.HyperDriveConfig",
            "azureml.train.hyperdrive.runconfig.HyperDriveConfig",
            "azureml.pipeline.steps.HyperDriveStep",
            "sagemaker.tuner.HyperparameterTuner",
            "sagemaker.tuner.HyperparameterTuner.fit",
            "tfx.*components.Tuner",
        ]
    }
}
SEARCH_TRACKING_NODE = {
    "any": [
        {"any_call": {"names": ["wandb.sweep", "*.MLflowCallback", "*.WeightsAndBiasesCallback"]}},
        {"any_import": {"modules": ["dvclive", "optuna_integration", "ray.air.integrations"]}},
    ]
}


@register
def search_tracked(ctx: CheckContext) -> Outcome:
    """EXP006: an automated hyperparameter search whose trials a tracker records."""
    from mlguard.checks.declarative import evaluate

    _, platform = evaluate(PLATFORM_SEARCH_NODE, ctx)
    platform += [  # Azure ML v2: command_job.sweep(sampling_algorithm=..., primary_metric=...)
        ev(path, call.line, f"{call.name}(...)")
        for path, call in callsites.sites(ctx.repo, kwargs=["sampling_algorithm"])
        if call.attr == "sweep" and not traits.is_test_path(path)
    ]
    if platform:
        return Outcome.passed(platform)
    found, search = evaluate(SEARCH_NODE, ctx)
    if not found:
        return Outcome.failed(
            "No automated hyperparameter search (Optuna, Ray Tune, scikit-learn search CV, "
            "hyperopt, KerasTuner, W&B sweeps, Katib, a Hydra sweeper, a platform tuning job)."
        )
    tracked, callbacks = evaluate(SEARCH_TRACKING_NODE, ctx)
    logged = list(trackers(ctx.repo).all) + callbacks
    if tracked or logged:
        return Outcome.passed(search + logged[:3])
    return Outcome.partial(
        "A hyperparameter search runs, but no experiment tracker records its trials.",
        search[:3],
    )
