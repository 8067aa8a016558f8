"""TST004: model quality is asserted against a threshold or a baseline.

Pass: a baseline model (scikit-learn dummies), a model-quality scanner (giskard,
deepchecks model evaluation), a metric compared in a test or an evaluation/validation
file, a metric threshold in dvc.yaml/params.yaml/CI, or a validation gate that PIPE004
recognises (TFMA thresholds of a TFX Evaluator, SageMaker ConditionStep, kfp dsl.If,
MLflow validation thresholds). In other product code, a metric comparison counts when it
fails the run (``if score < 0.6: raise ...``). Partial: metrics are computed (a metrics
library, the project's own evaluation functions: ``evaluate``, ``estimate_loss``,
``accuracy`` ..., or a Hugging Face Trainer with an eval strategy) but nothing compares
them, or they are compared only with trivial bounds (``assert acc > 0``).
"""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.declarative import evaluate
from mlguard.checks.pipeline.gates import gate_evidence
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.model import Evidence

BASELINES = {
    "any_call": {
        "names": [
            "sklearn.dummy.DummyClassifier",
            "sklearn.dummy.DummyRegressor",
            "giskard.scan",
            "deepchecks.*model_evaluation",
            "deepchecks.*.model_evaluation",
        ]
    }
}
CONFIG_THRESHOLDS = {
    "file_contains": {
        "files": ["dvc.yaml", "params.yaml", ".github/workflows/*.y*ml"],
        "pattern": (
            r"(min_|max_)?(accuracy|f1|auc|rmse|score)_?threshold|dvc metrics diff.*--fail"
        ),
    }
}
COMPUTED = {
    "any_call": {"names": ["sklearn.metrics.*", "torchmetrics.*", "evaluate.load", "*.evaluate"]}
}
# Where a comparison of a metric is a quality check wherever it is written (tests, evaluation
# and validation code); elsewhere it must fail the run (raise, exit, assert) to count.
CHECK_FILES = (
    "tests/**/*.py",
    "test/**/*.py",
    "test_*.py",
    "*_test.py",
    "**/*eval*.py",
    "**/*valid*.py",
)
METRIC = (
    r"(accuracy|acc|f1|auc|roc_auc|precision|recall|rmse|mse|mae|r2|map|ndcg|bleu|rouge"
    r"|score|metric\w*|loss|perplexity)"
)
COMPARED = re.compile(
    rf"(assert\b|\bif\b|\braise\b|sys\.exit).*(\b|_){METRIC}(\b|_).*(>=|<=|>|<)",
    re.IGNORECASE,
)
NAMED_BAR = re.compile(
    rf"(\b|_){METRIC}(\b|_).*(>=|<=|>|<)\s*[\w.\[\]\"']*(threshold|min_|max_|minimum|maximum)",
    re.IGNORECASE,
)
FAILS_RUN = re.compile(r"\b(raise|sys\.exit|assert|exit)\b")
# ``> 0``, ``>= 0.0``, ``< 1``, ``<= 1.0``: a sanity bound, not a quality bar
TRIVIAL = re.compile(r"(>=?|<=?)\s*[01](\.0*)?\s*(?:$|[,):\]#]|and\b|or\b)")
# Hand-written evaluation: metrics are computed even without a metrics library.
EVAL_FUNCTION = re.compile(
    r"(^|_)(evaluate|evaluation|eval|accuracy|metrics?|estimate_loss|nll|bpd|perplexity)"
    r"($|_)|^(validation|test)_step$"
)


