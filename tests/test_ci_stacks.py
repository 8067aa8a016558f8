"""CI systems, task runners and test commands as practitioners write them.

Each signal has a positive case and a near-miss that must not count, judged through the CLI
JSON output: CICD001 (CI runs the tests) is ``pass`` when CI runs them and ``partial`` when
tests exist but CI does not run them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import make_repo, scan_json, status_of
from mlguard.facts.automation import is_automated
from mlguard.facts.files import Facts
from mlguard.rules.schemas import load_schema

TEST = {"app.py": "x = 1\n", "tests/test_app.py": "def test_app():\n    assert 1\n"}


def gha(run: str) -> dict[str, str]:
    return {
        ".github/workflows/ci.yml": (
            "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
            f"    steps:\n      - run: {run}\n"
        )
    }


CI_SYSTEMS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "travis": (
        {".travis.yml": 'language: python\nscript:\n  - env CUDA_VISIBLE_DEVICES="" pytest\n'},
        {".travis.yml": "language: python\ninstall:\n  - pip install pytest\n"},
    ),
    "travis-jobs": (
        {".travis.yml": "jobs:\n  include:\n    - name: unit\n      script: python -m pytest\n"},
        {".travis.yml": "jobs:\n  include:\n    - name: docs\n      script: mkdocs build\n"},
    ),
    "appveyor": (
        {"appveyor.yml": "build: off\ntest_script:\n  - cmd: python -m unittest discover\n"},
        {".appveyor.yml": "install:\n  - cmd: pip install nose\n"},
    ),
    "jenkins": (
        {"Jenkinsfile": "pipeline { stages { stage('t') { steps { sh '''nosetests''' } } } }\n"},
        {"Jenkinsfile": "pipeline { stages { stage('t') { steps { sh 'pip install -e .' } } } }\n"},
    ),
    "gitlab-local-include": (
        {
            ".gitlab-ci.yml": "include:\n  - local: /ci/test.yml\n",
            "ci/test.yml": "unit:\n  script:\n    - coverage run -m pytest\n",
        },
        {
            ".gitlab-ci.yml": "include:\n  - local: /ci/test.yml\n",
            "ci/test.yml": "lint:\n  script:\n    - flake8\n",
        },
    ),
    "azure-any-path-template": (
        {
            ".pipelines/ci.yml": (
                "trigger: [master]\npool:\n  vmImage: ubuntu-latest\nstages:\n- stage: CI\n"
                "  jobs:\n  - job: quality\n    steps:\n    - template: quality.yml\n"
            ),
            ".pipelines/quality.yml": "steps:\n- script: |\n    flake8\n    pytest -q\n",
        },
        {  # a YAML with a top-level ``steps:`` list that no pipeline uses is not CI
            "config/steps.yml": "steps:\n- script: pytest -q\n  displayName: tests\n",
        },
    ),
    "azure-nested-template": (
        {
            "environment_setup/build.yml": (
                "pr: none\ntrigger: [main]\njobs:\n- template: templates/jobs.yml\n"
            ),
            "environment_setup/templates/jobs.yml": (
                "parameters:\n  x: 1\njobs:\n- job: t\n  steps:\n  - template: ../steps.yml\n"
            ),
            "environment_setup/steps.yml": (
                "steps:\n- task: Bash@3\n  inputs:\n    targetType: inline\n"
                "    script: python -m pytest tests\n"
            ),
        },
        {
            "environment_setup/build.yml": "trigger: [main]\njobs:\n- template: missing.yml\n",
        },
    ),
    "cloud-build": (
        {
            "build/cloudbuild-ci.yaml": (
                "steps:\n- name: python:3.10\n  entrypoint: python\n"
                "  args: ['-m', 'pytest', 'tests']\n"
            )
        },
        {
            "cloudbuild.yaml": (
                "steps:\n- name: gcr.io/cloud-builders/docker\n  args: ['build', '-t', 'x', '.']\n"
            )
        },
    ),
    "cloud-build-bash": (
        {
            "cloudbuild.json": (
                '{"steps": [{"name": "python", "entrypoint": "bash",'
                ' "args": ["-c", "pip install -r requirements.txt && pytest"]}]}'
            )
        },
        {"cloudbuild.json": '{"steps": [{"name": "python", "entrypoint": "bash"}]}'},
    ),
    "cloud-build-by-shape": (
        {
            "build/pipeline-deployment.yaml": (
                "steps:\n- name: gcr.io/cloud-builders/git\n  args: [clone, $_REPO_URL]\n"
                "- name: $_CICD_IMAGE_URI\n  entrypoint: pytest\n"
                "  args: [src/tests/model_tests.py, -s]\n  dir: repo\n  waitFor: [clone]\n"
                "timeout: 3600s\n"
            )
        },
        {  # an experiment config with a steps list is not a build
            "configs/experiment.yaml": (
                "model: xgb\nsteps:\n- name: evaluate\n  args: [pytest, tests]\n"
            ),
            "configs/steps.yaml": "steps:\n- name: prepare\n  args: [pytest, tests]\n",
        },
    ),
    "buildkite": (
        {".buildkite/pipeline.yml": "steps:\n  - label: tests\n    command: pytest -q\n"},
        {".buildkite/pipeline.yml": "steps:\n  - label: docs\n    command: make -v\n"},
    ),
    "buildkite-group": (
        {
            ".buildkite/pipeline.yml": (
                "steps:\n  - group: checks\n    steps:\n      - commands:\n"
                "          - pip install .\n          - pytest\n"
            )
        },
        {".buildkite/pipeline.yml": "steps:\n  - group: checks\n    steps:\n      - wait\n"},
    ),
    "drone": (
        {
            ".drone.yml": (
                "kind: pipeline\nname: default\nsteps:\n- name: test\n  image: python\n"
                "  commands:\n  - pip install -e .\n  - pytest\n"
            )
        },
        {".drone.yml": "kind: secret\nname: token\nget:\n  path: x\n  name: pytest\n"},
    ),
    "tekton": (
        {
            ".tekton/unit.yaml": (
                "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: unit\nspec:\n"
                "  steps:\n  - name: test\n    image: python\n    script: |\n"
                "      #!/bin/sh\n      python -m pytest\n"
            )
        },
        {  # a Kubernetes Job running pytest is not CI
            "k8s/job.yaml": (
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: unit\nspec:\n"
                "  template:\n    spec:\n      containers:\n      - name: t\n"
                "        image: python\n        command: [pytest]\n"
            )
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CI_SYSTEMS))
def test_ci_systems_running_tests(cli, tmp_path: Path, name: str) -> None:
    good, near_miss = CI_SYSTEMS[name]
    _, report = scan_json(
        cli, make_repo(tmp_path / "good", {**TEST, **good}), "--select", "CICD001"
    )
    assert status_of(report, "CICD001") == "pass", report["rules"]
    _, report = scan_json(
        cli, make_repo(tmp_path / "near", {**TEST, **near_miss}), "--select", "CICD001"
    )
    # both fail; the reason tells CI that does not run the tests from no CI at all
    _assert_untested(report, ci=name not in NEAR_MISSES_WITHOUT_CI)


def _assert_untested(report: dict[str, Any], ci: bool) -> None:
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["status"] == "fail", rule
    expected = "no CI job runs them" if ci else "no CI configuration"
    assert expected in rule["reason"], rule


NEAR_MISSES_WITHOUT_CI = {  # files shaped like CI that no CI system reads
    "azure-any-path-template",
    "cloud-build-by-shape",
    "tekton",
}


PYPROJECT_TOX = '''[tool.tox]
legacy_tox_ini = """
[tox]
envlist = py311

