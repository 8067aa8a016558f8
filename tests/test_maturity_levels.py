"""The default policy assesses realistic projects at their intended maturity level.

Five small projects (tests/maturity_projects.py) are generated as git repositories: a
notebook project (Level 0), a scheduled DVC pipeline with tracking, registry and an
evaluation gate (Level 1), the same with ML tests, CI/CD and data validation (Level 2),
then with drift monitoring, prediction logging, a model card and owners (Level 3), and an
ML library. Each must land at exactly its level, and "Missing for Level N" must name
exactly the practices an MLOps engineer would say it lacks for the next one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import maturity_projects as projects
from conftest import make_repo, scan_json

POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"
GATES = yaml.safe_load(POLICY.read_text(encoding="utf-8"))["maturity"]["gates"]

# (files, level, defining practices missing for the next level, supporting ones to improve)
CASES: dict[str, tuple[projects.Files, int, set[str], set[str]]] = {
    # Level 1 is defined by an end-to-end training pipeline and versioned models: both are
    # absent (training only in the notebook, the model pickled by hand). What else Level 1
    # counts on is absent too and listed as supporting: unversioned CSV data, unpinned
    # requirements, no seed, no tracking, no evaluation gate.
    "level0": (
        projects.LEVEL0,
        0,
        {"REP006", "VER003"},
        {"VER001", "EXP001", "REP001", "REP003", "PIPE004", "PIPE001", "DATA001", "REP004"}
        | {"REP005"},
    ),
    # Pipeline automation is in place, and the scheduled `dvc repro` is continuous training;
    # CI/CD for ML is not: no tests at all (so no ML tests and no CI test job) and the API
    # is deployed by hand. Data is never validated and models are registered without a
    # signature (supporting practices of Level 2).
    "level1": (
        projects.LEVEL1,
        1,
        {"TST001", "CICD001", "CICD003"},
        {"TST002", "DATA002", "EXP004", "CICD004"},
    ),
    # CI/CD for ML is in place; monitoring and governance are not.
    "level2": (
        projects.LEVEL2,
        2,
        {"MON001", "MON002", "GOV001"},
        {"MON003", "MON004", "MON005", "GOV002", "GOV003", "GOV004", "GOV005", "TST005"},
    ),
    "level3": (projects.LEVEL3, 3, set(), set()),
}

TRAINING_RULES = (
    "VER003",
    "REP003",
    "REP006",
    "EXP001",
    "EXP004",
    "PIPE003",
    "PIPE004",
    "CICD002",
    "DATA002",
    "MON001",
    "MON002",
    "GOV001",
)


def _missing_section(text: str, level: int) -> set[str]:
    """Rule ids listed under the text report's 'Missing for Level N:' heading."""
    lines = text.splitlines()
    start = lines.index(f"Missing for Level {level}:")
    ids = set()
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        match = re.match(r"^\s+\S+\s+([A-Z]+\d+)\s", line)
        if match:
            ids.add(match.group(1))
    return ids


def _scan(cli: Any, root: Path) -> tuple[dict[str, Any], str]:
    result = cli(["scan", root, "--no-config", "--offline", "--format", "json"])
    assert result.code in (0, 1), result.err
    text = cli(["scan", root, "--no-config", "--offline"])
    assert text.code == result.code, text.err
    return result.json(), text.out


@pytest.mark.parametrize("name", sorted(CASES))
def test_project_is_assessed_at_its_level(cli, tmp_path: Path, name: str) -> None:
    files, level, missing, to_improve = CASES[name]
    report, text = _scan(cli, make_repo(tmp_path / name, files))
    maturity = report["maturity"]
    statuses = {r["id"]: r["status"] for r in report["rules"]}

    assert [r for r, s in statuses.items() if s == "error"] == []
    assert maturity["assessed"] and maturity["kind"]["name"] == "ml-project"
    assert maturity["level"] == level, maturity
    assert {g["rule_id"] for g in maturity["missing"]} == missing, maturity["missing"]
    assert {g["rule_id"] for g in maturity["to_improve"]} == to_improve, maturity["to_improve"]
    for progress in maturity["progress"]:
        assert progress["reached"] == (progress["level"] <= level)
    assert f"Maturity: Level {level} of 3" in text
    if level < 3:
        assert maturity["next_level"] == level + 1
        assert _missing_section(text, level + 1) == missing, text
    else:
        assert maturity["next_level"] is None
        assert "Missing for Level" not in text and "nothing missing" in text
    if name != "level0":
        assert {g: statuses[g] for g in GATES if statuses[g] == "fail"} == {}
        assert maturity["capped_by"] == []


