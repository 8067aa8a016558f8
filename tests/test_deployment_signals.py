"""Deployment signals: deploy actions and tasks in CI, deploy CLIs, managed model endpoints,
CD pipelines defined in code, and clock triggers declared in infrastructure code.

Each signal has a positive case and a near-miss negative case; every case scans a fixture
repository through the CLI (``--select`` the rule) and reads the rule's status from the
JSON report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

SERVE = "from flask import Flask\napp = Flask(__name__)\n"
GHA_USES = """\
on: {{push: {{branches: [main]}}}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: {uses}
"""
GHA_RUN = """\
on: {{push: {{branches: [main]}}}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {run}
"""
GHA_DISPATCH = """\
on: {{workflow_dispatch: {{}}}}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: {run}
"""
SAGEMAKER_DEPLOY = """\
from sagemaker.estimator import Estimator

estimator = Estimator.attach("training-job")
estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
"""
AUTOML_DEPLOY = """\
from google.cloud import automl_v1beta1 as automl

client = automl.AutoMlClient()
client.deploy_model("projects/p/locations/us-central1/models/TBL123").result()
"""
AUTOML_BATCH = """\
from google.cloud import automl_v1beta1 as automl

client = automl.PredictionServiceClient()
client.batch_predict("projects/p/locations/us-central1/models/TBL123", {}, {}).result()
"""
AUTOML_READ = """\
from google.cloud import automl_v1beta1 as automl

client = automl.AutoMlClient()
print(client.get_model("projects/p/locations/us-central1/models/TBL123").deployment_state)
"""
SAGEMAKER_NO_DEPLOY = """\
from sagemaker.estimator import Estimator

estimator = Estimator.attach("training-job")
print(estimator.model_data)
"""
TRAIN = "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n"
LAUNCHER = """\
from google.cloud import aiplatform

def trigger(event, context):
    aiplatform.PipelineJob(display_name="p", template_path="gs://b/p.json").submit()
"""
KFP_PIPELINE = "from kfp import dsl\n\n@dsl.component\ndef train_model():\n    pass\n"
CLOUD_BUILD = """\
steps:
  - name: python:3.11
    entrypoint: bash
    args: ["-c", "pip install -r requirements.txt && pytest tests"]
"""


def notebook(*cells: str) -> str:
    """A notebook whose code cells hold ``cells`` (nbformat 4, one source line per line)."""
    import json

    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.splitlines(keepends=True),
                }
                for cell in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


AZURE_TASK = """\
trigger: [main]
pool: {{vmImage: ubuntu-latest}}
steps:
  - task: {task}
    inputs: {{appName: scoring}}
"""

CASES: list[tuple[str, str, dict[str, str | bytes], str]] = [
    (
        "github-deploy-action",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_USES.format(uses="azure/webapps-deploy@v3"),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "github-login-action-only",
        "CICD003",
        {".github/workflows/cd.yml": GHA_USES.format(uses="azure/login@v2"), "app.py": SERVE},
        "fail",
    ),
    (
        "azure-pipelines-deploy-task",
        "CICD003",
        {"azure-pipelines.yml": AZURE_TASK.format(task="AzureWebApp@1"), "app.py": SERVE},
        "pass",
    ),
    (
        "azure-pipelines-build-task-only",
        "CICD003",
        {"azure-pipelines.yml": AZURE_TASK.format(task="Docker@2"), "app.py": SERVE},
        "fail",
    ),
    (
        "ci-runs-az-ml-model-deploy",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_RUN.format(
                run="az ml model deploy --name svc --model m:1 --ic inference.yml"
            ),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "ci-runs-azd-deploy",
        "CICD003",
        {".github/workflows/cd.yml": GHA_RUN.format(run="azd deploy --no-prompt"), "app.py": SERVE},
        "pass",
    ),
    (
        "ci-runs-azd-auth-only",
        "CICD003",
        {".github/workflows/cd.yml": GHA_RUN.format(run="azd auth login"), "app.py": SERVE},
        "fail",
    ),
    (
        "ci-only-shows-an-endpoint",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_RUN.format(run="az ml online-endpoint show -n svc"),
            "app.py": SERVE,
        },
        "fail",
    ),
]

CASES += [
    # --- managed endpoints are serving; deploying them by CI is automated deployment -----
    (
        "sagemaker-deploy-run-by-hand",
        "CICD003",
        {"deploy_endpoint.py": SAGEMAKER_DEPLOY},
        "partial",
    ),
    (
        "automl-deploy-model-run-by-hand",
        "CICD003",
        {"deploy_model.py": AUTOML_DEPLOY},
        "partial",
    ),
    (
        "automl-batch-predict-run-by-hand",
        "CICD003",
        {"batch_predict.py": AUTOML_BATCH},
        "partial",
    ),
    (
        "automl-client-reading-a-model-serves-nothing",
        "CICD003",
        {"report.py": AUTOML_READ},
        "n/a",
    ),
    (
        "sagemaker-without-deploy-serves-nothing",
        "CICD003",
        {"inspect_job.py": SAGEMAKER_NO_DEPLOY},
        "n/a",
    ),
    (
        "sagemaker-deploy-run-by-ci-on-push",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_RUN.format(run="python serving/endpoint.py"),
            "serving/endpoint.py": SAGEMAKER_DEPLOY,
        },
        "pass",
    ),
    (
        "sagemaker-deploy-run-by-ci-only-by-hand",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_DISPATCH.format(run="python serving/endpoint.py"),
            "serving/endpoint.py": SAGEMAKER_DEPLOY,
        },
        "pass",
    ),
    (
        "deploy-action-only-on-workflow-dispatch",
        "CICD003",
        {
            ".github/workflows/cd.yml": GHA_DISPATCH.format(run="helm upgrade --install m chart"),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "kserve-inference-service-manifest",
        "CICD003",
        {
            "k8s/isvc.yaml": "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
            "metadata: {name: m}\n",
            "train.py": TRAIN,
        },
        "partial",
    ),
    (
        "plain-kubernetes-service-manifest",
        "CICD003",
        {"k8s/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: m}\n", "train.py": TRAIN},
        "n/a",
    ),
    # --- notebooks' shell commands: triggers deployed by hand from a notebook -------------
    (
        "notebook-deploys-pubsub-function-that-launches-training",
        "PIPE003",
        {
            "pipeline.py": KFP_PIPELINE,
            "train.py": TRAIN,
            "trigger/main.py": LAUNCHER,
            "deploy.ipynb": notebook(
                "!gcloud functions deploy retrain \\\n"
                "    --trigger-topic=new-data \\\n"
                "    --source=trigger --entry-point=trigger\n"
            ),
        },
        "pass",
    ),
    (
        "notebook-deploys-http-function",
        "PIPE003",
        {
            "pipeline.py": KFP_PIPELINE,
            "train.py": TRAIN,
            "trigger/main.py": LAUNCHER,
            "deploy.ipynb": notebook(
                "!gcloud functions deploy retrain --trigger-http --source=trigger\n"
            ),
        },
        "fail",
    ),
    (
        "notebook-python-comment-is-no-command",
        "PIPE003",
        {
            "pipeline.py": KFP_PIPELINE,
            "train.py": TRAIN,
            "trigger/main.py": LAUNCHER,
            "deploy.ipynb": notebook(
                "# gcloud functions deploy retrain --trigger-topic=t --source=trigger\nx = 1\n"
            ),
        },
        "fail",
    ),
    # --- Cloud Build configs submitted by hand are not CI on push --------------------------
    (
        "cloud-build-config-with-no-submitter-counts-as-triggered",
        "CICD001",
        {"build/ci.yaml": CLOUD_BUILD, "tests/test_a.py": "def test_a():\n    assert 1\n"},
        "pass",
    ),
    (
        "cloud-build-config-submitted-by-hand-from-a-notebook",
        "CICD001",
        {
            "build/ci.yaml": CLOUD_BUILD,
            "tests/test_a.py": "def test_a():\n    assert 1\n",
            "run.ipynb": notebook("!gcloud builds submit --no-source --config build/ci.yaml\n"),
        },
        "partial",
    ),
    (
        "cloud-build-config-submitted-by-hand-and-given-a-trigger",
        "CICD001",
        {
            "build/ci.yaml": CLOUD_BUILD,
            "tests/test_a.py": "def test_a():\n    assert 1\n",
            "run.ipynb": notebook("!gcloud builds submit --no-source --config build/ci.yaml\n"),
            "setup.sh": "gcloud builds triggers create github --repo-name=r "
            "--branch-pattern=main --build-config=build/ci.yaml\n",
        },
        "pass",
    ),
]

TF_SCHEDULER = """\
resource "google_cloud_scheduler_job" "{name}" {{
  name     = var.name
  schedule = var.schedule
  pubsub_target {{
    topic_name = var.topic
  }}
}}
"""
TF_FUNCTION = """\
module "pipeline_trigger" {{
  source     = "../modules/cloudfunction"
  source_dir = "../../trigger"
  runtime    = "python311"
{trigger}}}
"""
CASES += [
    # --- Terraform: schedules through variables, event-triggered functions ---------------
    (
        "terraform-scheduler-from-a-variable-named-for-training",
        "PIPE003",
        {"infra/main.tf": TF_SCHEDULER.format(name="retrain_model"), "train.py": TRAIN},
        "pass",
    ),
    (
        "terraform-scheduler-from-a-variable-for-a-report",
        "PIPE003",
        {"infra/main.tf": TF_SCHEDULER.format(name="weekly_report"), "train.py": TRAIN},
        "fail",
    ),
    (
        "terraform-pubsub-function-launches-training-pipeline",
        "PIPE003",
        {
            "infra/env/main.tf": TF_FUNCTION.format(
                trigger='  event_trigger = {\n    event_type = "google.pubsub.topic.publish"\n  }\n'
            ),
            "trigger/main.py": LAUNCHER,
            "pipeline.py": KFP_PIPELINE,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "terraform-http-function-launches-training-pipeline",
        "PIPE003",
        {
            "infra/env/main.tf": TF_FUNCTION.format(trigger="  trigger_http = true\n"),
            "trigger/main.py": LAUNCHER,
            "pipeline.py": KFP_PIPELINE,
            "train.py": TRAIN,
        },
        "fail",
    ),
]

AZURE_EXTERNAL = """\
trigger: {trigger}
resources:
  repositories:
    - {{repository: templates, type: git, name: shared/templates}}
steps:
  - template: steps/test.yml@templates
"""
CASES += [
    # --- CI configuration from another repository -----------------------------------------
    (
        "external-template-in-a-pipeline-started-by-hand",
        "CICD001",
        {
            "azure-pipelines.yml": AZURE_EXTERNAL.format(trigger="none"),
            "tests/test_a.py": "def test_a():\n    assert 1\n",
        },
        "partial",
    ),
    (
        "external-template-in-a-pipeline-run-on-push",
        "CICD001",
        {
            "azure-pipelines.yml": AZURE_EXTERNAL.format(trigger="[main]"),
            "tests/test_a.py": "def test_a():\n    assert 1\n",
        },
        "not-checked",
    ),
]

VERTEX_BATCH = """\
from google.cloud import aiplatform

model = aiplatform.Model("projects/p/locations/l/models/churn@champion")
model.batch_predict(job_display_name="score", gcs_source="gs://b/in.jsonl")
"""
VERTEX_LIST = """\
from google.cloud import aiplatform

print([m.display_name for m in aiplatform.Model.list()])
"""
CASES += [
    # --- batch prediction is deployment, not online serving -------------------------------
    ("vertex-batch-prediction-by-hand", "CICD003", {"score.py": VERTEX_BATCH}, "partial"),
    ("vertex-batch-prediction-is-not-a-service", "CICD006", {"score.py": VERTEX_BATCH}, "n/a"),
    ("vertex-model-listing-deploys-nothing", "CICD003", {"score.py": VERTEX_LIST}, "n/a"),
]

CDK_PIPELINE = """\
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions

pipeline = codepipeline.Pipeline(self, "Deploy")
pipeline.add_stage(stage_name="Build", actions=[actions.CodeBuildAction(action_name="b")])
{stages}"""
CDK_DEPLOY = (
    'pipeline.add_stage(stage_name="Staging", actions=['
    'actions.CloudFormationCreateUpdateStackAction(action_name="staging")])\n'
)
CDK_APPROVE = (
    'pipeline.add_stage(stage_name="Approve", actions=['
    'actions.ManualApprovalAction(action_name="approve")])\n'
)
CDK_RULE = """\
from aws_cdk import aws_events as events

rule = events.Rule(
    self,
    "Rule",
    description="{description}",
    {trigger},
)
"""
SAGEMAKER_PIPELINE = """\
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import TrainingStep

train = TrainingStep(name="TrainModel", estimator=estimator)
Pipeline(name="churn", steps=[train]).upsert(role_arn=role)
"""
CFN_PIPELINE = """\
Resources:
  Delivery:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: Prod
          Actions:
            - Name: DeployProd
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation}
"""
CASES += [
    # --- CodePipeline declared in infrastructure code -----------------------------------
    (
        "cdk-codepipeline-deploy-action",
        "CICD003",
        {"infra/cd.py": CDK_PIPELINE.format(stages=CDK_DEPLOY), "app.py": SERVE},
        "pass",
    ),
    (
        "cdk-codepipeline-build-only",
        "CICD003",
        {"infra/cd.py": CDK_PIPELINE.format(stages=""), "app.py": SERVE},
        "fail",
    ),
    (
        "cdk-codepipeline-approval-between-deploys",
        "CICD004",
        {
            "infra/cd.py": CDK_PIPELINE.format(stages=CDK_DEPLOY + CDK_APPROVE + CDK_DEPLOY),
            "app.py": SERVE,
        },
        "pass",
    ),
    (
        "cdk-codepipeline-without-approval",
        "CICD004",
        {"infra/cd.py": CDK_PIPELINE.format(stages=CDK_DEPLOY + CDK_DEPLOY), "app.py": SERVE},
        "fail",
    ),
    (
        "cloudformation-codepipeline-deploy-stage",
        "CICD003",
        {"infra/pipeline.yml": CFN_PIPELINE, "app.py": SERVE},
        "pass",
    ),
    (
        "cdk-scheduled-rule-retrains",
        "PIPE003",
        {
            "infra/rules.py": CDK_RULE.format(
                description="Retrain the churn model weekly",
                trigger='schedule=events.Schedule.cron(week_day="MON", hour="3")',
            ),
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "cdk-scheduled-rule-reports",
        "PIPE003",
        {
            "infra/rules.py": CDK_RULE.format(
                description="Weekly cost report",
                trigger='schedule=events.Schedule.cron(week_day="MON", hour="3")',
            ),
            "train.py": TRAIN,
        },
        "fail",
    ),
    (
        "cdk-rule-on-delivery-pipeline-success-starts-training-pipeline",
        "CICD002",
        {
            "infra/rules.py": CDK_RULE.format(
                description="Start the SageMaker pipeline once it is deployed",
                trigger='event_pattern=events.EventPattern(source=["aws.codepipeline"])',
            ),
            "pipelines/pipeline.py": SAGEMAKER_PIPELINE,
            "train.py": TRAIN,
        },
        "pass",
    ),
    (
        "cdk-rule-on-an-alarm-starts-training-pipeline",
        "CICD002",
        {
            "infra/rules.py": CDK_RULE.format(
                description="Start the SageMaker pipeline on drift",
                trigger='event_pattern=events.EventPattern(source=["aws.cloudwatch"])',
            ),
            "pipelines/pipeline.py": SAGEMAKER_PIPELINE,
            "train.py": TRAIN,
        },
        "fail",
    ),
]

GHA_TESTS = """\
on: {on}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make e2e-tests
"""
MAKEFILE = "e2e-tests:\n\tpython -m pytest tests\n"
LAUNCHER_MODULE = """\
from google.cloud import aiplatform

def run_pipeline(template):
    aiplatform.PipelineJob(display_name="p", template_path=template).submit()
"""
E2E_TEST = """\
from trigger.launch import run_pipeline

def test_training_pipeline_runs():
    run_pipeline("pipeline.json")
"""
SMOKE_TEST = """\
from src.train import main

def test_one_epoch():
    assert main(epochs=1) is not None
"""
UTILS_TEST = """\
from src.utils import slug

def test_slug():
    assert slug("A b") == "a-b"
"""
PIPELINE_STACK = {
    "pipeline.py": KFP_PIPELINE,
    "train.py": TRAIN,
    "trigger/launch.py": LAUNCHER_MODULE,
}
CASES += [
    # --- tests that train, and CI that runs them ----------------------------------------
    (
        "test-launches-the-training-pipeline-through-a-local-module",
        "TST001",
        {**PIPELINE_STACK, "tests/test_e2e.py": E2E_TEST},
        "pass",
    ),
    (
        "test-calls-training-code-through-the-source-root",
        "TST001",
        {"src/train.py": TRAIN, "tests/test_train.py": SMOKE_TEST},
        "pass",
    ),
    (
        "test-of-a-helper-module-only",
        "TST001",
        {
            "src/train.py": TRAIN,
            "src/utils.py": "def slug(s):\n    return s\n",
            "tests/test_utils.py": UTILS_TEST,
        },
        "partial",
    ),
    (
        "ci-on-push-runs-an-end-to-end-pipeline-test-through-make",
        "CICD002",
        {
            **PIPELINE_STACK,
            "tests/test_e2e.py": E2E_TEST,
            "Makefile": MAKEFILE,
            ".github/workflows/e2e.yml": GHA_TESTS.format(on="[push]"),
        },
        "pass",
    ),
    (
        "ci-started-by-hand-runs-an-end-to-end-pipeline-test",
        "CICD002",
        {
            **PIPELINE_STACK,
            "tests/test_e2e.py": E2E_TEST,
            "Makefile": MAKEFILE,
            ".github/workflows/e2e.yml": GHA_TESTS.format(on="[workflow_dispatch]"),
        },
        "partial",
    ),
    (
        "ci-on-push-runs-a-smoke-training-test",
        "CICD002",
        {
            "src/train.py": TRAIN,
            "tests/test_train.py": SMOKE_TEST,
            "Makefile": MAKEFILE,
            ".github/workflows/e2e.yml": GHA_TESTS.format(on="[push]"),
        },
        "partial",
    ),
]


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [pytest.param(rule, files, expected, id=name) for name, rule, files, expected in CASES],
)
def test_deployment_signal(
    cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    assert status_of(report, rule) == expected
