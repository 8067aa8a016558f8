"""What a practice really does, read from its names and files: which settings the command
line or config sets (REP004), how runs are recorded without a tracker (EXP001), which
committed files are generated outputs (VER004) and whether a pipeline writes the model card
(GOV001). Each signal has a positive case and a near-miss negative case, judged through the
CLI JSON output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import make_repo, scan_json


def rule(cli: Any, root: Path, rule_id: str) -> dict[str, Any]:
    _, report = scan_json(cli, root, "--select", rule_id)
    return next(r for r in report["rules"] if r["id"] == rule_id)


# --- REP004: what is parameterised ----------------------------------------------------------

LITERAL_TRAINING = """\
import argparse
from sklearn.linear_model import LogisticRegression

parser = argparse.ArgumentParser()
parser.add_argument("--run-id", type=str)
parser.add_argument("--output-dir", type=str)
{extra}args = parser.parse_args()

model = LogisticRegression(max_iter=3000, C=0.5)
model.fit(X, y)
"""


def test_options_that_are_only_ids_and_paths_do_not_parameterise(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": LITERAL_TRAINING.format(extra="")})
    result = rule(cli, root, "REP004")
    assert result["status"] == "fail"
    assert "only paths, ids or infrastructure (--output-dir, --run-id)" in result["reason"]


def test_a_hyperparameter_option_beside_the_ids_passes(cli, tmp_path: Path) -> None:
    extra = 'parser.add_argument("--max-iter", type=int, default=3000)\n'
    extra += 'parser.add_argument("-C", "--inverse-reg", dest="C", type=float)\n'
    root = make_repo(tmp_path / "r", {"train.py": LITERAL_TRAINING.format(extra=extra)})
    assert rule(cli, root, "REP004")["status"] == "pass"


def test_some_hyperparameters_from_options_and_others_literal_is_partial(
    cli, tmp_path: Path
) -> None:
    extra = 'parser.add_argument("--max-iter", type=int, default=3000)\n'
    root = make_repo(tmp_path / "r", {"train.py": LITERAL_TRAINING.format(extra=extra)})
    result = rule(cli, root, "REP004")
    assert result["status"] == "partial"
    assert "but 1 are literals" in result["reason"]


def test_config_keys_say_which_hyperparameters_come_from_config(cli, tmp_path: Path) -> None:
    files = {
        "configs/train.yml": "parameters:\n  epochs: 5\n",
        "train.py": (
            "from sklearn.ensemble import GradientBoostingRegressor\n"
            "GradientBoostingRegressor(learning_rate=0.1, max_depth=4).fit(X, y)\n"
        ),
    }
    root = make_repo(tmp_path / "partial", files)
    assert rule(cli, root, "REP004")["status"] == "partial"
    files["configs/train.yml"] = "parameters:\n  learning_rate: 0.1\n  max_depth: 4\n"
    root = make_repo(tmp_path / "pass", files)
    assert rule(cli, root, "REP004")["status"] == "pass"


def test_metaflow_parameters_for_the_run_only_are_partial(cli, tmp_path: Path) -> None:
    flow = """\
from metaflow import FlowSpec, Parameter, step
from tensorflow import keras


class TrainFlow(FlowSpec):
    START_DATE = Parameter("start_date", default="2024-01-01")
    INSTANCE = Parameter("instance_type", default="ml.m5.large")
{extra}
    @step
    def start(self):
        model = keras.Sequential()
        model.fit(x, y, epochs=100, batch_size=32)
        self.next(self.end)
"""
    root = make_repo(tmp_path / "partial", {"train_flow.py": flow.format(extra="")})
    assert rule(cli, root, "REP004")["status"] == "partial"
    extra = '    EPOCHS = Parameter("epochs", default=100)\n    BS = Parameter("batch_size")\n'
    root = make_repo(tmp_path / "pass", {"train_flow.py": flow.format(extra=extra)})
    assert rule(cli, root, "REP004")["status"] == "pass"


def test_an_option_naming_a_config_file_parameterises(cli, tmp_path: Path) -> None:
    extra = 'parser.add_argument("--config", type=str)\n'
    root = make_repo(tmp_path / "r", {"train.py": LITERAL_TRAINING.format(extra=extra)})
    assert rule(cli, root, "REP004")["status"] == "pass"


def test_plot_styles_are_not_hyperparameters(cli, tmp_path: Path) -> None:
    train = (
        "import matplotlib.pyplot as plt\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "LogisticRegression().fit(X, y)\n"
        "plt.scatter(X, y, alpha=0.5)\n"
    )
    root = make_repo(tmp_path / "r", {"train.py": train})
    result = rule(cli, root, "REP004")
    assert result["status"] == "fail"
    assert result["reason"].startswith("Training reads no configuration")


# --- EXP001: runs recorded without a tracker -------------------------------------------------

LIGHTNING = """\
import lightning as L
from lightning.pytorch.loggers import {logger}