@pytest.mark.parametrize("name", ["level0", "level1"])
def test_every_practice_not_in_place_says_why(cli, tmp_path: Path, name: str) -> None:
    report, _ = _scan(cli, make_repo(tmp_path / name, CASES[name][0]))
    unexplained = [
        r["id"]
        for r in report["rules"]
        if r["kind"] == "practice" and r["status"] in ("fail", "partial") and not r["reason"]
    ]
    assert unexplained == []
    ver003 = next(r for r in report["rules"] if r["id"] == "VER003")
    if name == "level0":  # a declarative practice names what it looked for
        assert ver003["reason"] == "Not found: " + ver003["title"] + "."


def test_level0_findings_show_the_unsafe_pickle_load(cli, tmp_path: Path) -> None:
    report, _ = _scan(cli, make_repo(tmp_path / "level0", projects.LEVEL0))
    sec001 = [f for f in report["findings"] if f["rule_id"] == "SEC001"]
    assert [(f["path"], f["line"]) for f in sec001] == [("predict.py", 9)]
    assert "pickle.load" in sec001[0]["message"]
    # an error finding that fails the scan, but not a maturity gate (docs/maturity.md)
    assert report["maturity"]["capped_by"] == []
    assert report["result"]["failed"] is True


def test_library_training_rules_are_not_applicable(cli, tmp_path: Path) -> None:
    report, _ = _scan(cli, make_repo(tmp_path / "library", projects.LIBRARY))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert {r: statuses[r] for r in TRAINING_RULES} == dict.fromkeys(TRAINING_RULES, "n/a")
    assert report["maturity"]["kind"]["name"] == "library"
    # a library's own models are judged: tests of its estimators, their quality (TST004)
    applicable = ("TST001", "TST002", "TST004", "CICD001")
    assert {r: statuses[r] for r in applicable} == dict.fromkeys(applicable, "pass")


def test_a_library_is_not_assessed_and_says_why(cli, tmp_path: Path) -> None:
    report, text = _scan(cli, make_repo(tmp_path / "library", projects.LIBRARY))
    maturity = report["maturity"]
    assert maturity["assessed"] is False and maturity["level"] is None
    assert maturity["kind"]["name"] == "library"
    assert any("estimator" in e for e in maturity["kind"]["evidence"])
    assert maturity["missing"] == [] and maturity["next_level"] is None
    assert maturity["score"] is not None  # tests, CI and dependencies still count
    assert "Maturity: not assessed" in text and "Repository: library" in text
    reasons = {r["id"]: r["reason"] for r in report["rules"]}
    assert reasons["VER001"].startswith("not for an ML library")


def test_kind_set_in_the_config_overrides_detection(cli, tmp_path: Path) -> None:
    files = {**projects.LIBRARY, ".mlguard.yaml": "kind: ml-project\n"}
    result = cli(["scan", make_repo(tmp_path / "lib", files), "--offline", "--format", "json"])
    maturity = result.json()["maturity"]
    assert maturity["kind"]["name"] == "ml-project" and maturity["kind"]["source"] != "detected"
    assert maturity["assessed"] is True and maturity["level"] == 0


def test_n_a_practices_do_not_raise_the_practice_score(cli, tmp_path: Path) -> None:
    """The practice score is the share of applicable practices in place: a repository
    whose training code is not recognised does not score higher for it."""
    level0, _ = _scan(cli, make_repo(tmp_path / "l0", projects.LEVEL0))
    level3, _ = _scan(cli, make_repo(tmp_path / "l3", projects.LEVEL3))
    assert level0["maturity"]["score"] < 30 < 80 < level3["maturity"]["score"]
    judged = level0["maturity"]["coverage"]
    assert 0 < judged["judged"] <= judged["practices"]


