"""Real-world ML stacks: cloud ML platforms, schedules outside CI, training-code forms.

Each signal has a positive case and a near-miss negative case; every case scans a fixture
repository through the CLI (``--select`` the rule) and reads the rule's status from the
JSON report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

TRAIN = "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n"

AZURE_PIPELINE = """\
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep

train = PythonScriptStep(name="Train Model", script_name="train.py", source_directory="src")
evaluate = PythonScriptStep(name="Evaluate Model", script_name="evaluate.py",
                            source_directory="src")
register = PythonScriptStep(name="Register Model", script_name="register.py",
                            source_directory="src")
Pipeline(workspace=ws, steps=[train, evaluate, register]).publish(name="training")
"""
TFX_PIPELINE = """\
from tfx import v1 as tfx
import tensorflow_model_analysis as tfma

TRAIN_MODULE = "src/trainer.py"

def create_pipeline(root):
    gen = tfx.components.CsvExampleGen(input_base="data")
    stats = tfx.components.StatisticsGen(examples=gen.outputs["examples"])
    schema = tfx.components.SchemaGen(statistics=stats.outputs["statistics"])
    validator = tfx.components.ExampleValidator(statistics=stats.outputs["statistics"],
                                                schema=schema.outputs["schema"])
    trainer = tfx.components.Trainer(module_file=TRAIN_MODULE, examples=gen.outputs["examples"])
    evaluator = tfx.components.Evaluator(model=trainer.outputs["model"], eval_config=tfma.EvalConfig(
        metrics_specs=[tfma.MetricsSpec(thresholds={"auc": tfma.MetricThreshold(
            value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.7}))})]))
    pusher = tfx.components.Pusher(model=trainer.outputs["model"])
    return tfx.dsl.Pipeline(pipeline_name="p", pipeline_root=root,
                            components=[gen, stats, schema, validator, trainer, evaluator, pusher])
"""
TFX_TRAINER = "import tensorflow as tf\n\ndef run_fn(args):\n    model.fit(ds)\n"


def _status(cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes]) -> str:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    return status_of(report, rule)


CASES: list[tuple[str, str, dict[str, str | bytes], str]] = [
    # --- declared pipelines (REP006) ------------------------------------------------------
    (
        "azureml-v1-pipeline",
        "REP006",
        {"pipelines/build.py": AZURE_PIPELINE, "src/train.py": TRAIN},
        "pass",
    ),
    (
        "azureml-steps-without-azureml-import",
        "REP006",
        {"pipelines/build.py": AZURE_PIPELINE.split("\n", 2)[2], "src/train.py": TRAIN},
        "fail",
    ),
    (
        "tfx-pipeline",
        "REP006",
        {"pipeline.py": TFX_PIPELINE, "src/trainer.py": TFX_TRAINER},
        "pass",
    ),
    (
        "kfp-v2-pipeline",
        "REP006",
        {
            "pipeline.py": """\
                from kfp.v2 import dsl
                from kfp.v2 import compiler

                @dsl.component
                def train_model():
                    pass

                @dsl.pipeline(name="training")
                def pipeline():
                    train_model()
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "kfp-v1-components",
        "REP006",
        {
            "pipeline.py": """\
                import kfp
                import kfp.components as comp

                def train():
                    pass

                train_op = comp.create_component_from_func(train)
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "sagemaker-pipeline",
        "REP006",
        {
            "pipeline.py": """\
                from sagemaker.workflow.pipeline import Pipeline
                from sagemaker.workflow.steps import TrainingStep
                step = TrainingStep(name="TrainModel", estimator=est)
                Pipeline(name="p", steps=[step])
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "pipeline-word-in-unrelated-code",
        "REP006",
        {
            "pipeline.py": "from sklearn.pipeline import Pipeline\nPipeline(steps=[])\n",
            "train.py": TRAIN,
        },
        "fail",
    ),
    # --- modular pipeline (PIPE001) ---------------------------------------------------------
    (
        "azureml-train-evaluate-register",
        "PIPE001",
        {"pipelines/build.py": AZURE_PIPELINE, "src/train.py": TRAIN},
        "pass",
    ),
    (
        "tfx-components",
        "PIPE001",
        {"pipeline.py": TFX_PIPELINE, "src/trainer.py": TFX_TRAINER},
        "pass",
    ),
]


@pytest.mark.parametrize(("name", "rule", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_stack_signal(
    cli: Any, tmp_path: Path, name: str, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    assert _status(cli, tmp_path, rule, files) == expected, name
