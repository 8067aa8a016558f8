"""Governance checks: model cards with content, CODEOWNERS over ML assets, provenance."""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.governance.card_generation import card_generators, run_by_pipeline
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.facts.ci import seed_projects
from mlguard.facts.ci_commands import CI_FILES
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence
from mlguard.repo import git as gitfacts
from mlguard.repo import globs

CARD_FILES = (
    "MODEL_CARD.md",
    "model_cards/*.md",  # a folder of cards, one per model
    "model-cards/*.md",
    "model_card*.md",
    "modelcard*.md",
    "model-card*.md",
    "modelcard*.y*ml",
    "model_card*.y*ml",
    "models/**/README.md",
)
CARD_SECTIONS = {
    "intended use": r"intended[ _-]?use|use cases?|out-of-scope",
    "training data": r"training[ _-]?data|datasets?\b",
    "evaluation": r"evaluation|metrics|performance|results",
    "limitations": r"limitations|bias|risks|ethical|caveats",
}
HF_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---", re.DOTALL)
HF_CARD_KEYS = r"^(model-index|base_model|pipeline_tag|library_name):"
ML_ASSETS = (
    "dvc.yaml",
    "params.yaml",
    "MLproject",
    "models/**",
    "data/**",
    "pipelines/**",
    "conf/**",
    "configs/**",
)
PROVENANCE = (
    r"(actions/attest-build-provenance|actions/attest@|slsa-framework/slsa-github-generator"
    r"|cosign attest|witness run|in-toto-run)"
)
SIGNED_SHARE = 0.8
SIGNING = r"(cosign sign|sigstore|model_signing|gpg --detach-sign|gitsign|sigstore/gh-action)"


@register
def model_card(ctx: CheckContext) -> Outcome:
    """A model card covering intended use, training data, evaluation and limitations."""
    repo = ctx.repo
    generators, names = card_generators(ctx)
    runs = run_by_pipeline(ctx, names) if names else []
    if generators and runs:  # rewritten with each release
        return Outcome.passed(runs + generators)
    # a model folder's README is a card only when it has a card's sections, not just usage
    card_files = repo.glob(*CARD_FILES)
    readmes = [p for p in repo.glob("README.md", "**/README.md") if not traits.is_test_path(p)]
    sections = {p: _sections(repo, p) for p in (*card_files, *readmes)}
    cards = {p: sections[p] for p in card_files if not _folder_readme(p) or sections[p]}
    for readme in readmes:
        if readme in cards:
            continue
        front = HF_FRONT_MATTER.match(repo.text(readme) or "")
        hub_card = bool(front and re.search(HF_CARD_KEYS, front.group(1), re.M))
        if hub_card or _readme_card(repo, readme, sections[readme]):
            cards[readme] = sections[readme]
    if not cards and generators:
        return Outcome.partial(
            "A model card template or generator exists, but no pipeline stage or CI job runs "
            "it: the card is not written with each release.",
            generators[:3],
        )
    if not cards:
        return Outcome.failed("No model card (MODEL_CARD.md, model_card*.md, HF model README).")
    best: tuple[int, str, list[str]] = (-1, "", [])
    for path, present in cards.items():
        missing = [n for n in CARD_SECTIONS if n not in present]
        if len(present) > best[0]:
            best = (len(present), path, missing)
    _, path, missing = best
    if not missing:
        return Outcome.passed([ev(path)])
    return Outcome.partial(
        f"The model card {path} lacks sections: {', '.join(missing)}.", [ev(path)]
    )


