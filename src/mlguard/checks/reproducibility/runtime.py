"""Reproducibility of the run itself: config-driven hyperparameters, a pinned runtime, portable
paths. (Dependency pinning and seeds live beside it, in ``dependencies.py`` and
``seeds.py``.)"""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, Outcome, ev, imports_of
from mlguard.checks.registry import register
from mlguard.checks.reproducibility import hyperparams as hp
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.model import Stage
from mlguard.model import Evidence
from mlguard.safeio.lines import line_at

OPAQUE_CALLS = frozenset(
    {
        "hydra.main",
        "omegaconf.OmegaConf.load",
        "gin.parse_config_file",
        "dvc.api.params_show",
    }
)
# loaders of a file that may be a config (or a data file: the keys are not visible)
LOADER_CALLS = frozenset({"yaml.safe_load", "tomllib.load", "json.load"})
OPAQUE_DECORATORS = ("hydra.main", "typer.Option", "gin.configurable")
OPAQUE_IMPORTS = ("typer", "hydra", "fire", "jsonargparse", "tyro", "simple_parsing")
# parsers that fill dataclasses of arguments from the command line or a config file: every
# field (learning rate, epochs, LoRA rank ...) is set from outside (Hugging Face, TRL)
DATACLASS_PARSERS = frozenset({"HfArgumentParser", "TrlParser", "H4ArgumentParser"})
CONFIG_FILES = (
    "params.yaml",
    "conf/**/*.yaml",
    "configs/**/*.yaml",
    "config/**/*.yaml",
    "conf/**/*.yml",
    "configs/**/*.yml",
    "config/**/*.yml",
    "*.gin",
    "conf/base/parameters*.yml",
    "conf/base/parameters/**/*.yml",
    # a Kedro project in a folder of the repository
    "**/conf/base/parameters*.yml",
    "**/conf/base/parameters/**/*.yml",
    # Python config files (nanoGPT, mmcv/detectron2-style configs)
    "config/**/*.py",
    "configs/**/*.py",
)
# a local module the training code imports for its settings (``model_config.py``)
CONFIG_MODULE = re.compile(r"(config|params|hparams|hyperparam|settings)[^/]*\.py$", re.I)
GIN_KEY = re.compile(r"^[ \t]*[\w.]*?(\w+)[ \t]*=", re.MULTILINE)


def _training_entry_files(ctx: CheckContext) -> list[str]:
    """The training files and the product files that import them (the scripts that start
    training and hand it its settings, e.g. ``train_aml.py`` calling ``train.py``)."""
    from mlguard.facts.modules import ModuleIndex

    training = traits.training_files(ctx.repo)
    wanted = set(training)
    index = ModuleIndex.of(ctx.repo)
    callers = [
        p
        for p in traits.product_paths(ctx.repo)
        if p.endswith(".py") and p not in wanted and wanted & set(index.local_imports(p))
    ]
    return [*training, *callers]


def _config_modules(ctx: CheckContext, entries: list[str]) -> list[str]:
    from mlguard.facts.modules import ModuleIndex

    index = ModuleIndex.of(ctx.repo)
    found = {m for p in entries for m in index.local_imports(p) if CONFIG_MODULE.search(m)}
    return sorted(found - set(entries))


def _config_files(ctx: CheckContext, found: hp.Parameterised) -> None:
    repo = ctx.repo
    for path in repo.glob(*CONFIG_FILES):
        if path.endswith(".py"):
            facts = repo.python(path)
            if facts is not None:
                keys = hp.python_config_keys(facts, repo.text(path) or "")
                found.add_keys(path, keys, run_keys=False)
        elif path.endswith(".gin"):
            found.add_keys(path, GIN_KEY.findall(repo.text(path) or ""))
        else:
            docs = repo.config(path)
            if docs:
                found.add_keys(path, hp.config_keys(docs))
            else:  # not parsed (a template): its keys are not visible
                found.opaque.append(ev(path))


def _parameterised(ctx: CheckContext) -> tuple[hp.Parameterised, list[Evidence]]:
    """What sets the training run from outside, and the config loaders whose file is unknown."""
    repo = ctx.repo
    found = hp.Parameterised()
    _config_files(ctx, found)
    for stage in automation(repo).stages:
        _stage_params(found, stage)
    loaders: list[Evidence] = []
    entries = _training_entry_files(ctx)
    for path in entries:
        facts = repo.python(path)
        if facts is None:
            continue
        hp.read_code(found, path, facts)
        found.opaque += [
            ev(path, c.line, c.name)
            for c in facts.calls
            if c.name in OPAQUE_CALLS or c.attr in DATACLASS_PARSERS
        ]
        loaders += [ev(path, c.line, c.name) for c in facts.calls if c.name in LOADER_CALLS]
        found.opaque += [
            ev(path, line, n) for n, line in facts.decorators if n in OPAQUE_DECORATORS
        ]
        found.opaque += imports_of(path, facts, OPAQUE_IMPORTS)
        if not any(c.name in ("click.option", "click.argument") for c in facts.calls):
            found.opaque += imports_of(path, facts, ("click",))
    for path in _config_modules(ctx, entries):
        facts = repo.python(path)
        if facts is not None:
            keys = hp.python_config_keys(facts, repo.text(path) or "")
            found.add_keys(path, keys, run_keys=False)
    return found, loaders