trainer = L.Trainer(logger={logger}("logs"))
trainer.fit(model)
"""


def test_lightning_tensorboard_logger_is_partial_and_a_tracker_logger_passes(
    cli, tmp_path: Path
) -> None:
    root = make_repo(tmp_path / "tb", {"train.py": LIGHTNING.format(logger="TensorBoardLogger")})
    assert rule(cli, root, "EXP001")["status"] == "partial"
    assert rule(cli, root, "EXP003")["status"] == "fail"
    root = make_repo(tmp_path / "wandb", {"train.py": LIGHTNING.format(logger="WandbLogger")})
    assert rule(cli, root, "EXP001")["status"] == "pass"


def test_the_lightning_logger_base_class_is_not_a_tracker(cli, tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": LIGHTNING.format(logger="Logger")})
    assert rule(cli, root, "EXP001")["status"] == "fail"


OWN_LOGGER = """\
import csv
import os


def log_run(run_dir, row):
    with open(os.path.join(run_dir, "{name}"), "{mode}") as handle:
        {body}
"""
TRAIN_FIT = "from sklearn.linear_model import Ridge\nRidge().fit(X, y)\n"


def test_a_project_logger_writing_per_run_metric_files_is_partial(cli, tmp_path: Path) -> None:
    logger = OWN_LOGGER.format(
        name="progress.csv", mode="a", body="csv.writer(handle).writerow(row)"
    )
    root = make_repo(tmp_path / "r", {"train.py": TRAIN_FIT, "utils/logger.py": logger})
    result = rule(cli, root, "EXP001")
    assert result["status"] == "partial"
    assert "own per-run metric files" in result["reason"]
    # EXP002 agrees that metrics are recorded, without their parameters
    assert rule(cli, root, "EXP002")["status"] == "partial"


def test_reading_a_results_file_is_not_logging_runs(cli, tmp_path: Path) -> None:
    reader = OWN_LOGGER.format(name="results.csv", mode="r", body="return list(csv.reader(handle))")
    root = make_repo(tmp_path / "r", {"train.py": TRAIN_FIT, "utils/report.py": reader})
    assert rule(cli, root, "EXP001")["status"] == "fail"


DVC_STAGE = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [train]
{extra}"""


def test_dvc_metrics_with_params_per_run_are_partial(cli, tmp_path: Path) -> None:
    files = {
        "train.py": TRAIN_FIT,
        "params.yaml": "train:\n  alpha: 1.0\n",
        "dvc.yaml": DVC_STAGE.format(
            extra="    metrics:\n      - metrics.json:\n          cache: false\n"
        ),
    }
    root = make_repo(tmp_path / "metrics", files)
    assert rule(cli, root, "EXP001")["status"] == "partial"
    files["dvc.yaml"] = DVC_STAGE.format(extra="    outs: [model.pkl]\n")
    root = make_repo(tmp_path / "outs", files)
    assert rule(cli, root, "EXP001")["status"] == "fail"


def test_a_tracker_logger_only_offered_in_config_is_partial(cli, tmp_path: Path) -> None:
    files = {
        "train.py": TRAIN_FIT,
        "configs/logger/wandb.yaml": "_target_: lightning.pytorch.loggers.wandb.WandbLogger\n",
    }
    root = make_repo(tmp_path / "r", files)
    assert rule(cli, root, "EXP001")["status"] == "partial"
    files["configs/logger/wandb.yaml"] = "_target_: mypkg.callbacks.PrintProgress\n"
    root = make_repo(tmp_path / "near", files)
    assert rule(cli, root, "EXP001")["status"] == "fail"


# --- VER004: generated outputs committed ---------------------------------------------------

DVC_EVALUATE = """\
stages:
  evaluate:
    cmd: python evaluate.py
    deps: [evaluate.py]
    metrics:
      - live/metrics.json:
          cache: {cache}
    outs:
      - live/best_params.yaml:
          cache: {cache}
"""


def test_dvc_outputs_declared_uncached_are_meant_to_be_committed(cli, tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "evaluate.py": TRAIN_FIT,
        "live/metrics.json": '{"auc": 0.9}\n',
        "live/best_params.yaml": "alpha: 0.5\n",
        "dvc.yaml": DVC_EVALUATE.format(cache="false"),
    }
    root = make_repo(tmp_path / "uncached", files)
    assert rule(cli, root, "VER004")["status"] == "pass"
    files["dvc.yaml"] = DVC_EVALUATE.format(cache="true")
    root = make_repo(tmp_path / "cached", files)
    assert rule(cli, root, "VER004")["status"] == "fail"


