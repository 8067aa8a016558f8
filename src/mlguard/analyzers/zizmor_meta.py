"""zizmor's audits as mlguard knows them (zizmor 1.33.1): one entry per audit.

Numbers are stable: the audits zizmor 1.33.1 has, in alphabetical order, are ZIZ001-ZIZ042;
an audit a later zizmor adds gets the next free number, and a number is never reused.
``offline``: the audit runs without the network. mlguard always runs zizmor offline, so the
five audits that need GitHub's API get no rule (they could only ever pass, falsely).
``default_off``: why mlguard leaves an audit off by default (empty: on). Summaries paraphrase
zizmor's audit documentation (https://docs.zizmor.sh/audits/).

``tests/test_zizmor.py`` checks this table against the installed zizmor's binary: every
audit it has must be listed here, so a new zizmor cannot bring audits without rules.
"""

from __future__ import annotations

from typing import NamedTuple

ZIZMOR_VERSION = "1.33.1"  # the version this table was written against
ZIZMOR_RANGE = ">=1.33,<2"  # pyproject.toml pins the same range


class ZizmorAudit(NamedTuple):
    number: int
    ident: str
    title: str  # zizmor's own one-line description
    severity: str  # the highest severity zizmor gives its findings: High/Medium/Low/Informational
    confidence: str  # the confidence of its typical finding: High/Medium/Low
    summary: str
    offline: bool = True
    default_off: str = ""


NOT_SECURITY = "a style or hygiene finding, not a security problem"
PEDANTIC = "zizmor reports it only in its pedantic/auditor personas"

