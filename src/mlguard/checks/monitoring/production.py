"""Monitoring checks: drift detection, its schedule, and prediction logging."""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call, PyFacts
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.declarative import calls_named
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation, is_automated, started_by_event
from mlguard.facts.ci import workflow_files
from mlguard.facts.ci_commands import GITLAB_FILES
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.ml import path_words
from mlguard.facts.modules import ModuleIndex
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

DRIFT_LIBS = (
    "nannyml",
    "alibi_detect.cd",
    "frouros",
    "whylogs",
    "arize",
    "fiddler",
    "whylabs_client",
    "deepchecks.tabular.checks.train_test_validation",
    "azureml.datadrift",
)  # not azureml.monitoring: its ModelDataCollector only collects inputs/outputs (MON003)
DRIFT_CALLS = (
    "evidently.*Drift*",
    "deepchecks.*Drift*",
    "alibi_detect.*",
    "nannyml.*",
    "*.DefaultModelMonitor",
    "*.ModelQualityMonitor",
    "*.ModelBiasMonitor",
    "*.ModelDeploymentMonitoringJob*",
    "*.create_monitor",
    "*.MonitorSchedule",
    "*.MonitorDefinition",
    "*.DataDriftDetector*",
    "google.cloud.aiplatform.model_monitoring.*",
    "aws_cdk.aws_sagemaker.CfnMonitoringSchedule",
    "aws_cdk.aws_sagemaker.CfnDataQualityJobDefinition",
    "aws_cdk.aws_sagemaker.CfnModelQualityJobDefinition",
)
# orchestrators' steps that run a drift library (the drift sections are given as strings:
# ``evidently_profile_step(params=EvidentlyProfileParameters(profile_sections=["datadrift"]))``)
INTEGRATION_STEPS = ("zenml.integrations.evidently.*", "zenml.integrations.whylogs.*")
DRIFT_WORD = re.compile(r"drift", re.IGNORECASE)
MONITOR_TEMPLATES = re.compile(r"AWS::SageMaker::MonitoringSchedule\b")
# batch prediction that checks skew/drift against the training data (Vertex AI)
MONITORED_BATCH = ("model_monitoring_objective_config", "model_monitoring_alert_config")
# the objective of a managed model-monitoring job or of a monitored batch prediction, as the
# API's fields (Vertex AI REST/JSON and client classes), however the job is submitted
MONITORING_OBJECTIVE = re.compile(
    r"[\"'](?:trainingPredictionSkewDetectionConfig|predictionDriftDetectionConfig)[\"'][ \t]*:|"
    r"\b(?:TrainingPredictionSkewDetectionConfig|PredictionDriftDetectionConfig|"
    r"SkewDetectionConfig|DriftDetectionConfig|ModelMonitoringObjectiveConfig)[ \t]*\(|"
    r"\bmodel_monitoring_objective_config[ \t]*="
)
OBJECTIVE_LITERALS = ("DetectionConfig", "ObjectiveConfig", "objective_config")
MANAGED_MONITOR = re.compile(
    r"ModelDeploymentMonitoringJob|MonitoringSchedule|MonitorSchedule|MonitorDefinition|"
    r"DefaultModelMonitor|ModelQualityMonitor|ModelBiasMonitor|DataDriftDetector|create_monitor"
)
MANAGED_SCHEDULE = (
    "*.ModelDeploymentMonitoringScheduleConfig",
    "*.create_model_deployment_monitoring_job",
    "*.create_monitoring_schedule",
    "*.MonitorSchedule",
    "*.ModelDeploymentMonitoringJob.create",
    "*.CronTrigger",
    "*.RecurrenceTrigger",
    "*.enable_schedule",
    "*.DataDriftDetector.create_from_datasets",
    "aws_cdk.aws_sagemaker.CfnMonitoringSchedule",
)


def drift_evidence(repo: Facts) -> list[Evidence]:
    """Where drift is computed (non-test Python code and notebooks), computed once."""
    return list(_drift_evidence(repo))


@fact
def _drift_evidence(repo: Facts) -> tuple[Evidence, ...]:
    found: dict[str, Evidence] = {}
    for path, call in calls_named(CheckContext(repo), list(DRIFT_CALLS)):
        found.setdefault(path, ev(path, call.line, call.name))
    for path, call in calls_named(CheckContext(repo), list(INTEGRATION_STEPS)):
        if path not in found and DRIFT_WORD.search(repo.text(path) or ""):
            found[path] = ev(path, call.line, call.name)  # a ZenML Evidently drift step
    for path, call in callsites.sites(repo, kwargs=MONITORED_BATCH):
        if call.attr == "batch_predict":
            found.setdefault(path, ev(path, call.line, f"{call.name}(model_monitoring_...)"))
    for path in _monitor_templates(repo):
        found.setdefault(path, ev(path, 1, "AWS::SageMaker::MonitoringSchedule"))
    for path in repo.python_files:
        if path in found or path.endswith(".ipynb"):
            continue
        text = repo.text(path) or ""
        if not any(literal in text for literal in OBJECTIVE_LITERALS):
            continue  # every form of the objective holds one of these
        match = MONITORING_OBJECTIVE.search(text)
        if match:
            line = line_at(text, match.start())
            found[path] = ev(path, line, match.group(0))
    for path, facts in repo.iter_python():
        for imp in facts.imports:
            if path not in found and any(_is_module(imp.module, m) for m in DRIFT_LIBS):
                found[path] = ev(path, imp.line, imp.module)
        if path not in found:
            hand = _hand_written_drift(path, facts)
            if hand is not None:
                found[path] = hand
    return tuple(sorted((e for p, e in found.items() if not traits.is_test_path(p)), key=_key))


