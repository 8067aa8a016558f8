"""TST004: model quality is asserted against a threshold or a baseline.

Pass: a baseline model (scikit-learn dummies), a model-quality scanner (giskard,
deepchecks model evaluation), a metric compared in a test or an evaluation/validation
file, a metric threshold in dvc.yaml/params.yaml/CI, or a validation gate that PIPE004
recognises (TFMA thresholds of a TFX Evaluator, SageMaker ConditionStep, kfp dsl.If,
MLflow validation thresholds). Partial: metrics are computed but nothing compares them.
"""

from __future__ import annotations

from mlguard.checks.base import CheckContext, Outcome
from mlguard.checks.declarative import evaluate
from mlguard.checks.pipeline.gates import gate_evidence
from mlguard.checks.registry import register

ASSERTED = {
    "any": [
        {
            "any_call": {
                "names": [
                    "sklearn.dummy.DummyClassifier",
                    "sklearn.dummy.DummyRegressor",
                    "giskard.scan",
                    "deepchecks.*model_evaluation",
                    "deepchecks.*.model_evaluation",
                ]
            }
        },
        {
            "file_contains": {
                "files": [
                    "tests/**/*.py",
                    "test/**/*.py",
                    "test_*.py",
                    "*_test.py",
                    "**/*eval*.py",
                    "**/*valid*.py",
                ],
                "pattern": (
                    r"(assert\b|if\b|raise\b|sys\.exit).*\b(accuracy|acc|f1|auc|roc_auc|"
                    r"precision|recall|rmse|mse|mae|r2|map|ndcg|bleu|rouge|score|metric\w*)"
                    r"\b.*(>=|<=|>|<)"
                ),
            }
        },
        {
            "file_contains": {
                "files": ["dvc.yaml", "params.yaml", ".github/workflows/*.y*ml"],
                "pattern": (
                    r"(min_|max_)?(accuracy|f1|auc|rmse|score)_?threshold|"
                    r"dvc metrics diff.*--fail"
                ),
            }
        },
    ]
}
COMPUTED = {
    "any_call": {"names": ["sklearn.metrics.*", "torchmetrics.*", "evaluate.load", "*.evaluate"]}
}


@register
def asserted(ctx: CheckContext) -> Outcome:
    ok, found = evaluate(ASSERTED, ctx)
    gates = gate_evidence(ctx)
    if ok or gates:
        return Outcome.passed(found + gates)
    computed, metrics = evaluate(COMPUTED, ctx)
    if computed:
        return Outcome.partial(
            "Model metrics are computed, but no test, evaluation step or pipeline compares "
            "them with a threshold or a baseline model.",
            metrics[:3],
        )
    return Outcome.failed(
        "Nothing asserts model quality: no metric threshold in tests or evaluation code, no "
        "baseline model, no pipeline validation gate."
    )