CONFIG_FILE = re.compile(r"\.(ya?ml|json|toml|py|cfg|ini|env)$")


def _stage_params(found: hp.Parameterised, stage: Stage) -> None:
    """A pipeline stage's declared parameters (DVC ``params:``, MLproject ``parameters:``):
    a whole file or a whole section sets what is in it (read as every hyperparameter); a
    named key (``train.lr``, ``featurize.max_features``) is judged by its name."""
    for param in stage.params:
        key = param.rpartition(":")[2] if ":" in param else param
        if CONFIG_FILE.search(key) or (stage.system == "dvc" and "." not in key):
            found.opaque.append(ev(stage.path, stage.line, stage.name))
            return
    for param in stage.params:
        leaf = param.rpartition(":")[2].rpartition(".")[2]
        found.add_names(stage.path, stage.line, [leaf], "parameter")


def _literals(ctx: CheckContext) -> list[tuple[str, Evidence]]:
    found = []
    for path in traits.training_files(ctx.repo):
        facts = ctx.repo.python(path)
        if facts is not None:
            found += hp.literals(path, facts)
    return found


def _names(items: list[Evidence], limit: int = 4) -> str:
    names = sorted({e.text.partition("(")[2].rstrip(")") or e.text for e in items})
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


@register
def hyperparams_in_config(ctx: CheckContext) -> Outcome:
    """REP004: hyperparameters come from a versioned config or CLI options, not literals.

    What is parameterised is read by name: options, flags, pipeline parameters and config
    keys that are hyperparameters (learning rate, epochs, batch size, depth, ...) count;
    options that are only paths, ids or infrastructure do not.
    """
    found, loaders = _parameterised(ctx)
    literals = _literals(ctx)
    if found.opaque:
        return Outcome.passed(found.opaque + found.hyper + loaders)
    hard_coded = [e for fam, e in literals if fam not in found.families]
    if found.hyper:
        if hard_coded:
            return Outcome.partial(
                f"Some hyperparameters ({', '.join(sorted(found.families))}) come from config "
                f"or options, but {len(hard_coded)} are literals in training code.",
                hard_coded[:20],
            )
        return Outcome.passed(found.hyper)
    if loaders or found.pipeline:
        if not literals and loaders:
            return Outcome.passed(loaders)
        what = (
            "A config file is loaded"
            if loaders
            else (
                f"Pipeline parameters, options or config keys ({_names(found.pipeline)}) set "
                "the run"
            )
        )
        tail = (
            f", but {len(literals)} hyperparameter(s) are literals in training code."
            if literals
            else ", but none of them is a hyperparameter."
        )
        return Outcome.partial(what + tail, ([e for _, e in literals] or found.pipeline)[:20])
    if found.other:
        options = (
            f"Command-line options set only paths, ids or infrastructure ({_names(found.other)})"
        )
        if literals:
            return Outcome.failed(
                f"{options}; {len(literals)} hyperparameter(s) are hard-coded in training code.",
                [e for _, e in literals][:20],
            )
        return Outcome.failed(f"{options}: no hyperparameter is set from outside the code.")
    if literals:
        return Outcome.failed(
            f"{len(literals)} hyperparameter(s) are hard-coded in training code and no config "
            "file or command-line options feed it.",
            [e for _, e in literals][:20],
        )
    return Outcome.failed("Training reads no configuration (params.yaml, Hydra, CLI options).")


