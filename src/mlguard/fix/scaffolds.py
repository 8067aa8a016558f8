"""Scaffolds: starter files for practices a scan found missing, one per rule.

A scaffold is offered only when its rule failed in the scan, and never replaces a file:
CODEOWNERS (GOV003), a model card (GOV001) and ``.github/dependabot.yml`` (SEC006) are
created only where no such file exists; ``.gitignore`` (VER004) only gets the missing
entries appended. ``.pre-commit-config.yaml`` hooks are in :mod:`mlguard.fix.precommit`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlguard.checks.governance.accountability import ML_ASSETS
from mlguard.checks.security.dependency_updates import DEPENDABOT, RENOVATE
from mlguard.facts.files import Facts
from mlguard.fix.model import Change, Fix, Skip
from mlguard.model import Finding
from mlguard.results.bom import Inventory

OWNER = "@OWNER"
ASSET_DIRS = ("models", "data", "pipelines", "conf", "configs")
CODEOWNERS_FILES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class Inputs:
    """What the scaffolds read: the repository's files (as the scan lists them), the ML
    inventory (as ``mlguard bom`` lists it) and the scan's findings."""

    root: Path
    repo: Facts
    inventory: Inventory
    training: tuple[str, ...]  # the training code (as GOV003 and the kind detection see it)
    findings: Sequence[Finding]


def exists(root: Path, rel: str) -> bool:
    """On disk, excluded or not: a scaffold never replaces a file (nor a symlink)."""
    return (root / rel).exists() or (root / rel).is_symlink()


def codeowners(src: Inputs) -> Change | Skip:
    present = [p for p in CODEOWNERS_FILES if exists(src.root, p)]
    if present:
        return Skip(present[0], "exists (no owner line covers the ML assets): add owners by hand")
    assets = sorted(set(src.training) | set(src.repo.glob(*ML_ASSETS)))
    patterns = sorted(
        {
            f"/{a.split('/', 1)[0]}/" if a.split("/", 1)[0] in ASSET_DIRS and "/" in a else f"/{a}"
            for a in assets
        }
    )
    if not patterns:
        return Skip(".github/CODEOWNERS", "no ML asset found to assign owners to")
    width = max(len(p) for p in patterns)
    text = (
        "# Owners review every change to the training code and ML assets (GOV003).\n"
        f"# Written by `mlguard fix`: replace {OWNER} with GitHub users or teams (@org/team).\n"
        + "".join(f"{p.ljust(width)}  {OWNER}\n" for p in patterns)
    )
    fix = Fix(".github/CODEOWNERS", 1, "GOV003", f"created: owners for {len(patterns)} ML path(s)")
    return Change(".github/CODEOWNERS", None, text.encode(), (fix,))


def model_card(src: Inputs) -> Change | Skip:
    path = "MODEL_CARD.md"
    if exists(src.root, path):
        return Skip(path, "exists: complete its sections by hand")
    inv = src.inventory
    models = [f"- `{m.path}` ({m.format})" for m in inv.models]
    base = [f"- `{h.ident}` ({h.pinned})" for h in inv.hub if h.repo_type == "model"]
    data = [f"- `{h.ident}` (Hugging Face dataset)" for h in inv.hub if h.repo_type == "dataset"]
    data += [f"- `{d.path}` (DVC)" for d in inv.data]
    code = [f"- `{p}`" for p in src.training]
    libs = ", ".join(sorted({lib.name for lib in inv.libraries}))
    todo = "TODO"

    def listed(items: list[str], none: str) -> str:
        return "\n".join(items) if items else none

    text = f"""\
# Model card: {inv.name}

Written by `mlguard fix` (GOV001) from what the repository holds. Replace each {todo}.

## Model details

Trained by:
{listed(code, "- " + todo + ": the training code")}

Model files:
{listed(models, "- " + todo + ": where the trained model is published (registry, release)")}

Base models:
{listed(base, "- none found")}

Frameworks: {libs or todo}

## Intended use

{todo}: what the model is for, who uses it, and the uses it is not meant for (out-of-scope).

## Training data

{listed(data, todo + ": the datasets, their versions, and how they were collected")}

## Evaluation

{todo}: the metrics, the evaluation data, and the results.

## Limitations

{todo}: known limitations, biases and risks.
"""
    fix = Fix(path, 1, "GOV001", f"created: a model card ({len(inv.models) + len(base)} model(s))")
    return Change(path, None, text.encode(), (fix,))


def dependabot(src: Inputs) -> Change | Skip:
    present = [p for p in (*DEPENDABOT, *RENOVATE) if exists(src.root, p)]
    if present:
        return Skip(present[0], "exists: add the missing ecosystems by hand")
    entries = [("pip", "/")]
    if src.repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml"):
        entries.append(("github-actions", "/"))
    dockerfiles = src.repo.glob("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")
    entries += [("docker", "/" + d) for d in sorted({posixpath.dirname(p) for p in dockerfiles})]
    blocks = "".join(
        f"  - package-ecosystem: {ecosystem}\n"
        f'    directory: "{directory.rstrip("/") or "/"}"\n'
        "    schedule:\n      interval: weekly\n"
        "    cooldown:\n      default-days: 7\n"
        for ecosystem, directory in entries
    )
    text = (
        "# Dependency updates (SEC006), written by `mlguard fix`.\nversion: 2\nupdates:\n" + blocks
    )
    names = ", ".join(e for e, _ in dict.fromkeys(entries))
    path = DEPENDABOT[0]
    return Change(path, None, text.encode(), (Fix(path, 1, "SEC006", f"created: {names}"),))


def _ignore_entry(finding: Finding) -> str:
    text = finding.snippet
    if text == finding.location.path:  # a DVC output committed to git
        return "/" + text
    return text


def gitignore(src: Inputs, before: bytes | None) -> Change | Skip:
    """VER004: the folders and files its findings name, appended when missing."""
    path = ".gitignore"
    wanted = [_ignore_entry(f) for f in src.findings if f.rule_id == "VER004" and f.snippet.strip()]
    old = (before or b"").decode("utf-8", "replace")
    have = {line.strip() for line in old.splitlines()}
    missing = [e for e in dict.fromkeys(wanted) if e not in have and e.rstrip("/") not in have]
    if not missing:
        return Skip(path, "already lists every ML output the scan found", "VER004")
    newline = "\r\n" if "\r\n" in old else "\n"
    lead = newline if old and not old.endswith("\n") else ""
    added = ["# ML outputs (mlguard fix, VER004)", *missing]
    line = old.count("\n") + 1 + (1 if lead else 0)
    what = f"{'appended' if before else 'created'}: {', '.join(missing)}"
    note = " (then `git rm -r --cached` them: they are committed)"
    fix = Fix(path, line, "VER004", what + note)
    head = before or b""
    return Change(path, before, head + (lead + newline.join(added) + newline).encode(), (fix,))


Scaffold = Callable[[Inputs], Change | Skip]
# rule -> scaffold (the .gitignore and pre-commit ones are called with the file's content)
CREATED: dict[str, Scaffold] = {
    "GOV003": codeowners,
    "GOV001": model_card,
    "SEC006": dependabot,
}