[testenv]
deps = pytest
commands =
    {cmd}
"""
'''
NOX = """import nox


@nox.session(python=["3.11"])
def tests(session):
    session.install("-e", ".")
    session.run("{cmd}", "-q")


@nox.session
def lint(session):
    session.run("flake8")
"""
INVOKE = """from invoke import task


@task
def test(c):
    c.run("{cmd} -q")
"""

RUNNERS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "make-tests": (
        {**gha("make tests"), "Makefile": "tests:\n\tpython -m pytest tests\n"},
        {**gha("make test"), "Makefile": "test:\n\t@echo 'no tests yet'\n"},
    ),
    "make-check-prerequisite": (
        {**gha("make check"), "Makefile": "check: lint unit\nlint:\n\tflake8\nunit:\n\tpytest\n"},
        {**gha("make check"), "Makefile": "check: lint\nlint:\n\tflake8\nunit:\n\tpytest\n"},
    ),
    "make-variable-and-directory": (
        {**gha("make -C src test"), "src/Makefile": "PYTEST = pytest -x\ntest:\n\t$(PYTEST)\n"},
        {**gha("make -C src test"), "src/Makefile": "test:\n\tpython train.py\n"},
    ),
    "tox-ini": (
        {**gha("tox -e py311"), "tox.ini": "[testenv]\ncommands =\n    pytest {posargs}\n"},
        {
            **gha("tox -e lint"),
            "tox.ini": "[testenv]\ncommands = pytest\n[testenv:lint]\ncommands = flake8\n",
        },
    ),
    "tox-pyproject": (
        {**gha("python -m tox"), "pyproject.toml": PYPROJECT_TOX.format(cmd="pytest tests")},
        {**gha("python -m tox"), "pyproject.toml": PYPROJECT_TOX.format(cmd="mypy src")},
    ),
    "nox": (
        {**gha("nox -s tests"), "noxfile.py": NOX.format(cmd="pytest")},
        {**gha("nox -s lint"), "noxfile.py": NOX.format(cmd="pytest")},
    ),
    "just": (
        {
            **gha("just test"),
            "justfile": "set shell := ['bash', '-c']\n\ntest: build\n    pytest\n\n"
            "build:\n    pip install -e .\n",
        },
        {**gha("just docs"), "justfile": "test:\n    pytest\n\ndocs:\n    mkdocs build\n"},
    ),
    "mise": (
        {**gha("mise run test"), "mise.toml": '[tasks.test]\nrun = "uv run pytest"\n'},
        {**gha("mise run test"), "mise.toml": '[tasks.test]\nrun = "echo later"\n'},
    ),
    "taskfile": (
        {
            **gha("task ci"),
            "Taskfile.yml": "version: '3'\ntasks:\n  ci:\n    cmds:\n      - task: unit\n"
            "  unit:\n    cmds:\n      - pytest\n",
        },
        {
            **gha("task ci"),
            "Taskfile.yml": "version: '3'\ntasks:\n  ci:\n    cmds:\n      - ruff check\n",
        },
    ),
    "poe": (
        {
            **gha("poetry run poe check"),
            "pyproject.toml": '[tool.poe.tasks]\ntest = "pytest"\ncheck = ["lint", "test"]\n'
            'lint = "ruff check"\n',
        },
        {**gha("poe test"), "pyproject.toml": '[tool.poe.tasks]\ntest = "echo pytest"\n'},
    ),
    "hatch": (
        {
            **gha("hatch run test:cov"),
            "pyproject.toml": '[tool.hatch.envs.test.scripts]\ncov = "coverage run -m pytest"\n',
        },
        {
            **gha("hatch run test:cov"),
            "pyproject.toml": '[tool.hatch.envs.test.scripts]\ncov = "coverage html"\n',
        },
    ),
    "invoke": (
        {**gha("invoke test"), "tasks.py": INVOKE.format(cmd="pytest")},
        {**gha("invoke test"), "tasks.py": INVOKE.format(cmd="black --check .")},
    ),
    "shell-script": (
        {
            **gha("bash ci/run_tests.sh"),
            "ci/run_tests.sh": "#!/bin/bash\nset -e\npython -m pytest\n",
        },
        {**gha("bash ci/run_tests.sh"), "ci/run_tests.sh": "#!/bin/bash\npip install pytest\n"},
    ),
    "no-makefile-trusted-by-name": (
        gha("make test"),
        gha("make docs"),
    ),
    "included-makefile-trusted-by-name": (
        {**gha("make check"), "Makefile": "include ci.mk\nbuild:\n\tpip install .\n"},
        {**gha("make build"), "Makefile": "include ci.mk\nbuild:\n\tpip install .\n"},
    ),
    "no-justfile-trusted-by-name": (
        gha("just test"),
        {**gha("just test"), "justfile": "test:\n    echo 'tests disabled'\n"},
    ),
    "env-prefix-and-unittest": (
        gha("env PYTHONPATH=src python -m unittest discover -s tests"),
        gha("env PYTHONPATH=src python -m pip install unittest-xml-reporting"),
    ),
}


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_task_runners_followed_from_ci(cli, tmp_path: Path, name: str) -> None:
    good, near_miss = RUNNERS[name]
    _, report = scan_json(
        cli, make_repo(tmp_path / "good", {**TEST, **good}), "--select", "CICD001"
    )
    assert status_of(report, "CICD001") == "pass", report["rules"]
    _, report = scan_json(
        cli, make_repo(tmp_path / "near", {**TEST, **near_miss}), "--select", "CICD001"
    )
    # both fail; the reason tells CI that does not run the tests from no CI at all
    _assert_untested(report, ci=name not in NEAR_MISSES_WITHOUT_CI)


NEAR_MISSES_WITHOUT_CI = {  # files shaped like CI that no CI system reads
    "azure-any-path-template",
    "cloud-build-by-shape",
    "tekton",
}


def test_remote_gitlab_include_is_not_checked(cli, tmp_path: Path) -> None:
    files = {
        **TEST,
        ".gitlab-ci.yml": (
            "include:\n  - remote: https://example.com/ci.yml\n  - template: Python.gitlab-ci.yml\n"
            "build:\n  script:\n    - pip install .\n"
        ),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["status"] == "not-checked"
    assert ".gitlab-ci.yml:2" in rule["reason"] and "remote" in rule["reason"]
    files[".gitlab-ci.yml"] += "test:\n  script:\n    - pytest\n"
    _, report = scan_json(cli, make_repo(tmp_path / "r2", files), "--select", "CICD001")
    assert status_of(report, "CICD001") == "pass"  # what is read already answers


def test_azure_template_from_another_repository_is_not_checked(cli, tmp_path: Path) -> None:
    files = {
        **TEST,
        "azure-pipelines.yml": "trigger: [main]\nsteps:\n- template: steps/test.yml@templates\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    assert status_of(report, "CICD001") == "not-checked"


def test_outside_ci_cannot_run_tests_a_repository_does_not_have(cli, tmp_path: Path) -> None:
    # no tests: whatever the outside template does, CI tests nothing (the near miss with
    # tests is not checked, above)
    files = {
        "train.py": "from sklearn.linear_model import LinearRegression\n",
        "azure-pipelines.yml": "trigger: [main]\nsteps:\n- template: steps/test.yml@templates\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["status"] == "fail"
    assert "no tests" in rule["reason"] and "azure-pipelines.yml:3" in rule["reason"]


def test_json_report_lists_ci_systems_and_files(cli, tmp_path: Path) -> None:
    files = {
        **TEST,
        **CI_SYSTEMS["azure-any-path-template"][0],
        **CI_SYSTEMS["gitlab-local-include"][0],
        ".travis.yml": "script: pytest\n",
        "Jenkinsfile": "node { sh 'pytest' }\n",
        "config/steps.yml": "steps:\n- name: prepare\n  params: {}\n",
    }
    files[".pipelines/ci.yml"] += "variables:\n- template: variables.yml\n"
    files[".pipelines/variables.yml"] = "variables:\n  PYTHON: '3.11'\n"
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "CICD001")
    jsonschema.validate(report, load_schema("report"))
    assert report["ci"] == {
        "systems": [
            {
                "name": "azure-pipelines",
                "files": [
                    ".pipelines/ci.yml",
                    ".pipelines/quality.yml",
                    ".pipelines/variables.yml",
                ],
            },
            {"name": "gitlab-ci", "files": [".gitlab-ci.yml", "ci/test.yml"]},
            {"name": "jenkins", "files": ["Jenkinsfile"]},
            {"name": "travis", "files": [".travis.yml"]},
        ]
    }
    _, report = scan_json(cli, make_repo(tmp_path / "none", TEST), "--select", "CICD001")
    assert report["ci"] == {"systems": []}


SCHEDULED_ONLY = (
    "trigger: none\npr: none\nschedules:\n- cron: '0 3 * * *'\n  branches:\n    include: [main]\n"
)


def test_tests_run_only_on_a_schedule_are_partial(cli, tmp_path: Path) -> None:
    steps = "steps:\n- script: python -m pytest\n"
    files = {**TEST, "ops/nightly.yml": SCHEDULED_ONLY + steps}
    _, report = scan_json(cli, make_repo(tmp_path / "nightly", files), "--select", "CICD001")
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["status"] == "partial" and "schedule" in rule["reason"]
    files = {**TEST, "ops/ci.yml": "trigger: [main]\n" + steps}
    _, report = scan_json(cli, make_repo(tmp_path / "ci", files), "--select", "CICD001")
    assert status_of(report, "CICD001") == "pass"


def test_task_runners_carry_ci_triggers_to_the_code_they_run(tmp_path: Path) -> None:
    train = "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(X, y)\n"
    files = {
        ".travis.yml": "script:\n  - just retrain\n",
        "justfile": "retrain: prepare\n    python src/train.py\n\nprepare:\n    echo ok\n",
        "pyproject.toml": '[tool.poe.tasks]\nnightly = "python -m src.report"\n',
        "Taskfile.yml": "version: '3'\ntasks:\n  default:\n    cmds:\n      - poe nightly\n",
        ".drone.yml": (
            "kind: pipeline\ntrigger:\n  event: [cron]\nsteps:\n- name: n\n  commands:\n  - task\n"
        ),
        "src/train.py": train,
        "src/report.py": "print('report')\n",
        "src/unused.py": train,
    }
    repo = Facts(make_repo(tmp_path / "r", files))
    train_reach = is_automated(repo, "src/train.py")
    assert train_reach is not None and train_reach.ci
    assert sorted(t.value for t in train_reach.triggers) == ["pull_request", "push"]
    report_reach = is_automated(repo, "src/report.py")
    assert report_reach is not None and [t.value for t in report_reach.triggers] == ["schedule"]
    assert is_automated(repo, "src/unused.py") is None


SEED_WORKFLOW = (
    "on:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: make test\n"
)
SEED = {
    "seedcode/Makefile": "test:\n\tpytest -q tests\n",
    "seedcode/app.py": "x = 1\n",
    "seedcode/tests/test_app.py": "def test_app():\n    assert 1\n",
    "seedcode/.github/workflows/ci.yml": SEED_WORKFLOW,
}


def test_seed_code_workflows_are_the_ci_of_the_project_it_makes(cli, tmp_path: Path) -> None:
    """A repository that ships seed code with its own .github/workflows (and has none at its
    root) is a template: the seed's workflows run its commands from the seed's folder."""
    _, report = scan_json(cli, make_repo(tmp_path / "r", SEED))
    assert status_of(report, "CICD001") == "pass"
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["evidence"][0]["path"] == "seedcode/.github/workflows/ci.yml"
    kind = report["maturity"]["kind"]
    assert kind["name"] == "template", kind
    assert any("seedcode/" in e for e in kind["evidence"])


def test_nested_workflows_do_not_count_next_to_the_roots_own(cli, tmp_path: Path) -> None:
    """GitHub runs only the root's workflows: with workflows of its own at the root, a
    folder's .github/workflows is not CI (a vendored project, an example)."""
    lint = "on: [push]\njobs:\n  l:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff .\n"
    files = {**SEED, ".github/workflows/lint.yml": lint}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    _assert_untested(report, ci=True)
    assert report["maturity"]["kind"]["name"] != "template"


