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
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.7}))
    config = tfma.EvalConfig(metrics_specs=[tfma.MetricsSpec(thresholds={"auc": threshold})])
    evaluator = tfx.components.Evaluator(model=trainer.outputs["model"], eval_config=config)
    pusher = tfx.components.Pusher(model=trainer.outputs["model"])
    return tfx.dsl.Pipeline(pipeline_name="p", pipeline_root=root,
                            components=[gen, stats, schema, validator, trainer, evaluator, pusher])
"""
TFX_TRAINER = "import tensorflow as tf\n\ndef run_fn(args):\n    model.fit(ds)\n"
PICKLE = b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s."  # {"a": 1}
HANDLER = "from model import retrain\n\ndef main(event, context):\n    retrain()\n"
GHA = """\
on: {on}
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {run}
"""
VERTEX_SUBMIT = (
    "from google.cloud import aiplatform\n"
    "job = aiplatform.PipelineJob(display_name='p', template_path='p.json')\n"
    "job.submit()\n"
)
FUNCTION_DEPLOY = "gcloud functions deploy run-pipeline --source=../trigger {trigger}\n"
LAUNCHER = """\
from kfp.v2.google.client import AIPlatformClient

def trigger_pipeline(event, context):
    AIPlatformClient(project_id="p", region="r").create_run_from_job_spec(job_spec_path="gs://x")
"""
SM_MODEL = """\
from sagemaker.model import Model
from sagemaker.workflow.model_step import ModelStep

model = Model(image_uri=image, model_data=artifacts, sagemaker_session=session)
"""
VX_JOB = """\
from google.cloud import aiplatform

job = aiplatform.CustomTrainingJob(display_name="train", script_path="train.py",
                                   container_uri=image)
"""
RUN_PUBLISHED = """\
from azureml.core import Experiment
from azureml.pipeline.core import PublishedPipeline

published = [p for p in PublishedPipeline.list(ws) if p.name == "training"][0]
Experiment(ws, "training").submit(published)
"""
LIST_PUBLISHED = """\
from azureml.pipeline.core import PublishedPipeline

for published in PublishedPipeline.list(ws):
    print(published.id)
"""
SCHEDULER_CLI = (
    'gcloud scheduler jobs create pubsub retrain-model --schedule="0 3 * * 1" --topic=t\n'
)


SCORE = "import joblib\nmodel = joblib.load('model.joblib')\nmodel.predict(rows).tofile('out')\n"
AZURE_SCORING_PIPELINE = """\
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep

score = PythonScriptStep(name="Score", script_name="score.py", source_directory="src")
Pipeline(workspace=ws, steps=[score]).publish(name="scoring")
"""


def ci_running(command: str) -> str:
    return (
        "on: [push]\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: actions/checkout@v4\n      - run: {command}\n"
    )


FLYTE_WORKFLOW = """\
from flytekit import CronSchedule, LaunchPlan, task, workflow
from sklearn.linear_model import LogisticRegression


@task
def train(rows: list) -> LogisticRegression:
    return LogisticRegression().fit([r[:-1] for r in rows], [r[-1] for r in rows])


@workflow
def training(rows: list) -> LogisticRegression:
    return train(rows=rows)
"""
FLYTE_LAUNCH_PLAN = """
nightly = LaunchPlan.get_or_create(
    workflow=training, name="nightly", schedule=CronSchedule(schedule="0 3 * * *")
)
"""


DAGSTER_DEFS = """\
from dagster import Definitions, ScheduleDefinition, define_asset_job
from dagster import load_assets_from_package_module, AssetSelection
from . import assets

training_job = define_asset_job("training_job", AssetSelection.groups("training"))
nightly = ScheduleDefinition(job=training_job, cron_schedule="0 3 * * *")
defs = Definitions(assets=load_assets_from_package_module(assets), schedules=[nightly])
"""
DAGSTER_TRAIN_ASSET = """\
from dagster import asset
from sklearn.linear_model import LogisticRegression


@asset(group_name="training")
def model(features):
    return LogisticRegression().fit(features.X, features.y)
"""
KFP_STORE = """\
import kfp
from kfp import dsl

store = kfp.components.ComponentStore(local_search_paths=["pipelines/p", "components"])
train_op = store.load_component("training")


@dsl.pipeline(name="p")
def pipeline(epochs: int = 3):
    train_op(epochs=epochs)
"""
KFP_V1_COMPONENT = """\
name: training
implementation:
  container:
    image: gcr.io/p/training:latest
    command: [python, main.py]
