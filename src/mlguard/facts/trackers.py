"""Which experiment trackers the code uses: one answer for EXP001, EXP002 and EXP003.

A tracker is a tracking API call (MLflow, W&B, Neptune, Comet, ClearML, Aim, DVCLive), a
framework integration that logs by itself (Hugging Face ``TrainingArguments(report_to=)``,
Lightning loggers, a ZenML step's ``experiment_tracker=``, kedro-mlflow's config), or a
cloud ML platform's run tracking: Azure ML SDK v1 ``Run.get_context()`` + ``run.log(...)``,
Vertex AI Experiments (``aiplatform.init(experiment=)``, ``start_run``, ``log_params``,
``log_metrics``), Kubeflow components' metrics artifacts (``metrics.log_metric``, recorded
in Vertex ML Metadata) and SageMaker Experiments (``sagemaker.experiments.Run``). A SageMaker
pipeline's execution records (``ModelMetrics`` on the model package) are run records without
a tracker (:mod:`mlguard.facts.run_records`).
Test files are not evidence.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from mlguard.analyzers.python_ast import Call, Expr
from mlguard.facts import callsites, traits
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence, ev
from mlguard.safeio.lines import line_at

API_CALLS = (
    "mlflow.start_run",
    "mlflow.log_param",
    "mlflow.log_params",
    "mlflow.log_metric",
    "mlflow.log_metrics",
    "mlflow.autolog",
    "mlflow.*.autolog",
    "wandb.init",
    "wandb.log",
    "neptune.init_run",
    "comet_ml.Experiment",
    "comet_ml.start",
    "clearml.Task.init",
    "aim.Run",
    "dvclive.Live",
    # ZenML records metadata of runs, steps, artifacts and model versions on its server
    "zenml.log_metadata",
    "zenml.log_artifact_metadata",
    "zenml.log_model_metadata",
    "zenml.log_step_metadata",
)
VERTEX = re.compile(
    r"^google\.cloud\.aiplatform\.(start_run|log_params|log_metrics|log_time_series_metrics|"
    r"log_classification_metrics|start_execution)$"
)
SAGEMAKER = frozenset(
    {
        "sagemaker.experiments.Run",
        "sagemaker.experiments.run.Run",
        "sagemaker.experiments.load_run",
    }
)
# A Kubeflow component's Metrics artifact (``metrics.log_metric(...)``): Vertex AI Pipelines
# record it, with the run's parameters, in ML Metadata.
KFP_METRIC_ATTRS = frozenset({"log_metric", "log_confusion_matrix", "log_roc_curve"})
AZURE_IMPORT = "azureml.core"
AZURE_LOG_ATTRS = frozenset(
    {"log", "log_metric", "log_list", "log_row", "log_table", "log_image", "log_confusion_matrix"}
)
AZURE_RUN = re.compile(r"(^|\.)(run|parent)$", re.IGNORECASE)
INTEGRATION_IMPORTS = (
    "dvclive",
    "kedro_mlflow",  # kedro-mlflow: each `kedro run` is an MLflow run
    # Ray Train/Tune callbacks that log params, metrics and checkpoints to MLflow / W&B
    "ray.air.integrations.mlflow",
    "ray.air.integrations.wandb",
    "ray.tune.integration.mlflow",
    "ray.tune.integration.wandb",
)
INTEGRATION_FILES = ("conf/*/mlflow.yml",)
# Kedro data catalogs: datasets of the kedro-mlflow plugin log metrics, artifacts and models
# to the run of each `kedro run`
KEDRO_CATALOGS = ("conf/**/catalog*.yml", "conf/**/catalog*.yaml", "conf/**/catalog/**/*.yml")
KEDRO_MLFLOW_DATASET = re.compile(r"^[ \t]*type:[ \t]*kedro_mlflow\.io\.\S+", re.MULTILINE)
HOSTED_NAMES = re.compile(r"wandb|neptune|comet|clearml", re.IGNORECASE)
# Lightning loggers that send runs to a tracker (its TensorBoard and CSV loggers write local
# files: ``run_records``); imported by name, by their submodule, or called through the module
LIGHTNING_TRACKERS = re.compile(
    r"^(lightning\.pytorch|pytorch_lightning|lightning)\.loggers\."
    r"((\w+\.)?(MLFlowLogger|WandbLogger|NeptuneLogger|CometLogger)|mlflow|wandb|neptune|comet)$"
)


@dataclass(frozen=True)
class Trackers:
    """Tracker evidence by kind.

    ``api``: tracking API calls; ``integrations``: frameworks that log params and metrics
    themselves; ``platform``: a cloud ML platform's run tracking (hosted by the platform,
    records the run's arguments and its logged values); ``hosted``: the subset of all of
    them that logs to a hosted service.
    """

    api: tuple[Evidence, ...]
    integrations: tuple[Evidence, ...]
    platform: tuple[Evidence, ...]
    hosted: tuple[Evidence, ...]

    @property
    def all(self) -> tuple[Evidence, ...]:
        return self.api + self.integrations + self.platform


@fact
def trackers(repo: Facts) -> Trackers:
    return _build(repo)


def _named(repo: Facts, test: object) -> list[Evidence]:
    names = callsites.by_name(repo).keys(test)  # type: ignore[arg-type]
    return [
        ev(path, c.line, c.name)
        for path, c in callsites.sites(repo, names=names)
        if not traits.is_test_path(path)
    ]


def _api_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in API_CALLS)


def _build(repo: Facts) -> Trackers:
    api = _named(repo, _api_name)
    hosted = [e for e in api if e.text.startswith(("wandb.", "neptune.", "comet_ml.", "clearml."))]
    integrations = _integrations(repo)
    hosted += [e for e in integrations if HOSTED_NAMES.search(e.text)]
    platform = _named(repo, lambda n: bool(VERTEX.match(n)) or n in SAGEMAKER)
    platform += _vertex_init(repo) + _azure_runs(repo) + _kfp_metrics(repo)
    hosted += platform
    return Trackers(tuple(api), tuple(integrations), tuple(platform), tuple(hosted))


def report_to(repo: Facts) -> list[tuple[str, Call, str]]:
    """Hugging Face ``TrainingArguments`` calls outside tests, with what their ``report_to``
    names (``all`` when omitted: it defaults to every installed integration, transformers
    4.x)."""
    arguments = callsites.by_name(repo).keys(lambda name: name.endswith("TrainingArguments"))
    return [
        (path, call, _text(call.kwarg("report_to")) if call.has_kwarg("report_to") else "all")
        for path, call in callsites.sites(repo, names=arguments)
        if not traits.is_test_path(path)
    ]


HF_TRAINING = frozenset({"transformers", "trl", "accelerate"})
MAX_CONFIGS = 2000


def config_report_to(repo: Facts) -> list[tuple[str, int, str]]:
    """(file, line, value) of a top-level ``report_to:`` in the YAML training recipes of a
    repository that trains with Hugging Face (``TrlParser``/``HfArgumentParser`` turn them
    into ``TrainingArguments``)."""
    uses_hf = any(
        i.module.split(".")[0] in HF_TRAINING
        for path, facts in repo.iter_python()
        if not traits.is_test_path(path)
        for i in facts.imports
    )
    if not uses_hf:
        return []
    found = []
    for path in repo.glob("*.yaml", "*.yml")[:MAX_CONFIGS]:
        text = repo.text(path) or ""
        if "report_to" not in text or traits.is_test_path(path):
            continue
        for doc in repo.config(path):
            value = doc.get("report_to") if isinstance(doc, dict) else None
            words = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            if words:
                found.append((path, _key_line(text, "report_to"), ",".join(map(str, words))))
    return found


def _key_line(text: str, key: str) -> int:
    match = re.search(rf"^{key}[ \t]*:", text, re.MULTILINE)
    return line_at(text, match.start()) if match else 1


def _integrations(repo: Facts) -> list[Evidence]:
    found = [
        ev(path, call.line, f"{call.name}(report_to={text})")
        for path, call, text in report_to(repo)
        if not local_report_to(text)
    ]
    found += [
        ev(path, line, f"report_to: {text}")
        for path, line, text in config_report_to(repo)
        if not local_report_to(text)
    ]
    for path, call in callsites.sites(repo, kwargs=["experiment_tracker"]):
        if traits.is_test_path(path) or call.name.endswith("TrainingArguments"):
            continue
        if (call.name == "zenml.step" or call.name.endswith(".step")) and call.kwarg(
            "experiment_tracker"
        ) is not None:
            found.append(ev(path, call.line, f"{call.name}(experiment_tracker=...)"))
    for path, facts in repo.iter_python():
        if traits.is_test_path(path):
            continue
        for imp in facts.imports:
            if any(imp.module == m or imp.module.startswith(m + ".") for m in INTEGRATION_IMPORTS):
                found.append(ev(path, imp.line, imp.module))
    found += _named(repo, lambda name: bool(LIGHTNING_TRACKERS.match(name)))
    for path, facts in repo.iter_python():
        if not traits.is_test_path(path):
            found += [
                ev(path, i.line, i.module)
                for i in facts.imports
                if LIGHTNING_TRACKERS.match(i.module)
            ]
    found += [ev(p) for p in repo.glob(*INTEGRATION_FILES)]
    found += kedro_mlflow_datasets(repo, KEDRO_MLFLOW_DATASET)
    return found


LOCAL_REPORTS = frozenset({"none", "tensorboard"})  # no tracker: nothing, or event files


def local_report_to(text: str) -> bool:
    """A ``report_to=`` naming no tracker: ``"none"``, ``"tensorboard"`` or a list of those
    (TensorBoard event files are a run record without a tracker)."""
    words = re.findall(r"[A-Za-z_]+", text)
    return bool(words) and {w.lower() for w in words} <= LOCAL_REPORTS


def kedro_catalog_entries(repo: Facts) -> list[tuple[str, str, dict[str, Any]]]:
    """(catalog file, dataset name, entry) of every mapping entry of the Kedro catalogs."""
    found = []
    for path in repo.glob(*KEDRO_CATALOGS):
        for doc in repo.config(path):
            for name, entry in doc.items() if isinstance(doc, dict) else ():
                if isinstance(entry, dict):
                    found.append((path, str(name), entry))
    return found


def kedro_mlflow_datasets(repo: Facts, pattern: re.Pattern[str]) -> list[Evidence]:
    """The first kedro-mlflow dataset entry matching ``pattern`` in each Kedro catalog."""
    found = []
    for path in repo.glob(*KEDRO_CATALOGS):
        text = repo.text(path) or ""
        match = pattern.search(text) if "kedro_mlflow" in text else None
        if match:
            line = line_at(text, match.start())
            found.append(ev(path, line, match.group(0).strip()))
    return found


def _text(value: object) -> str:
    return value.qualname or value.text if isinstance(value, Expr) else str(value)


def _vertex_init(repo: Facts) -> list[Evidence]:
    return [
        ev(path, call.line, f"{call.name}(experiment=...)")
        for path, call in callsites.sites(repo, names=["google.cloud.aiplatform.init"])
        if call.kwarg("experiment") is not None and not traits.is_test_path(path)
    ]


def _kfp_metrics(repo: Facts) -> list[Evidence]:
    found = []
    grouped = callsites.by_file(callsites.sites(repo, attrs=KFP_METRIC_ATTRS))
    for path, calls in grouped.items():
        facts = repo.python(path)
        if traits.is_test_path(path) or facts is None:
            continue
        if any(i.module == "kfp" or i.module.startswith("kfp.") for i in facts.imports):
            found += [ev(path, c.line, c.name) for c in calls if not c.name.startswith("mlflow.")]
    return found


def _azure_runs(repo: Facts) -> list[Evidence]:
    """``run.log(...)`` on an Azure ML run, in files that import ``azureml.core``."""
    found = []
    grouped = callsites.by_file(callsites.sites(repo, attrs=AZURE_LOG_ATTRS))
    for path, calls in grouped.items():
        if traits.is_test_path(path) or not _imports_azureml(repo, path):
            continue
        found += [ev(path, c.line, c.name) for c in calls if _on_run(c)]
    return found


def _on_run(call: Call) -> bool:
    receiver = call.name.rsplit(".", 1)[0] if "." in call.name else ""
    return bool(AZURE_RUN.search(receiver))


def _imports_azureml(repo: Facts, path: str) -> bool:
    facts = repo.python(path)
    return facts is not None and any(
        i.module == AZURE_IMPORT or i.module.startswith(AZURE_IMPORT + ".") for i in facts.imports
    )
