"""Reproducibility of the run itself: config-driven hyperparameters, a pinned runtime, portable
paths. (Dependency pinning and seeds live beside it, in ``dependencies.py`` and
``seeds.py``.)"""

from __future__ import annotations

import re

from mlguard.checks.base import CheckContext, Outcome, ev, imports_of
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.model import Evidence

HYPERPARAMS = frozenset(
    {
        "lr",
        "learning_rate",
        "n_estimators",
        "max_depth",
        "batch_size",
        "epochs",
        "num_epochs",
        "max_epochs",
        "num_train_epochs",
        "weight_decay",
        "dropout",
        "num_leaves",
        "alpha",
        "C",
        "hidden_size",
        "num_layers",
        "per_device_train_batch_size",
    }
)
CONFIG_CALLS = frozenset(
    {
        "hydra.main",
        "omegaconf.OmegaConf.load",
        "gin.parse_config_file",
        "argparse.ArgumentParser",
        "yaml.safe_load",
        "dvc.api.params_show",
        "tomllib.load",
        "json.load",
    }
)
CONFIG_DECORATORS = (
    "hydra.main",
    "click.option",
    "click.command",
    "typer.Option",
    "gin.configurable",
)
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
    # Python config files (nanoGPT, mmcv/detectron2-style configs)
    "config/**/*.py",
    "configs/**/*.py",
)


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


def _config_sources(ctx: CheckContext) -> list[Evidence]:
    repo = ctx.repo
    found = [ev(p) for p in repo.glob(*CONFIG_FILES)]
    found += [ev(s.path, s.line, s.name) for s in automation(repo).stages if s.params]
    for path in _training_entry_files(ctx):
        facts = repo.python(path)
        if facts is None:
            continue
        found += [ev(path, c.line, c.name) for c in facts.calls if c.name in CONFIG_CALLS]
        # absl / TensorFlow flags: ``flags.DEFINE_float("learning_rate", 0.01, ...)``
        found += [ev(path, c.line, c.name) for c in facts.calls if c.attr.startswith("DEFINE_")]
        found += [ev(path, line, n) for n, line in facts.decorators if n in CONFIG_DECORATORS]
        found += imports_of(path, facts, ("typer", "click", "hydra", "fire", "jsonargparse"))
    return found


def _literals(ctx: CheckContext) -> list[Evidence]:
    found = []
    for path in traits.training_files(ctx.repo):
        facts = ctx.repo.python(path)
        for call in facts.calls if facts is not None else ():
            for key, value in call.kwargs:
                if (
                    key in HYPERPARAMS
                    and isinstance(value, int | float)
                    and not isinstance(value, bool)
                ):
                    found.append(
                        ev(
                            path,
                            call.line,
                            f"{key}={value}",
                            f"Hyperparameter {key}={value} is hard-coded",
                        )
                    )
    return found


@register
def hyperparams_in_config(ctx: CheckContext) -> Outcome:
    """REP004: hyperparameters come from a versioned config or CLI options, not literals."""
    sources = _config_sources(ctx)
    literals = _literals(ctx)
    if sources:
        return Outcome.passed(sources)
    if literals:
        return Outcome.failed(
            f"{len(literals)} hyperparameter(s) are hard-coded in training code and no config "
            "file or command-line options feed it.",
            literals[:20],
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
            images.append((path, text.count("\n", 0, match.start()) + 1, image))
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
