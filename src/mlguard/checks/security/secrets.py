"""Hardcoded secrets (SEC004). Findings show a redacted form, never the value."""

from __future__ import annotations

from mlguard.checks.base import CheckContext, Outcome
from mlguard.checks.registry import register
from mlguard.facts.files import Facts
from mlguard.facts.secrets import repo_secrets
from mlguard.model import Evidence, Location, Status
from mlguard.repo import globs

SCANNERS = ("gitleaks", "detect-secrets", "trufflehog", "ggshield")
SCANNER_FILES = {".gitleaks.toml": "gitleaks", ".secrets.baseline": "detect-secrets"}
CONTROL_FILES = (
    ".pre-commit-config.yaml",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
)


def _control(repo: Facts) -> str:
    """Which secret scanner guards the repository (pre-commit or CI), for the result's reason."""
    for path, scanner in SCANNER_FILES.items():
        if repo.exists(path):
            return f"secret scanning in place: {scanner} ({path})"
    for path in repo.glob(*CONTROL_FILES):
        text = (repo.text(path) or "").lower()
        for scanner in SCANNERS:
            if scanner in text:
                return f"secret scanning in place: {scanner} ({path})"
    return "no secret scanner (gitleaks, detect-secrets, trufflehog) in pre-commit or CI"


@register(needs_python=False)
def hardcoded(ctx: CheckContext) -> Outcome:
    """Each provider token, private key, URL password or high-entropy literal is a finding."""
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    found = tuple(
        Evidence(
            Location(item.path, item.hit.line, item.hit.column or None),
            text=item.hit.fingerprint,
            message=f"Hardcoded {item.hit.kind} {item.hit.redacted}: rotate it and read it "
            "from the environment or a secret store",
        )
        for item in repo_secrets(ctx.repo)
        if not (skip and globs.match_any(item.path, skip))
    )
    return Outcome(Status.FAIL if found else Status.PASS, found, _control(ctx.repo))