def _comparisons(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    """(metric comparisons that check quality, those against trivial bounds only)."""
    repo = ctx.repo
    checks = set(repo.glob(*CHECK_FILES))
    product = set(traits.product_paths(repo))
    real: list[Evidence] = []
    trivial: list[Evidence] = []
    for path in repo.python_files:
        if not path.endswith(".py") or not (path in checks or path in product):
            continue
        lines = repo.lines(path)
        for number, line in enumerate(lines, 1):
            code = line.split("#", 1)[0]
            # in an evaluation or validation file, a metric held to a named minimum or
            # threshold counts on the line of a multi-line ``if (...)`` too
            named_bar = path in checks and NAMED_BAR.search(code)
            if not COMPARED.search(code) and not named_bar:
                continue
            after = " ".join(lines[number - 1 : number + 2])
            if path not in checks and not FAILS_RUN.search(after):
                continue
            item = ev(path, number, line.strip()[:160])
            (trivial if TRIVIAL.search(code) or _between_runs(code) else real).append(item)
    return real, trivial


OPERATOR = re.compile(r"(>=|<=|(?<![-=])>|<)")
METRIC_WORD = re.compile(rf"(\b|_){METRIC}(\b|_)", re.IGNORECASE)
BASELINE_WORDS = re.compile(
    r"baseline|champion|incumbent|prod|previous|reference|dummy|registered|deployed|"
    r"threshold|min_|max_|minimum|maximum|target|expected|required",
    re.IGNORECASE,
)


STRING_LITERAL = re.compile(r"""[rbfRBF]{0,2}("[^"\n]*"|'[^'\n]*')""")


def _between_runs(code: str) -> bool:
    """A metric compared with the same run's or another run's metric (``loss[0] >
    loss[1]``, ``acc_1 < acc_2``, ``abs(acc_a - acc_b) < 1e-3``): a check that training
    works, not a quality bar; a baseline, champion or threshold named on either side is
    one. String literals (an assert's message, ``f"Accuracy too low: {acc}"``) are not
    compared."""
    code = STRING_LITERAL.sub('""', code)
    parts = OPERATOR.split(code, maxsplit=1)
    if len(parts) < 3 or BASELINE_WORDS.search(code):
        return False
    left, right = parts[0], parts[2]
    if re.search(r"\babs\(", left) and len(METRIC_WORD.findall(left)) >= 2:
        return True
    return bool(METRIC_WORD.search(left) and METRIC_WORD.search(right))


def _evaluation_functions(ctx: CheckContext) -> list[Evidence]:
    found = []
    for path in traits.product_paths(ctx.repo):
        facts = ctx.repo.python(path)
        for name, line in facts.functions if facts is not None else ():
            if EVAL_FUNCTION.search(name.lower()):
                found.append(ev(path, line, f"def {name}"))
    return found


EVAL_STRATEGIES = ("evaluation_strategy", "eval_strategy")


def _trainer_evaluation(ctx: CheckContext) -> list[Evidence]:
    """A Hugging Face Trainer told to evaluate during training (an eval strategy other than
    "no"): it computes the eval loss and metrics, and compares them with nothing."""
    found = []
    for path, call in callsites.sites(ctx.repo, kwargs=EVAL_STRATEGIES):
        if not call.name.endswith("TrainingArguments") or traits.is_test_path(path):
            continue
        value = next((call.kwarg(k) for k in EVAL_STRATEGIES if call.has_kwarg(k)), None)
        if not (isinstance(value, str) and value.lower() == "no"):
            found.append(ev(path, call.line, f"{call.name}(eval_strategy=...)"))
    return found


EVAL_KWARGS = ("eval_set", "evals", "valid_sets", "validation_data", "eval_dataset")
LOGGED_METRICS = ("log_metric", "log_metrics", "log")


def _held_out_metrics(ctx: CheckContext) -> list[Evidence]:
    """Metrics computed without a metrics library: ``model.score(X_test, y_test)``,
    evaluation on held-out data during training (``fit(..., eval_set=...)``,
    ``xgb.train(..., evals=...)``, Keras ``validation_data``), and metrics logged to a
    tracker (``mlflow.log_metric``, Azure ML ``run.log("accuracy", acc)``)."""
    found = []
    attrs = ["score", *LOGGED_METRICS]
    for path, call in callsites.sites(ctx.repo, attrs=attrs, kwargs=EVAL_KWARGS):
        if traits.is_test_path(path) or call.name.startswith(("self.", "super()")):
            continue
        if call.attr == "score" and len(call.args) >= 2:
            found.append(ev(path, call.line, f"{call.name}(...) (a held-out score)"))
        elif any(call.has_kwarg(k) for k in EVAL_KWARGS) and call.attr != "score":
            found.append(ev(path, call.line, f"{call.name}(...) (evaluated on held-out data)"))
        elif call.attr in ("log_metric", "log_metrics") or _logs_metric(call):
            found.append(ev(path, call.line, f"{call.name}(...) (a metric logged)"))
    return found


def _logs_metric(call: Call) -> bool:
    """``run.log("Test accuracy", acc)``: a metric named as one, logged to the run."""
    if call.attr != "log" or not call.name.startswith(("run.", "self.run.")) or not call.args:
        return False
    name = call.args[0]
    return isinstance(name, str) and bool(METRIC_WORD.search(name))


@register
def asserted(ctx: CheckContext) -> Outcome:
    _, baselines = evaluate(BASELINES, ctx)
    _, configured = evaluate(CONFIG_THRESHOLDS, ctx)
    compared, trivial = _comparisons(ctx)
    gates = gate_evidence(ctx)
    if baselines or configured or compared or gates:
        return Outcome.passed(baselines + configured + compared + gates)
    if trivial:
        return Outcome.partial(
            "Metrics are checked only against trivial bounds (> 0, <= 1) or against each "
            "other (the loss decreased, two runs agree): a check that training works, not a "
            "quality bar or a baseline.",
            trivial[:3],
        )
    _, metrics = evaluate(COMPUTED, ctx)
    metrics += _evaluation_functions(ctx) + _trainer_evaluation(ctx) + _held_out_metrics(ctx)
    if metrics:
        return Outcome.partial(
            "Model metrics are computed, but no test, evaluation step or pipeline compares "
            "them with a threshold or a baseline model.",
            metrics[:3],
        )
    return Outcome.failed(
        "Nothing asserts model quality: no metric threshold in tests or evaluation code, no "
        "baseline model, no pipeline validation gate."
    )