TUTORIAL = {
    "notebooks/tutorial.ipynb": json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": [
                        "from sklearn.datasets import load_iris\n",
                        "from sklearn.linear_model import LogisticRegression\n",
                        "X, y = load_iris(return_X_y=True)\n",
                        "clf = LogisticRegression().fit(X, y)\n",
                    ],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
}


def test_a_published_librarys_tutorial_notebooks_do_not_make_it_a_project(
    cli, tmp_path: Path
) -> None:
    readme = projects.LIBRARY["README.md"] + "\n## Install\n\n    pip install shrunken\n"
    files = {**projects.LIBRARY, **TUTORIAL, "README.md": readme}
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    kind = report["maturity"]["kind"]
    assert kind["name"] == "library", kind
    assert any("pip install shrunken" in e for e in kind["evidence"])


PUBLISH_WORKFLOW = """\
name: publish
on:
  push:
    tags: ["*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python setup.py sdist bdist_wheel
      - uses: pypa/gh-action-pypi-publish@release/v1
"""


def test_a_package_ci_uploads_to_pypi_is_a_library_whatever_its_readme_says(
    cli, tmp_path: Path
) -> None:
    # setup(name=...) on the call's line, no install line in the README: the CI upload is
    # what says users install it, so its notebook is a tutorial
    files = {
        **{k: v for k, v in projects.LIBRARY.items() if k != "pyproject.toml"},
        "setup.py": "from setuptools import setup\n\nsetup(name='Shrunken', packages=['x'])\n",
        **TUTORIAL,
        ".github/workflows/publish.yml": PUBLISH_WORKFLOW,
    }
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    kind = report["maturity"]["kind"]
    assert kind["name"] == "library", kind
    assert any("published as `Shrunken` by CI" in e for e in kind["evidence"]), kind
    # a workflow that only builds the distribution publishes nothing: a notebook project
    files[".github/workflows/publish.yml"] = PUBLISH_WORKFLOW.rsplit("\n      - uses", 1)[0]
    report, _ = _scan(cli, make_repo(tmp_path / "project", files))
    assert report["maturity"]["kind"]["name"] == "ml-project"


def test_a_published_package_named_with_dashes_and_its_training_helpers_stay_a_library(
    cli, tmp_path: Path
) -> None:
    # pip install shrunken-centroids installs the shrunken_centroids package (PEP 503 names);
    # a module of that package named for training (pretraining_utils.py) is library code
    pyproject = projects.LIBRARY["pyproject.toml"].replace(
        'name = "shrunken"', 'name = "shrunken_centroids"'
    )
    readme = projects.LIBRARY["README.md"] + "\n## Install\n\n    pip install shrunken-centroids\n"
    helper = (
        "from sklearn.linear_model import LogisticRegression\n\n\n"
        "def pretrain(X, y):\n    return LogisticRegression().fit(X, y)\n"
    )
    files = {
        **{k: v for k, v in projects.LIBRARY.items() if not k.startswith("src/")},
        **{
            k.replace("src/shrunken/", "shrunken_centroids/"): v.replace(
                "from shrunken.", "from shrunken_centroids."
            )
            for k, v in projects.LIBRARY.items()
            if k.startswith("src/shrunken/") and not k.endswith("__init__.py")
        },
        "shrunken_centroids/pretraining_utils.py": helper,
        **TUTORIAL,
        "README.md": readme,
        "pyproject.toml": pyproject,
    }
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    kind = report["maturity"]["kind"]
    assert kind["name"] == "library", kind
    # the same package without the README's install line is a project trained in notebooks
    files["README.md"] = projects.LIBRARY["README.md"]
    report, _ = _scan(cli, make_repo(tmp_path / "project", files))
    assert report["maturity"]["kind"]["name"] == "ml-project"


def test_notebooks_that_train_make_an_unpublished_package_a_project(cli, tmp_path: Path) -> None:
    files = {**projects.LIBRARY, **TUTORIAL}  # no `pip install shrunken` anywhere
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    assert report["maturity"]["kind"]["name"] == "ml-project"


