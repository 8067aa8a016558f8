"""Hardcoded secrets in text (pure): provider formats, private keys, credentials in URLs,
and high-entropy literals assigned to secret-like names.

A hit never carries the secret: only a redacted form (the provider's public prefix and the
length, e.g. ``hf_…(37 chars)``) and a fingerprint that identifies the finding without
revealing the value. Long lines are scanned in overlapping windows of bounded size, so the
cost stays linear even on a pathological multi-megabyte line.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from mlguard.analyzers import secret_patterns as sp
from mlguard.safeio.lines import line_at

WINDOW = 4096
OVERLAP = 1024  # longer than any match, so a secret straddling two windows is seen whole
TRAILING_ESCAPES = re.compile(r"(?:\\[nrt]|[,;)\]}])+$")  # ``str,\n`` -> ``str``
KEY_LOOKAHEAD = 4  # lines after a BEGIN ... PRIVATE KEY header that may hold key material


class Mode(StrEnum):
    """How a file's text is read: which detectors run and whether values must be quoted."""

    CODE = "code"  # Python: provider formats + quoted literals assigned to secret names
    CONFIG = "config"  # YAML/JSON/TOML/INI/.env/shell: also unquoted values
    DOCKER = "docker"  # Dockerfile: CONFIG plus ``ENV NAME value``
    PROSE = "prose"  # Markdown/text: provider formats, private keys and URL credentials only


@dataclass(frozen=True, order=True)
class SecretHit:
    line: int
    column: int
    kind: str
    redacted: str
    fingerprint: str  # stable, line-independent, does not reveal the value


def redact(secret: str, shown: str = "") -> str:
    """The provider's public prefix (or 2 characters of a long value) and the length."""
    if not shown and len(secret) >= 16:
        shown = secret[:2]
    return f"{shown}…({len(secret)} chars)"


def _fingerprint(kind: str, name: str, secret: str, redacted: str) -> str:
    data = secret.encode("utf-8", "surrogatepass")  # notebooks' JSON may hold lone surrogates
    digest = hashlib.sha256(data).hexdigest()[:12] if len(secret) >= 20 else ""
    return f"{kind}|{name}|{redacted}|{digest}"


def _hit(
    line: int, column: int, kind: str, secret: str, shown: str = "", name: str = ""
) -> SecretHit:
    redacted = redact(secret, shown)
    return SecretHit(line, column, kind, redacted, _fingerprint(kind, name, secret, redacted))


def _windows(line: str) -> Iterator[tuple[int, str]]:
    if len(line) <= WINDOW:
        yield 0, line
        return
    start = 0
    while True:
        yield start, line[start : start + WINDOW]
        if start + WINDOW >= len(line):
            return
        start += WINDOW - OVERLAP


Span = tuple[int, int]


def _providers(chunk: str, low: str) -> Iterator[tuple[Span, str, str, str]]:
    for pattern in sp.PROVIDERS:
        if not any(anchor in low for anchor in pattern.anchors):
            continue
        for m in pattern.regex.finditer(chunk):
            secret = m.group("s")
            shown = m.groupdict().get("p") or ""
            body = secret[len(shown) :]
            if sp.is_placeholder(body) or sp.entropy(body) < 2.5:
                continue
            if pattern.strict and not sp.strong_value(body, "secret"):
                continue
            yield m.span("s"), pattern.kind, secret, shown


def _url_credentials(chunk: str) -> Iterator[tuple[Span, str, str, str]]:
    if "://" not in chunk:
        return
    for m in sp.URL_CREDENTIALS.finditer(chunk):
        user, password, host = m.group("user"), m.group("s"), m.group("host").lower()
        if host in sp.LOCAL_HOSTS or host.endswith((".example", ".local", "example.com")):
            continue
        # ``postgres:postgres@db``: a local stack's default for a service name; the same pair
        # for an address or a domain (``admin:admin@10.74.208.3``) logs into a real server
        if (password == user and "." not in host) or sp.is_placeholder(password):
            continue
        if sp.placeholder_user(user):
            continue
        if password.lower() in {"pass", "pw", "pwd", "user", "username", "x", "oauth"}:
            continue
        yield m.span("s"), "password in a URL", password, ""


