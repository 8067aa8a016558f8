"""DATA006: personal data in committed datasets and notebook outputs (values always redacted)."""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, NotCheckable, Outcome, ev
from mlguard.checks.registry import register
from mlguard.model import Evidence

DATA_FILES = ("*.csv", "*.tsv", "*.jsonl", "*.ndjson")
MAX_ROWS = 200
PII_COLUMNS = re.compile(
    r"^(e_?mail|email_?address|phone|phone_?number|mobile|mobile_?number|telephone|ssn|"
    r"social_?security(_?number)?|dob|date_?of_?birth|birth_?date|birthday|passport"
    r"(_?(number|no))?|iban|credit_?card(_?number)?|card_?number|cc_?number|first_?name|"
    r"last_?name|full_?name|surname|given_?name|street_?address|home_?address|address|"
    r"national_?id|tax_?id|driver_?licen[cs]e)$"
)
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
CARD = re.compile(r"(?<![\d.,])(?:\d[ -]?){12,18}\d(?![\d.,]\d|\d)")  # not inside numbers
CARD_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|6011|65)")
SAFE_DOMAINS = re.compile(r"@(example\.(com|org|net)|test\.com|localhost)\b", re.IGNORECASE)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _normalise(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.strip().strip("\"'").lower()).strip("_")


def _header(path: str, line: str) -> list[Evidence]:
    sep = "\t" if path.endswith(".tsv") else ","
    found = []
    for column in line.split(sep):
        if PII_COLUMNS.match(_normalise(column)):
            name = column.strip().strip("\"'")
            found.append(ev(path, 1, name, f"Column '{name}' holds personal data"))
    return found


def _values(path: str, number: int, line: str) -> list[Evidence]:
    found = []
    email = EMAIL.search(line)
    if email and not SAFE_DOMAINS.search(email.group(0)):
        found.append(ev(path, number, "email", "An e-mail address is committed (value redacted)"))
    if SSN.search(line):
        found.append(ev(path, number, "ssn", "A US social security number pattern (redacted)"))
    for match in CARD.finditer(line):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) in (15, 16) and CARD_PREFIX.match(digits) and _luhn(digits):
            found.append(ev(path, number, "card", "A payment card number (Luhn-valid, redacted)"))
            break
    return found


def _scan_table(ctx: CheckContext, path: str) -> list[Evidence]:
    lines = ctx.repo.lines(path)[:MAX_ROWS]
    found = [] if path.endswith((".jsonl", ".ndjson")) else _header(path, lines[0] if lines else "")
    kinds: set[str] = set()
    for number, line in enumerate(lines, 1):
        for item in _values(path, number, line):
            if item.text not in kinds:  # one finding per kind and file is enough
                kinds.add(item.text)
                found.append(item)
    return found


def _scan_notebook(ctx: CheckContext, path: str) -> list[Evidence]:
    facts = ctx.repo.notebook(path)
    found: list[Evidence] = []
    kinds: set[str] = set()
    for text, line in facts.outputs if facts is not None else ():
        for item in _values(path, line, text):
            if item.text not in kinds:
                kinds.add(item.text)
                found.append(ev(path, line, item.text, f"Notebook output: {item.message}"))
    return found


@register
def pii_committed(ctx: CheckContext) -> Outcome:
    """Committed CSV/TSV/JSONL files and notebook outputs with personal-data columns or values."""
    repo = ctx.repo
    if not repo.has_git:
        raise NotCheckable("not a git repository: cannot tell which data files are committed")
    found: list[Evidence] = []
    for path in repo.glob(*DATA_FILES):
        if repo.is_tracked(path):
            found += _scan_table(ctx, path)
    for path in repo.glob("*.ipynb"):
        if repo.is_tracked(path):
            found += _scan_notebook(ctx, path)
    return Outcome.violations(found)