PAPER_README = (
    "# Method\n\nOfficial PyTorch implementation of our paper (arxiv.org/abs/2101.00001).\n"
)
SCRIPT_TRAINING = (
    "import torch\n\nmodel = torch.nn.Linear(2, 1)\n"
    "opt = torch.optim.SGD(model.parameters(), 0.1)\n"
    "loss = model(torch.ones(1, 2)).sum()\nloss.backward()\nopt.step()\n"
)
FLOW_TRAINING = (
    "from metaflow import FlowSpec, step\nfrom sklearn.linear_model import LogisticRegression\n\n\n"
    "class Train(FlowSpec):\n    @step\n    def start(self):\n"
    "        self.model = LogisticRegression().fit([[0], [1]], [0, 1])\n"
    "        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
)


def test_paper_code_trained_by_hand_is_research(cli, tmp_path: Path) -> None:
    files = {"README.md": PAPER_README, "train.py": SCRIPT_TRAINING}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "research"


def test_a_paper_repository_with_an_orchestrated_flow_is_a_project(cli, tmp_path: Path) -> None:
    """A flow of an orchestrator (Metaflow here) is a declared pipeline, so a README that
    cites a paper does not make the repository research code."""
    files = {"README.md": PAPER_README, "flow.py": FLOW_TRAINING}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    kind = report["maturity"]["kind"]
    assert kind["name"] == "ml-project", kind
    assert "declares a pipeline" in kind["evidence"]


AGENT_APP = (
    "from agents import Agent, Runner\n\n"
    "triage = Agent(name='triage', instructions='Route the question.')\n\n\n"
    "def answer(question: str) -> str:\n"
    "    return Runner.run_sync(triage, question).final_output\n"
)


def test_an_openai_agents_sdk_app_is_an_llm_app(cli, tmp_path: Path) -> None:
    _, report = scan_json(cli, make_repo(tmp_path / "r", {"app/main.py": AGENT_APP}))
    assert report["maturity"]["kind"]["name"] == "llm-app", report["maturity"]["kind"]


def test_a_projects_own_agents_package_is_not_the_agents_sdk(cli, tmp_path: Path) -> None:
    own = "class Agent:\n    pass\n\n\nclass Runner:\n    pass\n"
    files = {"app/main.py": AGENT_APP, "agents/__init__.py": own}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] != "llm-app"


def test_tests_that_no_ci_job_runs_do_not_make_level_2(cli, tmp_path: Path) -> None:
    """Partial CI testing counts for Level 2 when CI runs the tests in a weaker way; tests
    that exist while no CI job runs them fail the rule, and it is missing for the level."""
    files = dict(projects.LEVEL2)
    files[".github/workflows/ci.yml"] = files[".github/workflows/ci.yml"].replace(
        "- run: pytest -q", "- run: python -c 'print(1)'"
    )
    report, _ = _scan(cli, make_repo(tmp_path / "r", files))
    rule = next(r for r in report["rules"] if r["id"] == "CICD001")
    assert rule["status"] == "fail", rule
    assert report["maturity"]["level"] == 1
    assert "CICD001" in {g["rule_id"] for g in report["maturity"]["missing"]}


def test_a_level_2_project_has_no_prerequisite_only_partials(cli, tmp_path: Path) -> None:
    report, _ = _scan(cli, make_repo(tmp_path / "r", projects.LEVEL2))
    assert report["maturity"]["level"] >= 2
    assert not any(r.get("prerequisite_only") for r in report["rules"])


def test_a_module_named_agents_that_uses_the_sdk_keeps_it_the_sdk(cli, tmp_path: Path) -> None:
    """``shop/agents.py`` holding the app's agents imports the SDK: it is no SDK of its own."""
    files = {"shop/__init__.py": "", "shop/agents.py": AGENT_APP}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "llm-app", report["maturity"]["kind"]


def _makefile_project(makefile: str) -> dict[str, str]:
    files = {k: v for k, v in projects.LEVEL1.items() if not k.startswith(("dvc.", ".github/"))}
    files["Makefile"] = makefile
    return files


def test_a_make_target_that_only_starts_training_is_not_a_pipeline(cli, tmp_path: Path) -> None:
    """``make train`` running one script is an entry point someone runs by hand: REP006 is
    partial as its prerequisite only, and the project does not reach Level 1 on it."""
    files = _makefile_project("train:\n\tpython src/train.py\n")
    report, _ = _scan(cli, make_repo(tmp_path / "r", files))
    rule = next(r for r in report["rules"] if r["id"] == "REP006")
    assert rule["status"] == "partial" and rule.get("prerequisite_only") is True, rule
    assert report["maturity"]["level"] == 0
    assert "REP006" in {g["rule_id"] for g in report["maturity"]["missing"]}


