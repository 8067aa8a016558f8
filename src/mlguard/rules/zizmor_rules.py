"""One mlguard rule per zizmor audit that runs offline, synthesised from zizmor's metadata.

Rule ids are ``ZIZ`` + the audit's stable number from :mod:`mlguard.analyzers.zizmor_meta`
(``unpinned-uses`` -> ``ZIZ036``), slugs ``zizmor-`` + the audit's name. Rules are
category ``cicd``, tagged ``security``, ``zizmor`` and ``github-actions``
(``--select tag:zizmor`` selects them all).

Severity: ``warning`` for audits whose findings zizmor rates High or Medium, ``note`` for
Low and Informational; each finding's message carries zizmor's own severity and confidence
for it, and findings zizmor rates Informational are left out (``params.min_severity``;
``use-trusted-publishing``, whose findings are all Informational, reports them). Never
``error``: like bandit's, these are generic findings that do not fail the default policy
alone. ``security-severity`` for GitHub code
scanning is zizmor's highest severity for the audit (High 8.0, Medium 5.5, Low 3.0,
Informational 1.0) times its typical confidence (High 1.0, Medium 0.85, Low 0.7).

Scores: reported (findings, SARIF, ``fail.on``) but left out of the maturity scores, like
bandit's rules: they measure workflow hygiene at a finer grain than the ML practices the
score is about, and CICD008 already stands for workflow hardening there.

Defaults: only the findings of zizmor's default ("regular") persona are reported
(``params.persona: pedantic`` or ``auditor`` widens a rule); audits that are style rather
than security or that zizmor itself reserves for its auditor persona are off (``params.
enabled: true`` turns one on); see ``ZizmorAudit.default_off`` for each reason.
"""

from __future__ import annotations

from mlguard.analyzers.zizmor_meta import AUDITS, ZIZMOR_VERSION, ZizmorAudit, rule_id
from mlguard.model import Kind, Severity
from mlguard.rules.spec import RuleDocs, RuleSpec

BASE_SCORE = {"High": 8.0, "Medium": 5.5, "Low": 3.0, "Informational": 1.0}
CONFIDENCE_FACTOR = {"High": 1.0, "Medium": 0.85, "Low": 0.7}
PRECISION = {"High": "high", "Medium": "medium", "Low": "low"}
DOCS_URL = "https://docs.zizmor.sh/audits/#"


def severity_of(zizmor_severity: str) -> Severity:
    return Severity.WARNING if zizmor_severity in ("High", "Medium") else Severity.NOTE


def security_severity(severity: str, confidence: str) -> float:
    return round(BASE_SCORE[severity] * CONFIDENCE_FACTOR[confidence], 1)


def _docs(audit: ZizmorAudit) -> RuleDocs:
    why = audit.summary
    if audit.default_off:
        why += f" Off by default in mlguard: {audit.default_off}."
    fix = (
        f"Follow zizmor's guidance for `{audit.ident}` ({DOCS_URL}{audit.ident}). When a "
        f"finding is intended, say so on its line with `# zizmor: ignore[{audit.ident}]`, or "
        "configure the audit in the repository's `zizmor.yml` (or `.github/zizmor.yml`): "
        "mlguard runs zizmor, which honours both."
    )
    return RuleDocs(why=why, fix=fix, references=(DOCS_URL + audit.ident,))


def spec(audit: ZizmorAudit) -> RuleSpec:
    return RuleSpec(
        id=rule_id(audit),
        slug="zizmor-" + audit.ident,
        title=f"{audit.title[:1].upper()}{audit.title[1:]} (zizmor {audit.ident})",
        category="cicd",
        level=0,
        severity=severity_of(audit.severity),
        kind=Kind.VIOLATION,
        check={"python": "cicd.zizmor.findings"},
        docs=_docs(audit),
        tags=("security", "zizmor", "github-actions"),
        params={
            "audit": audit.ident,
            "enabled": not audit.default_off,
            "persona": "regular",
            # zizmor rates every use-trusted-publishing finding Informational
            "min_severity": "informational" if audit.severity == "Informational" else "low",
            "exclude_paths": [],
        },
        precision=PRECISION[audit.confidence],
        security_severity=security_severity(audit.severity, audit.confidence),
        source=f"zizmor {ZIZMOR_VERSION} ({audit.ident})",
        scored=False,
    )


def rule_specs() -> list[RuleSpec]:
    return [spec(audit) for audit in AUDITS if audit.offline]
