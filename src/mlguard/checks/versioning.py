"""Versioning checks: data and models under version control, artifacts kept out of git."""

from __future__ import annotations

from mlguard.checks.base import CheckContext, NotCheckable, Outcome, ev
from mlguard.checks.registry import register

ARTIFACT_DIRS = (
    "mlruns/",
    "mlartifacts/",
    "wandb/",
    "lightning_logs/",
    ".ipynb_checkpoints/",
    "multirun/",
)
DATA_GLOBS = ("data/**", "*.csv", "*.parquet", "*.tsv", "*.feather", "*.jsonl")


@register("versioning.data_versioned")
def data_versioned(ctx: CheckContext) -> Outcome:
    """DVC-tracked outputs or git-LFS rules for data count as data versioning."""
    repo = ctx.repo
    dvc_files = repo.glob("*.dvc", "dvc.yaml")
    if repo.exists(".dvc/config") and dvc_files:
        return Outcome.passed([ev(p) for p in dvc_files])
    for attr in repo.glob(".gitattributes"):
        for number, line in enumerate(repo.lines(attr), 1):
            if "filter=lfs" in line:
                return Outcome.passed([ev(attr, number, line.strip())])
    if dvc_files or repo.exists(".dvc/config"):
        return Outcome.partial("DVC is set up but no data is tracked by it yet.")
    return Outcome.failed("No DVC (.dvc/config with .dvc files or dvc.yaml) or git-LFS data rules.")


@register("versioning.artifacts_ignored")
def artifacts_ignored(ctx: CheckContext) -> Outcome:
    """Tracked files under tool output folders (mlruns/, wandb/, ...) are findings."""
    repo = ctx.repo
    if not repo.has_git:
        raise NotCheckable("not a git repository: cannot tell which files are committed")
    found = []
    for path in repo.files:
        if not repo.is_tracked(path):
            continue
        for folder in ARTIFACT_DIRS:
            if path.startswith(folder) or f"/{folder}" in path:
                found.append(
                    ev(
                        path,
                        1,
                        folder,
                        f"Generated ML artifact committed under {folder}: add "
                        f"'{folder}' to .gitignore and remove it from git",
                    )
                )
                break
    return Outcome.violations(found)
