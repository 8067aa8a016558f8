"""DATA004: reproducible, leakage-guarded train/test splits (scikit-learn call patterns)."""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Assign, Call, Expr
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.model import Evidence

SPLITTERS = {
    "train_test_split": None,
    "ShuffleSplit": None,
    "StratifiedShuffleSplit": None,
    "GroupShuffleSplit": None,
    "KFold": "shuffle",
    "StratifiedKFold": "shuffle",
    "RepeatedKFold": None,
    "RepeatedStratifiedKFold": None,
}
PREPROCESSORS = re.compile(
    r"^(StandardScaler|MinMaxScaler|RobustScaler|MaxAbsScaler|Normalizer|OneHotEncoder|"
    r"OrdinalEncoder|LabelEncoder|TargetEncoder|SimpleImputer|KNNImputer|PCA|"
    r"TfidfVectorizer|CountVectorizer|PolynomialFeatures|QuantileTransformer|"
    r"PowerTransformer|SelectKBest)\("
)


def _unseeded(call: Call) -> bool:
    short = call.name.rsplit(".", 1)[-1]
    if short not in SPLITTERS or not call.name.startswith(("sklearn.", short)):
        return False
    if call.star_kwargs or (
        call.has_kwarg("random_state") and call.kwarg("random_state") is not None
    ):
        return False
    needs = SPLITTERS[short]
    if needs is not None:
        return call.kwarg(needs) is True
    return not (short == "train_test_split" and call.kwarg("shuffle") is False)


@register
def splits_reproducible(ctx: CheckContext) -> Outcome:
    """DATA004: shuffled splits without random_state; preprocessing fitted before the split."""
    found = []
    for path in callsites.files(ctx.repo, names=_split_names(ctx)):
        facts = ctx.repo.python(path)
        if facts is None or traits.is_test_path(path):
            continue
        splits = [c for c in facts.calls if _unseeded(c)]
        found += [
            ev(
                path,
                c.line,
                f"{c.name.rsplit('.', 1)[-1]}(...)",
                f"{c.name.rsplit('.', 1)[-1]} shuffles without random_state=: the split "
                "changes on every run",
            )
            for c in splits
        ]
        found += _leaks(path, facts.calls, facts.assigns)
    return Outcome.violations(found)


def _split_names(ctx: CheckContext) -> list[str]:
    """Names of the calls a file needs for a finding: a splitter or a train_test_split."""
    return callsites.by_name(ctx.repo).keys(
        lambda name: name.rsplit(".", 1)[-1] in SPLITTERS or name.endswith("train_test_split")
    )


def _leaks(path: str, calls: tuple[Call, ...], assigns: tuple[Assign, ...]) -> list[Evidence]:
    split_lines = [c.line for c in calls if c.name.endswith("train_test_split")]
    if not split_lines or any(c.name.endswith(("Pipeline", "make_pipeline")) for c in calls):
        return []
    fitted = {
        a.target
        for a in assigns
        if isinstance(a.value, Expr) and PREPROCESSORS.match(a.value.text.split(".")[-1])
    }
    found = []
    for call in calls:
        if call.attr not in ("fit", "fit_transform") or call.line >= max(split_lines):
            continue
        receiver = call.name.rsplit(".", 1)[0]
        direct = PREPROCESSORS.match(receiver.rsplit(".", 1)[-1] + "(") and "()" in call.name
        if receiver in fitted or direct:
            found.append(
                ev(
                    path,
                    call.line,
                    f"{receiver}.{call.attr}(...)",
                    "Preprocessing is fitted on the full dataset before "
                    "train_test_split: statistics of the test set leak into training "
                    "(fit it on the training split, or use a Pipeline)",
                )
            )
    return found