"""


def _select(*rules: str) -> list[str]:
    return [arg for rule in rules for arg in ("--select", rule)]


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
    (
        "trainer-class-of-another-library",
        "REP006",
        {
            "pipeline.py": "from mylib import Trainer\nTrainer(module_file='src/trainer.py')\n",
            "src/trainer.py": TFX_TRAINER,
        },
        "fail",
    ),
    (
        "vertex-custom-training-job",
        "REP006",
        {
            "launch.py": """\
                from google.cloud import aiplatform
                job = aiplatform.CustomTrainingJob(display_name="train-model",
                                                   script_path="train.py",
                                                   container_uri="img")
                job.run()
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    # --- schedules outside CI (PIPE003) -----------------------------------------------------
    (
        "terraform-cloud-scheduler-retrain",
        "PIPE003",
        {
            "infra/main.tf": """\
                resource "google_cloud_scheduler_job" "retrain" {
                  name     = "retrain-weekly"
                  schedule = "0 3 * * 1"
                  pubsub_target {
                    topic_name = "projects/p/topics/trigger"
                  }
                }
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "terraform-schedule-that-reports",
        "PIPE003",
        {
            "infra/main.tf": """\
                resource "aws_cloudwatch_event_rule" "report" {
                  name                = "nightly-report"
                  schedule_expression = "rate(1 day)"
                }
                """,
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "serverless-schedule-runs-handler",
        "PIPE003",
        {
            "serverless.yml": """\
                service: churn
                functions:
                  refresh:
                    handler: jobs/handler.main
                    events:
                      - schedule: rate(7 days)
                """,
            "jobs/handler.py": HANDLER,
            "jobs/model.py": TRAIN,
        },
        "pass",
    ),
    (
        "serverless-http-only",
        "PIPE003",
        {
            "serverless.yml": """\
                service: churn
                functions:
                  refresh:
                    handler: jobs/handler.main
                    events:
                      - http: {path: refresh, method: post}
                """,
            "jobs/handler.py": HANDLER,
            "jobs/model.py": TRAIN,
        },
        "fail",
    ),
    (
        "sam-scheduled-function",
        "PIPE003",
        {
            "template.yaml": """\
                AWSTemplateFormatVersion: '2010-09-09'
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Refresh:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: app.handler
                      Role: !GetAtt Role.Arn
                      Events:
                        Weekly:
                          Type: Schedule
                          Properties:
                            Schedule: rate(7 days)
                """,
            "src/app.py": TRAIN,
        },
        "pass",
    ),
    (
        "cloudformation-event-pattern-rule",
        "PIPE003",
        {
            "template.yaml": """\
                Resources:
                  OnUpload:
                    Type: AWS::Events::Rule
                    Properties:
                      EventPattern: {source: [aws.s3]}
                """,
            "src/app.py": TRAIN,
        },
        "fail",
    ),
    (
        "databricks-bundle-scheduled-job",
        "PIPE003",
        {
            "databricks.yml": """\
                bundle: {name: churn}
                resources:
                  jobs:
                    weekly:
                      schedule: {quartz_cron_expression: "0 0 3 ? * MON", timezone_id: UTC}
                      tasks:
                        - task_key: fit
                          spark_python_task: {python_file: ./src/job.py}
                """,
            "src/job.py": TRAIN,
        },
        "pass",
    ),
    (
        "databricks-bundle-paused-job",
        "PIPE003",
        {
            "databricks.yml": """\
                bundle: {name: churn}
                resources:
                  jobs:
                    weekly:
                      schedule:
                        quartz_cron_expression: "0 0 3 ? * MON"
                        pause_status: PAUSED
                      tasks:
                        - task_key: fit
                          spark_python_task: {python_file: ./src/job.py}
                """,
            "src/job.py": TRAIN,
        },
        "fail",
    ),
    (
        "gcloud-scheduler-in-script",
        "PIPE003",
        {
            "deploy.sh": SCHEDULER_CLI,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "gcloud-scheduler-commented-out",
        "PIPE003",
        {
            "deploy.sh": "# " + SCHEDULER_CLI,
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "azureml-schedule-create",
        "PIPE003",
        {
            "pipelines/build.py": AZURE_PIPELINE
            + "from azureml.pipeline.core import Schedule, ScheduleRecurrence\n"
            + "Schedule.create(ws, name='weekly', pipeline_id='p',\n"
            + "                recurrence=ScheduleRecurrence(frequency='Week', interval=1))\n",
            "src/train.py": TRAIN,
        },
        "pass",
    ),
    (
        "azureml-published-without-schedule",
        "PIPE003",
        {"pipelines/build.py": AZURE_PIPELINE, "src/train.py": TRAIN},
        "fail",
    ),
    (
        "pubsub-function-launches-training-pipeline",
        "PIPE003",
        {
            "pipeline.py": TFX_PIPELINE,
            "src/trainer.py": TFX_TRAINER,
            "build/deploy.sh": FUNCTION_DEPLOY.format(trigger="--trigger-topic=retrain"),
            "trigger/main.py": LAUNCHER,
        },
        "pass",
    ),
    (
        "http-function-launches-training-pipeline",
        "PIPE003",
        {
            "pipeline.py": TFX_PIPELINE,
            "src/trainer.py": TFX_TRAINER,
            "build/deploy.sh": FUNCTION_DEPLOY.format(trigger="--trigger-http"),
            "trigger/main.py": LAUNCHER,
        },
        "fail",
    ),
    (
        "push-triggered-ci-builds-and-runs-pipeline",
        "PIPE003",
        {
            ".github/workflows/train.yml": GHA.format(on="push", run="python pipelines/build.py"),
            "pipelines/build.py": AZURE_PIPELINE,
            "src/train.py": TRAIN,
        },
        "partial",
    ),
    (
        "push-triggered-ci-only-tests",
        "PIPE003",
        {
            ".github/workflows/train.yml": GHA.format(on="push", run="python -m pytest"),
            "pipelines/build.py": AZURE_PIPELINE,
            "src/train.py": TRAIN,
        },
        "fail",
    ),
    (
        "scheduled-ci-submits-vertex-pipeline-run",
        "PIPE003",
        {
            ".github/workflows/retrain.yml": GHA.format(
                on="{schedule: [{cron: '0 3 * * 1'}]}", run="python submit.py"
            ),
            "submit.py": VERTEX_SUBMIT,
            "pipeline.py": "from kfp import dsl\n\n@dsl.component\ndef train_model():\n"
            + "    pass\n",
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "scheduled-ci-submits-pipeline-that-does-not-train",
        "PIPE003",
        {
            ".github/workflows/retrain.yml": GHA.format(
                on="{schedule: [{cron: '0 3 * * 1'}]}", run="python submit.py"
            ),
            "submit.py": VERTEX_SUBMIT,
            "pipeline.py": "from kfp import dsl\n\n@dsl.component\ndef export_report():\n"
            + "    pass\n",
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "push-ci-submits-published-azureml-pipeline",
        "CICD002",
        {
            ".github/workflows/train.yml": GHA.format(
                on="push", run="python -m pipelines.run_train"
            ),
            "pipelines/build.py": AZURE_PIPELINE,
            "pipelines/run_train.py": RUN_PUBLISHED,
            "src/train.py": TRAIN,
        },
        "pass",
    ),
    (
        "push-ci-only-lists-published-azureml-pipelines",
        "CICD002",
        {
            ".github/workflows/train.yml": GHA.format(
                on="push", run="python -m pipelines.run_train"
            ),
            "pipelines/build.py": AZURE_PIPELINE,
            "pipelines/run_train.py": LIST_PUBLISHED,
            "src/train.py": TRAIN,
        },
        "fail",
    ),
    (
        "sagemaker-model-register-to-package-group",
        "VER003",
        {
            "pipeline.py": SM_MODEL
            + 'ModelStep(name="Reg", step_args=model.register('
            + 'model_package_group_name="churn"))\n',
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "sagemaker-model-register-without-package-group",
        "VER003",
        {"pipeline.py": SM_MODEL + "model.register()\n", "train.py": TRAIN},
        "fail",
    ),
    (
        "sagemaker-model-register-is-registry-lineage",
        "EXP004",
        {
            "pipeline.py": SM_MODEL
            + 'ModelStep(name="Reg", step_args=model.register('
            + 'model_package_group_name="churn"))\n',
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "vertex-training-job-uploads-a-model-version",
        "VER003",
        {
            "submit.py": VX_JOB + 'job.run(model_display_name="churn", parent_model=parent)\n',
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "vertex-training-job-without-model-upload",
        "VER003",
        {"submit.py": VX_JOB + "job.run(replica_count=1)\n", "train.py": TRAIN},
        "fail",
    ),
    # --- feature code tested through the source root, datamodules, prep modules (TST002) ---
    (
        "test-imports-feature-module-through-src",
        "TST002",
        {
            "src/data/mnist_datamodule.py": "def setup():\n    return 1\n",
            "src/train.py": TRAIN,
            "tests/test_datamodule.py": "from src.data.mnist_datamodule import setup\n\n"
            "def test_setup():\n    assert setup() == 1\n",
        },
        "pass",
    ),
    (
        "prep-module-without-a-test",
        "TST002",
        {
            "components/prep/prep.py": "def clean(df):\n    return df.dropna()\n",
            "src/train.py": TRAIN,
            "tests/test_train.py": "from train import fit\n\ndef test_fit():\n    assert fit\n",
        },
        "partial",  # the prep module is untested; the tests cover the training code only
    ),
    (
        "prep-module-and-no-ml-code-tested",
        "TST002",
        {
            "components/prep/prep.py": "def clean(df):\n    return df.dropna()\n",
            "src/train.py": TRAIN,
            "src/version.py": "VERSION = '1.0'\n",
            "tests/test_version.py": "from version import VERSION\n\n"
            "def test_version():\n    assert VERSION\n",
        },
        "fail",
    ),
    (
        "zenml-pipeline-model-versions",
        "VER003",
        {
            "pipeline.py": "from zenml import Model, pipeline\n\n"
            "@pipeline(model=Model(name='churn', license='MIT'))\ndef training():\n    pass\n",
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "zenml-pipeline-without-a-model",
        "VER003",
        {
            "pipeline.py": "from zenml import pipeline\n\n@pipeline\ndef training():\n    pass\n",
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "ray-mlflow-callback-saves-checkpoints",
        "VER003",
        {
            "train.py": TRAIN + "from ray.air.integrations.mlflow import MLflowLoggerCallback\n"
            "cb = MLflowLoggerCallback(experiment_name='e', save_artifact=True)\n",
        },
        "partial",
    ),
    (
        "ray-mlflow-callback-is-experiment-tracking",
        "EXP001",
        {
            "train.py": TRAIN + "from ray.air.integrations.mlflow import MLflowLoggerCallback\n"
            "cb = MLflowLoggerCallback(experiment_name='e')\n",
        },
        "pass",
    ),
    (
        "zenml-metadata-is-experiment-tracking",
        "EXP001",
        {"train.py": TRAIN + "from zenml import log_metadata\nlog_metadata(metadata={'acc': 1})\n"},
        "pass",
    ),
    # --- experiment tracking (EXP001-EXP003) ------------------------------------------------
    (
        "keras-tensorboard-callback-writes-event-files",
        "EXP001",
        {
            "train.py": "from tensorflow.keras.callbacks import TensorBoard\n"
            "from tensorflow import keras\nm = keras.Sequential()\n"
            "m.fit(x, y, callbacks=[TensorBoard(log_dir='logs')])\n"
        },
        "partial",
    ),
    (
        "keras-early-stopping-logs-nothing",
        "EXP001",
        {
            "train.py": "from tensorflow.keras.callbacks import EarlyStopping\n"
            "from tensorflow import keras\nm = keras.Sequential()\n"
            "m.fit(x, y, callbacks=[EarlyStopping()])\n"
        },
        "fail",
    ),
    (
        # a pipeline's executions and the ModelMetrics of its model package record runs,
        # but no tracker API keeps a queryable run history: partial (SageMaker Experiments'
        # Run is the tracker)
        "sagemaker-pipeline-executions-are-run-records",
        "EXP001",
        {
            "pipeline.py": "from sagemaker.workflow.pipeline import Pipeline\n"
            "from sagemaker.workflow.steps import TrainingStep\n"
            "Pipeline(name='p', steps=[TrainingStep(name='Train', estimator=e)])\n",
            "train.py": TRAIN,
        },
        "partial",
    ),
    (
        "sagemaker-experiments-run-is-a-tracker",
        "EXP001",
        {
            "train.py": TRAIN
            + "from sagemaker.experiments import Run\n"
            + "with Run(experiment_name='churn') as run:\n    run.log_metric('auc', 0.9)\n",
        },
        "pass",
    ),
    (
        "sagemaker-estimator-alone-tracks-nothing",
        "EXP001",
        {
            "launch.py": "from sagemaker.estimator import Estimator\n"
            "Estimator(image_uri=i, role=r).fit({'train': s3})\n",
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "kfp-component-logs-metrics-artifact",
        "EXP001",
        {
            "pipeline.py": "from kfp import dsl\nfrom kfp.dsl import Metrics, Output\n\n"
            "@dsl.component\ndef evaluate(metrics: Output[Metrics]):\n"
            "    metrics.log_metric('auc', 0.9)\n",
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "log-metric-without-kfp",
        "EXP001",
        {
            "report.py": "import reporting\nreporting.client().log_metric('auc', 0.9)\n",
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "azureml-run-log",
        "EXP001",
        {
            "train.py": TRAIN
            + "from azureml.core.run import Run\nrun = Run.get_context()\nrun.log('mse', 1.0)\n",
        },
        "pass",
    ),
    (
        "run-log-without-azureml",
        "EXP001",
        {"train.py": TRAIN + "from jobs import Runner\nrun = Runner()\nrun.log('mse', 1.0)\n"},
        "fail",
    ),
    (
        "azureml-run-is-hosted",
        "EXP003",
        {
            "train.py": TRAIN
            + "from azureml.core.run import Run\nrun = Run.get_context()\nrun.log('mse', 1.0)\n",
        },
        "pass",
    ),
    (
        "azureml-run-records-params",
        "EXP002",
        {
            "train.py": TRAIN
            + "from azureml.core.run import Run\nrun = Run.get_context()\nrun.log('mse', 1.0)\n",
        },
        "pass",
    ),
    (
        "vertex-experiments",
        "EXP003",
        {
            "train.py": TRAIN
            + "from google.cloud import aiplatform as vertex_ai\n"
            + "vertex_ai.init(project='p', experiment='churn')\n"
            + "vertex_ai.start_run('r1')\nvertex_ai.log_metrics({'auc': 0.9})\n",
        },
        "pass",
    ),
    (
        "vertex-init-without-experiment",
        "EXP001",
        {
            "train.py": TRAIN
            + "from google.cloud import aiplatform\naiplatform.init(project='p')\n",
        },
        "fail",
    ),
    (
        "integration-tracker-is-not-no-tracker",
        "EXP003",
        {
            "train.py": "from transformers import Trainer, TrainingArguments\n"
            + "args = TrainingArguments(output_dir='o', report_to='mlflow')\n"
            + "Trainer(model=m, args=args).train()\n",
        },
        "partial",
    ),
    (
        "integration-tracker-logs-params-and-metrics",
        "EXP002",
        {
            "train.py": "from transformers import Trainer, TrainingArguments\n"
            + "args = TrainingArguments(output_dir='o', report_to='mlflow')\n"
            + "Trainer(model=m, args=args).train()\n",
        },
        "pass",
    ),
    (
        "tracker-started-but-nothing-logged",
        "EXP002",
        {"train.py": TRAIN + "import mlflow\nmlflow.start_run()\n"},
        "partial",
    ),
    # --- data and model versioning ----------------------------------------------------------
    (
        "azureml-dataset-new-version",
        "VER001",
        {
            "train.py": TRAIN
            + "from azureml.core import Dataset\n"
            + "ds = Dataset.Tabular.from_delimited_files(path=p)\n"
            + "ds = ds.register(workspace=ws, name='churn', create_new_version=True)\n",
        },
        "pass",
    ),
    (
        "azureml-dataset-overwritten",
        "VER001",
        {
            "train.py": TRAIN
            + "from azureml.core import Dataset\n"
            + "ds = Dataset.Tabular.from_delimited_files(path=p)\n"
            + "ds = ds.register(workspace=ws, name='churn', create_new_version=False)\n",
        },
        "fail",
    ),
    (
        "azureml-v2-data-asset-version",
        "VER001",
        {
            "train.py": TRAIN
            + "import pandas as pd\nfrom azure.ai.ml.entities import Data\n"
            + "df = pd.read_csv('data.csv')\n"
            + "ml_client.data.create_or_update(Data(name='churn', version='3', path=p))\n",
        },
        "pass",
    ),
    (
        "azureml-model-register",
        "VER003",
        {
            "train.py": TRAIN,
            "register.py": "from azureml.core.model import Model as AMLModel\n"
            + "AMLModel.register(workspace=ws, model_name='m', model_path='outputs/m.pkl')\n",
        },
        "pass",
    ),
    (
        "project-model-class-register",
        "VER003",
        {
            "train.py": TRAIN,
            "register.py": "from mypkg.models import Model\nModel.register('m')\n",
        },
        "fail",
    ),
    (
        "azureml-run-register-model",
        "EXP004",
        {"train.py": TRAIN + "run.register_model(model_name='m', model_path='outputs/m.pkl')\n"},
        "pass",
    ),
    (
        "sniffed-pickle-without-extension",
        "VER006",
        {"models/churn": PICKLE},
        "fail",
    ),
    (
        "pickled-dataset-is-data",
        "VER006",
        {"data/ind.cora.x": PICKLE},
        "pass",
    ),
    (
        "text-file-named-model",
        "VER006",
        {"models/churn": "name: churn\nowner: data-team\n"},
        "pass",
    ),
    # --- gates, validation, monitoring, serving ---------------------------------------------
    (
        "kfp-v2-condition-gate",
        "PIPE004",
        {
            "pipeline.py": """\
                from kfp.v2 import dsl

                @dsl.component
                def train_model() -> float:
                    return 0.9

                @dsl.pipeline(name="training")
                def pipeline():
                    auc = train_model()
                    with dsl.Condition(auc.output > 0.8):
                        deploy()
                """,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "azureml-evaluate-cancels-worse-model",
        "PIPE004",
        {
            "train.py": TRAIN,
            "evaluate/evaluate_model.py": """\
                from azureml.core import Run
                run = Run.get_context()
                if new_mse >= production_mse:
                    run.parent.cancel()
                """,
        },
        "partial",
    ),
    (
        "azureml-evaluate-step-runs-gate",
        "PIPE004",
        {
            "pipelines/build.py": AZURE_PIPELINE.replace(
                'script_name="evaluate.py"', "script_name=env.evaluate_script"
            ),
            "src/train.py": TRAIN,
            "evaluate/evaluate_model.py": """\
                from azureml.core import Run
                run = Run.get_context()
                if new_mse >= production_mse:
                    run.parent.cancel()
                """,
        },
        "pass",
    ),
    (
        "azureml-cancel-without-comparison",
        "PIPE004",
        {
            "train.py": TRAIN,
            "evaluate/evaluate_model.py": """\
                from azureml.core import Run
                run = Run.get_context()
                run.parent.cancel()
                """,
        },
        "fail",
    ),
    (
        "tfx-example-validator-in-pipeline",
        "DATA002",
        {"pipeline.py": TFX_PIPELINE, "src/trainer.py": TFX_TRAINER},
        "pass",
    ),
    (
        "tfdv-in-a-script-nobody-runs",
        "DATA002",
        {
            "train.py": TRAIN,
            "explore.py": "import tensorflow_data_validation as tfdv\n"
            + "tfdv.infer_schema(stats)\n",
        },
        "partial",
    ),
    (
        "azureml-data-drift-detector",
        "MON001",
        {
            "train.py": TRAIN,
            "monitor.py": "from azureml.datadrift import DataDriftDetector\n"
            + "DataDriftDetector.create_from_datasets(ws, 'drift', base, target)\n",
        },
        "pass",
    ),
    (
        "azureml-without-drift",
        "MON001",
        {
            "train.py": TRAIN,
            "monitor.py": "from azureml.core import Workspace\nWorkspace.get('w')\n",
        },
        "fail",
    ),
    (
        "azureml-drift-detector-with-frequency",
        "MON002",
        {
            "train.py": TRAIN,
            "monitor.py": "from azureml.datadrift import DataDriftDetector\n"
            + "DataDriftDetector.create_from_datasets(ws, 'drift', base, target,\n"
            + "                                       frequency='Week')\n",
        },
        "pass",
    ),
    (
        "azureml-drift-detector-run-by-hand",
        "MON002",
        {
            "train.py": TRAIN,
            "monitor.py": "from azureml.datadrift import DataDriftDetector\n"
            + "DataDriftDetector.create_from_datasets(ws, 'drift', base, target)\n",
        },
        "fail",
    ),
    (
        "cdk-sagemaker-monitoring-schedule",
        "MON002",
        {
            "train.py": TRAIN,
            "infra/stack.py": "from aws_cdk import aws_sagemaker as sagemaker\n"
            + "sagemaker.CfnMonitoringSchedule(self, 'M', monitoring_schedule_name='m',"
            + " monitoring_schedule_config=c)\n",
        },
        "pass",
    ),
    (
        "cloudformation-monitoring-schedule",
        "MON001",
        {
            "train.py": TRAIN,
            "template.yaml": "Resources:\n  Monitor:\n"
            + "    Type: AWS::SageMaker::MonitoringSchedule\n",
        },
        "pass",
    ),
    (
        "cdk-sagemaker-endpoint-only",
        "MON001",
        {
            "train.py": TRAIN,
            "infra/stack.py": "from aws_cdk import aws_sagemaker as sagemaker\n"
            + "sagemaker.CfnEndpoint(self, 'E', endpoint_config_name='c')\n",
        },
        "fail",
    ),
    (
        "vertex-batch-prediction-skew-detection",
        "MON001",
        {
            "train.py": TRAIN,
            "predict.py": "from google.cloud import aiplatform\n"
            + "model.batch_predict(job_display_name='b', model_monitoring_objective_config=c)\n",
        },
        "pass",
    ),
    (
        "vertex-batch-prediction-unmonitored",
        "MON001",
        {
            "train.py": TRAIN,
            "predict.py": "from google.cloud import aiplatform\n"
            + "model.batch_predict(job_display_name='b')\n",
        },
        "fail",
    ),
    (
        "azureml-scoring-script-loads-registered-model",
        "EXP005",
        {
            "train.py": TRAIN,
            "scoring/score.py": """\
                import joblib
                from azureml.core.model import Model

                def init():
                    global model
                    model = joblib.load(Model.get_model_path("churn"))

                def run(data):
                    return model.predict(data)
                """,
        },
        "pass",
    ),
    (
        "scoring-script-loads-bundled-file",
        "EXP005",
        {
            "train.py": TRAIN,
            "scoring/score.py": """\
                import joblib

                def init():
                    global model
                    model = joblib.load("model.pkl")

                def run(data):
                    return model.predict(data)
                """,
        },
        "fail",
    ),
    (
        "init-and-run-are-not-a-scoring-script",
        "EXP005",
        {
            "train.py": TRAIN,
            "tasks/runner.py": """\
                import joblib

                def init():
                    global model
                    model = joblib.load("model.pkl")

                def run(data):
                    return model.predict(data)
                """,
        },
        "n/a",
    ),
    # --- training code forms (the training trait) -------------------------------------------
    (
        "pytorch-training-loop",
        "REP003",
        {
            "loop.py": """\
                import torch
                for x, y in loader:
                    loss = criterion(net(x), y)
                    loss.backward()
                    optimizer.step()
                """,
        },
        "fail",
    ),
    (
        "tensorflow-gradient-tape-loop",
        "REP003",
        {
            "loop.py": """\
                import tensorflow as tf
                with tf.GradientTape() as tape:
                    loss = loss_fn(y, model(x))
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
                """,
        },
        "fail",
    ),
    (
        "backward-without-optimizer-step",
        "REP003",
        {
            "gradcheck.py": """\
                import torch
                loss = net(x).sum()
                loss.backward()
                scheduler.step()
                """,
        },
        "n/a",
    ),
    # --- batch scoring pipelines that CI publishes ------------------------------------------
    (
        "scoring-pipeline-ci-publishes",
        "CICD003",
        {
            "src/train.py": TRAIN,
            "src/score.py": SCORE,
            "pipelines/score_pipeline.py": AZURE_SCORING_PIPELINE,
            ".github/workflows/publish.yml": ci_running("python pipelines/score_pipeline.py"),
        },
        "pass",
    ),
    (
        "scoring-script-ci-runs-outside-a-pipeline",
        "CICD003",
        {
            "src/train.py": TRAIN,
            "src/score.py": SCORE,
            ".github/workflows/publish.yml": ci_running("python src/score.py"),
        },
        "n/a",
    ),
    # --- Dagster code locations: a package of assets loaded whole -------------------------
    (
        "dagster-schedule-runs-a-package-of-assets",
        "PIPE003",
        {
            "proj/__init__.py": DAGSTER_DEFS,
            "proj/assets/__init__.py": "",
            "proj/assets/model.py": DAGSTER_TRAIN_ASSET,
        },
        "pass",
    ),
    (
        "dagster-schedule-without-the-asset-package",
        "PIPE003",
        {
            "proj/__init__.py": DAGSTER_DEFS.replace(
                "load_assets_from_package_module(assets)", "[]"
            ),
            "proj/assets/__init__.py": "",
            "proj/assets/model.py": DAGSTER_TRAIN_ASSET,
        },
        "fail",
    ),
    # --- Flyte: a launch plan's schedule starts the workflow --------------------------------
    (
        "flyte-launch-plan-on-a-cron",
        "PIPE003",
        {"workflows.py": FLYTE_WORKFLOW + FLYTE_LAUNCH_PLAN},
        "pass",
    ),
    (
        "flyte-workflow-started-by-hand",
        "PIPE003",
        {"workflows.py": FLYTE_WORKFLOW},
        "fail",
    ),
    # --- Kubeflow v1 component store: components loaded by name ---------------------------
    (
        "kfp-component-store-by-name",
        "REP006",
        {
            "pipelines/p/p.py": KFP_STORE,
            "pipelines/p/training/component.yaml": KFP_V1_COMPONENT,
            "pipelines/p/training/main.py": TRAIN,
        },
        "pass",
    ),
    (
        "kfp-component-store-name-without-a-component",
        "REP006",
        {
            "pipelines/p/p.py": KFP_STORE,
            "pipelines/p/train/component.yaml": KFP_V1_COMPONENT,
            "pipelines/p/train/main.py": TRAIN,
        },
        "fail",
    ),
    (
        "fit-helper-named-for-fitting",
        "REP003",
        {
            "model/fit_model.py": "def fit_model(model, x, y, epochs):\n"
            + "    return model.fit(x, y, epochs=epochs)\n",
            "app.py": "import tensorflow as tf\n",
        },
        "fail",
    ),
    (
        "fit-helper-named-otherwise",
        "REP003",
        {
            "model/helpers.py": "def fit_model(model, x, y, epochs):\n"
            + "    return model.fit(x, y, epochs=epochs)\n",
            "app.py": "import tensorflow as tf\n",
        },
        "n/a",
    ),
    (
        "module-fit-helper-beside-a-class",
        "REP003",
        {
            "train.py": "import json\nimport lightgbm\n\n\nclass Encoder(json.JSONEncoder):\n"
            + "    pass\n\n\ndef fit(model, X, y):\n    model.fit(X, y)\n\n\n"
            + "fit(lightgbm.LGBMRegressor(), X, y)\n",
        },
        "fail",
    ),
    (
        "estimator-class-fit-method",
        "REP003",
        {
            "shrink.py": "import numpy\nfrom sklearn.base import BaseEstimator\n\n\n"
            + "class Shrink(BaseEstimator):\n    def fit(self, X, y):\n"
            + "        self.mean_ = numpy.mean(y)\n        return self\n",
        },
        "n/a",
    ),
    (
        "train-called-on-data",
        "REP003",
        {
            "pipeline.py": """\
                from ludwig.api import LudwigModel
                model = LudwigModel(config="config.yaml")
                stats, _, out = model.train(dataset=frame)
                """,
        },
        "fail",
    ),
    (
        "train-switching-a-module-mode",
        "REP003",
        {
            "evaluate.py": """\
                import torch
                net.train()
                net.train(False)
                net.train(mode=True)
                """,
        },
        "n/a",
    ),
    (
        "sagemaker-estimator-fit",
        "REP003",
        {
            "launch.py": "from sagemaker.estimator import Estimator\n"
            + "Estimator(image_uri='i').fit(s3)\n"
        },
        "fail",
    ),
    (
        "fit-without-ml-or-platform-import",
        "REP003",
        {"launch.py": "from curves import Curve\nCurve().fit(points)\n"},
        "n/a",
    ),
    (
        "vertex-version-alias",
        "VER005",
        {
            "train.py": TRAIN,
            "upload.py": "from google.cloud import aiplatform\n"
            + "aiplatform.Model.upload(display_name='m', parent_model=p,"
            + " version_aliases=['champion'])\n",
        },
        "pass",
    ),
    (
        "vertex-upload-without-alias",
        "VER005",
        {
            "train.py": TRAIN,
            "upload.py": "from google.cloud import aiplatform\n"
            + "aiplatform.Model.upload(display_name='m', parent_model=p)\n",
        },
        "fail",
    ),
    (
        "sagemaker-data-quality-check",
        "DATA001",
        {
            "train.py": TRAIN,
            "pipeline.py": "from sagemaker.workflow.quality_check_step import "
            + "DataQualityCheckConfig\nDataQualityCheckConfig(baseline_dataset=d)\n",
        },
        "pass",
    ),
    (
        "sagemaker-model-quality-is-not-a-data-schema",
        "DATA001",
        {
            "train.py": TRAIN,
            "pipeline.py": "from sagemaker.workflow.quality_check_step import "
            + "ModelQualityCheckConfig\nModelQualityCheckConfig(baseline_dataset=d)\n",
        },
        "fail",
    ),
    # --- LLM model construction (LLM002) ----------------------------------------------------
    (
        "init-chat-model-floating",
        "LLM002",
        {
            "app.py": "from langchain.chat_models import init_chat_model\n"
            + "llm = init_chat_model('anthropic:claude-3-5-sonnet-latest')\n",
        },
        "fail",
    ),
    (
        "init-chat-model-provider-alias",
        "LLM002",
        {
            "app.py": "from langchain.chat_models import init_chat_model\n"
            + "llm = init_chat_model('openai:gpt-4o')\n",
        },
        "fail",
    ),
    (
        "init-chat-model-dated",
        "LLM002",
        {
            "app.py": "from langchain.chat_models import init_chat_model\n"
            + "llm = init_chat_model('openai:gpt-4o-2024-08-06')\n",
        },
        "pass",
    ),
    (
        "langchain-provider-package",
        "LLM002",
        {
            "app.py": "from langchain_google_genai import ChatGoogleGenerativeAI\n"
            + "llm = ChatGoogleGenerativeAI(model='gemini-1.5-pro')\n",
        },
        "fail",
    ),
    (
        "langchain-provider-package-pinned",
        "LLM002",
        {
            "app.py": "from langchain_google_genai import ChatGoogleGenerativeAI\n"
            + "llm = ChatGoogleGenerativeAI(model='gemini-1.5-pro-002')\n",
        },
        "pass",
    ),
    (
        "azure-openai-client-names-a-deployment",
        "LLM002",
        {
            "app.py": "from openai import AzureOpenAI\n"
            + "client = AzureOpenAI(azure_endpoint=url)\n"
            + "client.chat.completions.create(\n    model='gpt-4',\n    messages=m,\n)\n",
        },
        "pass",
    ),
    (
        "openai-client-beside-an-azure-one",
        "LLM002",
        {
            "app.py": "from openai import AzureOpenAI, OpenAI\n"
            + "client = OpenAI()\n"
            + "client.chat.completions.create(\n    model='gpt-4',\n    messages=m,\n)\n",
        },
        "fail",
    ),
    # --- torch.hub refs (SEC003, SEC013) ----------------------------------------------------
    (
        "torch-hub-branch-ref",
        "SEC013",
        {"detect.py": "import torch\nm = torch.hub.load('ultralytics/yolov5:master', 'yolov5s')\n"},
        "fail",
    ),
    (
        "torch-hub-commit-ref",
        "SEC013",
        {
            "detect.py": "import torch\n"
            + "m = torch.hub.load('ultralytics/yolov5:915bbf294bb74c859f0b41f1c23bc395014ea679',"
            + " 'yolov5s')\n",
        },
        "pass",
    ),
    (
        "torch-hub-trusted-tag",
        "SEC003",
        {
            "detect.py": "import torch\n"
            + "m = torch.hub.load('ultralytics/yolov5:v7.0', 'yolov5s', trust_repo=True)\n",
        },
        "fail",
    ),
    (
        "torch-hub-trusted-commit",
        "SEC003",
        {
            "detect.py": "import torch\n"
            + "m = torch.hub.load('ultralytics/yolov5:915bbf294bb74c859f0b41f1c23bc395014ea679',"
            + " 'yolov5s', trust_repo=True)\n",
        },
        "pass",
    ),
    # --- hyperparameter search and quality assertions ----------------------------------------
    (
        "vertex-tuning-job",
        "EXP006",
        {
            "train.py": TRAIN,
            "tune.py": "from google.cloud import aiplatform\n"
            + "aiplatform.HyperparameterTuningJob(display_name='t', custom_job=job).run()\n",
        },
        "pass",
    ),
    (
        "search-with-untracked-trials",
        "EXP006",
        {
            "train.py": TRAIN
            + "from sklearn.model_selection import GridSearchCV\nGridSearchCV(m, g)\n"
        },
        "partial",
    ),
    (
        "tfx-evaluator-thresholds-assert-quality",
        "TST004",
        {"pipeline.py": TFX_PIPELINE, "src/trainer.py": TFX_TRAINER},
        "pass",
    ),
]


@pytest.mark.parametrize(("name", "rule", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_stack_signal(
    cli: Any, tmp_path: Path, name: str, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    assert _status(cli, tmp_path, rule, files) == expected, name


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [
        ("EXP006", {"train.py": TRAIN}, "fail"),
        (
            "EXP006",
            {
                "train.py": TRAIN + "from sklearn.model_selection import GridSearchCV\n"
                "GridSearchCV(m, g)\n"
            },
            "partial",
        ),
        (
            "TST004",
            {"train.py": TRAIN + "from sklearn.metrics import f1_score\nf1_score(y, p)\n"},
            "partial",
        ),
        ("TST004", {"train.py": TRAIN}, "fail"),
        ("EXP001", {"train.py": TRAIN}, "fail"),
    ],
)
def test_verdicts_say_why(
    cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    result = next(r for r in report["rules"] if r["id"] == rule)
    assert result["status"] == expected
    assert result["reason"].strip(), result


KFP_FORMS = {  # the import, and the prefix of the decorators
    "import-kfp": ("import kfp", "kfp.dsl."),
    "from-kfp-import-dsl": ("from kfp import dsl", "dsl."),
    "from-kfp-v2-import-dsl": ("from kfp.v2 import dsl", "dsl."),
    "import-kfp-dsl-as": ("import kfp.dsl as dsl", "dsl."),
    "from-kfp-dsl-import": ("from kfp.dsl import component, pipeline", ""),
}


@pytest.mark.parametrize("form", sorted(KFP_FORMS))
def test_kfp_import_forms_declare_a_pipeline(cli: Any, tmp_path: Path, form: str) -> None:
    imported, prefix = KFP_FORMS[form]
    source = (
        f"{imported}\n\n@{prefix}component\ndef train_model():\n    pass\n\n"
        f"@{prefix}pipeline(name='p')\ndef p():\n    train_model()\n"
    )
    files: dict[str, str | bytes] = {"pipeline.py": source, "train.py": TRAIN}
    assert _status(cli, tmp_path, "REP006", files) == "pass"


TRACKED = {
    "azureml": TRAIN + "from azureml.core import Run\nrun = Run.get_context()\nrun.log('a', 1)\n",
    "vertex": TRAIN + "from google.cloud import aiplatform\naiplatform.log_metrics({'a': 1})\n",
    "lightning-logger": TRAIN + "from lightning.pytorch.loggers import MLFlowLogger\n",
    "hf-report-to": "from transformers import TrainingArguments, Trainer\n"
    + "Trainer(args=TrainingArguments(output_dir='o', report_to='wandb')).train()\n",
    "zenml-tracker": TRAIN
    + "from zenml import step\n\n@step(experiment_tracker='mlflow')\n"
    + "def train():\n    pass\n",
    "mlflow-started-only": TRAIN + "import mlflow\nmlflow.start_run()\n",
    "sagemaker-experiments": TRAIN
    + "from sagemaker.experiments import Run\n"
    + "with Run(experiment_name='e') as run:\n    run.log_metric(name='a', value=1)\n",
}


@pytest.mark.parametrize("case", sorted(TRACKED))
def test_tracker_rules_agree(cli: Any, tmp_path: Path, case: str) -> None:
    """Where EXP001 finds a tracker, EXP002 never fails and EXP003 never says there is none."""
    root = make_repo(tmp_path / "repo", {"train.py": TRACKED[case]})
    _, report = scan_json(cli, root, *_select("EXP001", "EXP002", "EXP003"))
    results = {r["id"]: r for r in report["rules"]}
    assert results["EXP001"]["status"] == "pass"
    assert results["EXP002"]["status"] != "fail", results["EXP002"]
    assert "No experiment tracker" not in results["EXP003"]["reason"], results["EXP003"]


def test_pickle_sec002_sniffs_is_a_committed_model_for_ver006(cli: Any, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"models/churn.sav": PICKLE, "train.py": TRAIN})
    _, report = scan_json(cli, root, *_select("SEC002", "VER006"))
    flagged = {f["rule_id"] for f in report["findings"] if f["path"] == "models/churn.sav"}
    assert flagged == {"SEC002", "VER006"}
