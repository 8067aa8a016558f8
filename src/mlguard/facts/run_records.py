"""How runs are recorded without an experiment tracker: one answer for EXP001-EXP003.

TensorBoard event files (``SummaryWriter`` of PyTorch, tensorboardX or Flax,
``tensorboard_logger``, Keras' ``TensorBoard`` callback, Lightning's ``TensorBoardLogger``/
``CSVLogger`` or the default logger of a Lightning ``Trainer`` given none, Catalyst and
Ignite TensorBoard loggers, a Catalyst runner given a ``logdir``), DVC metrics and params per
run (``metrics:`` in dvc.yaml beside ``params:``, ``dvc exp``), per-run metric files (a
project's own ``progress.csv`` or ``metrics.json``, a Hugging Face Trainer's
``save_metrics``, Kubeflow's ``/mlpipeline-metrics.json``), and tracker loggers that are only
configured as options (a Hydra ``_target_`` nothing selects by default). None of them keeps
a shared, queryable run history with parameters: EXP001 reads them as partial. Test files
are not evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.trackers import (
    config_report_to,
    kedro_catalog_entries,
    local_report_to,
    report_to,
)
from mlguard.model import Evidence, ev
from mlguard.safeio.lines import line_at

TENSORBOARD = (
    "torch.utils.tensorboard.SummaryWriter",
    "tensorboardX.SummaryWriter",
    "tensorflow.summary.create_file_writer",
    # Keras' TensorBoard callback and clu's metric writers (JAX/Flax) write event files too
    "tensorflow.keras.callbacks.TensorBoard",
    "keras.callbacks.TensorBoard",
    "clu.metric_writers.create_default_writer",
    "clu.metric_writers.SummaryWriter",
    "flax.metrics.tensorboard.SummaryWriter",
    "tensorboard_logger.Logger",
    "tensorboard_logger.configure",
)
# Lightning's Trainer keeps a TensorBoard (or CSV) log of each run under lightning_logs/
# unless it is given ``logger=False`` or a logger of its own
LIGHTNING_TRAINERS = frozenset(
    {"pytorch_lightning.Trainer", "lightning.Trainer", "lightning.pytorch.Trainer"}
)
# Lightning, Catalyst and Ignite loggers that write event or CSV files on the machine
LOCAL_LOGGERS = re.compile(
    r"^(lightning\.pytorch|pytorch_lightning|lightning)\.loggers\.(\w+\.)?"
    r"(TensorBoardLogger|CSVLogger)$|"
    r"^catalyst\.(dl|loggers|contrib)\.(\w+\.)*Tensorboard\w*$|"
    r"^ignite\.(contrib\.)?handlers\.(\w+\.)*TensorboardLogger$"
)
# the name of a metrics file a project's own logger writes (``progress%s.csv``)
METRIC_FILE = re.compile(
    r"(^|/)(progress|metrics?|scores?|results?|history|\w*performance|train_log|\w*_metrics)"
    r"[\w%{}.-]*\.(csv|json|jsonl|tsv|npy|npz|txt|ya?ml)$",
    re.IGNORECASE,
)
WRITE_ATTRS = frozenset(
    {"to_csv", "to_json", "dump", "write", "writerow", "writerows", "save", "savez", "savetxt"}
)
CONFIGURED_LOGGER = re.compile(
    r"^[ \t]*_target_:[ \t]*\S*loggers?\.\S*(MLFlow|Wandb|Neptune|Comet|Aim)Logger\b", re.M
)
DVC_EXP = re.compile(r"\bdvc exp (run|show|push)\b")
DVC_EXP_FILES = (".github/workflows/*.y*ml", ".gitlab-ci.yml", "Makefile", "*.sh", "README.md")


@dataclass(frozen=True)
class Records:
    """Evidence by kind: ``tensorboard`` (event or CSV files of a trainer), ``dvc`` (DVC
    metrics and params per run), ``files`` (the project's own per-run metric files),
    ``configured`` (a tracker logger offered as an option only), ``pipeline`` (a SageMaker
    pipeline's execution records: each execution with its parameters, an evaluation report
    attached to the model package as ``ModelMetrics``)."""

    tensorboard: tuple[Evidence, ...]
    dvc: tuple[Evidence, ...]
    files: tuple[Evidence, ...]
    configured: tuple[Evidence, ...]
    pipeline: tuple[Evidence, ...]

    @property
    def metrics(self) -> tuple[Evidence, ...]:
        """Records that hold a run's metrics."""
        return self.tensorboard + self.dvc + self.files


@fact
def run_records(repo: Facts) -> Records:
    return Records(
        tuple(_tensorboard(repo)),
        tuple(_dvc(repo)),
        tuple(_metric_files(repo)),
        tuple(_configured(repo)),
        tuple(_pipeline_records(repo)),
    )


SAGEMAKER_RECORDS = frozenset(
    {
        "sagemaker.workflow.pipeline.Pipeline",
        "sagemaker.workflow.pipeline_experiment_config.PipelineExperimentConfig",
        "sagemaker.model_metrics.ModelMetrics",
        "sagemaker.ModelMetrics",
    }
)


def _pipeline_records(repo: Facts) -> list[Evidence]:
    return [
        ev(path, c.line, c.name)
        for path, c in callsites.sites(repo, names=SAGEMAKER_RECORDS)
        if not traits.is_test_path(path)
    ]


def _tensorboard(repo: Facts) -> list[Evidence]:
    names = callsites.by_name(repo).keys(
        lambda name: name in TENSORBOARD or bool(LOCAL_LOGGERS.match(name))
    )
    found = [
        ev(path, c.line, c.name)
        for path, c in callsites.sites(repo, names=names)
        if not traits.is_test_path(path)
    ]
    # Hugging Face's Trainer reporting to TensorBoard only (report_to="tensorboard")
    for path, call, text in report_to(repo):
        if "tensorboard" in text.lower() and local_report_to(text):
            found.append(ev(path, call.line, f"{call.name}(report_to={text})"))
    for path, line, text in config_report_to(repo):  # the same, in a YAML training recipe
        if "tensorboard" in text.lower() and local_report_to(text):
            found.append(ev(path, line, f"report_to: {text}"))
    for path, call in callsites.sites(repo, names=LIGHTNING_TRAINERS):
        default = not call.has_kwarg("logger") or call.kwarg("logger") is True
        if default and not traits.is_test_path(path):
            found.append(ev(path, call.line, f"{call.name}(...) (its default logger)"))
    # a Catalyst runner given a logdir writes TensorBoard logs there
    for path, call in callsites.sites(repo, kwargs=["logdir"]):
        facts = repo.python(path)
        if traits.is_test_path(path) or facts is None:
            continue
        if any(i.module.split(".")[0] == "catalyst" for i in facts.imports):
            found.append(ev(path, call.line, f"{call.name}(logdir=...)"))
    return found


def _dvc(repo: Facts) -> list[Evidence]:
    stages = [s for s in automation(repo).stages if s.system == "dvc"]
    metrics = [ev(s.path, s.line, f"{s.name}: metrics") for s in stages if s.metrics]
    for path in repo.glob("dvc.yaml"):
        if any(isinstance(d, dict) and d.get("metrics") for d in repo.config(path)):
            metrics.append(ev(path, 1, "metrics"))
    params = [s for s in stages if s.params] or repo.glob("params.yaml")
    found = metrics if metrics and params else []
    for path in repo.glob(*DVC_EXP_FILES):
        match = DVC_EXP.search(repo.text(path) or "")
        if match:
            found.append(ev(path, 1, match.group(0)))
    return found


def _metric_files(repo: Facts) -> list[Evidence]:
    """String literals naming a metrics file, in code that writes files or in a module such
    code imports (a config module holding the path)."""
    from mlguard.facts.modules import ModuleIndex

    named: dict[str, tuple[int, str]] = {}
    writers: set[str] = set()
    paths = [p for p in traits.product_paths(repo) if p.endswith(".py")]
    for path in paths:
        facts = repo.python(path)
        if facts is None or traits.is_test_path(path):
            continue
        hit = next(((t, n) for t, n in facts.strings if METRIC_FILE.search(t)), None)
        if hit is not None:
            named[path] = (hit[1], hit[0])
        if any(c.attr in WRITE_ATTRS for c in facts.calls):
            writers.add(path)
    kedro = _kedro_metric_datasets(repo) + _framework_metric_files(repo)
    if not named:
        return kedro
    index = ModuleIndex.of(repo)
    read_by = {path: set(index.local_imports(path)) for path in writers}
    found = []
    for path, (line, text) in sorted(named.items()):
        if path in writers or any(path in imports for imports in read_by.values()):
            found.append(ev(path, line, text[:80]))
    return found + kedro


# metric files a framework writes for each run: Hugging Face's Trainer (save_metrics,
# all_results.json), Kubeflow's metrics artifact (/mlpipeline-metrics.json, Output[Metrics])
KFP_METRICS = re.compile(r"mlpipeline-metrics\.json|\bOutput\[(dsl\.)?Metrics\]")


def _framework_metric_files(repo: Facts) -> list[Evidence]:
    found = []
    for path, call in callsites.sites(repo, attrs=["save_metrics"]):
        if not traits.is_test_path(path) and "trainer" in call.name.lower():
            found.append(ev(path, call.line, f"{call.name}(...)"))
    for path in traits.product_paths(repo):
        if not path.endswith(".py"):
            continue
        text = repo.text(path) or ""
        match = KFP_METRICS.search(text) if "mlpipeline" in text or "Metrics]" in text else None
        if match:
            found.append(ev(path, line_at(text, match.start()), match.group(0)))
    return found


METRIC_NAME = re.compile(r"metric|score|report", re.IGNORECASE)


def _kedro_metric_datasets(repo: Facts) -> list[Evidence]:
    """Kedro catalog entries that keep each run's metrics (``versioned: true`` metric
    datasets, or kedro's own ``MetricsDataset``), the first per catalog file."""
    found: dict[str, Evidence] = {}
    for path, name, entry in kedro_catalog_entries(repo):
        kind = str(entry.get("type", ""))
        named = METRIC_NAME.search(f"{name} {entry.get('filepath', '')}")
        if (
            "MetricsDataSet" in kind
            or "MetricsDataset" in kind
            or (named and entry.get("versioned") is True)
        ):
            found.setdefault(path, ev(path, 1, f"{name}: {kind or 'versioned'}"))
    return list(found.values())


def _configured(repo: Facts) -> list[Evidence]:
    found = []
    for path in repo.glob("**/*.yaml", "**/*.yml"):
        if traits.is_test_path(path):
            continue
        text = repo.text(path) or ""
        match = CONFIGURED_LOGGER.search(text)
        if match:
            line = line_at(text, match.start())
            found.append(ev(path, line, f"_target_: {match.group(1)}Logger"))
    return found
