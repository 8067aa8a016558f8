"""Secret patterns and value heuristics (pure). Used by :mod:`mlguard.analyzers.secrets`.

Every regex here is safe on hostile input: quantifiers are bounded, no quantified group
contains another unbounded quantifier, and the scanner feeds at most ``WINDOW`` characters
at a time, so scanning is linear in the length of a line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    """A provider credential format. Group ``s`` is the secret, ``p`` its public prefix.

    ``anchors``: lower-case substrings one of which every match contains, so that a cheap
    ``in`` test skips the regex on the vast majority of lines.
    """

    kind: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]
    strict: bool = False  # the format alone is weak evidence: the value must look random


def _token(
    kind: str,
    body: str,
    anchors: tuple[str, ...],
    before: str = "A-Za-z0-9_-",
    after: str = "A-Za-z0-9_-",
) -> Pattern:
    guard = rf"(?<![{before}])" if before else ""
    if before.endswith("-"):  # a dash joins words (``my-sk-...``) but not ``${T:-sk-...}``
        word = before[:-1]
        guard = rf"(?<![{word}])(?<![{word}]-)"
    return Pattern(kind, re.compile(rf"{guard}(?P<s>{body})(?![{after}])"), anchors)


GITHUB = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
PROVIDERS: tuple[Pattern, ...] = (
    _token("Anthropic API key", r"(?P<p>sk-ant-)[A-Za-z0-9_-]{20,250}", ("sk-ant-",)),
    _token("OpenAI API key", r"(?P<p>sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]{20,250}", ("sk-",)),
    _token("OpenAI API key", r"(?P<p>sk-)[A-Za-z0-9]{32,200}", ("sk-",)),
    _token("Hugging Face token", r"(?P<p>hf_)[A-Za-z0-9]{30,200}", ("hf_",), after="A-Za-z0-9_"),
    _token(
        "AWS access key id",
        r"(?P<p>A(?:KIA|SIA))[A-Z0-9]{16}",
        ("akia", "asia"),
        "A-Za-z0-9",
        "A-Za-z0-9",
    ),
    _token("GitHub token", r"(?P<p>gh[pousr]_)[A-Za-z0-9]{36,251}", GITHUB, after="A-Za-z0-9_"),
    _token("GitHub token", r"(?P<p>github_pat_)[A-Za-z0-9_]{50,250}", ("github_pat_",)),
    _token("GitLab token", r"(?P<p>glpat-)[A-Za-z0-9_-]{20,100}", ("glpat-",)),
    _token("Slack token", r"(?P<p>xox[baprs]-)[A-Za-z0-9-]{10,250}", ("xox",)),
    _token(
        "Slack webhook URL",
        r"(?P<p>https://hooks\.slack\.com/services/)T[A-Za-z0-9_]{6,20}/B[A-Za-z0-9_]{6,20}"
        r"/[A-Za-z0-9]{16,64}",
        ("hooks.slack.com",),
        before="",
        after="A-Za-z0-9",
    ),
    _token("Google API key", r"(?P<p>AIza)[0-9A-Za-z_-]{35}", ("aiza",)),
    _token("PyPI token", r"(?P<p>pypi-)AgE[A-Za-z0-9_-]{50,400}", ("pypi-",)),
    Pattern(
        "AWS secret access key",
        re.compile(
            r"(?i:aws_?secret_?(?:access_?)?key)[\"']?[ \t]{0,4}[:=][ \t]{0,4}[\"']?"
            r"(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        ("aws",),
    ),
    Pattern(
        "Weights & Biases API key",
        re.compile(
            r"(?i:wandb_api_key|wandb\.login\([^)\n]{0,80}?\bkey)[\"']?\]?[ \t]{0,4}[:=]"
            r"[ \t]{0,4}[\"']?(?P<s>[0-9a-f]{40})(?![0-9A-Za-z])"
        ),
        ("wandb",),
    ),
    Pattern(
        "Weights & Biases API key",
        re.compile(
            r"(?i:wandb)[ \t]{1,4}login(?:[ \t]{1,4}--[\w-]{1,20}){0,3}[ \t]{1,4}"
            r"(?P<s>[0-9a-f]{40})(?![0-9A-Za-z])"
        ),
        ("wandb",),
    ),
    Pattern(
        "Azure storage account key",
        re.compile(r"(?i:AccountKey)=(?P<s>[A-Za-z0-9+/]{40,200}={0,2})"),
        ("accountkey",),
    ),
    Pattern(
        "bearer token",
        re.compile(
            r"(?<![A-Za-z])(?P<s>(?P<p>[Bb]earer )[A-Za-z0-9._~+/-]{20,500}=*)(?![\w.~+/=-])"
        ),
        ("bearer ",),
        strict=True,
    ),
)
ASSIGNMENT_ANCHORS = ("key", "token", "secret", "pass", "pwd", "credential")
ANY_ANCHOR = re.compile(
    "|".join(
        re.escape(a)
        for a in sorted({a for p in PROVIDERS for a in p.anchors} | {*ASSIGNMENT_ANCHORS, "://"})
    )
)  # searched in the lower-cased line

URL_CREDENTIALS = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,19}://(?P<user>[^\s:/@'\"`<>]{1,64}):"
    r"(?P<s>[^\s/@'\"`<>]{1,128})@(?P<host>[A-Za-z0-9._-]{1,253})"
)
PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----")
KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{40}")

ASSIGNMENT = re.compile(
    r"(?<![\w.-])(?P<name>[A-Za-z_][\w.-]{0,63})(?P<nq>[\"']?)\]?"
    r"(?:[ \t]{0,4}:[ \t]{0,4}[A-Za-z_][\w.]{0,30}(?:\[[\w., |]{0,40}\])?)?"
    r"[ \t]{0,8}(?::=|=>|<-|=(?!=)|:)[ \t]{0,8}(?P<q>[\"'`]?)(?P<value>[^\s\"'`]{1,256})"
)
DOCKER_ENV = re.compile(
    r"^[ \t]{0,16}(?i:ENV|ARG)[ \t]{1,8}(?P<name>[A-Za-z_]\w{0,63})[ \t]{1,8}"
    r"(?P<q>[\"']?)(?P<value>[^\s\"'=]{1,256})"
)

# A Terraform variable whose name announces a secret and whose default holds it:
# ``variable "db_password" { ... default = "Hello2024" ... }`` (the name is on another line
# than the value, so the line-by-line assignment pattern cannot see it).
TERRAFORM_VARIABLE = re.compile(
    r'^[ \t]*variable[ \t]+"(?P<name>[A-Za-z_][\w-]{0,63})"[ \t]*\{(?P<body>[^{}]{0,2000}?)\}',
    re.MULTILINE,
)
TERRAFORM_DEFAULT = re.compile(r'^[ \t]*default[ \t]*=[ \t]*"(?P<value>[^"\n]{1,256})"', re.M)

SECRET_WORDS = frozenset(
    {"token", "secret", "password", "passwd", "pwd", "passphrase", "credential", "credentials"}
)
PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "auth", "signing", "encryption", "master", "client"}
    | {"fernet", "jwt", "hmac", "session", "cookie"}  # keys that sign or encrypt
)
COMPOUND_WORDS = ("apikey", "secretkey", "accesskey", "authtoken", "accesstoken", "privatekey")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NOT_SECRET_LAST = _words(
    "path file filename files dir folder name names env var vars id ids url uri endpoint host "
    "type types len length size count num limit limits field fields column col header headers "
    "prefix suffix pattern regex format template prompt user username usernames email "
    "hash algorithm algo method mode policy rotation expiry expires ttl timeout scope scopes "
    "index idx position pos map mapping dict list ids budget rate required enabled "
    "location source provider label description help"
)
ML_TOKEN_ROLES = _words(
    "pad unk bos eos sep cls mask start end stop special image audio video eot sos sot eod "
    "additional placeholder vision boi eoi default chat think tool bot"
)
PLACEHOLDER_WORDS = (
    "xxx",
    "***",
    "...",
    "…",
    "your",
    "example",
    "sample",
    "dummy",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "redacted",
    "fake",
    "test",
    "insert",
    "replace",
    "todo",
    "fixme",
    "secret",
    "password",
    "passwd",
    "token",
    "apikey",
    "api_key",
    "12345",
    "abcdef",
    "notreal",
    "mock",
)
PLACEHOLDER_EXACT = frozenset({"none", "null", "nil", "true", "false", "undefined", "empty"})
NAME_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host", "hostname"})  # noqa: S104 # nosec B104


def name_words(name: str) -> list[str]:
    return [w.lower() for w in NAME_SPLIT.split(name) if w]


def secret_name(name: str) -> str:
    """``"password"``, ``"secret"`` or ``""``: what kind of value a name announces."""
    words = name_words(name)
    if not words or words[-1] in NOT_SECRET_LAST:
        return ""
    joined = "".join(words)
    for index, word in enumerate(words):
        if word in PASSWORD_WORDS:
            return "password"
        if word == "secret" and words[index + 1 : index + 2] in ([], ["key"]):
            # a service's secret or secret key (MINIO_SECRET_KEY, CLIENT_SECRET) is the
            # password of its account: a short mixed value is one, not only long random ones
            return "password"
        if word == "token" and index and words[index - 1] in ML_TOKEN_ROLES:
            return ""
        if word in SECRET_WORDS:
            return "secret"
        if word == "key" and (len(words) == 1 or (index and words[index - 1] in KEY_QUALIFIERS)):
            return "secret"
    return "secret" if any(c in joined for c in COMPOUND_WORDS) else ""


def entropy(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def placeholder_user(user: str) -> bool:
    """A URL's user name that stands for one (``<user>``, ``${DB_USER}``, ``your_user``);
    a short real name (``app``, ``u``, ``ml``) is not."""
    low = user.lower()
    if low in PLACEHOLDER_EXACT or any(m in user for m in ("${", "{{", "}}", "$(", "%(", "<")):
        return True
    return any(_has_word(low, word) for word in PLACEHOLDER_WORDS)


# Text that hides a secret from a plain pattern match, undone before matching:
# ANSI colour codes around a token printed into a notebook output (ESC itself, or as a
# JSON/Python escape), and a literal split into adjacent or ``+``-joined string literals.
ANSI = re.compile(r"(?:\x1b|\\u001[bB]|\\x1[bB]|\\033|\\e)\[[0-9;]{0,20}[A-Za-z]")
CONCAT = re.compile(r"(?<=[A-Za-z0-9_-])([\"'])[ \t]{0,8}\+?[ \t]{0,8}\1(?=[A-Za-z0-9_-])")
BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{24,400}={0,2}(?![A-Za-z0-9+/=_-])")


def _base64_anchors(prefix: bytes) -> list[str]:
    """Substrings every base64 encoding of a text containing ``prefix`` has, one per
    alignment of the prefix (the characters whose six bits all come from it)."""
    import base64

    found = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + prefix).decode()
        start, end = 8 * pad, 8 * (pad + len(prefix))
        chars = [encoded[i] for i in range(len(encoded)) if 6 * i >= start and 6 * i + 6 <= end]
        if len(chars) >= 4:
            found.append("".join(chars))
    return found


BASE64_PREFIXES = (
    b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"github_pat_", b"glpat-", b"sk-ant-",
    b"sk-proj-", b"hf_", b"AKIA", b"ASIA", b"xoxb-", b"xoxp-", b"AIza", b"pypi-AgE",
)  # fmt: skip
BASE64_ANCHOR = re.compile(
    "|".join(sorted({re.escape(a) for p in BASE64_PREFIXES for a in _base64_anchors(p)}))
)


def is_placeholder(value: str) -> bool:
    low = value.lower()
    if low in PLACEHOLDER_EXACT or len(set(low)) <= 2:
        return True
    if any(mark in value for mark in ("${", "{{", "}}", "$(", "%(", "<", ">")):
        return True
    if value.startswith(("$", "{", "[", "%", "!", "env:", "vault:", "ssm:", "arn:", "secret:")):
        return True
    return any(_has_word(low, word) for word in PLACEHOLDER_WORDS)


def _has_word(low: str, word: str) -> bool:
    """``word`` in ``low``; a letter word must start or end at a non-alphanumeric boundary,
    so a random token that happens to contain ``todo`` or ``test`` is still a secret."""
    if not word.isalnum():
        return word in low
    start = low.find(word)
    while start != -1:
        end = start + len(word)
        before = start == 0 or not low[start - 1].isalnum()
        after = end == len(low) or not low[end].isalnum()
        if before or after:
            return True
        start = low.find(word, start + 1)
    return False


SEGMENTS = re.compile(r"[-_.:/]")
FILE_LIKE = re.compile(r"(?:^[./~]|\.[A-Za-z]{2,5}$|^[a-z][a-z0-9+.-]{1,19}://)")


def looks_like_identifier(value: str) -> bool:
    """Words joined by separators (``bert-base-uncased``, UUIDs) or a path/URL."""
    if FILE_LIKE.search(value):
        return True
    parts = [p for p in SEGMENTS.split(value) if p]
    return len(parts) >= 2 and all(len(p) <= 12 for p in parts)


CAMEL_PART = re.compile(r"[A-Z]?[a-z]+\d*|[A-Z]+\d*(?![a-z])|\d+")
WORD = re.compile(r"[A-Z]?[a-z]{2,11}\d{0,2}|[A-Z]{1,4}\d{0,2}")


def _camel_words(value: str) -> bool:
    """Words run together in camelCase, with separators between groups
    (``sagemaker:projectS3TemplatesLocation``): a name, not a credential. Only for
    high-entropy secrets; a passphrase of words given to a password name is still one."""
    parts = [p for p in SEGMENTS.split(value) if p]
    words = [w for p in parts for w in CAMEL_PART.findall(p)]
    if len(words) < 3 or sum(map(len, words)) != sum(map(len, parts)):
        return False
    return all(WORD.fullmatch(w) for w in words)


def _char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def strong_value(value: str, role: str) -> bool:
    """Is ``value`` plausibly a real credential for a name announcing ``role``?"""
    if is_placeholder(value) or looks_like_identifier(value):
        return False
    if role == "password":  # a single character class is a local default (postgres, admin)
        return len(value) >= 6 and entropy(value) >= 2.0 and _char_classes(value) >= 2
    if len(value) < 16 or not any(c.isalpha() for c in value) or _camel_words(value):
        return False
    if not any(c.isdigit() for c in value) and not any(c in "+/=-_" for c in value):
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and entropy(value) >= 3.0
    return entropy(value) >= 3.3
