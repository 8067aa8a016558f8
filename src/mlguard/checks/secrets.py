"""Hardcoded secrets (SEC004). Findings show a redacted form, never the value."""

from __future__ import annotations

from mlguard import globs
from mlguard.checks.base import CheckContext, Outcome
from mlguard.checks.registry import register
from mlguard.model import Evidence, Location
from mlguard.secretfacts import repo_secrets


@register("secrets.hardcoded")
def hardcoded_secrets(ctx: CheckContext) -> Outcome:
    """Each provider token, private key, URL password or high-entropy literal is a finding."""
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    found = [
        Evidence(
            Location(item.path, item.hit.line, item.hit.column or None),
            text=item.hit.fingerprint,
            message=f"Hardcoded {item.hit.kind} {item.hit.redacted}: rotate it and read it "
            "from the environment or a secret store",
        )
        for item in repo_secrets(ctx.repo)
        if not (skip and globs.match_any(item.path, skip))
    ]
    return Outcome.violations(found)