# [ \t]* at line starts, never \s*: with MULTILINE, \s* spans blank lines and a file of
# them backtracks quadratically (hours for a hostile 2 MB file)
FROM = re.compile(r"^[ \t]*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.I | re.M)
MANAGED_ENV = re.compile(r"^[ \t]*(python_env|conda_env|docker_env)[ \t]*:", re.MULTILINE)
ENV_CALLS = frozenset(
    {"metaflow.conda", "metaflow.pypi", "metaflow.conda_base", "metaflow.pypi_base"}
)


ARG = re.compile(r"^[ \t]*ARG[ \t]+([A-Za-z_][A-Za-z0-9_]*)=(\S+)", re.MULTILINE)
ARG_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _substitute(image: str, args: dict[str, str]) -> str:
    return ARG_REF.sub(lambda m: args.get(m.group(1) or m.group(2), m.group(0)), image)


def _base_images(ctx: CheckContext) -> list[tuple[str, int, str]]:
    images = []
    for path in ctx.repo.glob("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile"):
        text = ctx.repo.text(path) or ""
        stages = set()
        args = dict(ARG.findall(text))
        for match in FROM.finditer(text):
            image = _substitute(match.group(1), args)
            if match.group(2):
                stages.add(match.group(2).lower())
            if image.lower() in stages or image.lower() == "scratch":
                continue
            images.append((path, line_at(text, match.start()), image))
    return images


def _managed(ctx: CheckContext) -> list[Evidence]:
    repo = ctx.repo
    found = [ev(p) for p in repo.glob(".devcontainer/devcontainer.json", ".devcontainer.json")]
    for path in repo.glob("MLproject", "MLproject.yaml"):
        match = MANAGED_ENV.search(repo.text(path) or "")
        if match:
            found.append(ev(path, 1, match.group(1)))
    docker = callsites.by_name(repo).keys(lambda name: name.endswith("DockerSettings"))
    calls = callsites.by_file(callsites.sites(repo, names=docker, kwargs=["image_uri"]))
    for path, facts in repo.iter_python():
        found += [ev(path, line, n) for n, line in facts.decorators if n in ENV_CALLS]
        found += [ev(path, c.line, c.name) for c in calls.get(path, ())]
    return found


@register
def environment_pinned(ctx: CheckContext) -> Outcome:
    """REP005: a container or managed environment; base images pinned by digest."""
    images = _base_images(ctx)
    if images:
        unpinned = [i for i in images if "@sha256:" not in i[2]]
        floating = [i for i in unpinned if _floating(i[2])]
        if unpinned:
            path, line, image = (floating or unpinned)[0]
            found = [ev(path, line, image)]
            if floating:
                return Outcome.failed(
                    f"Base image {image} is untagged or :latest: every build can pull a "
                    "different system.",
                    found,
                )
            return Outcome.partial(
                f"Base image {image} is pinned by tag, which can be re-pushed: pin it by "
                "digest (image:tag@sha256:...).",
                found,
            )
        return Outcome.passed([ev(p, line, i) for p, line, i in images])
    managed = _managed(ctx)
    if managed:
        return Outcome.passed(managed)
    pins = ctx.repo.glob(".python-version", "environment.yml", "environment.yaml", "conda.yaml")
    if pins:
        return Outcome.partial(
            "Only the Python version / conda environment is pinned; system libraries (CUDA, "
            "libc) are not. Add a Dockerfile or devcontainer.",
            [ev(p) for p in pins],
        )
    return Outcome.failed("No container or managed environment describes the runtime.")


def _floating(image: str) -> bool:
    name = image.rsplit("/", 1)[-1]
    if "$" in image:  # a build argument without a default: judged as a tag, not as latest
        return False
    return ":" not in name or name.endswith(":latest")


LOCAL_PATH = re.compile(
    r"(/home/[^/'\"\s]+/|/Users/[^/'\"\s]+/|[A-Za-z]:\\\\?Users\\\\|/content/drive/|"
    r"/mnt/c/Users/)"
)
LOCAL_TEXT_FILES = ("*.yaml", "*.yml", "*.cfg", "*.toml", "*.ini", "*.json", "MLproject")


@register
def no_local_paths(ctx: CheckContext) -> Outcome:
    """REP007: string literals and configs pointing into one person's machine or Drive."""
    repo = ctx.repo
    found = []
    mounts = callsites.by_file(callsites.sites(repo, names=["google.colab.drive.mount"]))
    for path, facts in repo.iter_python():
        for text, line in facts.strings:
            match = LOCAL_PATH.search(text)
            if match:
                found.append(
                    ev(
                        path,
                        line,
                        match.group(0),
                        f"User-local path {match.group(0)!r}: nobody else can run this",
                    )
                )
        found += [
            ev(path, c.line, c.name, "Google Drive is mounted: a Colab-only data path")
            for c in mounts.get(path, ())
        ]
    for path in repo.glob(*LOCAL_TEXT_FILES):
        for number, raw in enumerate(repo.lines(path)[:5000], 1):
            if raw.lstrip().startswith("#"):
                continue
            match = LOCAL_PATH.search(raw)
            if match:
                found.append(
                    ev(
                        path,
                        number,
                        match.group(0),
                        f"User-local path {match.group(0)!r} in configuration",
                    )
                )
    return Outcome.violations(found)
