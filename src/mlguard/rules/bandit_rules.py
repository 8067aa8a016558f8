"""One mlguard rule per bandit test, synthesised from bandit's metadata.

Rule ids are ``BAN`` + bandit's number (``B602`` -> ``BAN602``), slugs ``bandit-`` + the test
name. The metadata (title, summary, CWE, bandit's highest documented severity and its
confidence) comes from :mod:`mlguard.analyzers.bandit_meta`, generated from the pinned
bandit by ``scripts/gen_bandit_rules.py`` (``--check`` in CI), so the catalogue never
imports bandit and its rules are identical wherever mlguard is installed.

Severity: bandit rules are ``warning`` (bandit HIGH or MEDIUM) or ``note`` (LOW), never
``error``: they are generic Python findings and do not fail the default policy on their
own (the ML-specific security rules SEC001-SEC004 do). ``security-severity`` for GitHub
code scanning is bandit's severity (HIGH 8.0, MEDIUM 5.5, LOW 3.0) times its confidence
(HIGH 1.0, MEDIUM 0.85, LOW 0.7).

Scores: bandit rules are reported (findings, SARIF alerts, the ``fail.on`` threshold) but
left out of the maturity and category scores: some 65 mostly passing generic Python
checks would otherwise outweigh the ML practices the score measures (measured on a 120-file
repository: overall score 83 with them, 58 without).

Defaults for ML repositories (each can be changed in a policy with
``rules: {configure: {BAN311: {params: {enabled: true}}}}``):

- In test files only bandit's high-severity tests report (e.g. BAN602 ``shell=True``):
  tests start processes, write temp files and parse XML they made themselves, and assert
  is how tests speak (measured on mlguard's own repository: 27 of its 28 bandit findings
  were such test-file notes).
- BAN311 (random) is off: ML code uses ``random`` for shuffling, sampling, augmentation
  and seeds, where a predictable generator is wanted; bandit flags every such call.
- BAN105/106/107 (hard-coded passwords) are off: SEC004 covers them with placeholder
  filtering and redaction (bandit's message would print the password).
- BAN301, BAN302, BAN506, BAN614 (pickle, marshal, yaml.load, torch.load) are off: SEC001
  reports the same calls with ML-aware conditions (``weights_only=True``, safe loaders).
- BAN403/BAN404 (``import pickle`` / ``import subprocess``) are off: importing is not the
  risk; the calls are checked by SEC001 and BAN602-BAN607.
"""

from __future__ import annotations

from mlguard.analyzers.bandit_meta import BANDIT_VERSION, TESTS, BanditTest
from mlguard.known import TEST_GLOBS
from mlguard.model import Kind, Severity
from mlguard.rules.spec import RuleDocs, RuleSpec

PASSWORDS = "SEC004 reports hardcoded passwords, redacted and without placeholders"
SEC001 = "SEC001 reports these loads with ML-aware conditions"
OFF_BY_DEFAULT = {
    "B105": PASSWORDS,
    "B106": PASSWORDS,
    "B107": PASSWORDS,
    "B301": SEC001,
    "B302": SEC001,
    "B506": SEC001,
    "B614": SEC001,
    "B615": "SEC013 reports unpinned hub downloads with ML-aware conditions (local folders, "
    "config variables and tests are not findings)",
    "B101": "asserts check shapes and invariants in ML code and are how tests speak; "
    "few ML services run with `python -O`",
    "B311": "ML code uses random for sampling, shuffling and seeds, not for secrets",
    "B403": "importing pickle is not the risk: SEC001 checks the loads",
    "B404": "importing subprocess is not the risk: BAN602-BAN607 check the calls",
}
EXCLUDED_BY_DEFAULT = {"B101": list(TEST_GLOBS)}
BASE_SCORE = {"HIGH": 8.0, "MEDIUM": 5.5, "LOW": 3.0}
CONFIDENCE_FACTOR = {"HIGH": 1.0, "MEDIUM": 0.85, "LOW": 0.7}
PRECISION = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


def rule_id(test_id: str) -> str:
    return "BAN" + test_id[1:]


def security_severity(severity: str, confidence: str) -> float:
    return round(BASE_SCORE[severity] * CONFIDENCE_FACTOR[confidence], 1)


def _docs(test: BanditTest) -> RuleDocs:
    why = test.summary
    if test.id in OFF_BY_DEFAULT:
        why += f" Off by default in mlguard: {OFF_BY_DEFAULT[test.id]}."
    fix = (
        f"Follow bandit's guidance for {test.id} ({test.url}). When the code is safe, say so "
        f"on the line with `# nosec {test.id}` and a reason: bandit's inline suppression is "
        "honoured, in notebooks too."
    )
    refs = [test.url]
    if test.cwe:
        refs.append(f"https://cwe.mitre.org/data/definitions/{test.cwe}.html")
    return RuleDocs(why=why, fix=fix, references=tuple(refs))


def spec(test: BanditTest) -> RuleSpec:
    tags = ["security", "bandit"] + ([f"cwe-{test.cwe}"] if test.cwe else [])
    return RuleSpec(
        id=rule_id(test.id),
        slug="bandit-" + test.name.lower().replace("_", "-"),
        title=f"{test.title} (bandit {test.id})",
        category="security",
        level=0,
        severity=Severity.NOTE if test.severity == "LOW" else Severity.WARNING,
        kind=Kind.VIOLATION,
        check={"python": "security.bandit.issues"},
        docs=_docs(test),
        applies_when=("python",),
        tags=tuple(tags),
        params={
            "test_id": test.id,
            "enabled": test.id not in OFF_BY_DEFAULT,
            "exclude_paths": EXCLUDED_BY_DEFAULT.get(
                test.id, [] if test.severity == "HIGH" else list(TEST_GLOBS)
            ),
        },
        precision=PRECISION[test.confidence],
        security_severity=security_severity(test.severity, test.confidence),
        source=f"bandit {BANDIT_VERSION} ({test.name})",
        scored=False,
    )


def rule_specs() -> list[RuleSpec]:
    return [spec(test) for test in TESTS]