def test_a_cookiecutter_folders_workflows_count_beside_the_templates_own(
    cli, tmp_path: Path
) -> None:
    lint = "on: [push]\njobs:\n  l:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ruff .\n"
    slug = "{{cookiecutter.project_slug}}"
    files = {f"{slug}/{k.split('/', 1)[1]}": v for k, v in SEED.items()}
    files |= {"cookiecutter.json": '{"project_slug": "p"}\n', ".github/workflows/lint.yml": lint}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert status_of(report, "CICD001") == "pass"
    assert report["maturity"]["kind"]["name"] == "template"


TRAIN_MODULE = (
    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n\n\n"
    "def fit(path: str) -> LogisticRegression:\n"
    "    df = pd.read_csv(path)\n"
    "    return LogisticRegression().fit(df[['x']], df['y'])\n"
)
RUNNER_MODULE = (
    "import argparse\nimport importlib\n\n\ndef main() -> None:\n"
    "    parser = argparse.ArgumentParser()\n    parser.add_argument('--module-name')\n"
    "    args = parser.parse_args()\n"
    "    importlib.import_module(args.module_name).fit('data.csv')\n"
)


@pytest.mark.parametrize(
    ("packaging", "declares"),
    [
        ("pyproject.toml", '[project]\nname = "p"\n[project.scripts]\nrun-job = "jobs.run:main"\n'),
        ("setup.cfg", "[options.entry_points]\nconsole_scripts =\n    run-job = jobs.run:main\n"),
        ("setup.py", 'setup(entry_points={"console_scripts": ["run-job=jobs.run:main"]})\n'),
    ],
)
def test_ci_running_a_console_script_runs_its_module_and_the_module_it_names(
    cli, tmp_path: Path, packaging: str, declares: str
) -> None:
    """``run-job --module-name jobs.training`` in CI runs jobs/run.py (the project's console
    script) and, through it, the training module it is told to import."""
    files = {
        packaging: declares,
        "jobs/__init__.py": "",
        "jobs/run.py": RUNNER_MODULE,
        "jobs/training.py": TRAIN_MODULE,
        **gha("run-job --module-name jobs.training"),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "REP006")
    assert status_of(report, "REP006") == "partial", report["rules"]
    rule = next(r for r in report["rules"] if r["id"] == "REP006")
    assert "CI" in rule["reason"] or rule["evidence"][0]["path"].startswith(".github/")


