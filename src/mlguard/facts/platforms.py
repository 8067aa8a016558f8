"""Cloud ML platforms' pipeline vocabulary: Azure ML (SDK v1 and v2), TFX, Vertex AI,
Kubeflow Pipelines (v1 and v2), SageMaker Pipelines, Databricks.

Names are the resolved call, decorator or class names of the Python facts (import aliases
followed), so ``from kfp.v2 import dsl; @dsl.pipeline`` is ``kfp.v2.dsl.pipeline`` and
``from tfx import v1 as tfx; tfx.components.Trainer(...)`` is ``tfx.v1.components.Trainer``.
Nothing is imported.
"""

from __future__ import annotations

import posixpath

from mlguard.analyzers.python_ast import Call, Expr, Value
from mlguard.facts.model import Stage

TFX_PARTS = frozenset(
    {
        "Pipeline",
        "CsvExampleGen",
        "ImportExampleGen",
        "BigQueryExampleGen",
        "FileBasedExampleGen",
        "StatisticsGen",
        "SchemaGen",
        "ImportSchemaGen",
        "ExampleValidator",
        "Transform",
        "Trainer",
        "Tuner",
        "Evaluator",
        "InfraValidator",
        "Pusher",
        "BulkInferrer",
    }
)
SAGEMAKER_PARTS = frozenset(
    {
        "Pipeline",
        "TrainingStep",
        "ProcessingStep",
        "TuningStep",
        "TransformStep",
        "ConditionStep",
        "ModelStep",
        "CreateModelStep",
        "RegisterModel",
        "QualityCheckStep",
        "ClarifyCheckStep",
        "LambdaStep",
        "FailStep",
    }
)
VERTEX_PARTS = frozenset(
    {
        "PipelineJob",
        "PipelineJobSchedule",
        "CustomJob",
        "CustomTrainingJob",
        "CustomContainerTrainingJob",
        "CustomPythonPackageTrainingJob",
        "HyperparameterTuningJob",
        "AutoMLTabularTrainingJob",
    }
)
KFP_PARTS = frozenset(
    {
        "pipeline",
        "component",
        "container_component",
        "python_component",
        "create_component_from_func",
        "func_to_container_op",
        "load_component_from_file",
        "load_component_from_url",
        "load_component_from_text",
        "ContainerOp",
        "Compiler",
        "Condition",
        "If",
        "Elif",
        "ParallelFor",
        "ExitHandler",
    }
)
AZUREML_V2 = frozenset(
    {"azure.ai.ml.dsl.pipeline", "azure.ai.ml.command", "azure.ai.ml.dsl.command"}
)
AZUREML_STEPS = frozenset(
    {
        "PythonScriptStep",
        "ParallelRunStep",
        "CommandStep",
        "EstimatorStep",
        "HyperDriveStep",
        "AutoMLStep",
        "DatabricksStep",
        "DataTransferStep",
    }
)
# what starts a pipeline on a clock or on new data (besides kfp/Vertex create_schedule)
SCHEDULES = {
    "azureml": ("azureml.pipeline.core.Schedule.create",),
    "azureml-v2": ("azure.ai.ml.entities.JobSchedule",),
    "sagemaker": ("sagemaker.workflow.triggers.PipelineSchedule",),
    "vertex": ("google.cloud.aiplatform.PipelineJobSchedule",),
    "databricks": ("databricks.sdk.service.jobs.CronSchedule",),
}
SCHEDULE_NAMES = frozenset(
    {name for names in SCHEDULES.values() for name in names}
    | {"azureml.pipeline.core.schedule.Schedule.create"}
)
SCHEDULE_KEYS = ("recurrence", "cron", "cron_expression", "schedule", "trigger", "datastore")


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def platform_of(name: str) -> str:
    """The pipeline system a resolved call/decorator name belongs to, or ``""``."""
    short = _short(name)
    if name.startswith("azureml.pipeline."):
        return "azureml"
    if name in AZUREML_V2:
        return "azureml"
    if name.startswith("tfx.") and short in TFX_PARTS:
        return "tfx"
    if name.startswith("sagemaker.workflow.") and short in SAGEMAKER_PARTS:
        return "sagemaker"
    if name.startswith("google.cloud.aiplatform.") and short in VERTEX_PARTS:
        return "vertex"
    if name.startswith("kfp.") and short in KFP_PARTS:
        return "kubeflow"
    return ""


def schedule_system(name: str) -> str:
    """The system of a platform schedule call, or ``""``."""
    for system, names in SCHEDULES.items():
        if name in names:
            return system.removesuffix("-v2")
    return "azureml" if name in SCHEDULE_NAMES else ""


def schedule_spec(call: Call) -> str:
    for key in SCHEDULE_KEYS:
        value = call.kwarg(key)
        if value is not None:
            return _text(value)
    return call.name


def _text(value: Value) -> str:
    return value.text if isinstance(value, Expr) else str(value)


def _literal(value: Value, constants: dict[str, str]) -> str:
    """A string argument, or the module-level string constant it names."""
    if isinstance(value, str):
        return value
    if isinstance(value, Expr):
        return constants.get(value.text, "")
    return ""


def _folder(value: Value, constants: dict[str, str]) -> str:
    return _literal(value, constants).strip().removeprefix("./").rstrip("/")


def platform_stage(call: Call, system: str, path: str, constants: dict[str, str]) -> Stage | None:
    """A pipeline step declared by a platform call, with the script it runs when literal."""
    name, short = call.name, _short(call.name)
    label = _literal(call.kwarg("name"), constants) or short
    script = ""
    folder = ""
    if name.startswith("azureml.pipeline.") and short in AZUREML_STEPS:
        script = _literal(call.kwarg("script_name"), constants)
        folder = _folder(call.kwarg("source_directory"), constants)
    elif name.startswith("tfx.") and short in TFX_PARTS - {"Pipeline"}:
        script = _literal(call.kwarg("module_file"), constants)
        label = short
    elif name.startswith("sagemaker.workflow.") and short in SAGEMAKER_PARTS - {"Pipeline"}:
        script = _literal(call.kwarg("code"), constants)
    elif name.startswith("google.cloud.aiplatform.") and short.startswith("Custom"):
        script = _literal(call.kwarg("script_path"), constants)
        label = _literal(call.kwarg("display_name"), constants) or short
    elif name.startswith("kfp.") and short in (
        "create_component_from_func",
        "func_to_container_op",
    ):
        first = call.args[0] if call.args else call.kwarg("func")
        label = first.text if isinstance(first, Expr) else short
    else:
        return None
    if script.endswith(".py") and folder and not script.startswith("/"):
        script = posixpath.normpath(posixpath.join(folder, script))
    command = f"python {script}" if script.endswith(".py") else ""
    return Stage(label, system, path, call.line, command, module=folder)
