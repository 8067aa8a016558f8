"""Reproducibility checks: pinned dependencies, seeds."""

from __future__ import annotations

import re

from mlguard import traits
from mlguard.analyzers.lockfiles import LOCK_PATTERNS
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts.dependencies import dependency_facts

REQUIREMENT_FILES = ("requirements*.txt", "requirements/*.txt", "requirements*.in")
MANIFESTS = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "environment.yml",
    "environment.yaml",
    "Pipfile",
    *REQUIREMENT_FILES,
)
SEED_CALLS = frozenset(
    {
        "random.seed",
        "numpy.random.seed",
        "numpy.random.default_rng",
        "torch.manual_seed",
        "torch.cuda.manual_seed_all",
        "torch.cuda.manual_seed",
        "tensorflow.random.set_seed",
        "keras.utils.set_random_seed",
        "tensorflow.keras.utils.set_random_seed",
        "transformers.set_seed",
        "accelerate.utils.set_seed",
        "lightning.seed_everything",
        "pytorch_lightning.seed_everything",
        "lightning.pytorch.seed_everything",
        "lightning.fabric.seed_everything",
        "jax.random.PRNGKey",
        "jax.random.key",
    }
)
SEED_KWARGS = ("random_state", "seed")


def _requirement_lines(ctx: CheckContext) -> list[tuple[str, int, str, str]]:
    rows = dependency_facts(ctx.repo).requirement_rows()
    return [(d.path, d.line, d.name, d.specifier) for d in rows]


@register("reproducibility.dependencies_pinned")
def dependencies_pinned(ctx: CheckContext) -> Outcome:
    """A lock file, or hashed requirements, pass; fully ``==``-pinned requirements are partial."""
    repo = ctx.repo
    locks = repo.glob(*LOCK_PATTERNS)
    if locks:
        return Outcome.passed([ev(p) for p in locks])
    hashed = [p for p in repo.glob(*REQUIREMENT_FILES) if "--hash=" in (repo.text(p) or "")]
    if hashed:
        return Outcome.passed([ev(p) for p in hashed])
    if not repo.glob(*MANIFESTS):
        return Outcome.failed("No dependency manifest (requirements.txt, pyproject.toml, ...).")
    rows = _requirement_lines(ctx)
    if rows:
        loose = [r for r in rows if not r[3].startswith("==")]
        if not loose:
            return Outcome.partial(
                "Every requirement is pinned with == but there is no lock "
                "file or hashes (transitive dependencies float).",
                [ev(rows[0][0])],
            )
        path, line, name, _ = loose[0]
        return Outcome.failed(
            f"{len(loose)} of {len(rows)} requirements are not pinned (first: {name} in "
            f"{path}:{line}) and there is no lock file.",
            [ev(path, line, name)],
        )
    return Outcome.failed("Dependencies are declared but not locked (no lock file).")


@register("reproducibility.seeds_set")
def seeds_set(ctx: CheckContext) -> Outcome:
    """Training code (or the config it reads) sets random seeds."""
    repo = ctx.repo
    files = traits.training_files(repo)
    training = set(files)
    found = []
    for path, facts in repo.iter_python():
        for call in facts.calls:
            if call.name in SEED_CALLS and (call.args or call.kwargs):
                found.append(ev(path, call.line, call.name))
            elif path in training and any(
                call.has_kwarg(k) and call.kwarg(k) is not None for k in SEED_KWARGS
            ):
                found.append(ev(path, call.line, f"{call.attr}(random_state=...)"))
    if found:
        return Outcome.passed(found)
    for cfg in repo.glob("params.yaml", "conf/**/*.yaml", "config*.yaml", "configs/**/*.yaml"):
        if re.search(r"^[ \t]*(random_)?seed[ \t]*:", repo.text(cfg) or "", re.MULTILINE):
            return Outcome.passed([ev(cfg)])
    first = files[0] if files else None
    return Outcome.failed(
        "No random seed is set in training code (random/numpy/torch/tensorflow seeds, "
        "random_state=, or a seed: key in the config).",
        [ev(first)] if first else [],
    )