def test_a_program_the_project_does_not_install_runs_nothing_of_it(cli, tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "p"\n[project.scripts]\nother = "jobs.run:main"\n',
        "jobs/__init__.py": "",
        "jobs/run.py": RUNNER_MODULE,
        "jobs/training.py": TRAIN_MODULE,
        **gha("run-job --module-name jobs.training"),
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "REP006")
    assert status_of(report, "REP006") == "fail", report["rules"]


TRAINS = "from sklearn.linear_model import LinearRegression\nLinearRegression().fit(X, y)\n"


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # a step's script changes directory before running the training script
        ("      - run: |\n          cd ml/\n          python train.py\n", "partial"),
        ("      - run: cd ml && python train.py\n", "partial"),
        # the step's working directory, or the job's default one
        ("      - run: python train.py\n        working-directory: ./ml\n", "partial"),
        (
            "    defaults:\n      run:\n        working-directory: ml\n"
            "    steps:\n      - run: python train.py\n",
            "partial",
        ),
        # near misses: a directory mlguard cannot know, and none at all
        ("      - run: cd $ML_DIR && python train.py\n", "fail"),
        ("      - run: python train.py\n", "fail"),
    ],
    ids=["cd-in-script", "cd-and", "working-directory", "job-default", "cd-variable", "root"],
)
def test_ci_commands_run_in_the_directory_they_change_to(
    cli, tmp_path: Path, steps: str, expected: str
) -> None:
    head = "on: [push]\njobs:\n  train:\n    runs-on: ubuntu-latest\n"
    body = steps if steps.startswith("    defaults") else "    steps:\n" + steps
    files = {
        "ml/train.py": TRAINS,
        "train_notes.md": "python train.py runs in ml/\n",
        ".github/workflows/train.yml": head + body,
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files), "--select", "PIPE003")
    assert status_of(report, "PIPE003") == expected


