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