def test_a_sequence_run_by_hand_is_a_prerequisite_and_counts_once_automated(
    cli, tmp_path: Path
) -> None:
    """A target whose prerequisites prepare the data before it trains runs the steps in
    sequence: partial. Started by hand it is only the prerequisite of a pipeline; started by
    CI (here on a schedule) it is a pipeline in spirit and counts for Level 1."""
    makefile = (
        "prepare:\n\tpython src/prepare.py\n\n"
        "train: prepare\n\tpython src/train.py\n\n"
        "evaluate: train\n\tpython src/evaluate.py\n"
    )
    report, _ = _scan(cli, make_repo(tmp_path / "hand", _makefile_project(makefile)))
    rule = next(r for r in report["rules"] if r["id"] == "REP006")
    assert rule["status"] == "partial" and rule.get("prerequisite_only") is True, rule

    files = _makefile_project(makefile)
    files[".github/workflows/retrain.yml"] = (
        "on:\n  schedule:\n    - cron: '0 3 * * 1'\njobs:\n  retrain:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: make evaluate\n"
    )
    report, _ = _scan(cli, make_repo(tmp_path / "ci", files))
    rule = next(r for r in report["rules"] if r["id"] == "REP006")
    assert rule["status"] == "partial" and not rule.get("prerequisite_only"), rule
    assert "REP006" not in {g["rule_id"] for g in report["maturity"]["missing"]}


EXAMPLE_TRAINING = (
    "import mlflow\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n\n"
    "df = pd.read_csv('data/iris.csv')\nwith mlflow.start_run():\n"
    "    model = LogisticRegression().fit(df[['x']], df['y'])\n"
    "    mlflow.sklearn.log_model(model, 'model', registered_model_name='iris')\n"
)


