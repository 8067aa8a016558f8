"""Databricks: model serving endpoints created from code are a managed deployment (serving),
and jobs declared in files (Jobs API JSON and its Jinja templates, dbx deployment files,
asset bundles) whose tasks run training code are a declared pipeline; the CLI command that
creates or runs the job starts that code with its CI triggers.

Each case scans a fixture repository through the CLI and reads the rule's status from the
JSON report; each signal has a near-miss negative.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, scan_json, status_of

TRAIN = """\
import mlflow
from sklearn.linear_model import LogisticRegression

mlflow.sklearn.autolog()
LogisticRegression().fit(X, y)
"""
SDK_SERVE = """\
from databricks.sdk import WorkspaceClient

w = WorkspaceClient()
w.serving_endpoints.create(name="clf", config=config)
"""
SDK_READ = """\
from databricks.sdk import WorkspaceClient

w = WorkspaceClient()
print(w.serving_endpoints.get(name="clf"))
"""
REST_SERVE = """\
import requests

def put_api(endpoint, body):
    return requests.put(f"{HOST}/api/{endpoint}", json=body)

put_api(f"2.0/serving-endpoints/{name}/config", config)
"""
REST_QUERY = """\
import requests

requests.post(f"{HOST}/serving-endpoints/{name}/invocations", json=rows)
"""
JOB_J2 = """\
{
  "name": "train and serve",
  "tasks": [
    {
      "task_key": "train",
      "spark_python_task": {
        "python_file": "dbfs:/upload/project/train_model.py",
        "parameters": ["--run_id", {{ '"{{parent_run_id}}"' }}]
      }
    }{extra}
  ]
}
"""
SECOND_TASK = """,
    {
      "task_key": "evaluate",
      "depends_on": [{"task_key": "train"}],
      "spark_python_task": {"python_file": "dbfs:/upload/project/evaluate.py"}
    }"""
DBX = """\
environments:
  default:
    workflows:
      - name: "training"
        tasks:
          - task_key: "prepare"
            spark_python_task:
              python_file: "file://jobs/prepare.py"
          - task_key: "fit"
            depends_on: [{task_key: "prepare"}]
            spark_python_task:
              python_file: "file://jobs/train_model.py"
          - task_key: "evaluate"
            depends_on: [{task_key: "fit"}]
            spark_python_task:
              python_file: "file://jobs/evaluate.py"
"""
BUNDLE = """\
bundle: {name: clf}
resources:
  jobs:
    training:
      name: training
      tasks:
        - task_key: train
          notebook_task:
            notebook_path: ../notebooks/train_model
