"""Pipeline checks about what a run leaves behind: an evaluation gate, recorded lineage."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlguard.analyzers.python_ast import Call
from mlguard.checks.base import CheckContext, Outcome, ev, imports_of
from mlguard.checks.pipeline.automation import EVAL_WORDS, FIT_WORDS
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation, is_automated
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Stage
from mlguard.facts.sources import yaml_docs
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

GATE_CALLS = frozenset(
    {
        "mlflow.validate_evaluation_results",
        "mlflow.models.MetricThreshold",
        "mlflow.models.evaluation.MetricThreshold",
        "sagemaker.workflow.condition_step.ConditionStep",
        "kfp.dsl.Condition",
        "kfp.dsl.If",
        "kfp.dsl.Elif",
        "kfp.v2.dsl.Condition",
        "kfp.v2.dsl.If",
        "tfx.components.Evaluator",
    }
)
# Azure ML SDK v1: an evaluation step cancels the pipeline run when the new model is worse
CANCEL_RUN = re.compile(r"(^|\.)(run|parent)\.cancel$", re.IGNORECASE)
GATE_SHORT = frozenset(
    {"MetricThreshold", "ConditionStep", "GenericValueThreshold", "GenericChangeThreshold"}
)
# champion/challenger comparisons defined in the project (compare with the current model)
GATE_FUNCTIONS = re.compile(
    r"^(compare_(models?|metrics|with_champion|to_production)|\w*promot\w*|\w*champion\w*|"
    r"\w*challenger\w*|\w*(quality|model|release)_gate\w*|"
    # a step deciding whether the model is deployed (ZenML's ``deployment_trigger``)
    r"deploy(ment)?_(trigger|decision)\w*|should_(deploy|promote|register)\w*|"
    # validating the model, not the data it is given or returns
    r"validate_model(?!_(inputs?|outputs?|predictions?|schema|data|config|params))\w*)$",
    re.IGNORECASE,
)
THRESHOLD_EXIT = re.compile(
    # linear: [ \t]* (not \s*) at line starts, the earliest comparison taken atomically
    # blank, comment and logging lines may come between the comparison and the exit
    r"^[ \t]*if\b(?>.*?[<>])=?.*:[ \t]*\n(?:[ \t]*(?:#.*|(?:logging|logger|log|print)\b.*)?\n)*"
    r"[ \t]*(raise\b|sys\.exit\(|exit\()",
    re.MULTILINE,
)
ASSERT_METRIC = re.compile(
    r"^[ \t]*assert\b(?>.*?(acc|auc|f1|score|loss|rmse|mae|precision|recall))"
    r".*[<>]=?",
    re.MULTILINE | re.IGNORECASE,
)


# a bar the metric is held to, not another candidate's score
BAR_WORDS = re.compile(
    r"threshold|min_|max_|minimum|maximum|baseline|champion|production|prod_|current_|"
    r"incumbent|expected|required",
    re.IGNORECASE,
)
NUMERIC_BAR = re.compile(r"[<>]=?[ \t]*\d")  # ``if auc >= 0.8:``
GUARD_WINDOW = 25  # lines above a registration where the comparison guarding it is looked for


def _guarded_registrations(ctx: CheckContext, path: str, calls: Iterable[Call]) -> list[Evidence]:
    """A registration guarded by a metric held to a bar (``if self.test_accuracy >=
    self.accuracy_threshold:`` then ``log_model(..., registered_model_name=...)``): a model
    below the bar is never registered."""
    found = []
    registrations = [
        c
        for c in calls
        if c.attr in REGISTRATIONS_AND_PROMOTIONS
        or (c.attr == "log_model" and c.has_kwarg("registered_model_name"))
    ]
    lines = ctx.repo.lines(path) if registrations else []
    for call in registrations:
        for text in reversed(lines[max(0, call.line - GUARD_WINDOW) : call.line - 1]):
            match = COMPARISON.match(text)
            held = BAR_WORDS.search(text) or NUMERIC_BAR.search(text)
            if match and GATED_METRIC.search(text) and held:
                found.append(ev(path, call.line, f"{call.attr}(...) only {text.strip()[:80]}"))
                break
    return found


def _gates(ctx: CheckContext) -> list[Evidence]:
    found = []
    names = callsites.by_name(ctx.repo).keys(
        lambda name: name in GATE_CALLS or name.rsplit(".", 1)[-1] in GATE_SHORT
    )
    attrs = ["evaluate", "cancel", "log_model", *REGISTRATIONS_AND_PROMOTIONS]
    calls = callsites.by_file(callsites.sites(ctx.repo, names=names, attrs=attrs))
    training = set(traits.training_files(ctx.repo))
    for path, facts in ctx.repo.iter_python():
        if traits.is_test_path(path):
            continue
        for call in calls.get(path, ()):
            short = call.name.rsplit(".", 1)[-1]
            if (
                call.name in GATE_CALLS
                or short in GATE_SHORT
                or (call.attr == "evaluate" and call.has_kwarg("validation_thresholds"))
                or (CANCEL_RUN.search(call.name) and _compares(ctx, path))
            ):
                found.append(ev(path, call.line, call.name))
        found += [
            ev(path, line, f"def {n}") for n, line in facts.functions if GATE_FUNCTIONS.match(n)
        ]
        found += _guarded_registrations(ctx, path, calls.get(path, ()))
        text = ctx.repo.text(path) or ""
        # evaluation files, and training code that refuses a model below a bar
        # (``if best_score < 0.6: raise Exception("No best model found")``)
        if EVAL_WORDS.search(path.rsplit("/", 1)[-1]) or path in training:
            for match in (_metric_exit(text), ASSERT_METRIC.search(text)):
                if match:
                    line = line_at(text, match.start())
                    found.append(ev(path, line, match.group(0).strip()[:120]))
    return found


GATED_METRIC = re.compile(
    r"(\b|_)(acc\w*|auc|f1|score|loss|rmse|mse|mae|r2|precision|recall|metric\w*|map|ndcg)"
    r"(\b|_)",
    re.IGNORECASE,
)


def _metric_exit(text: str) -> re.Match[str] | None:
    """The first ``if <metric> < ...: raise/exit``: a bound on a model metric, not a check of
    the inputs or predictions (``if (predictions < 0).any(): raise``)."""
    for match in THRESHOLD_EXIT.finditer(text):
        if GATED_METRIC.search(match.group(0).split("\n", 1)[0]):
            return match
    return None


COMPARISON = re.compile(r"^[ \t]*(el)?if\b(?>.*?[<>])", re.MULTILINE)


def _compares(ctx: CheckContext, path: str) -> bool:
    """An evaluation file (by name) of Azure ML code that compares a metric."""
    facts = ctx.repo.python(path)
    if facts is None or not EVAL_WORDS.search(path.rsplit("/", 1)[-1]):
        return False
    if not any(i.module.split(".")[0] == "azureml" for i in facts.imports):
        return False
    return COMPARISON.search(ctx.repo.text(path) or "") is not None


PLATFORM_STEPS = frozenset({"azureml", "sagemaker", "vertex", "kubeflow", "tfx"})


def _run_by_eval_step(ctx: CheckContext, gates: list[Evidence]) -> list[Evidence]:
    """Gates in evaluation files when a cloud pipeline declares an evaluation step whose
    script is set at run time (``script_name=env.evaluate_script``): that step runs them."""
    steps = [
        s
        for s in automation(ctx.repo).stages
        if s.system in PLATFORM_STEPS and not s.command and EVAL_WORDS.search(s.name)
    ]
    if not steps:
        return []
    step = steps[0]
    return [
        ev(
            g.location.path,
            g.location.line,
            g.text,
            f"Run by pipeline step '{step.name.strip()}' ({step.path}:{step.line}), whose "
            "script is set at run time",
        )
        for g in gates
        if EVAL_WORDS.search(g.location.path.rsplit("/", 1)[-1])
    ]


def gate_evidence(ctx: CheckContext) -> list[Evidence]:
    """The quality gates of the repository (computed once per scan; TST004 asks too)."""
    return list(_gate_list(ctx.repo))


@fact
def _gate_list(repo: Facts) -> tuple[Evidence, ...]:
    return tuple(_gates(CheckContext(repo)))


@register
def validation_gate(ctx: CheckContext) -> Outcome:
    """PIPE004: a step compares the new model with thresholds (or the current model) and stops."""
    gates = gate_evidence(ctx)
    automated = [g for g in gates if is_automated(ctx.repo, g) is not None]
    automated += _run_by_eval_step(ctx, [g for g in gates if g not in automated])
    if automated:
        return Outcome.passed(automated)
    stages = automation(ctx.repo).stages
    trained_in = {s.path for s in stages if FIT_WORDS.search(s.name)}
    evals = [
        s
        for s in stages
        if EVAL_WORDS.search(s.name) and (s.deps or s.metrics or _flow_step(s, trained_in))
    ]
    if gates:
        return Outcome.partial(
            "A model quality gate exists but no CI job or pipeline step runs it.", gates
        )
    if evals:
        return Outcome.partial(
            "The pipeline evaluates the model but nothing stops a worse model: add a threshold "
            "check that fails the step.",
            [ev(s.path, s.line, s.name) for s in evals],
        )
    evaluated = _automated_evaluation(ctx)
    if evaluated:
        return Outcome.partial(
            "Automated training computes evaluation metrics but nothing stops a worse "
            "model: add a threshold check that fails the run.",
            evaluated[:3],
        )
    selected = _metric_selection(ctx) + _best_tracked_runs(ctx) + _sweep_objectives(ctx)
    if selected:
        return Outcome.partial(
            "The model to register or promote is chosen by comparing metrics (the best of "
            "the candidates), but no threshold or comparison with the production model can "
            "stop a worse one.",
            selected[:3],
        )
    return Outcome.failed("No evaluation gate before a model is registered or deployed.")


REGISTRATIONS_AND_PROMOTIONS = (
    "transition_model_version_stage",
    "set_registered_model_alias",
    "register_model",
    "create_model_version",
)
SELECTION_WINDOW = 60  # lines before a promotion where the choosing comparison is looked for


def _metric_selection(ctx: CheckContext) -> list[Evidence]:
    """A promotion or registration preceded (within its window) by an ``if`` comparing
    metrics: ``if rmse_rf < rmse_xgb: best = ...`` then ``transition_model_version_stage``."""
    found = []
    for path, call in callsites.sites(ctx.repo, attrs=REGISTRATIONS_AND_PROMOTIONS):
        if traits.is_test_path(path):
            continue
        lines = ctx.repo.lines(path)[max(0, call.line - SELECTION_WINDOW) : call.line]
        for line in lines:
            match = COMPARISON.match(line)
            if match and GATED_METRIC.search(line):
                found.append(ev(path, call.line, f"{call.attr}(...) after {line.strip()[:80]}"))
                break
    return found


BEST_RUN = re.compile(
    r"order_by\s*=\s*\[?\s*[\"']metrics\.|\.idx(min|max)\(|\.nsmallest\(|\.nlargest\("
)


def _best_tracked_runs(ctx: CheckContext) -> list[Evidence]:
    """The best of the tracked runs taken by a metric (``mlflow.search_runs(order_by=
    ["metrics.rmse ASC"])``, or the runs' table sorted by ``metrics.<name>``): the model
    used is the best candidate, held to no bar."""
    found = []
    for path, call in callsites.sites(ctx.repo, attrs=["search_runs"]):
        if traits.is_test_path(path):
            continue
        text = ctx.repo.text(path) or ""
        if "metrics." in text and BEST_RUN.search(text):
            found.append(ev(path, call.line, f"{call.name}(...) best run by a metric"))
    return found


# metric functions: an evaluation computed in the training code itself
METRIC_CALLS = re.compile(
    r"^(sklearn\.metrics\.\w+|torchmetrics\.\w+|evaluate\.load|"
    r"mlflow\.evaluate|mlflow\.models\.evaluate|"
    r"[\w.]*\.(metrics|performance_metrics)\.[\w.]+)$"  # any library's metrics module
)


def _automated_evaluation(ctx: CheckContext) -> list[Evidence]:
    """Metric computations (``sklearn.metrics.r2_score(...)``, ``mlflow.evaluate``) in training
    code that a pipeline, CI or a scheduler runs: the run evaluates, without a threshold."""
    found: list[Evidence] = []
    for path in [*traits.training_files(ctx.repo), *_evaluation_modules(ctx)]:
        facts = ctx.repo.python(path)
        if facts is None or traits.is_test_path(path) or is_automated(ctx.repo, path) is None:
            continue
        call = next((c for c in facts.calls if METRIC_CALLS.match(c.name) or _evaluates(c)), None)
        if call is not None:
            found.append(ev(path, call.line, call.name))
    return found


EVALUATION_MODULE = re.compile(r"evaluat|validat", re.IGNORECASE)


def _evaluation_modules(ctx: CheckContext) -> list[str]:
    """Product modules named for evaluation (``evaluator.py``, ``validate_model.py``) that
    import an ML library: the evaluation step of a pipeline that imports or runs them."""
    training = set(traits.training_files(ctx.repo))
    found = []
    for path in traits.product_paths(ctx.repo):
        name = path.rsplit("/", 1)[-1]
        if path in training or not path.endswith(".py") or not EVALUATION_MODULE.search(name):
            continue
        facts = ctx.repo.python(path)
        if facts is not None and traits.ml_imports(facts):
            found.append(path)
    return found


def _evaluates(call: Call) -> bool:
    """A model evaluated on held-out data by its framework: Keras ``model.evaluate(x, y)``,
    Hugging Face ``trainer.evaluate()``, Lightning ``trainer.validate()``/``trainer.test()``,
    scikit-learn ``model.score(X_test, y_test)``."""
    if call.name.startswith(("self.", "cls.", "super().")):
        return False
    if call.attr == "evaluate":
        return True
    if call.attr in ("validate", "test"):
        return "trainer" in call.name.rsplit(".", 1)[0].lower()
    return call.attr == "score" and len(call.args) >= 2


SWEEP_OBJECTIVE = re.compile(r"^[ \t]*primary_metric:[ \t]*\S", re.MULTILINE)
TUNER_CALLS = frozenset({"HyperparameterTuner", "HyperparameterTuningJob", "sweep"})


def _sweep_objectives(ctx: CheckContext) -> list[Evidence]:
    """A hyperparameter sweep or tuning job that keeps the best trial by a metric (Azure ML
    ``type: sweep`` with ``objective.primary_metric``, SageMaker ``HyperparameterTuner
    (objective_metric_name=...)``, Vertex ``HyperparameterTuningJob(metric_spec=...)``, Azure
    ``command(...).sweep(primary_metric=...)``): the model kept is the best candidate, held
    to no bar, whoever starts the sweep."""
    found: list[Evidence] = []
    piped = {s.path for s in automation(ctx.repo).stages if s.system == "azureml"}
    for path in sorted(piped):
        text = ctx.repo.text(path) or ""
        match = SWEEP_OBJECTIVE.search(text) if "type: sweep" in text else None
        if match:
            found.append(ev(path, line_at(text, match.start()), match.group(0).strip()))
    for path, call in callsites.sites(ctx.repo, attrs=[*TUNER_CALLS, *BEST_TRIAL_ATTRS]):
        if traits.is_test_path(path):
            continue
        keyed = ("objective_metric_name", "metric_spec", "primary_metric", "primary_metric_name")
        if any(call.has_kwarg(k) for k in keyed) or (
            _best_trial(call) and _keeps_the_model(ctx, path, call)
        ):
            found.append(ev(path, call.line, f"{call.attr}(...)"))
    return found


# a local tuner's best trial decides the model that is shipped only where the model is
# kept for use: logged or registered with the tracker, or tuned by automation
MODEL_KEEPERS = frozenset({"log_model", "register_model", "push_to_hub", "save_model"})
CLOUD_SWEEPS = frozenset({"HyperDriveConfig", "get_best_run_by_primary_metric"})


def _keeps_the_model(ctx: CheckContext, path: str, call: Call) -> bool:
    """A cloud sweep's best run is the platform's model; a local tuner (Optuna, Hyperopt,
    Ray Tune, Keras Tuner, W&B) picks the shipped model where its file logs, registers or
    pushes the model, or automation runs it (a Kaggle notebook's tuning picks nothing)."""
    if call.attr in CLOUD_SWEEPS:
        return True
    facts = ctx.repo.python(path)
    keeps = facts is not None and any(c.attr in MODEL_KEEPERS for c in facts.calls)
    return keeps or is_automated(ctx.repo, path) is not None


# tuners that keep the best trial by their objective: Azure ML HyperDrive, Optuna, Hyperopt,
# Ray Tune, Keras Tuner, W&B sweeps
BEST_TRIAL_ATTRS = frozenset(
    {
        "HyperDriveConfig",
        "get_best_run_by_primary_metric",
        "create_study",
        "fmin",
        "get_best_result",
        "get_best_models",
        "get_best_hyperparameters",
    }
)
BEST_TRIAL_MODULES = {"create_study": "optuna.", "fmin": "hyperopt.", "sweep": "wandb."}


def _best_trial(call: Call) -> bool:
    """A tuner call that keeps the best trial by a metric; calls with generic names only
    from their library (``optuna.create_study``, ``hyperopt.fmin``, ``wandb.sweep``)."""
    module = BEST_TRIAL_MODULES.get(call.attr)
    if module is not None:
        return call.name.startswith(module)
    return call.attr in BEST_TRIAL_ATTRS and call.attr != "HyperDriveConfig"


def _flow_step(stage: Stage, trained_in: set[str]) -> bool:
    """An evaluation step of a Python flow (Metaflow, Airflow, ZenML ...) that also trains:
    its steps declare no files, the step itself is the evaluation."""
    return stage.module == stage.path and stage.path in trained_in


LINEAGE_CALLS = frozenset({"mlflow.log_input", "mlflow.data.from_pandas", "mlflow.data.from_numpy"})
LINEAGE_IMPORTS = ("openlineage", "ml_metadata", "marquez", "datahub", "openlineage_airflow")


@register
def lineage_recorded(ctx: CheckContext) -> Outcome:
    """PIPE005: dvc.lock covers every stage, or runs log their inputs (MLflow, W&B, OpenLineage)."""
    repo = ctx.repo
    found = []
    calls = callsites.by_file(callsites.sites(repo, names=LINEAGE_CALLS, attrs=["use_artifact"]))
    for path, facts in repo.iter_python():
        found += [ev(path, c.line, c.name) for c in calls.get(path, ())]
        found += imports_of(path, facts, LINEAGE_IMPORTS)
    if found:
        return Outcome.passed(found)
    dvc = [s for s in automation(repo).stages if s.system == "dvc"]
    if not dvc:
        return Outcome.failed("No pipeline metadata: neither dvc.lock nor logged run inputs.")
    locked: set[str] = set()
    for lock in repo.glob("dvc.lock"):
        for doc in yaml_docs(repo, lock):
            stages = doc.data.get("stages") if isinstance(doc.data, dict) else None
            if isinstance(stages, dict):
                locked.update(str(k).split("@", 1)[0] for k in stages)
    missing = sorted({s.name for s in dvc} - locked)
    if not locked:
        return Outcome.failed(
            "dvc.yaml declares stages but dvc.lock is not committed.",
            [ev(dvc[0].path, dvc[0].line, dvc[0].name)],
        )
    if missing:
        return Outcome.partial(
            f"dvc.lock does not record stage(s) {', '.join(missing)}: run `dvc repro` and "
            "commit dvc.lock.",
            [ev("dvc.lock")],
        )
    return Outcome.passed([ev(p) for p in repo.glob("dvc.lock")])
