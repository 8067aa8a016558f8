"""Hardcoded secrets of the scanned repository, computed once per scan (``@fact``).

Which files are read, and how: Python, JavaScript/TypeScript, R, Julia, Scala, Java,
Kotlin, Go and Ruby code, notebooks (code cells, outputs and the raw file, so a token
printed into an output cell is found on its own line, ANSI colour codes removed),
configuration files (also ``.dvc/config``, ``.s3cfg``, ``.boto``, ``pip.conf``, Terraform
state), ``.env*`` files, Dockerfiles and shell scripts. Markdown and text files are read for
provider formats, private keys and URL credentials only (documentation is full of
``api_key = "..."`` examples). Lock files are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from mlguard.analyzers import secret_patterns as sp
from mlguard.analyzers.secrets import Mode, SecretHit, scan_line, scan_text
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.repo import globs

CODE_SUFFIXES = (
    ".py",
    ".pyi",
    ".pyw",
    ".js",
    ".mjs",
    ".cjs",
    ".jsx",
    ".ts",
    ".tsx",
    ".r",
    ".R",
    ".Rmd",
    ".jl",
    ".scala",
    ".java",
    ".kt",
    ".go",
    ".rb",
)
CONFIG_SUFFIXES = (
    ".yaml",
    ".yml",
    ".json",
    ".jsonc",
    ".toml",
    ".cfg",
    ".ini",
    ".properties",
    ".conf",
    ".env",
    ".tfvars",
    ".tf",
    ".hcl",
    ".sh",
    ".bash",
    ".zsh",
    ".tfstate",
    ".tfstate.backup",
)
CONFIG_NAMES = frozenset(
    {
        ".netrc",
        ".pypirc",
        ".npmrc",
        ".git-credentials",
        "credentials",
        ".envrc",
        "Makefile",
        ".s3cfg",
        ".boto",
        "pip.conf",
        "pip.ini",
    }
)
CONFIG_PATHS = (".dvc/config*", "**/.dvc/config*")
PROSE_SUFFIXES = (".md", ".txt", ".rst", ".in", ".pem", ".key", ".p8", ".ppk", ".asc")
KEY_FILES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
NEVER = ("*.lock", "*-lock.json", "*-lock.yaml", "*.lock.json", "*.min.js", "*.map")
ASSIGNMENT_KINDS = frozenset({"password", "high-entropy secret"})


@dataclass(frozen=True, order=True)
class FileSecret:
    path: str
    hit: SecretHit


# copies of a file kept beside it: read as the file they copy (``config.json.bak``,
# ``settings.yaml.example``, ``.dvc/config_example.local``)
COPY_SUFFIXES = (
    ".bak",
    ".backup",
    ".old",
    ".orig",
    ".save",
    ".local",
    ".example",
    ".sample",
    ".template",
    ".tmpl",
    ".dist",
)


def mode_for(path: str) -> Mode | None:
    name = PurePosixPath(path).name
    if globs.match_any(path, NEVER):
        return None
    if name.endswith(COPY_SUFFIXES) and "." in name[1:]:
        copied = path.rsplit(".", 1)[0]
        if PurePosixPath(copied).name:
            found = mode_for(copied)
            if found is not None:
                return found
    if name in ("Dockerfile", "Containerfile") or name.startswith("Dockerfile."):
        return Mode.DOCKER
    if name.endswith((".dockerfile", ".Dockerfile", ".containerfile")):
        return Mode.DOCKER
    if name.endswith(CODE_SUFFIXES):
        return Mode.CODE
    if name.startswith(".env") or name in CONFIG_NAMES or name.endswith(CONFIG_SUFFIXES):
        return Mode.CONFIG
    if globs.match_any(path, CONFIG_PATHS):
        return Mode.CONFIG
    if name.endswith(PROSE_SUFFIXES) or name in KEY_FILES:
        return Mode.PROSE
    return None


def _notebook(repo: Facts, rel: str, raw: str) -> list[SecretHit]:
    hits = set(scan_text(raw, Mode.PROSE))
    if sp.ANSI.search(raw):  # a token coloured by the program that printed it
        coloured = {h.fingerprint for h in hits}
        hits.update(
            h for h in scan_text(sp.ANSI.sub("", raw), Mode.PROSE) if h.fingerprint not in coloured
        )
    nb = repo.notebook(rel)
    if nb is None or nb.error:
        return sorted(hits)
    mapped = [
        replace(h, line=nb.file_line(h.line), column=0)
        for h in scan_text(nb.source, Mode.CODE)
        if h.kind in ASSIGNMENT_KINDS
    ]
    printed = [
        replace(h, column=0)
        for text, line in nb.outputs
        for h in scan_line(sp.ANSI.sub("", text), line, Mode.CONFIG)
        if h.kind in ASSIGNMENT_KINDS
    ]
    seen = {(h.line, h.fingerprint) for h in hits}
    for hit in [*mapped, *printed]:
        if (hit.line, hit.fingerprint) not in seen:
            seen.add((hit.line, hit.fingerprint))
            hits.add(hit)
    return sorted(hits)


def file_secrets(repo: Facts, rel: str) -> list[SecretHit]:
    if rel.endswith(".ipynb"):
        raw = repo.text(rel)
        return _notebook(repo, rel, raw) if raw is not None else []
    mode = mode_for(rel)
    if mode is None:
        return []
    text = repo.text(rel)
    return scan_text(text, mode) if text is not None else []


def _guarded(repo: Facts, rel: str) -> list[SecretHit]:
    """A file that breaks the scanner is skipped, with the exception's type only: its
    message could quote the text being scanned."""
    try:
        return file_secrets(repo, rel)
    except Exception as exc:
        repo.skipped.setdefault(rel, f"secrets scan failed ({type(exc).__name__})")
        return []


@fact
def repo_secrets(repo: Facts) -> tuple[FileSecret, ...]:
    """Every hit of every file in scope, sorted by path, line and column."""
    return tuple(FileSecret(rel, hit) for rel in repo.files for hit in _guarded(repo, rel))
