"""Automation facts: what CI and pipelines run, on which triggers, reaching which files."""

from __future__ import annotations

from pathlib import Path

from conftest import make_repo
from mlguard.facts.automation import automation, command_lines, is_automated
from mlguard.facts.files import Facts

TRAIN = "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n"


def _facts(tmp_path: Path, files: dict[str, str | bytes]) -> Facts:
    return Facts(make_repo(tmp_path / "r", files))


def _triggers(repo: Facts, target: str) -> list[str]:
    reach = is_automated(repo, target)
    return sorted(t.value for t in reach.triggers) if reach else []


def test_github_schedule_runs_dvc_stages_and_their_imports(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/retrain.yml": """\
                on:
                  schedule: [{cron: "0 3 * * 1"}]
                  push: {tags: ["v*"]}
                jobs:
                  retrain:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/checkout@v4
                      - run: uv run dvc repro train
                """,
            "dvc.yaml": """\
                stages:
                  prepare: {cmd: python src/prepare.py, deps: [data/raw], outs: [data/prep]}
                  train:
                    cmd: python -m pkg.train --epochs 3
                    deps: [data/prep]
                    outs: [models/m.pkl]
                    metrics: [{metrics.json: {cache: false}}]
                    params: [train.lr]
                """,
            "src/prepare.py": "import pandas\n",
            "src/pkg/__init__.py": "",
            "src/pkg/train.py": "from .features import build\n" + TRAIN,
            "src/pkg/features.py": "import pandera\n",
        },
    )
    facts = automation(repo)
    assert _triggers(repo, "src/pkg/train.py") == ["manual", "schedule", "tag"]
    assert _triggers(repo, "pkg.features") == ["manual", "schedule", "tag"]
    assert _triggers(repo, "src/prepare.py") == ["manual"]  # dvc repro train runs only train
    assert [(s.system, s.spec, s.line) for s in facts.schedules] == [
        ("github-actions", "0 3 * * 1", 2)
    ]
    train = next(s for s in facts.stages if s.name == "train")
    assert (train.outs, train.metrics, train.params) == (
        ("models/m.pkl",),
        ("metrics.json",),
        ("train.lr",),
    )
    reach = is_automated(repo, "src/pkg/train.py")
    assert reach is not None and reach.ci and reach.via.path == ".github/workflows/retrain.yml"


def test_make_targets_and_shell_scripts_are_followed(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".gitlab-ci.yml": """\
                stages: [test, train]
                test:
                  script: [make check]
                retrain:
                  rules:
                    - if: '$CI_PIPELINE_SOURCE == "schedule"'
                  script:
                    - bash scripts/train.sh
                """,
            "Makefile": "PY := python\ncheck: lint\n\t@$(PY) tools/validate.py\nlint:\n\truff .\n",
            "scripts/train.sh": "#!/bin/sh\nset -e\npython -m train\n",
            "train.py": TRAIN,
            "tools/validate.py": "import pandera\n",
        },
    )
    assert _triggers(repo, "train.py") == ["schedule"]
    assert _triggers(repo, "tools/validate.py") == ["pull_request", "push"]
    assert [s.system for s in automation(repo).schedules] == ["gitlab-ci"]


def test_circleci_azure_and_jenkins(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".circleci/config.yml": """\
                version: 2.1
                jobs:
                  build: {steps: [checkout, {run: {command: python a.py}}]}
                workflows:
                  nightly:
                    triggers: [{schedule: {cron: "0 0 * * *"}}]
                    jobs: [build]
                """,
            "azure-pipelines.yml": """\
                trigger: none
                pr: none
                schedules: [{cron: "0 1 * * *", branches: {include: [main]}}]
                jobs:
                  - job: train
                    steps: [{script: python b.py}]
                """,
            "Jenkinsfile": """\
                pipeline {
                  triggers { cron('H 2 * * *') }
                  stages { stage('t') { steps {
                    sh 'python c.py'
                    sh \"\"\"
                      python d.py
                    \"\"\"
                  } } }
                }
                """,
            "a.py": "",
            "b.py": "",
            "c.py": "",
            "d.py": "",
        },
    )
    assert _triggers(repo, "a.py") == ["schedule"]
    assert _triggers(repo, "b.py") == ["schedule"]
    assert "schedule" in _triggers(repo, "c.py")
    assert "schedule" in _triggers(repo, "d.py")
    systems = sorted(s.system for s in automation(repo).schedules)
    assert systems == ["azure-pipelines", "circleci", "jenkins"]


def test_python_pipelines_and_argo(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            "flows/train_flow.py": """\
                from metaflow import FlowSpec, step, schedule
                from src import model

                @schedule(daily=True)
                class Train(FlowSpec):
                    @step
                    def start(self):
                        self.next(self.end)
                    @step
                    def end(self):
                        pass
                """,
            "src/__init__.py": "",
            "src/model.py": TRAIN,
            "dags/etl.py": """\
                from airflow import DAG
                from airflow.operators.python import PythonOperator
                from jobs.extract import run
                with DAG("etl", schedule=None):
                    PythonOperator(task_id="x", python_callable=run)
                """,
            "jobs/extract.py": "def run(): pass\n",
            "argo/cron.yaml": """\
                apiVersion: argoproj.io/v1alpha1
                kind: CronWorkflow
                metadata: {name: retrain}
                spec:
                  schedule: "0 4 * * *"
                  workflowSpec:
                    templates:
                      - name: train
                        container: {image: x, command: [python, jobs/argo_train.py]}
                """,
            "jobs/argo_train.py": TRAIN,
        },
    )
    facts = automation(repo)
    assert _triggers(repo, "src/model.py") == ["schedule"]
    assert _triggers(repo, "jobs/extract.py") == ["manual"]
    assert _triggers(repo, "jobs/argo_train.py") == ["schedule"]
    assert {s.name for s in facts.stages if s.system == "metaflow"} == {"start", "end"}
    assert sorted(s.system for s in facts.schedules) == ["argo", "metaflow"]


def test_nothing_automated_without_ci_or_pipeline(tmp_path: Path) -> None:
    repo = _facts(tmp_path, {"train.py": TRAIN, "Makefile": "train:\n\tpython train.py\n"})
    assert is_automated(repo, "train.py") is None
    assert automation(repo).commands == ()


def test_test_runners_do_not_count_as_running_the_code(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/nightly.yml": """\
                on: {schedule: [{cron: "0 1 * * *"}]}
                jobs:
                  slow:
                    runs-on: ubuntu-latest
                    steps: [{run: python -m pytest tests/test_train.py}, {run: pytest -x}]
                """,
            "tests/test_train.py": "import train\n",
            "train.py": TRAIN,
        },
    )
    assert is_automated(repo, "train.py") is None
    assert is_automated(repo, "tests/test_train.py") is None


def test_kedro_and_prefect_deployments(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            "pyproject.toml": '[tool.kedro]\npackage_name = "spaceflights"\n',
            "src/spaceflights/__init__.py": "",
            "src/spaceflights/pipeline_registry.py": """\
                from kedro.framework.project import find_pipelines

                def register_pipelines():
                    return find_pipelines()
                """,
            "src/spaceflights/pipelines/ds/pipeline.py": """\
                from kedro.pipeline import node, pipeline
                from .nodes import train_model

                def create_pipeline(**kwargs):
                    return pipeline([node(train_model, ["X", "y"], "model", name="train")])
                """,
            "src/spaceflights/pipelines/ds/__init__.py": "",
            "src/spaceflights/pipelines/ds/nodes.py": "def train_model(X, y):\n    pass\n",
            ".github/workflows/run.yml": """\
                on: {repository_dispatch: {types: [new-data]}}
                jobs:
                  run: {runs-on: ubuntu-latest, steps: [{run: kedro run}]}
                """,
            "prefect.yaml": """\
                deployments:
                  - name: nightly
                    entrypoint: flows/retrain.py:retrain
                    schedules: [{cron: "0 2 * * *"}]
                """,
            "flows/retrain.py": "from prefect import flow\n\n@flow\ndef retrain():\n    pass\n",
        },
    )
    assert "dispatch" in _triggers(repo, "src/spaceflights/pipelines/ds/nodes.py")
    assert _triggers(repo, "flows/retrain.py") == ["manual", "schedule"]
    assert [s.system for s in automation(repo).schedules] == ["prefect"]


def test_reusable_workflows_and_job_conditions(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/main.yml": """\
                on:
                  push: {branches: [main]}
                  schedule: [{cron: "0 5 * * *"}]
                jobs:
                  tests:
                    if: github.event_name == 'push'
                    runs-on: ubuntu-latest
                    steps: [{run: python tools/check.py}]
                  retrain:
                    if: github.event_name == 'schedule'
                    uses: ./.github/workflows/train.yml
                """,
            ".github/workflows/train.yml": """\
                on: {workflow_call: {}}
                jobs:
                  train: {runs-on: ubuntu-latest, steps: [{run: python train.py}]}
                """,
            ".gitlab-ci.yml": """\
                .nightly:
                  rules: [{if: '$CI_PIPELINE_SOURCE == "schedule"'}]
                  script: [python report.py]
                report:
                  extends: .nightly
                """,
            "train.py": TRAIN,
            "tools/check.py": "",
            "report.py": "",
        },
    )
    assert _triggers(repo, "train.py") == ["schedule"]
    assert _triggers(repo, "tools/check.py") == ["push"]
    assert _triggers(repo, "report.py") == ["schedule"]


def test_odd_shapes_are_ignored_not_crashed_on(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/a.yml": "on: 5\njobs: [1, 2]\n",
            ".github/workflows/b.yml": "on: {push: null}\njobs: {x: {steps: {run: y}}, y: 3}\n",
            ".github/workflows/c.yml": "- just\n- a list\n",
            ".github/workflows/d.yml": "a: &a [*a]\n",
            ".gitlab-ci.yml": "job: {script: 3, rules: 5, only: {refs: 7}}\n.hidden: 1\n",
            ".circleci/config.yml": "workflows: {version: 2, w: {jobs: [{}, 3]}}\njobs: 1\n",
            "azure-pipelines.yml": "stages: {a: 1}\nsteps: [3, {script: [1]}]\n",
            "Jenkinsfile": "pipeline { sh ''' unterminated",
            "dvc.yaml": "stages: [1, 2]\n",
            "MLproject": "entry_points: {main: {command: [1]}}\n",
            "prefect.yaml": "deployments: {a: 1}\n",
            "argo.yaml": "apiVersion: argoproj.io/v1\nkind: CronWorkflow\nspec: {templates: 3}\n",
            "Makefile": "all:\n\t$(MAKE) all\n",
        },
    )
    facts = automation(repo)
    assert facts.commands == ()
    assert facts.stages == ()
    assert ".github/workflows/d.yml" in repo.skipped


def test_bitbucket_pipelines(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            "bitbucket-pipelines.yml": """\
                pipelines:
                  pull-requests:
                    "**":
                      - step: {name: test, script: [python tools/check.py]}
                  custom:
                    retrain:
                      - parallel:
                          - step: {name: train, script: [python train.py]}
                """,
            "train.py": TRAIN,
            "tools/check.py": "",
        },
    )
    assert _triggers(repo, "train.py") == ["manual"]
    assert _triggers(repo, "tools/check.py") == ["pull_request"]
    reach = is_automated(repo, "train.py")
    assert reach is not None and reach.ci


def test_cloud_training_jobs_and_container_paths(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            "pipelines/sm.py": """\
                from sagemaker.sklearn import SKLearn
                from sagemaker.workflow.pipeline import Pipeline
                from sagemaker.workflow.steps import TrainingStep

                est = SKLearn(entry_point="fit.py", source_dir="./src", base_job_name="churn")
                Pipeline(name="p", steps=[TrainingStep(name="t", estimator=est)])
                """,
            "src/fit.py": TRAIN,
            "dags/nightly.py": """\
                from airflow import DAG
                from airflow.operators.bash import BashOperator
                with DAG("n", schedule="@daily"):
                    BashOperator(task_id="t", bash_command="python /opt/airflow/dags/jobs/x.py")
                """,
            "dags/jobs/x.py": "",
        },
    )
    assert _triggers(repo, "src/fit.py") == ["manual"]
    assert automation(repo).reach_of("src/fit.py").systems == {"sagemaker"}  # type: ignore[union-attr]
    assert _triggers(repo, "dags/jobs/x.py") == ["schedule"]


def test_job_specs_submitted_by_ci_are_followed(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/jobs.yml": """\
                on: {pull_request: {}}
                jobs:
                  run:
                    runs-on: ubuntu-latest
                    steps: [{run: anyscale jobs submit deploy/job.yaml --wait}]
                """,
            "deploy/job.yaml": "name: w\nentrypoint: bash deploy/run.sh\n",
            "deploy/run.sh": "export X=1\npython pkg/train.py --epochs 3\n",
            "pkg/train.py": TRAIN,
            "k8s/job.yaml": "spec: {containers: [{command: [python, pkg/other.py]}]}\n",
            "pkg/other.py": "",
        },
    )
    assert _triggers(repo, "pkg/train.py") == ["pull_request"]
    assert is_automated(repo, "pkg/other.py") is None  # a manifest nothing applies


def test_command_lines_keep_file_lines(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            ".github/workflows/ci.yml": """\
                on: [push]
                jobs:
                  test:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/checkout@v4
                      - run: pip install .
                      - run: |
                          pytest -q \\
                            --maxfail 1
                          # done
                          make lint
                """,
            "Makefile": "lint:\n\truff check .\n",
        },
    )
    rows = [(e.location.line, e.text) for e in command_lines(repo)]
    assert rows == [(7, "pip install ."), (9, "pytest -q  --maxfail 1"), (12, "make lint")]
    assert (2, "ruff check .") in [(e.location.line, e.text) for e in command_lines(repo, False)]


def test_airflow_running_kedro_in_process_or_by_subprocess(tmp_path: Path) -> None:
    repo = _facts(
        tmp_path,
        {
            "pyproject.toml": '[tool.kedro]\npackage_name = "proj"\n',
            "src/proj/__init__.py": "",
            "src/proj/pipelines/__init__.py": "",
            "src/proj/pipelines/ds/__init__.py": "",
            "src/proj/pipelines/ds/pipeline.py": """\
                from kedro.pipeline import Node, Pipeline
                from .nodes import fit

                def create_pipeline(**kwargs):
                    return Pipeline([Node(func=fit, inputs="x", outputs="m", name="fit")])
                """,
            "src/proj/pipelines/ds/nodes.py": "def fit(x):\n    return x\n",
            "dags/session.py": """\
                from airflow import DAG
                from kedro.framework.session import KedroSession
                with DAG("once", schedule_interval="@once"):
                    KedroSession.create("proj").run()
                """,
            "dags/shell.py": """\
                import subprocess
                from airflow import DAG
                with DAG("nightly", schedule="0 1 * * *"):
                    subprocess.run(["kedro", "run", "--pipeline", name], check=True)
                """,
        },
    )
    facts = automation(repo)
    assert [s.spec for s in facts.schedules] == ["0 1 * * *"]  # @once is not a schedule
    assert _triggers(repo, "src/proj/pipelines/ds/nodes.py") == ["manual", "schedule"]
    fit = next(s for s in facts.stages if s.name == "fit")
    assert fit.system == "kedro"


def test_azure_pipeline_with_trigger_none_runs_only_by_hand(tmp_path: Path) -> None:
    """``trigger: none`` without a ``pr:`` section switches the pipeline's CI off (implicit
    pull-request validation is a GitHub-hosted default, and an explicit ``none`` says the
    author does not want it): it runs when someone starts it. Without any ``trigger:`` key,
    Azure's defaults run it on push and pull request."""
    job = "jobs:\n  - job: train\n    steps: [{script: python %s}]\n"
    repo = _facts(
        tmp_path,
        {
            "pipelines/manual.yml": "trigger: none\n" + job % "manual.py",
            "pipelines/default.yml": "pool: {vmImage: ubuntu-latest}\n" + job % "default.py",
            "pipelines/pr.yml": "trigger: none\npr: [main]\n" + job % "pr.py",
            "manual.py": "",
            "default.py": "",
            "pr.py": "",
        },
    )
    assert _triggers(repo, "manual.py") == ["manual"]
    assert _triggers(repo, "default.py") == ["pull_request", "push"]
    assert _triggers(repo, "pr.py") == ["pull_request"]