def test_committed_submissions_and_blends_are_generated_outputs(cli, tmp_path: Path) -> None:
    rows = "id,label\n1,0.3\n"
    files: dict[str, str | bytes] = {
        "train.py": TRAIN_FIT,
        "submits/submission_v2.csv": rows,
        "blends/blend3/mean_rank.csv": rows,
        "oof_lgbm.csv": rows,
    }
    root = make_repo(tmp_path / "r", files)
    _, report = scan_json(cli, root, "--select", "VER004")
    flagged = sorted(f["path"] for f in report["findings"] if f["rule_id"] == "VER004")
    assert flagged == ["blends/blend3/mean_rank.csv", "oof_lgbm.csv", "submits/submission_v2.csv"]
    # `mlguard fix` git-ignores the prediction folders, and the root file by its path
    result = cli(["fix", str(root), "--select", "VER004", "--no-config"])
    assert result.code == 0, result.err
    added = (root / ".gitignore").read_text().splitlines()[1:]
    assert added == ["blends/", "/oof_lgbm.csv", "submits/"]


def test_sample_submissions_fixtures_and_datasets_are_inputs(cli, tmp_path: Path) -> None:
    rows = "id,label\n1,0.3\n"
    files: dict[str, str | bytes] = {
        "train.py": TRAIN_FIT,
        "data/sample_submission.csv": rows,
        "data/train.csv": rows,
        "tests/fixtures/predictions.csv": rows,
        "subjects.csv": rows,
    }
    root = make_repo(tmp_path / "r", files)
    assert rule(cli, root, "VER004")["status"] == "pass"


# --- GOV001: a model card generated by the pipeline ------------------------------------------

CARD_TEMPLATE = """\
---
license: mit
library_name: sklearn
---
# {{ name }}
## Evaluation
{{ metrics_table }}
"""
RENDER = """\
from pathlib import Path

from jinja2 import Template

template = Template(Path("templates/modelcard.md.j2").read_text())
Path("model/README.md").write_text(template.render(name="churn", metrics_table=""))
"""
CARD_STAGE = """\
stages:
  train:
    cmd: python train.py
    outs: [model/model.pkl]
  card:
    cmd: python make_card.py
    deps: [templates/modelcard.md.j2, make_card.py]
    outs:
      - model/README.md:
          cache: false
"""


def test_a_card_rendered_by_a_pipeline_stage_passes(cli, tmp_path: Path) -> None:
    files = {
        "train.py": TRAIN_FIT,
        "templates/modelcard.md.j2": CARD_TEMPLATE,
        "make_card.py": RENDER,
        "dvc.yaml": CARD_STAGE,
    }
    root = make_repo(tmp_path / "r", files)
    assert rule(cli, root, "GOV001")["status"] == "pass"


def test_a_card_template_nothing_renders_is_partial(cli, tmp_path: Path) -> None:
    files = {"train.py": TRAIN_FIT, "templates/modelcard.md.j2": CARD_TEMPLATE}
    root = make_repo(tmp_path / "r", files)
    result = rule(cli, root, "GOV001")
    assert result["status"] == "partial"
    assert "no pipeline stage or CI job runs it" in result["reason"]


def test_the_hugging_face_card_api_run_in_ci_passes(cli, tmp_path: Path) -> None:
    publish = (
        "from huggingface_hub import ModelCard, ModelCardData\n"
        "card = ModelCard.from_template(ModelCardData(license='mit'), model_id='churn')\n"
        "card.push_to_hub('org/churn')\n"
    )
    workflow = (
        "on: {release: {types: [published]}}\n"
        "jobs:\n  card:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: python scripts/publish_card.py\n"
    )
    files = {"train.py": TRAIN_FIT, "scripts/publish_card.py": publish}
    root = make_repo(tmp_path / "local", files)
    assert rule(cli, root, "GOV001")["status"] == "partial"
    files[".github/workflows/release.yml"] = workflow
    root = make_repo(tmp_path / "ci", files)
    assert rule(cli, root, "GOV001")["status"] == "pass"


def test_an_ordinary_jinja_template_is_not_a_model_card(cli, tmp_path: Path) -> None:
    files = {"train.py": TRAIN_FIT, "templates/report.md.j2": CARD_TEMPLATE}
    root = make_repo(tmp_path / "r", files)
    assert rule(cli, root, "GOV001")["status"] == "fail"