def _assignments(chunk: str, mode: Mode) -> Iterator[tuple[Span, str, str, str]]:
    matches = list(sp.ASSIGNMENT.finditer(chunk))
    if mode == Mode.DOCKER:
        matches += list(sp.DOCKER_ENV.finditer(chunk))
    for m in matches:
        quote, value = m.group("q"), m.group("value")
        if quote:
            if chunk[m.end("value") : m.end("value") + 1] != quote:
                continue
        elif mode == Mode.CODE:
            continue
        else:  # trailing punctuation, and escaped line ends of code embedded in YAML
            value = TRAILING_ESCAPES.sub("", value).rstrip(",;)]}")
        if chunk[max(0, m.start("name") - 2) : m.start("name")] == "${":
            continue  # ``${DB_PASSWORD:-dev}``: a shell default; provider formats still count
        role = sp.secret_name(m.group("name"))
        if role and sp.strong_value(value, role):
            kind = "password" if role == "password" else "high-entropy secret"
            start = m.start("value")
            yield (start, start + len(value)), kind, value, m.group("name")


def _overlaps(span: Span, taken: Sequence[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _candidates(chunk: str, mode: Mode) -> Iterator[tuple[Span, str, str, str, str]]:
    low = chunk.lower()
    for span, kind, secret, shown in [*_providers(chunk, low), *_url_credentials(chunk)]:
        yield span, kind, secret, shown, ""
    if mode != Mode.PROSE and any(anchor in low for anchor in sp.ASSIGNMENT_ANCHORS):
        for span, kind, secret, name in _assignments(chunk, mode):
            yield span, kind, secret, "", name


def scan_line(line: str, number: int, mode: Mode, encoded: bool = True) -> list[SecretHit]:
    """Hits of one line (private keys excepted: they need the following lines), including
    secrets split into adjacent string literals (``"ghp_" "…"``, ``'hf_' + '…'``) and
    provider tokens inside base64 text."""
    hits = _scan_plain(line, number, mode)
    seen = {h.fingerprint for h in hits}
    split = mode != Mode.PROSE and line.count('"') + line.count("'") >= 4
    joined = sp.CONCAT.sub("", line) if split else line
    if joined != line:
        hits += [h for h in _scan_plain(joined, number, mode) if h.fingerprint not in seen]
        seen = {h.fingerprint for h in hits}
    if encoded and sp.BASE64_ANCHOR.search(line):
        hits += [h for h in _base64_hits(line, number) if h.fingerprint not in seen]
    return sorted(hits)


def _decodes(text: str) -> bool:
    return "b64" in text or "base64" in text or "atob(" in text


def _base64_hits(line: str, number: int) -> list[SecretHit]:
    """Provider tokens in base64-encoded runs of the line (``dG9rZW46IGdocF8…``)."""
    found = []
    for m in sp.BASE64_RUN.finditer(line[: WINDOW * 4]):
        if not sp.BASE64_ANCHOR.search(m.group(0)):
            continue
        try:
            decoded = base64.b64decode(m.group(0) + "=" * (-len(m.group(0)) % 4), validate=True)
            text = decoded.decode("ascii")
        except (ValueError, UnicodeDecodeError):
            continue
        if not text.isprintable():
            continue
        for _span, kind, secret, shown in _providers(text, text.lower()):
            found.append(_hit(number, m.start() + 1, f"{kind} (base64-encoded)", secret, shown))
    return found


def _scan_plain(line: str, number: int, mode: Mode) -> list[SecretHit]:
    hits: dict[tuple[int, str], SecretHit] = {}
    for offset, chunk in _windows(line):
        cut = offset + len(chunk) < len(line)
        taken: list[Span] = []
        for span, kind, secret, shown, name in _candidates(chunk, mode):
            if (cut and span[1] >= len(chunk)) or _overlaps(span, taken):
                continue  # cut by the window's end: the next window sees it whole
            taken.append(span)
            start = offset + span[0]
            hits[(start, kind)] = _hit(number, start + 1, kind, secret, shown, name)
    return list(hits.values())


def secret_spans(line: str, mode: Mode) -> list[tuple[int, int, str]]:
    """(start, end, redacted form) of each secret in one line (for redacting messages)."""
    found: dict[int, tuple[int, int, str]] = {}
    for offset, chunk in _windows(line):
        taken: list[Span] = []
        for span, _kind, secret, shown, _name in _candidates(chunk, mode):
            if _overlaps(span, taken):
                continue
            taken.append(span)
            start = offset + span[0]
            found.setdefault(start, (start, offset + span[1], redact(secret, shown)))
    spans: list[tuple[int, int, str]] = []
    for item in sorted(found.values()):
        if not spans or item[0] >= spans[-1][1]:
            spans.append(item)
    return spans


def _key_material(chunk: str, following: Sequence[str]) -> list[tuple[int, str]]:
    """(start, text) of base64 runs in the chunk, then in the next lines (start: len(chunk))."""
    found = [(m.start(), m.group(0)) for m in sp.KEY_BODY.finditer(chunk)]
    for line in following:
        body = sp.KEY_BODY.search(line[:WINDOW])
        if body:
            found.append((len(chunk), body.group(0)))
            break
    return found


def _private_keys(lines: Sequence[str]) -> Iterator[SecretHit]:
    """A BEGIN ... PRIVATE KEY header followed by key material (not ``...``) on the same
    line or within the next few lines. Each window is searched for material once."""
    for index, line in enumerate(lines):
        if "PRIVATE KEY" not in line:
            continue
        following = lines[index + 1 : index + 1 + KEY_LOOKAHEAD]
        for offset, chunk in _windows(line):
            headers = list(sp.PRIVATE_KEY.finditer(chunk))
            material = _key_material(chunk, following) if headers else []
            for m in headers:
                body = next((text for start, text in material if start >= m.end()), None)
                if body is None:
                    break  # no material after this header, hence none after later ones
                label = m.group(0).strip("-").removeprefix("BEGIN ").lower()
                digest = hashlib.sha256(body.encode()).hexdigest()[:12]
                fingerprint = f"private key|{label}|{digest}"
                column = offset + m.start() + 1
                yield SecretHit(index + 1, column, "private key", f"{label} block", fingerprint)


def _terraform_defaults(text: str) -> Iterator[SecretHit]:
    """Defaults of Terraform variables named like a secret (``variable "db_password"``)."""
    for block in sp.TERRAFORM_VARIABLE.finditer(text):
        role = sp.secret_name(block.group("name"))
        default = sp.TERRAFORM_DEFAULT.search(block.group("body")) if role else None
        if default is None or not sp.strong_value(default.group("value"), role):
            continue
        start = block.start("body") + default.start("value")
        line = line_at(text, start)
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        kind = "password" if role == "password" else "high-entropy secret"
        yield _hit(line, column, kind, default.group("value"), name=block.group("name"))


def scan_text(text: str, mode: Mode) -> list[SecretHit]:
    """Every hit in ``text``, sorted by line and column."""
    lines = text.splitlines()
    hits: set[SecretHit] = set(_private_keys(lines))
    if mode == Mode.CONFIG and "variable" in text:
        hits.update(_terraform_defaults(text))
    # base64 text is looked into in config files (Kubernetes Secret data, .env) and in
    # code that decodes base64; elsewhere only on lines that pass the anchors anyway
    encoded = (mode in (Mode.CONFIG, Mode.DOCKER) or (mode == Mode.CODE and _decodes(text))) and (
        sp.BASE64_ANCHOR.search(text) is not None
    )
    for number, line in enumerate(lines, 1):
        # one C-level pass rules out most lines
        if sp.ANY_ANCHOR.search(line.lower()) or (encoded and sp.BASE64_ANCHOR.search(line)):
            hits.update(scan_line(line, number, mode, encoded))
    return sorted(hits)
