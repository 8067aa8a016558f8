"""SEC009: inference endpoints are protected.

Findings, on the line, in product code of model services (FastAPI, Flask, Gradio):
- ``launch(share=True)``: Gradio opens a public link to the model;
- CORS allowing every origin together with credentials (``allow_origins=["*"]`` with
  ``allow_credentials=True``; flask-cors ``supports_credentials=True`` without ``origins``);
- (a note) a FastAPI or Flask application with an inference route (``/predict``,
  ``generate``, ``embed``... in its path or function name) and no authentication at all (no
  ``Depends``/``Security`` on an OAuth2, HTTP bearer/basic or API-key scheme, no
  ``login_required``/``auth_required``-style decorator, no ``before_request`` hook), reported
  once per file on its first inference route (``params.require_auth: false`` for services behind an
  authenticating gateway).
"""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, NotApplicable, Outcome
from mlguard.checks.registry import register
from mlguard.facts.traits import product_paths
from mlguard.model import Evidence, Location, Severity
from mlguard.repo import globs
from mlguard.safeio.lines import line_at

SHARE = re.compile(r"\.launch\([^)]{0,300}?\bshare\s*=\s*True")
CORS_ANY = re.compile(r"allow_origins\s*=\s*\[\s*['\"]\*['\"]\s*\]")
CREDENTIALS = re.compile(r"allow_credentials\s*=\s*True")
FLASK_CORS = re.compile(r"\bCORS\([^)]{0,300}?supports_credentials\s*=\s*True[^)]{0,300}\)")
ROUTE = re.compile(
    r"^[ \t]*@\w+\.(?:get|post|put|patch|delete|route|api_route)\(\s*['\"]([^'\"\n]{0,200})['\"]"
    r"[^\n]{0,300}\n(?:[ \t]*@[^\n]{0,300}\n){0,5}[ \t]*(?:async\s+)?def\s+(\w+)",
    re.MULTILINE,
)
INFERENCE = re.compile(
    r"predict|infer|generat|score|classif|embed|complet|chat|invocation|detect|recogni|"
    r"translat|summar|caption|segment|transcri|/v\d+/models",
    re.IGNORECASE,
)
AUTH_MARKERS = (  # lower case: any of these in the file means it authenticates somewhere
    "oauth2passwordbearer",
    "oauth2authorizationcodebearer",
    "httpbearer",
    "httpbasic",
    "apikeyheader",
    "apikeyquery",
    "apikeycookie",
    "security(",
    "login_required",
    "auth_required",
    "token_required",
    "jwt_required",
    "requires_auth",
    "before_request",
    "httpauthorizationcredentials",
    "verify_key",
    "verify_api_key",
    "check_key",
    "check_api_key",
)
AUTH_DEPENDS = re.compile(r"depends\(\s{0,20}\w{0,60}?(auth|token|key|user)")
FRAMEWORK = re.compile(r"^[ \t]*(from|import)[ \t]+(fastapi|flask|gradio)\b", re.MULTILINE)


def _line(text: str, at: int) -> int:
    return line_at(text, at)


def _authenticates(text: str) -> bool:
    lowered = text.lower()
    return any(m in lowered for m in AUTH_MARKERS) or AUTH_DEPENDS.search(lowered) is not None


def _file(path: str, text: str, require_auth: bool) -> list[Evidence]:
    # (offset in text, evidence text, message, severity)
    hits: list[tuple[int, str, str, Severity | None]] = [
        (
            match.start(),
            "gradio share=True",
            "`launch(share=True)` publishes the model on a public gradio.live link that "
            "anyone can call, with no authentication",
            Severity.WARNING,
        )
        for match in SHARE.finditer(text)
    ]
    cors = CORS_ANY.search(text)
    if cors and CREDENTIALS.search(text):
        hits.append(
            (
                cors.start(),
                "cors * with credentials",
                "CORS allows every origin together with credentials: any web page a user "
                "visits can call the model with that user's cookies; list the origins",
                Severity.WARNING,
            )
        )
    flask_cors = FLASK_CORS.search(text)
    if flask_cors and "origins" not in flask_cors.group(0):
        hits.append(
            (
                flask_cors.start(),
                "cors * with credentials",
                "flask-cors with `supports_credentials=True` and no `origins=` allows every "
                "origin with credentials; list the origins",
                Severity.WARNING,
            )
        )
    route = next(
        (m for m in ROUTE.finditer(text) if INFERENCE.search(m.group(1) + " " + m.group(2))),
        None,
    )
    if require_auth and route and not _authenticates(text):
        hits.append(
            (
                route.start(),
                "routes without authentication",
                f"The inference route {route.group(1) or '/'} (and the service's other routes) "
                "require no authentication: anyone who reaches it can query the model "
                "(extraction, membership inference, cost). Add an auth "
                "dependency (e.g. `Depends(APIKeyHeader(...))`) or set "
                "`params.require_auth: false` when a gateway authenticates",
                None,
            )
        )
    return [
        Evidence(Location(path, _line(text, at)), label, message, severity)
        for at, label, message, severity in hits
    ]


@register
def endpoint_protection(ctx: CheckContext) -> Outcome:
    """Public links, CORS * with credentials and unauthenticated routes in serving code."""
    require_auth = bool(ctx.param("require_auth", True))
    skip = tuple(ctx.param("exclude_paths", ()) or ())
    found: list[Evidence] = []
    services = 0
    for path in product_paths(ctx.repo):
        if not path.endswith(".py") or (skip and globs.match_any(path, skip)):
            continue
        text = ctx.repo.text(path)
        if text and FRAMEWORK.search(text):
            services += 1
            found += _file(path, text, require_auth)
    if not services:
        raise NotApplicable("no FastAPI, Flask or Gradio service code")
    return Outcome.violations(found)