def test_a_template_repository_brings_its_examples(cli, tmp_path: Path) -> None:
    """A GitHub template repository (its README says so) is a template, and the examples a
    project made from it starts with are product code."""
    files = {
        "README.md": "# ML Ops template\n\nClick *Use this template* to start a project.\n",
        "examples/train_iris.py": EXAMPLE_TRAINING,
        "api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "template", report["maturity"]["kind"]
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["EXP001"] == "pass" and statuses["VER003"] == "pass", statuses


def test_examples_of_an_ordinary_project_are_not_its_product(cli, tmp_path: Path) -> None:
    files = {
        "README.md": "# Iris service\n\nServes the iris model.\n",
        "examples/train_iris.py": EXAMPLE_TRAINING,
        "api/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] != "template"
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["EXP001"] == "n/a", statuses


def _notebook(source: str) -> str:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": source}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


ROUTER_TRAINING = (
    "from sklearn.linear_model import LogisticRegression\n"
    "router = LogisticRegression().fit([[0.0], [1.0]], [0, 1])\n"
)


def test_an_llm_app_that_fits_a_router_in_a_notebook_stays_an_llm_app(cli, tmp_path) -> None:
    files = {"app/serve.py": AGENT_APP, "notebooks/router.ipynb": _notebook(ROUTER_TRAINING)}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    kind = report["maturity"]["kind"]
    assert kind["name"] == "llm-app", kind
    assert any("trains only in notebooks" in e for e in kind["evidence"]), kind


def test_an_llm_app_with_a_training_script_is_an_ml_project(cli, tmp_path: Path) -> None:
    files = {"app/serve.py": AGENT_APP, "train_router.py": ROUTER_TRAINING}
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "ml-project", report["maturity"]["kind"]


EXPERIMENT = (
    "import torch\n\n\nclass Experiment:\n    def train(self, steps: int) -> None:\n"
    "        model = torch.nn.Linear(4, 1)\n"
    "        model_optim = torch.optim.Adam(model.parameters())\n"
    "        for _ in range(steps):\n"
    "            loss = model(torch.randn(8, 4)).pow(2).mean()\n"
    "            model_optim.zero_grad()\n"
    "            loss.backward()\n"
    "            model_optim.step()\n"
)


def test_a_package_trainer_driven_by_a_top_level_script_is_trained_by_hand(
    cli, tmp_path: Path
) -> None:
    """``main.py`` (no ``__main__`` guard, imported by nothing) runs the package's trainer:
    research code that trains, not a library of model classes."""
    files = {
        "README.md": PAPER_README,
        "exp/__init__.py": "",
        "exp/experiment.py": EXPERIMENT,
        "main.py": "from exp.experiment import Experiment\n\nExperiment().train(10)\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "research", report["maturity"]["kind"]


def test_a_package_trainer_nothing_runs_is_library_code(cli, tmp_path: Path) -> None:
    files = {
        "README.md": PAPER_README,
        "exp/__init__.py": "from exp.experiment import Experiment\n",
        "exp/experiment.py": EXPERIMENT,
        "pyproject.toml": "[project]\nname = 'exp'\nversion = '0.1'\n",
    }
    _, report = scan_json(cli, make_repo(tmp_path / "r", files))
    assert report["maturity"]["kind"]["name"] == "library", report["maturity"]["kind"]


STUB_TRAIN = """\
from pathlib import Path

import typer

app = typer.Typer()


@app.command()
def main(model_path: Path = Path("models/model.pkl")):
    # ---- REPLACE THIS WITH YOUR OWN CODE ----
    print("Training some model...")
"""


def test_a_templates_training_stub_is_where_its_projects_train(cli, tmp_path: Path) -> None:
    """A project template is judged on the project it makes: its modeling/train.py stub is
    that project's training code, so lifecycle rules apply (and fail), not n/a."""
    slug = "{{ cookiecutter.repo_name }}/{{ cookiecutter.module_name }}"
    files = {
        "cookiecutter.json": '{"repo_name": "p", "module_name": "p"}\n',
        f"{slug}/modeling/train.py": STUB_TRAIN,
        f"{slug}/features.py": "def build(frame):\n    return frame\n",
    }
    report, _ = _scan(cli, make_repo(tmp_path / "template", files))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert report["maturity"]["kind"]["name"] == "template"
    assert statuses["VER003"] == "fail" and statuses["EXP001"] == "fail"
    # near miss: the same stub outside a rendered folder is a script that trains nothing
    files = {"cookiecutter.json": files["cookiecutter.json"], "modeling/train.py": STUB_TRAIN}
    report, _ = _scan(cli, make_repo(tmp_path / "plain", files))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["VER003"] == "n/a"


def test_a_release_without_a_deployment_is_not_level_2(cli, tmp_path: Path) -> None:
    """CI that builds and pushes the serving image but deploys nothing releases the model:
    CICD003 is partial, and Level 2 (the pipeline deploys) is not reached."""
    workflow = projects.LEVEL2[".github/workflows/deploy.yml"]
    released = "\n".join(line for line in workflow.splitlines() if "kubectl" not in line)
    files = {**projects.LEVEL2, ".github/workflows/deploy.yml": released + "\n"}
    files.pop("deploy/k8s/deployment.yaml")
    report, _ = _scan(cli, make_repo(tmp_path / "released", files))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["CICD003"] == "partial"
    assert report["maturity"]["level"] == 1
    assert "CICD003" in {m["rule_id"] for m in report["maturity"]["missing"]}
    # the same project deploying the image is Level 2 (its case above)
    report, _ = _scan(cli, make_repo(tmp_path / "deployed", projects.LEVEL2))
    assert report["maturity"]["level"] == 2


PROMPTS_MODULE = (
    'SYSTEM = """You answer questions about the handbook, citing the section."""\n'
    'GRADER = """Say yes if the answer is grounded in the context."""\n'
)


def test_an_llm_app_template_is_judged_as_the_llm_app_it_makes(cli, tmp_path: Path) -> None:
    """A template whose code calls an LLM and trains nothing is assessed on the LLM
    practices; its prompts kept in a dedicated module are versioned in spirit (LLM001
    partial counts for Level 1)."""
    files = {
        "README.md": "# Retrieval agent template\n\nUse this template to start an agent.\n",
        "app/main.py": AGENT_APP + "from app.prompts import SYSTEM\n",
        "app/prompts.py": PROMPTS_MODULE,
    }
    _, report = scan_json(cli, make_repo(tmp_path / "template", files))
    maturity = report["maturity"]
    assert maturity["kind"]["name"] == "llm-app", maturity["kind"]
    assert any("project template of an LLM application" in e for e in maturity["kind"]["evidence"])
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["LLM001"] == "partial" and maturity["level"] == 1
    # near miss: prompts inline in the code are not versioned at all
    files.pop("app/prompts.py")
    files["app/main.py"] = AGENT_APP
    _, report = scan_json(cli, make_repo(tmp_path / "inline", files))
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["LLM001"] == "fail" and report["maturity"]["level"] == 0


DEMO_SCRIPT = (
    "from sklearn.datasets import load_iris\n\n"
    "from shrunken import ShrunkenCentroidClassifier\n\n"
    "X, y = load_iris(return_X_y=True)\n"
    "ShrunkenCentroidClassifier(shrink_threshold=0.5).fit(X, y)\n"
)
SMOKE_BLOCK = (
    "\n\nif __name__ == '__main__':\n"
    "    from sklearn.datasets import load_iris\n"
    "    from sklearn.linear_model import LogisticRegression\n\n"
    "    X, y = load_iris(return_X_y=True)\n"
    "    LogisticRegression().fit(X, y)\n"
)


def test_a_published_librarys_demo_script_and_smoke_blocks_keep_it_a_library(
    cli, tmp_path: Path
) -> None:
    # train_demo.py uses the library as its users do (from shrunken import ...), and a
    # package module's __main__ block without an argument parser is its smoke test
    readme = projects.LIBRARY["README.md"] + "\n## Install\n\n    pip install shrunken\n"
    files = {
        **projects.LIBRARY,
        "README.md": readme,
        "train_demo.py": DEMO_SCRIPT,
        "src/shrunken/fitting.py": "import numpy as np\n" + SMOKE_BLOCK,
    }
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    assert report["maturity"]["kind"]["name"] == "library", report["maturity"]["kind"]
    # a package module that parses arguments in its __main__ block is a training command
    command = "import argparse\n" + SMOKE_BLOCK.replace(
        "    X, y", "    argparse.ArgumentParser().parse_args()\n    X, y"
    )
    report, _ = _scan(
        cli, make_repo(tmp_path / "cli", {**files, "src/shrunken/fitting.py": command})
    )
    assert report["maturity"]["kind"]["name"] != "library", report["maturity"]["kind"]
    # a training script that does not use the published package trains the project's model
    own = DEMO_SCRIPT.replace("from shrunken import ShrunkenCentroidClassifier\n\n", "").replace(
        "ShrunkenCentroidClassifier(shrink_threshold=0.5)", "__import__('sklearn.svm').svm.SVC()"
    )
    own = "from sklearn.svm import SVC\n" + own.replace(
        "__import__('sklearn.svm').svm.SVC()", "SVC()"
    )
    report, _ = _scan(cli, make_repo(tmp_path / "own", {**files, "train_demo.py": own}))
    assert report["maturity"]["kind"]["name"] != "library", report["maturity"]["kind"]


SPACE_APP = (
    "import streamlit as st\n\nfrom .cards import card_form\n\n"
    "st.title('Model cards')\ncard_form()\n"
)
SPACE_PAGE = "import streamlit as st\n\nst.markdown('Fill in the model card.')\n"
SPACE_CARDS = "from shrunken import ShrunkenCentroidClassifier\n\n\ndef card_form():\n    pass\n"


def test_a_published_librarys_demo_app_folder_keeps_it_a_library(cli, tmp_path: Path) -> None:
    # spaces/card_creator/ is a Hugging Face Space of the library's tools: one of its files
    # imports the library as users do, so its Streamlit pages demonstrate the library
    readme = projects.LIBRARY["README.md"] + "\n## Install\n\n    pip install shrunken\n"
    files = {
        **projects.LIBRARY,
        "README.md": readme,
        "spaces/card_creator/__init__.py": "",
        "spaces/card_creator/app.py": SPACE_APP,
        "spaces/card_creator/help.py": SPACE_PAGE,
        "spaces/card_creator/cards.py": SPACE_CARDS,
    }
    report, _ = _scan(cli, make_repo(tmp_path / "lib", files))
    assert report["maturity"]["kind"]["name"] == "library", report["maturity"]["kind"]
    # an app folder that does not use the library serves the project's own model
    own = {**files, "spaces/card_creator/cards.py": "def card_form():\n    pass\n"}
    report, _ = _scan(cli, make_repo(tmp_path / "own", own))
    assert report["maturity"]["kind"]["name"] != "library", report["maturity"]["kind"]
    # a training command (train.py parsing its arguments) that trains with the package is
    # the project training its own model, as a paper's code does
    command = "import argparse\n\n" + DEMO_SCRIPT + "argparse.ArgumentParser().parse_args()\n"
    report, _ = _scan(cli, make_repo(tmp_path / "paper", {**files, "train.py": command}))
    assert report["maturity"]["kind"]["name"] != "library", report["maturity"]["kind"]
    report, _ = _scan(cli, make_repo(tmp_path / "demo", {**files, "demo.py": command}))
    assert report["maturity"]["kind"]["name"] == "library", report["maturity"]["kind"]


TRANSFORMER_CELLS = [
    "from sklearn.base import BaseEstimator, TransformerMixin\n",
    "from sklearn.ensemble import GradientBoostingRegressor\n",
    "import pandas as pd\n",
    "class Lowercase(BaseEstimator, TransformerMixin):\n",
    "    def fit(self, X, y=None):\n",
    "        return self\n",
    "    def transform(self, X):\n",
    "        return X\n",
    "df = pd.read_csv('data/train.csv')\n",
    "X = Lowercase().fit_transform(df.drop(columns='y'))\n",
    "model = GradientBoostingRegressor().fit(X, df['y'])\n",
]


def test_a_notebook_that_defines_a_transformer_and_fits_a_model_trains(cli, tmp_path: Path) -> None:
    notebook = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": TRANSFORMER_CELLS,
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    files = {"README.md": "# sales\n", "analysis/Training-Model.ipynb": notebook}
    report, _ = _scan(cli, make_repo(tmp_path / "nb", files))
    assert report["maturity"]["kind"]["name"] == "ml-project", report["maturity"]["kind"]
    reasons = {r["id"]: r.get("reason") or "" for r in report["rules"]}
    assert "ML library" not in reasons["EXP001"], reasons["EXP001"]
    # the same code in a package module is library code: an estimator and what it fits;
    # Jupyter's autosaved copy of a notebook is not the product
    module = "".join(TRANSFORMER_CELLS)
    files = {
        "README.md": "# sales\n",
        "sales/__init__.py": "",
        "sales/model.py": module,
        "analysis/.ipynb_checkpoints/Training-Model-checkpoint.ipynb": notebook,
    }
    report, _ = _scan(cli, make_repo(tmp_path / "pkg", files))
    reasons = {r["id"]: r.get("reason") or "" for r in report["rules"]}
    assert "ML library" in reasons["EXP001"], reasons["EXP001"]


SERVED_PICKLE = """\
import joblib
from fastapi import FastAPI

app = FastAPI()
model = joblib.load("models/model.joblib")


@app.post("/predict")
def predict(rows: list[list[float]]) -> list[int]:
    return model.predict(rows).tolist()
"""


def test_an_app_that_unpickles_a_model_and_predicts_is_ml_code(cli, tmp_path: Path) -> None:
    # no ML library is imported: the pickle brings scikit-learn along
    files = {"README.md": "# scorer\n", "app.py": SERVED_PICKLE}
    report, _ = _scan(cli, make_repo(tmp_path / "served", files))
    assert report["maturity"]["kind"]["name"] == "ml-project", report["maturity"]["kind"]
    assert report["maturity"]["assessed"] is True
    # an app that unpickles a lookup table and predicts nothing is not ML code
    lookup = SERVED_PICKLE.replace("model.predict(rows).tolist()", "[model[str(r)] for r in rows]")
    report, _ = _scan(cli, make_repo(tmp_path / "lookup", {**files, "app.py": lookup}))
    assert report["maturity"]["kind"]["name"] == "other", report["maturity"]["kind"]