# drift computed by the project itself: a population stability index, or a statistical
# distance between reference and current data in a module about drift or monitoring (not
# ``drift`` alone, the drift term of an SDE in diffusion-model code)
DRIFT_FUNCTION = re.compile(
    r"^(population_stability_index|\w*_psi|psi(_\w+)?|"
    r"(calculate|compute|detect|check|measure|get|run)_\w*drift\w*|"
    r"\w*(data|feature|prediction|concept|covariate|target|label|input)_drift\w*|"
    r"drift_(score|report|severity|detect\w*|check\w*|test|metric\w*|stat\w*))$",
    re.IGNORECASE,
)
DISTANCE_CALLS = frozenset(
    {
        "scipy.stats.ks_2samp",
        "scipy.stats.wasserstein_distance",
        "scipy.spatial.distance.jensenshannon",
        "scipy.stats.chi2_contingency",
        "scipy.stats.entropy",
    }
)
DRIFT_PATH = re.compile(r"drift|monitor", re.IGNORECASE)


def _hand_written_drift(path: str, facts: PyFacts) -> Evidence | None:
    """A drift measure the project computes itself (``def population_stability_index``, a
    ``ks_2samp`` in ``monitoring/drift.py``)."""
    for name, line in facts.functions:
        if DRIFT_FUNCTION.match(name):
            return ev(path, line, f"def {name}")
    if DRIFT_PATH.search(path):
        for call in facts.calls:
            if call.name in DISTANCE_CALLS:
                return ev(path, call.line, call.name)
    return None


def _monitor_templates(repo: Facts) -> list[str]:
    """CloudFormation/SAM templates that declare a SageMaker monitoring schedule."""
    return [
        path
        for path in repo.glob("*.yaml", "*.yml", "*.template", "*template*.json")
        if MONITOR_TEMPLATES.search(_t(repo, path))
    ]


def _is_module(module: str, wanted: str) -> bool:
    return module == wanted or module.startswith(wanted + ".")


def _key(item: Evidence) -> tuple[str, int]:
    return (item.location.path, item.location.line)


def _managed(item: Evidence) -> bool:
    """A managed monitor (a cloud monitoring job or schedule): once created, from a
    notebook too, it watches production on its own."""
    return bool(MANAGED_MONITOR.search(item.text))


@register
def drift(ctx: CheckContext) -> Outcome:
    """Drift computed in code that can run in production (pass); only in notebooks (partial)."""
    found = drift_evidence(ctx.repo)
    code = [e for e in found if not e.location.path.endswith(".ipynb") or _managed(e)]
    if code:
        return Outcome.passed(code)
    if found:
        return Outcome.partial(
            "Drift is only analysed in notebooks, not in code that runs against production.",
            found[:1],
        )
    performance = performance_monitoring(ctx.repo)
    if performance:
        return Outcome.partial(
            "Model performance is monitored (metrics of past predictions against the outcomes "
            "that arrived since), but nothing detects data or prediction drift.",
            performance[:1],
        )
    return Outcome.failed("No data or prediction drift detection in the code.")


MONITOR_PATH = re.compile(r"(^|/)monitor\w*(/|\.py$)", re.IGNORECASE)
METRIC_CALLS = ("sklearn.metrics.*", "sktime.performance_metrics.*", "torchmetrics.*")


def performance_monitoring(repo: Facts) -> list[Evidence]:
    """Monitoring code (a module or folder named ``monitor*``; not training code, a test or
    a notebook) that computes model metrics: performance measured on production
    predictions."""
    found: dict[str, Evidence] = {}
    training = set(traits.training_files(repo))
    for path, call in calls_named(CheckContext(repo), list(METRIC_CALLS)):
        if path in training or traits.is_test_path(path):
            continue
        if path.endswith(".py") and MONITOR_PATH.search(path):
            found.setdefault(path, ev(path, call.line, call.name))
    return list(found.values())