AUDITS: tuple[ZizmorAudit, ...] = (
    ZizmorAudit(
        1,
        "adhoc-packages",
        "ad-hoc installation of packages",
        "Low",
        "High",
        "A `run:` step installs or changes packages outside a locked manifest (`pip install x`, "
        "`npm install -g`), so what CI runs is resolved afresh on every run.",
        default_off="ML workflows install tools with pip in run steps everywhere; REP001 and "
        "SEC012 judge the pinned dependencies themselves",
    ),
    ZizmorAudit(
        2,
        "anonymous-definition",
        "workflow or action definition without a name",
        "Low",
        "High",
        "A workflow or action definition has no `name:`.",
        default_off=NOT_SECURITY,
    ),
    ZizmorAudit(
        3,
        "archived-uses",
        "action or reusable workflow from archived repository",
        "Medium",
        "High",
        "A `uses:` clause references an action or reusable workflow whose repository is "
        "archived: it gets no more security fixes.",
    ),
    ZizmorAudit(
        4,
        "artipacked",
        "credential persistence through GitHub Actions artifacts",
        "Medium",
        "Low",
        "`actions/checkout` stores the job's token in `.git/config` unless "
        "`persist-credentials: false`; a later step that uploads the workspace (or a "
        "compromised step) can leak it.",
    ),
    ZizmorAudit(
        5,
        "bot-conditions",
        "spoofable bot actor check",
        "High",
        "High",
        "A condition such as `github.actor == 'dependabot[bot]'` trusts the actor of the "
        "event, which an attacker can make a bot be (e.g. by triggering a re-run).",
    ),
    ZizmorAudit(
        6,
        "cache-poisoning",
        "runtime artifacts potentially vulnerable to a cache poisoning attack",
        "High",
        "Low",
        "A release or publishing workflow restores a cache (`actions/cache`, setup actions with "
        "caching on) that less trusted workflows can write, so a poisoned cache ends up in "
        "published artifacts.",
    ),
    ZizmorAudit(
        7,
        "concurrency-limits",
        "insufficient job-level concurrency limits",
        "Low",
        "High",
        "A workflow has no `concurrency:` limit.",
        default_off=PEDANTIC,
    ),
    ZizmorAudit(
        8,
        "dangerous-triggers",
        "use of fundamentally insecure workflow trigger",
        "High",
        "Medium",
        "`pull_request_target` and `workflow_run` run with the base repository's secrets and a "
        "write token in response to events from forks; they are almost always used insecurely.",
    ),
    ZizmorAudit(
        9,
        "dependabot-cooldown",
        "insufficient cooldown in Dependabot updates",
        "Medium",
        "High",
        "A Dependabot update has no (or a short) `cooldown:`, so freshly published, possibly "
        "compromised releases are proposed at once.",
        default_off="advice on update timing rather than a weakness of the repository; "
        "enable it to require cooldowns",
    ),
    ZizmorAudit(
        10,
        "dependabot-execution",
        "external code execution in Dependabot updates",
        "High",
        "High",
        "`insecure-external-code-execution: allow` lets Dependabot run code from dependency "
        "manifests while it updates them.",
    ),
    ZizmorAudit(
        11,
        "excessive-permissions",
        "overly broad permissions",
        "High",
        "High",
        "A workflow or job has no `permissions:` (the repository default token, often "
        "read-write), `write-all`, or write scopes it does not need.",
    ),
    ZizmorAudit(
        12,
        "forbidden-uses",
        "forbidden action or repository used",
        "High",
        "High",
        "An action the repository's zizmor configuration denies (or does not allow) is used. "
        "Reports only when `forbidden-uses` is configured in `zizmor.yml`.",
    ),
    ZizmorAudit(
        13,
        "github-app",
        "dangerous use of GitHub App tokens",
        "High",
        "High",
        "A GitHub App installation token is created without restricting its repositories or "
        "permissions, so every step gets the App's full access.",
    ),
    ZizmorAudit(
        14,
        "github-env",
        "dangerous use of environment file",
        "High",
        "Low",
        "A step writes to `GITHUB_ENV` or `GITHUB_PATH` in a workflow that attackers can "
        "trigger: controlled text there changes the environment (and code) of later steps.",
    ),
    ZizmorAudit(
        15,
        "hardcoded-container-credentials",
        "hardcoded credential in GitHub Actions container configurations",
        "High",
        "High",
        "A job's `container:` or `services:` registry credentials are written as literals.",
    ),
    ZizmorAudit(
        16,
        "impostor-commit",
        "commit with no history in referenced repository",
        "High",
        "High",
        "A pinned commit exists only in a fork of the action's repository.",
        offline=False,
    ),
    ZizmorAudit(
        17,
        "insecure-commands",
        "execution of insecure workflow commands is enabled",
        "High",
        "High",
        "`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables `set-env`/`add-path` workflow commands, "
        "which any text printed to the log can then issue.",
    ),
    ZizmorAudit(
        18,
        "insecure-url-scheme",
        "use of an insecure scheme within a URL",
        "Medium",
        "High",
        "A pre-commit configuration fetches a hook repository over plain http.",
        offline=False,
    ),  # pre-commit configurations are not passed to zizmor
    ZizmorAudit(
        19,
        "known-vulnerable-actions",
        "action has a known vulnerability",
        "High",
        "High",
        "An action version has a published GitHub security advisory.",
        offline=False,
    ),
    ZizmorAudit(
        20,
        "misfeature",
        "usage of GitHub Actions misfeatures",
        "Low",
        "High",
        "A GitHub Actions feature that is easy to misuse, such as `shell: cmd` or "
        "`pip install` with `--break-system-packages` style escapes.",
    ),
    ZizmorAudit(
        21,
        "obfuscation",
        "obfuscated usage of GitHub Actions features",
        "Low",
        "High",
        "An expression or `uses:` written in a needlessly indirect way (constant expressions, "
        "redundant path segments) that hides what runs.",
    ),
    ZizmorAudit(
        22,
        "overprovisioned-secrets",
        "excessively provisioned secrets",
        "Medium",
        "High",
        "`toJSON(secrets)` or `secrets[...]` with a computed name hands every secret of the "
        "repository to a step.",
    ),
    ZizmorAudit(
        23,
        "ref-confusion",
        "git ref for action with ambiguous ref type",
        "Medium",
        "High",
        "An action ref names both a branch and a tag.",
        offline=False,
    ),
    ZizmorAudit(
        24,
        "ref-version-mismatch",
        "action's hash pin has mismatched or missing version comment",
        "Medium",
        "High",
        "A hash-pinned action's `# vX` comment does not match the pinned commit.",
        offline=False,
    ),
    ZizmorAudit(
        25,
        "secrets-inherit",
        "secrets unconditionally inherited by called workflow",
        "Medium",
        "High",
        "`secrets: inherit` passes every secret of the caller to a reusable workflow.",
    ),
    ZizmorAudit(
        26,
        "secrets-outside-env",
        "secrets referenced without a dedicated environment",
        "Medium",
        "High",
        "A job reads secrets without a deployment `environment:`, whose protection rules would "
        "gate them.",
        default_off="zizmor reports it only in its auditor persona",
    ),
    ZizmorAudit(
        27,
        "self-hosted-runner",
        "runs on a self-hosted runner",
        "Medium",
        "High",
        "A job runs on a self-hosted runner; on a public repository, fork pull requests can run "
        "code on that machine and persist there.",
        default_off="zizmor reports it only in its auditor persona: it cannot tell how the "
        "runner is isolated",
    ),
    ZizmorAudit(
        28,
        "self-repository",
        "use GitHub's dedicated self-repository syntax",
        "Low",
        "High",
        "A local `./` action or workflow could use GitHub's `$/` self-repository syntax.",
        default_off=NOT_SECURITY,
    ),
    ZizmorAudit(
        29,
        "stale-action-refs",
        "commit hash does not point to a Git tag",
        "Low",
        "High",
        "A pinned commit is not a released tag.",
        offline=False,
    ),
    ZizmorAudit(
        30,
        "superfluous-actions",
        "action functionality is already included by the runner",
        "Informational",
        "High",
        "An action does what the runner image already provides.",
        default_off=NOT_SECURITY,
    ),
    ZizmorAudit(
        31,
        "template-injection",
        "code injection via template expansion",
        "High",
        "High",
        "A `${{ }}` expression whose value an outsider can control (titles, bodies, branch "
        "names, `format(...)` of them, action outputs, inputs) is expanded into a `run:` script "
        "or another action's code input, where it becomes code.",
    ),
    ZizmorAudit(
        32,
        "typosquat-uses",
        "action reference resembles a popular action",
        "High",
        "Low",
        "A `uses:` owner/repository is a close misspelling of a popular action, owned by "
        "someone else.",
    ),
    ZizmorAudit(
        33,
        "undocumented-permissions",
        "permissions without explanatory comments",
        "Low",
        "High",
        "A `permissions:` scope has no comment saying why it is needed.",
        default_off=PEDANTIC,
    ),
    ZizmorAudit(
        34,
        "unpinned-images",
        "unpinned image references",
        "High",
        "High",
        "A job `container:` or `services:` image is not pinned by digest (or only to "
        "`latest`), so the job runs whatever the tag points to next.",
    ),
    ZizmorAudit(
        35,
        "unpinned-tools",
        "action installs an unpinned external tool",
        "Medium",
        "High",
        "A setup action installs a tool without a version, so each run may get a different "
        "(or a compromised) release.",
    ),
    ZizmorAudit(
        36,
        "unpinned-uses",
        "unpinned action reference",
        "High",
        "High",
        "A `uses:` clause is pinned to a branch or tag (or nothing) instead of a full commit "
        "SHA: whoever controls that ref controls the job. Same-repository `./` actions are "
        "pinned by definition.",
    ),
    ZizmorAudit(
        37,
        "unredacted-secrets",
        "leaked secret values",
        "Medium",
        "High",
        "A secret is parsed (e.g. `fromJSON(secrets.X).field`): the derived value is not "
        "masked in logs.",
    ),
    ZizmorAudit(
        38,
        "unsafe-checkout",
        "unsafe Git checkout",
        "High",
        "Low",
        "A workflow with a privileged trigger checks out the pull request's code.",
    ),
    ZizmorAudit(
        39,
        "unsound-condition",
        "unsound conditional expression",
        "High",
        "High",
        "An `if:` that mixes text and `${{ }}` is always true, so the step always runs.",
    ),
    ZizmorAudit(
        40,
        "unsound-contains",
        "unsound contains condition",
        "High",
        "High",
        "`contains('refs/heads/main', github.ref)` style conditions match substrings an "
        "attacker can choose (a branch named `mai`).",
    ),
    ZizmorAudit(
        41,
        "unsound-ternary",
        "unsound pseudo-ternary expression",
        "Low",
        "High",
        "`cond && a || b` yields `b` when `a` is empty or false, unlike a real ternary.",
    ),
    ZizmorAudit(
        42,
        "use-trusted-publishing",
        "prefer trusted publishing for authentication",
        "Informational",
        "High",
        "A package is published to PyPI (or another index) with a long-lived API token where "
        "Trusted Publishing (short-lived OIDC credentials) is available.",
    ),
)

BY_IDENT: dict[str, ZizmorAudit] = {audit.ident: audit for audit in AUDITS}


def rule_id(audit: ZizmorAudit) -> str:
    """mlguard's rule id for an audit: ``ZIZ`` + its three-digit number."""
    return f"ZIZ{audit.number:03d}"


def rule_for(ident: str) -> str | None:
    """The rule id of a zizmor audit, or ``None`` for one mlguard has no rule for."""
    audit = BY_IDENT.get(ident)
    return rule_id(audit) if audit is not None and audit.offline else None