"""
GHA = """\
on: {on}
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          {run}
"""


def job(extra: str = "") -> str:
    return JOB_J2.replace("{extra}", extra)


CASES: list[tuple[str, str, dict[str, str | bytes], str]] = [
    # --- serving endpoints from code ---------------------------------------------------
    ("sdk-creates-a-serving-endpoint", "MON003", {"serve.py": SDK_SERVE}, "fail"),
    ("sdk-only-reads-an-endpoint", "MON003", {"serve.py": SDK_READ}, "n/a"),
    ("rest-puts-an-endpoint-config", "CICD003", {"serve.py": REST_SERVE}, "partial"),
    ("rest-queries-an-endpoint", "CICD003", {"serve.py": REST_QUERY}, "n/a"),
    # --- jobs declared in files ----------------------------------------------------------
    (
        "jinja-job-template-runs-training",
        "REP006",
        {"project/job.json.j2": job(), "project/train_model.py": TRAIN},
        "pass",
    ),
    (
        "jinja-job-template-runs-other-code",
        "REP006",
        {
            "project/job.json.j2": job().replace('"train"', '"report"'),
            "project/train.py": TRAIN,
            "project/train_model.py": "print('report')\n",
        },
        "fail",
    ),
    (
        "one-task-job-is-partly-modular",
        "PIPE001",
        {"project/job.json.j2": job(), "project/train_model.py": TRAIN},
        "partial",
    ),
    (
        "dbx-workflow-with-three-dependent-tasks",
        "PIPE001",
        {
            "conf/deployment.yml": DBX,
            "jobs/prepare.py": "import pandas\n",
            "jobs/train_model.py": TRAIN,
            "jobs/evaluate.py": "import sklearn.metrics\n",
        },
        "pass",
    ),
    (
        "bundle-notebook-task-runs-training",
        "REP006",
        {"resources/train.yml": BUNDLE, "notebooks/train_model.py": TRAIN},
        "pass",
    ),
    (
        "bundle-notebook-task-path-matches-nothing",
        "REP006",
        {
            "resources/train.yml": BUNDLE.replace("task_key: train", "task_key: report"),
            "notebooks/report.py": "print('report')\n",
            "src/train.py": TRAIN,
        },
        "fail",
    ),
]


@pytest.mark.parametrize(
    ("rule", "files", "expected"),
    [pytest.param(rule, files, expected, id=name) for name, rule, files, expected in CASES],
)
def test_databricks(
    cli: Any, tmp_path: Path, rule: str, files: dict[str, str | bytes], expected: str
) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", rule)
    assert status_of(report, rule) == expected


def _deploy_job_repo(on: str, run: str) -> dict[str, str | bytes]:
    deploy = "from databricks.sdk import WorkspaceClient\n"
    deploy += "WorkspaceClient().serving_endpoints.update_config(name='clf', served_entities=e)\n"
    return {
        "project/job.json.j2": job(SECOND_TASK.replace("evaluate.py", "deploy_model.py")),
        "project/train_model.py": TRAIN,
        "project/deploy_model.py": deploy,
        ".github/workflows/job.yml": GHA.format(on=on, run=run),
    }


CREATE = "databricks jobs create --json-file project/job.json && databricks jobs run-now"


@pytest.mark.parametrize(
    ("on", "run", "expected"),
    [
        pytest.param("[push]", CREATE, "pass", id="ci-on-push-creates-the-job"),
        pytest.param("[workflow_dispatch]", CREATE, "pass", id="ci-by-hand-creates-the-job"),
        pytest.param("[push]", "databricks jobs list", "partial", id="ci-only-lists-jobs"),
    ],
)
def test_ci_starting_a_job_deploys_its_serving_task(
    cli: Any, tmp_path: Path, on: str, run: str, expected: str
) -> None:
    files = _deploy_job_repo(on, run)
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "CICD003")
    assert status_of(report, "CICD003") == expected


def test_ci_running_a_bundle_trains_on_push(cli: Any, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "databricks.yml": BUNDLE.replace("../notebooks", "notebooks"),
        "notebooks/train_model.py": TRAIN,
        ".github/workflows/train.yml": GHA.format(
            on="[push]", run="databricks bundle run training"
        ),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "CICD002")
    assert status_of(report, "CICD002") == "pass"
    files[".github/workflows/train.yml"] = GHA.format(on="[push]", run="databricks bundle validate")
    _, report = scan_json(cli, make_repo(tmp_path / "other", files), "--select", "CICD002")
    assert status_of(report, "CICD002") != "pass"


def test_a_bundle_includes_its_job_files_from_any_folder(cli: Any, tmp_path: Path) -> None:
    # databricks.yml's `include:` names the job files (MLOps Stacks keep them in assets/)
    files: dict[str, str | bytes] = {
        "project/databricks.yml": "bundle: {name: clf}\ninclude:\n  - assets/*.yml\n",
        "project/assets/train-workflow.yml": BUNDLE,
        "notebooks/train_model.py": TRAIN,
        ".github/workflows/train.yml": GHA.format(
            on="[push]", run="cd project && databricks bundle run training -t test"
        ),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "CICD002")
    assert status_of(report, "CICD002") == "pass"
    # the same job file that no bundle includes is not started by the bundle command
    files["project/databricks.yml"] = "bundle: {name: clf}\ninclude:\n  - resources/*.yml\n"
    _, report = scan_json(cli, make_repo(tmp_path / "other", files), "--select", "CICD002")
    assert status_of(report, "CICD002") != "pass"


BATCH_JOB = """\
bundle: {name: clf}
resources:
  jobs:
    scoring:
      name: scoring
      schedule:
        quartz_cron_expression: "0 0 11 * * ?"
      tasks:
        - task_key: score
          spark_python_task:
            python_file: batch/predict.py
"""
SPARK_SCORING = """\
from pyspark.sql.functions import lit


def predict_batch(spark, fs, model_uri, table, model_version, output_table):
    prediction_df = fs.score_batch(model_uri, spark.table(table))
    output_df = prediction_df.withColumn("model_version", lit(model_version))
    output_df.write.format("delta").mode("append").saveAsTable(output_table)
"""


@pytest.mark.parametrize(
    ("scoring", "expected"),
    [
        pytest.param(SPARK_SCORING, "pass", id="scored-rows-with-the-version-to-a-table"),
        pytest.param(
            SPARK_SCORING.replace('.withColumn("model_version", lit(model_version))', ""),
            "partial",
            id="scored-rows-without-the-version",
        ),
        pytest.param(
            SPARK_SCORING.replace(
                "output_df.write", "features = spark.table(table)\n    features.write"
            ),
            "fail",
            id="a-table-of-other-rows",
        ),
    ],
)
def test_a_batch_job_storing_scored_rows_in_a_table_logs_predictions(
    cli: Any, tmp_path: Path, scoring: str, expected: str
) -> None:
    files: dict[str, str | bytes] = {
        "databricks.yml": BATCH_JOB,
        "batch/predict.py": scoring,
        "train.py": TRAIN,
    }
    _, report = scan_json(cli, make_repo(tmp_path / "repo", files), "--select", "MON003")
    assert status_of(report, "MON003") == expected
