"""REP003: training code, or the project modules it imports, sets random seeds."""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call
from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

SEED_CONFIGS = (
    "params.y{a,}ml",
    "**/conf/**/*.y{a,}ml",
    "config*.y{a,}ml",
    "**/configs/**/*.y{a,}ml",
    "*_config.y{a,}ml",
)
# [ \t]* rather than \s*: \s* also matches newlines, and a file of blank lines then
# backtracks quadratically (a hostile 2 MB params.yaml took hours)
SEED_KEY = re.compile(
    r"^[ \t]*((random_)?seed|random_state)[ \t]*:[ \t]*(?!null\b|None\b|~|#)\S", re.MULTILINE
)
MAX_MODULES = 500

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
        "tensorflow.set_random_seed",  # TensorFlow 1.x
        "tensorflow.compat.v1.set_random_seed",
    }
)
# ``np``/``tf`` that a star import brought in (``from utils import *``) stay unresolved
SEED_CALLS |= {
    name.replace("numpy.", "np.", 1).replace("tensorflow.", "tf.", 1)
    for name in SEED_CALLS
    if name.startswith(("numpy.", "tensorflow."))
}
SEED_KWARGS = ("random_state", "seed")
# seeding functions whatever module they are reached through
# (``pl.utilities.seed.seed_everything``, a project's ``utils.set_seed``)
SEED_ATTRS = frozenset({"seed_everything", "set_seed", "set_random_seed", "manual_seed"})


def _scope(ctx: CheckContext, training: list[str]) -> list[str]:
    """Training files, the scripts that drive them (a ``main.py`` importing the module whose
    ``train_one_epoch`` trains is where the run seeds itself) and the project modules all of
    these import, transitively (tests excluded)."""
    index = ModuleIndex.of(ctx.repo)
    drivers = [
        driver
        for path in training
        for driver in index.importers(path)
        if not traits.is_test_path(driver)
    ]
    seen = dict.fromkeys([*training, *drivers])
    todo = list(seen)
    while todo and len(seen) < MAX_MODULES:
        for imported in index.local_imports(todo.pop()):
            if imported not in seen and not traits.is_test_path(imported):
                seen[imported] = None
                todo.append(imported)
    return list(seen)


# a seed given as an estimator parameter in a dict (``params = {"random_state": 42}`` or
# ``{"random_state": args.random_state}``, then ``Model(**params)``), or a seed option with a
# numeric default (``add_argument("--random_state", type=int, default=24)``)
SEED_ENTRY = re.compile(r"[\"'](random_state|seed|random_seed)[\"'][ \t]*:[ \t]*[\w.\[\]\"']")
SEED_OPTION = re.compile(
    r"add_argument\([ \t\n]*[\"']--(random[_-]state|seed|random[_-]seed)[\"'][^)]{0,200}?"
    r"default[ \t]*=[ \t]*\d"
)


def _seeds(ctx: CheckContext, path: str) -> list[Evidence]:
    found = []
    for call in _seed_candidates(ctx).get(path, ()):
        seeding = call.name in SEED_CALLS or call.attr in SEED_ATTRS
        if seeding and (call.args or call.kwargs):
            found.append(ev(path, call.line, call.name))
        elif any(call.has_kwarg(k) and call.kwarg(k) is not None for k in SEED_KWARGS):
            found.append(ev(path, call.line, f"{call.attr}(random_state=...)"))
    if not found and path.endswith(".py"):
        text = ctx.repo.text(path) or ""
        if "seed" in text or "random_state" in text:
            match = SEED_ENTRY.search(text) or SEED_OPTION.search(text)
            if match:
                line = line_at(text, match.start())
                found.append(ev(path, line, text.splitlines()[line - 1].strip()[:80]))
    return found


def _seed_candidates(ctx: CheckContext) -> dict[str, list[Call]]:
    """Per file, the calls _seeds may report: a seed call or a seed keyword argument."""
    return _seed_sites(ctx.repo)


@fact
def _seed_sites(repo: Facts) -> dict[str, list[Call]]:
    return callsites.by_file(
        callsites.sites(repo, names=SEED_CALLS, attrs=SEED_ATTRS, kwargs=SEED_KWARGS)
    )


@register
def training_seeded(ctx: CheckContext) -> Outcome:
    """Seeds set where training runs; a seed set only in tests or notebooks elsewhere does
    not make training reproducible."""
    training = traits.training_files(ctx.repo)
    found = [item for path in _scope(ctx, training) for item in _seeds(ctx, path)]
    if found:
        return Outcome.passed(found)
    for cfg in ctx.repo.glob(*SEED_CONFIGS):
        match = SEED_KEY.search(ctx.repo.text(cfg) or "")
        if match:
            line = line_at(ctx.repo.text(cfg) or "", match.start())
            return Outcome.passed([ev(cfg, line, match.group(0).strip())])
    return Outcome.failed(
        "No random seed is set in training code or the modules it imports (random/numpy/"
        "torch/tensorflow seeds, random_state=, or a seed: or random_state: key in the config).",
        [ev(training[0])] if training else [],
    )
