"""SEC008: released models and data carry hashes or signatures that downloads are checked
against.

Pass: signature bundles (``*.sig``, ``*.sigstore``, ``*.sigstore.json``), a signing or
verifying step (OpenSSF ``model_signing``, ``cosign sign-blob``/``verify-blob``, ``sigstore
sign``/``verify``) in CI or scripts, or a CycloneDX AI-BOM naming a model. Partial: content
hashes without signatures (DVC ``.dvc``/``dvc.lock`` checksums, ``SHA256SUMS``/``*.sha256``
manifests).
"""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.safeio.lines import line_at

BUNDLES = ("*.sig", "*.sigstore", "*.sigstore.json", "*.sig.json")
SIGNING = re.compile(
    r"\bmodel[_-]signing\b|\bcosign\s+(sign|verify)-blob\b|\bsigstore\s+(sign|verify)\b"
)
SCRIPTS = (
    ".github/workflows/*.y*ml",
    ".gitlab-ci.yml",
    "Makefile",
    "*.sh",
    "dvc.yaml",
    "pyproject.toml",
    "requirements*.txt",
)
BOMS = ("*.cdx.json", "bom.json", "*.bom.json", "aibom*.json")
HASHES = ("*.dvc", "dvc.lock", "SHA256SUMS*", "*.sha256", "checksums*.txt")


@register
def model_integrity(ctx: CheckContext) -> Outcome:
    """Signatures (or, for partial, content hashes) for the models and data."""
    repo = ctx.repo
    bundles = repo.glob(*BUNDLES)
    if bundles:
        return Outcome.passed([ev(bundles[0], 1, "signature")], f"signature: {bundles[0]}")
    for path in repo.glob(*SCRIPTS):
        text = repo.text(path) or ""
        match = SIGNING.search(text)
        if match:
            line = line_at(text, match.start())
            return Outcome.passed([ev(path, line, match.group(0))], f"signing: {path}")
    for path in repo.glob(*BOMS):
        text = repo.text(path) or ""
        if "CycloneDX" in text and "machine-learning-model" in text:
            return Outcome.passed([ev(path, 1, "ai-bom")], f"AI-BOM: {path}")
    hashes = repo.glob(*HASHES)
    if hashes:
        return Outcome.partial(
            f"Content hashes ({hashes[0]}) but no signatures: a hash stored next to the file "
            "it protects is changed along with it; sign releases (model_signing, cosign).",
            [ev(hashes[0], 1, "hashes")],
        )
    return Outcome.failed(
        "No signatures, signing step, AI-BOM or content hashes for models or data."
    )