FEATURES_WORKFLOW = """\
name: features-daily
on:
  schedule:
    - cron: "11 6 * * *"
jobs:
  features:
    runs-on: ubuntu-latest
    steps:
      - run: python features.py
"""
INFERENCE_WORKFLOW = """\
name: inference-daily
on:
  workflow_run:
    workflows: ["features-daily"]
    types: [completed]
  workflow_dispatch:
jobs:
  predict:
    runs-on: ubuntu-latest
    if: >-
      ${{ github.event.workflow_run.conclusion == 'success'
      || github.event_name == 'workflow_dispatch' }}
    steps:
      - run: python predict.py
"""
PREDICT_JOB = """\
import json

import joblib
import pandas as pd

model = joblib.load("model.joblib")
rows = pd.read_parquet("features.parquet")
scores = model.predict(rows)
output = {"predictions": scores.tolist()}
with open("predictions.json", "w") as handle:
    json.dump(output, handle)
"""


@pytest.mark.parametrize(
    ("follows", "expected"),
    [("features-daily", "pass"), ("a-workflow-that-is-not-here", "n/a")],
    ids=["follows-a-scheduled-workflow", "follows-an-unknown-workflow"],
)
def test_a_workflow_run_chain_carries_the_schedule_to_the_job_it_starts(
    cli, tmp_path: Path, follows: str, expected: str
) -> None:
    """inference-daily runs when features-daily (a cron) completes: its prediction job runs
    on a clock, so CI deploys a batch prediction job (CICD003) and MON003 applies."""
    files = {
        "train.py": TRAINS,
        "features.py": "import pandas as pd\n",
        "predict.py": PREDICT_JOB,
        ".github/workflows/features.yml": FEATURES_WORKFLOW,
        ".github/workflows/inference.yml": INFERENCE_WORKFLOW.replace("features-daily", follows),
    }
    _, report = scan_json(
        cli, make_repo(tmp_path / "r", files), "--select", "CICD003", "--select", "MON003"
    )
    assert status_of(report, "CICD003") == expected
    if expected == "pass":  # the stored predictions lack the model version
        assert status_of(report, "MON003") == "partial"