def _folder_readme(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "README.md"


def _sections(repo: Facts, path: str) -> list[str]:
    """The model-card sections a card's headings name."""
    text = _headings(repo.text(path) or "")
    return [n for n, rx in CARD_SECTIONS.items() if re.search(rx, text, re.I)]


def _readme_card(repo: Facts, path: str, present: list[str]) -> bool:
    """A README that carries a model card (``present``: the card sections its headings
    name): a section describing the model, its limitations (the section only a card has) and
    at least one other card section."""
    return "limitations" in present and len(present) >= 2 and _mentions_model(repo, path)


MODEL_HEADING = re.compile(
    r"^[ \t]*#+[ \t]*(model[ \t]+(overview|details|description|card|summary|information)"
    r"|about[ \t]+the[ \t]+model)\b",
    re.I | re.M,
)


def _mentions_model(repo: Facts, path: str) -> bool:
    """The README describes a model in a section of its own (Model Overview, Model Details)."""
    return bool(MODEL_HEADING.search(repo.text(path) or ""))


def _headings(text: str) -> str:
    """Markdown headings and YAML keys of a card: where its sections are named."""
    return "\n".join(
        line for line in text.splitlines() if re.match(r"\s*(#|[A-Za-z_][\w -]*:)", line)
    )


OWNER_FILES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


def _owner_patterns(ctx: CheckContext) -> list[tuple[str, int, str, str]]:
    """(file, line, pattern, root) of each CODEOWNERS rule. A seed project's own CODEOWNERS
    (a cookiecutter folder's ``.github/CODEOWNERS``, at the root of the repository generated
    from it) covers the files under that folder, its ``root``."""
    rows = []
    for root in ("", *seed_projects(ctx.repo)):
        prefix = f"{root}/" if root else ""
        for path in (f"{prefix}{name}" for name in OWNER_FILES):  # no glob: {{ }} in names
            if path not in ctx.repo.files:
                continue
            for number, raw in enumerate(ctx.repo.lines(path), 1):
                parts = raw.split("#", 1)[0].split()
                if len(parts) >= 2:
                    rows.append((path, number, parts[0], root))
    return rows


def _owns(row: tuple[str, int, str, str], asset: str) -> bool:
    root = row[3]
    if not root:
        return _covers(row[2], asset)
    return asset.startswith(f"{root}/") and _covers(row[2], asset[len(root) + 1 :])


def _covers(pattern: str, path: str) -> bool:
    if pattern in ("*", "/*", "**", "/**"):
        return True
    if pattern.endswith("/"):
        return globs.match(path, pattern) or globs.match(path, pattern.lstrip("/") + "**")
    return globs.match(path, pattern) or globs.match(path, pattern.rstrip("/") + "/**")


@register
def ml_owners(ctx: CheckContext) -> Outcome:
    """CODEOWNERS assigns owners to the training code and ML assets (dvc.yaml, models/...)."""
    rows = _owner_patterns(ctx)
    if not rows:
        return Outcome.failed("No CODEOWNERS file.")
    assets = sorted(set(traits.training_files(ctx.repo)) | set(ctx.repo.glob(*ML_ASSETS)))
    covered: list[Evidence] = []
    uncovered = []
    for asset in assets:
        hit = next((r for r in reversed(rows) if _owns(r, asset)), None)
        if hit:
            covered.append(ev(hit[0], hit[1], hit[2]))
        else:
            uncovered.append(asset)
    if not uncovered:
        return Outcome.passed(sorted(set(covered), key=lambda e: e.location))
    return Outcome.partial(
        f"CODEOWNERS does not cover {len(uncovered)} ML asset(s): {', '.join(uncovered[:5])}.",
        [ev(rows[0][0])],
    )


@register(needs_python=False)
def provenance(ctx: CheckContext) -> Outcome:
    """CI attests build provenance (pass); artefacts are only signed (partial)."""
    repo = ctx.repo
    files = repo.glob(*CI_FILES, "Makefile", "scripts/*.sh", "*.sh")
    attested = _lines(ctx, files, PROVENANCE)
    if attested:
        return Outcome.passed(attested)
    signed = _lines(ctx, [*files, *repo.glob(".gitsign*", ".pre-commit-config.yaml")], SIGNING)
    if signed:
        return Outcome.partial(
            "Artefacts are signed but no build provenance is attested.", signed[:1]
        )
    commits, total = _signed_commits(ctx)
    if total and commits >= SIGNED_SHARE * total:
        return Outcome.partial(
            f"{commits} of the last {total} commits are signed, but no build provenance "
            "is attested."
        )
    return Outcome.failed("No build provenance attestation or artefact signing.")


def _signed_commits(ctx: CheckContext) -> tuple[int, int]:
    return _signed(ctx.repo)


@fact
def _signed(repo: Facts) -> tuple[int, int]:
    return gitfacts.signed_commits(repo.git) if repo.git else (0, 0)


def _lines(ctx: CheckContext, files: list[str], pattern: str) -> list[Evidence]:
    regex = re.compile(pattern)
    found = []
    for path in sorted(set(files)):
        for number, line in enumerate(ctx.repo.lines(path), 1):
            match = regex.search(line)
            if match:
                found.append(ev(path, number, match.group(0)))
                break
    return found