@register
def scheduled(ctx: CheckContext) -> Outcome:
    """Drift (or, without it, performance) monitoring runs on a schedule (CI cron, CronJob,
    Airflow, managed monitor schedule)."""
    repo = ctx.repo
    found = drift_evidence(repo) or performance_monitoring(repo)
    if not found:
        return Outcome.failed("No drift monitoring code to schedule (see MON001).")
    words = sorted({w for e in found for w in path_words(e.location.path)})
    hits = _managed_schedule(repo) + _schedulers_naming(repo, words)
    hits += [e for e in found if _run_on_a_clock(repo, e)]
    hits += _in_process_schedules(repo, found)
    if hits:
        return Outcome.passed(hits)
    automated = [e for e in found if started_by_event(repo, e)]
    if automated:
        return Outcome.partial(
            "Drift monitoring runs automatically, but on code changes, not on a clock: it "
            "does not watch fresh production data.",
            automated[:1],
        )
    return Outcome.failed(
        "Drift monitoring code exists, but nothing runs it by itself (no schedule, no "
        "clock in the service): it finds drift only when someone remembers to run it.",
        found[:1],
    )


# a clock inside the running service: APScheduler jobs, the schedule library, FastAPI's
# repeat_every, a periodic task class of the project (PeriodicScheduler, RepeatedTimer)
IN_PROCESS_CLOCKS = re.compile(
    r"^(apscheduler\.\S+|\S+\.add_job|schedule\.every|\S*repeat_every|"
    r"\S*(Periodic|Repeat\w*Timer|Scheduler)\w*)$"
)


def _in_process_schedules(repo: Facts, found: list[Evidence]) -> list[Evidence]:
    """Product code that runs the drift code on an in-process clock: a file that both sets
    up a periodic job and imports a module where drift is computed (or one importing it)."""
    index = ModuleIndex.of(repo)
    drift_files = {e.location.path for e in found if e.location.path.endswith(".py")}
    hits = []
    for path, facts in repo.iter_python():
        if traits.is_test_path(path) or path.endswith(".ipynb"):
            continue
        clock = next((c for c in facts.calls if IN_PROCESS_CLOCKS.match(c.name)), None)
        clock = clock or _sleep_loop(repo, path, facts)
        if clock is None:
            continue
        reached = {path, *index.imported_within([path], 2)}
        if reached & drift_files:
            hits.append(ev(path, clock.line, f"{clock.name}(...) runs the drift code in process"))
    return hits


SLEEPS = frozenset({"time.sleep", "asyncio.sleep"})
FOREVER = re.compile(r"^[ \t]*while[ \t]+(True|1)[ \t]*:", re.MULTILINE)


def _sleep_loop(repo: Facts, path: str, facts: PyFacts) -> Call | None:
    """A service loop: ``while True:`` ... ``time.sleep(interval)`` (a clock of its own)."""
    sleep = next((c for c in facts.calls if c.name in SLEEPS), None)
    if sleep is None or not FOREVER.search(repo.text(path) or ""):
        return None
    return sleep


def _run_on_a_clock(repo: Facts, item: Evidence) -> bool:
    """The drift code is run by something scheduled: a cron workflow, a pipeline that a
    scheduler (Terraform, Cloud Scheduler, EventBridge, Airflow ...) starts, or a module
    such a pipeline imports."""
    reach = is_automated(repo, item)
    return reach is not None and reach.scheduled


def _managed_schedule(repo: Facts) -> list[Evidence]:
    found = [
        ev(path, call.line, call.name)
        for path, call in calls_named(CheckContext(repo), list(MANAGED_SCHEDULE))
        if not traits.is_test_path(path) and _schedules(call)
    ]
    return found + [
        ev(p, 1, "AWS::SageMaker::MonitoringSchedule") for p in _monitor_templates(repo)
    ]


def _schedules(call: Call) -> bool:
    """Azure ML's ``create_from_datasets`` schedules the detector only with a frequency."""
    if call.attr == "create_from_datasets":
        return call.kwarg("frequency") is not None
    return True


def _scheduler_files(repo: Facts) -> list[str]:
    files = []
    for path in [*workflow_files(repo), *repo.glob(*GITLAB_FILES)]:
        if re.search(
            r"^[ \t]*(schedule:|- schedules?\b|(?>.*?CI_PIPELINE_SOURCE).*schedule)",
            _t(repo, path),
            re.M,
        ):
            files.append(path)
    for path in repo.glob("*.yaml", "*.yml"):
        if re.search(r"^kind:\s*(CronJob|CronWorkflow)\b", _t(repo, path), re.MULTILINE):
            files.append(path)
    files += repo.glob("crontab", "*.cron", "**/cron.d/*")
    files += [s.path for s in automation(repo).schedules]  # Terraform, bundles, pipelines
    for path, facts in repo.iter_python():
        if any(i.module.split(".")[0] in ("airflow", "prefect", "dagster") for i in facts.imports):
            files.append(path)
    return sorted(set(files))


def _schedulers_naming(repo: Facts, words: list[str]) -> list[Evidence]:
    found = []
    for path in _scheduler_files(repo):
        for number, line in enumerate(repo.lines(path), 1):
            if any(re.search(rf"(^|[\s/.:'\"=]){re.escape(w)}($|[\s./:'\"])", line) for w in words):
                found.append(ev(path, number, line.strip()[:200]))
                break
    return found


def _t(repo: Facts, path: str) -> str:
    return repo.text(path) or ""
