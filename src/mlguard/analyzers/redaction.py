"""The one redaction path for every message mlguard shows.

Messages quote the scanned repository: a YAML parser error quotes the offending key, a
skip reason quotes a file's content, a finding names what it found. Any of these may be a
secret. Every rule result (reason, finding messages), skip reason and error message goes
through :func:`text` before it reaches a report or the terminal, so every output format
gets the same redacted text; the redacted form is the secrets rule's (public prefix and
length: ``ghp_…(40 chars)``). Bidirectional controls come out escaped (``\\u202e``), so
no format shows a message reordered.

What is redacted: provider tokens, credentials in URLs, values assigned to secret-like
names (``password=…``), private key blocks, and any long random-looking token (quoted or
not) — the last rule is broader than SEC004's findings, since here a false positive costs
only a shortened message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from mlguard.analyzers import secret_patterns as sp
from mlguard.analyzers.secrets import Mode, secret_spans
from mlguard.model import Finding, RuleResult
from mlguard.safeio import escapes

# a run of token characters long enough to be a credential (base64, base64url, hex ...)
TOKEN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,}(?![A-Za-z0-9+/=_-])")
URL_PASSWORD = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,19}://[^\s:/@'\"`<>]{0,64}:)(?P<s>[^\s/@'\"`<>]{1,128})@"
)
KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
    r"(?:-----END [A-Z0-9 ]{0,60}PRIVATE KEY(?: BLOCK)?-----|$)"
)
GIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
MAX_MESSAGE = 20_000


def text(message: str) -> str:
    """``message`` with every secret-looking part replaced by its redacted form."""
    if not message:
        return message
    message = message[:MAX_MESSAGE]
    if "PRIVATE KEY" in message:
        message = KEY_BLOCK.sub("[private key redacted]", message)
    if "://" in message:
        message = URL_PASSWORD.sub(
            lambda m: m.group("scheme") + _redact(m.group("s")) + "@", message
        )
    lines = []
    for line in message.split("\n"):
        spans = secret_spans(line, Mode.CONFIG)
        for start, end, shown in sorted(spans, reverse=True):
            line = line[:start] + shown + line[end:]
        lines.append(TOKEN.sub(_token, line))
    return escapes.bidi("\n".join(lines))


def _redact(secret: str, shown: str = "") -> str:
    if "…(" in secret:
        return secret  # already redacted
    if not shown and len(secret) >= 16:
        shown = secret[:2]
    return f"{shown}…({len(secret)} chars)"


def _token(match: re.Match[str]) -> str:
    value = match.group(0)
    if not random_looking(value):
        return value
    return _redact(value)


def random_looking(value: str) -> bool:
    """A token that is not words, a path, an identifier or a git/sha256 id."""
    if GIT_ID.fullmatch(value) or sp.is_placeholder(value):
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    parts = [p for p in re.split(r"[/_=-]+", value) if p]
    if len(parts) >= 2 and all(len(p) <= 12 for p in parts):
        return False  # snake_case, kebab-case, a path of short names
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and sp.entropy(value) >= 3.0
    return sp.entropy(value) >= 3.5


def result(res: RuleResult) -> RuleResult:
    findings = tuple(finding(f) for f in res.findings)
    return replace(res, reason=text(res.reason), findings=findings)


def finding(f: Finding) -> Finding:
    return replace(f, message=text(f.message))


def results(items: Iterable[RuleResult]) -> tuple[RuleResult, ...]:
    return tuple(result(r) for r in items)


def skipped(reasons: Mapping[str, str]) -> dict[str, str]:
    return {path: text(why) for path, why in reasons.items()}
