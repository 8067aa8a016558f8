"""An estimate of the ML Test Score (Breck et al. 2017) from rule results.

Each of the 28 tests maps to the rules whose evidence stands for it (``data/mltestscore.yaml``).
A test's value is the best status among its mapped rules present in the scan (pass 1,
partial 0.5, anything else 0); tests without a rule ("attest") need a human and score 0.
Section scores are sums over the seven tests; the final score is the lowest section, as in
the paper. It is an estimate from static evidence, never an audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from mlguard.model import RuleResult, Status
from mlguard.rules.validation import parse_yaml

DATA_FILE = "mltestscore.yaml"
NOTE = (
    "Estimate from static repository evidence: a test scores 1 when a mapped rule passes "
    "(automated), 0.5 when it is partial (manual), else 0; tests that need a human "
    "attestation score 0. Final score = lowest section sum (Breck et al. 2017)."
)


@dataclass(frozen=True)
class MtsTest:
    id: str
    section: str
    title: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class MtsTestScore:
    id: str
    section: str
    title: str
    value: float
    rules: tuple[tuple[str, Status], ...]
    attest_only: bool


@dataclass(frozen=True)
class Estimate:
    tests: tuple[MtsTestScore, ...]
    sections: tuple[tuple[str, float], ...]
    score: float
    rules_counted: int
    source: str
    note: str = NOTE


@dataclass(frozen=True)
class MtsMapping:
    source: str
    sections: tuple[str, ...]
    tests: tuple[MtsTest, ...]


@cache
def load_mapping() -> MtsMapping:
    """The shipped test -> rules mapping."""
    text = resources.files("mlguard").joinpath("data", DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = parse_yaml(text, DATA_FILE).data
    sections = tuple(data["sections"])
    tests = tuple(
        MtsTest(test_id, _section(test_id, sections), spec["title"], tuple(spec["rules"]))
        for test_id, spec in data["tests"].items()
    )
    return MtsMapping(data["source"], sections, tests)


def _section(test_id: str, sections: Sequence[str]) -> str:
    return next(s for s in sections if test_id.rstrip("0123456789") == s)


def estimate(results: Sequence[RuleResult]) -> Estimate:
    """Score the 28 tests from the statuses of the rules that were scanned."""
    mapping = load_mapping()
    statuses: Mapping[str, Status] = {r.rule_id: r.status for r in results}
    scored = tuple(_score(test, statuses) for test in mapping.tests)
    sections = tuple(
        (name, sum(t.value for t in scored if t.section == name)) for name in mapping.sections
    )
    counted = {rule for t in scored for rule, _ in t.rules}
    return Estimate(
        tests=scored,
        sections=sections,
        score=min(value for _, value in sections),
        rules_counted=len(counted),
        source=mapping.source,
    )


def _score(test: MtsTest, statuses: Mapping[str, Status]) -> MtsTestScore:
    present = tuple((rule, statuses[rule]) for rule in test.rules if rule in statuses)
    value = max((status.value_score for _, status in present), default=0.0)
    return MtsTestScore(test.id, test.section, test.title, value, present, not test.rules)


def as_dict(est: Estimate) -> dict[str, Any]:
    """The JSON shape of the estimate (``ml_test_score`` in the JSON report)."""
    return {
        "estimate": True,
        "source": est.source,
        "note": est.note,
        "score": est.score,
        "sections": dict(est.sections),
        "rules_counted": est.rules_counted,
        "tests": [
            {
                "id": t.id,
                "section": t.section,
                "title": t.title,
                "value": t.value,
                "attest_only": t.attest_only,
                "rules": [{"id": rule, "status": status.value} for rule, status in t.rules],
            }
            for t in est.tests
        ],
    }


def text_lines(est: Estimate) -> list[str]:
    """The text report's section: final score, then each section with its scoring tests."""
    if not est.rules_counted:
        return []
    out = [
        "",
        f"ML Test Score estimate: {_num(est.score)} (lowest section; static evidence only, "
        "not an audit)",
    ]
    for name, value in est.sections:
        hits = [f"{t.id} {_num(t.value)}" for t in est.tests if t.section == name and t.value]
        detail = ", ".join(hits) if hits else "no test evidenced"
        out.append(f"  {name:<8} {_num(value):>4} / 7   {detail}")
    return out


def _num(value: float) -> str:
    return f"{value:g}"
