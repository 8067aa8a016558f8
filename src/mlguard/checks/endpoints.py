"""SEC009: inference endpoints are protected.

Findings, on the line, in product code of model services (FastAPI, Flask, Gradio):
- ``launch(share=True)``: Gradio opens a public link to the model;
- CORS allowing every origin together with credentials (``allow_origins=["*"]`` with
  ``allow_credentials=True``; flask-cors ``supports_credentials=True`` without ``origins``);
- a FastAPI or Flask application whose routes have no authentication at all (no
  ``Depends``/``Security`` on an OAuth2, HTTP bearer/basic or API-key scheme, no
  ``login_required``/``auth_required``-style decorator, no ``before_request`` hook), reported
  once per file on its first route (``params.require_auth: false`` for services behind an
  authenticating gateway).
"""

from __future__ import annotations

import re

from mlguard import globs
from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence
from mlguard.traits import product_paths

SHARE = re.compile(r"\.launch\([^)]{0,300}?\bshare\s*=\s*True")
CORS_ANY = re.compile(r"allow_origins\s*=\s*\[\s*['\"]\*['\"]\s*\]")
CREDENTIALS = re.compile(r"allow_credentials\s*=\s*True")
FLASK_CORS = re.compile(r"\bCORS\([^)]{0,300}?supports_credentials\s*=\s*True[^)]{0,300}\)")
ROUTE = re.compile(r"^\s*@\w+\.(get|post|put|patch|delete|route|api_route)\(", re.MULTILINE)
AUTH = re.compile(
    r"OAuth2\w*Bearer|HTTPBearer|HTTPBasic|APIKey(Header|Query|Cookie)|\bSecurity\(|"
    r"login_required|auth_required|token_required|jwt_required|requires_auth|"
    r"before_request|HTTPAuthorizationCredentials|verify_(api_)?key|check_(api_)?key|"
    r"Depends\(\s*\w*(auth|token|key|user)\w*",
    re.IGNORECASE,
)
FRAMEWORK = re.compile(r"^\s*(from|import)\s+(fastapi|flask|gradio)\b", re.MULTILINE)


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _file(path: str, text: str, require_auth: bool) -> list[Evidence]:
    found = []
    for match in SHARE.finditer(text):
        found.append(
            ev(
                path,
                _line(text, match.start()),
                "gradio share=True",
                "`launch(share=True)` publishes the model on a public gradio.live link that "
                "anyone can call, with no authentication",
            )
        )
    cors = CORS_ANY.search(text)
    if cors and CREDENTIALS.search(text):
        found.append(
            ev(
                path,
                _line(text, cors.start()),
                "cors * with credentials",
                "CORS allows every origin together with credentials: any web page a user "
                "visits can call the model with that user's cookies; list the origins",
            )
        )
    flask_cors = FLASK_CORS.search(text)
    if flask_cors and "origins" not in flask_cors.group(0):
        found.append(
            ev(
                path,
                _line(text, flask_cors.start()),
                "cors * with credentials",
                "flask-cors with `supports_credentials=True` and no `origins=` allows every "
                "origin with credentials; list the origins",
            )
        )
    route = ROUTE.search(text)
    if require_auth and route and not AUTH.search(text):
        found.append(
            ev(
                path,
                _line(text, route.start()),
                "routes without authentication",
                "The service's routes require no authentication: anyone who reaches it can "
                "query the model (extraction, membership inference, cost). Add an auth "
                "dependency (e.g. `Depends(APIKeyHeader(...))`) or set "
                "`params.require_auth: false` when a gateway authenticates",
            )
        )
    return found


@register("security.endpoint_protection")
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
