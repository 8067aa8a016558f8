"""What REP004 reads as parameterised: the names of command-line options, pipeline parameters
and config keys, sorted into hyperparameters (learning rate, epochs, batch size, depth, ...)
and the rest (paths, ids, infrastructure), and the hyperparameters hard-coded as literals in
training code.

A name belongs to a hyperparameter *family*; a literal ``learning_rate=0.1`` is covered when
the learning-rate family comes from outside (``--lr``, a ``learning_rate:`` config key), so a
default or a placeholder beside a real option is not a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mlguard.analyzers.python_ast import Call, PyFacts
from mlguard.model import Evidence, ev

FAMILIES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "learning rate": r"^(lr|eta|blr)$|^lr_|_lr$|learning_?rate",
        "epochs": r"epoch|^(num_|n_|max_)?(iter|iters|iterations|steps|rounds?|boost_rounds?)$|"
        r"^num_round|^max_iter|^n_trials$",
        "batch size": r"batch_?size|^bs$|^batch$",
        "depth": r"depth|^(num_|n_)?layers?$|^n_layer$",
        "estimators": r"estimators|^(num_|n_)trees$|leaves|min_child|subsample|colsample|"
        r"^min_samples|^max_features$|^n_neighbors$|^n_clusters$|leaf_nodes",
        "dropout": r"dropout|drop_rate|drop_path",
        "regularisation": r"^(alpha|c|l1|l2|wd|lambda|gamma|penalty|l1_ratio|reg)$|^reg_|_reg$|"
        r"weight_decay",
        "hidden sizes": r"hidden|embed_?dim|^emb_|^d_model$|^n_embd$|^n_heads?$|^num_heads$|"
        r"^units$|^n_components$|^(dim|width|channels|filters|kernel_size|latent_dim)$|"
        r"^(block_size|max_len|seq_len|max_seq_length|context_length)$",
        "optimiser": r"optimi[sz]er|^optim$|momentum|^beta[12]?$|^eps$|warmup|clip_grad|"
        r"grad_clip|^scheduler$|label_smoothing|^patience$",
    }.items()
}
# literal keyword arguments read as hard-coded hyperparameters in training code
LITERAL_KEYS = frozenset(
    {
        "lr",
        "learning_rate",
        "eta",
        "n_estimators",
        "max_depth",
        "batch_size",
        "epochs",
        "num_epochs",
        "max_epochs",
        "num_train_epochs",
        "max_iter",
        "num_round",
        "num_boost_round",
        "weight_decay",
        "dropout",
        "num_leaves",
        "alpha",
        "C",
        "hidden_size",
        "num_layers",
        "n_components",
        "momentum",
        "subsample",
        "colsample_bytree",
        "min_child_weight",
        "per_device_train_batch_size",
    }
)
# calls whose keyword arguments are drawing styles, not model settings (``alpha=0.5``)
PLOT_RECEIVERS = frozenset({"plt", "ax", "axs", "axes", "sns", "fig", "px", "go"})
PLOT_MODULES = ("matplotlib.", "seaborn.", "plotly.")
# an option or key that names a config file: the hyperparameters are in that file
CONFIG_OPTION = re.compile(
    r"^(config|cfg|conf|config_file|config_path|config_name|conf_file|cfg_file|configs|"
    r"params|hparams|hyperparameters|hyperparams|params_file)$"
)
# options that locate things or configure the machine, not the model or the run: words that
# are safe inside a longer name (``outdir``, ``n_gpu``), then short words that must be a
# whole ``_``-separated part (``log`` but not ``logits``, ``out`` but not ``dropout``)
INFRASTRUCTURE = re.compile(
    r"(dir|path|file|folder|uri|url|endpoint|bucket|device|gpu|cuda|cpu|workers|world_size|"
    r"region|account|verbose|debug|quiet|cache|tracking|experiment|run_name|token|"
    r"(api|access)_?key|^key$|secret|environment|registry|resume|checkpoint|wandb|mlflow|dry_run|profile|"
    r"register|deploy|upload|publish|export|enable|disable|overwrite|logging)|"
    r"(^|_)(root|outputs?|out|inputs?|host|port|rank|instance|project|logs?|tags?|env|"
    r"image|save|load|local|push|skip|force|stage|alias)(_|$)|"
    r"(^|_)(ids?|names?)$|^no_"
)
CLI_CALLS = frozenset({"add_argument"})
PIPELINE_PARAMETERS = re.compile(
    r"^metaflow\.Parameter$|^sagemaker\.workflow\.parameters\.Parameter(String|Integer|Float|"
    r"Boolean)$"
)


# a function whose parameters are set for each run of a pipeline
PIPELINE_DECORATOR = re.compile(
    r"^(kfp(\.v2)?\.dsl\.pipeline|dsl\.pipeline|zenml(\.pipelines)?\.pipeline)$"
)


def normalise(name: str) -> str:
    return name.lstrip("-").strip().lower().replace("-", "_").replace(".", "_")


def family(name: str) -> str | None:
    key = normalise(name)
    return next((f for f, rx in FAMILIES.items() if rx.search(key)), None)


@dataclass
class Parameterised:
    """What is set from outside the training code.

    ``hyper``: evidence of hyperparameter names (and ``families``, the families they set);
    ``opaque``: sources whose names are not visible (a Hydra app, an argparse parser built
    elsewhere, a loaded config file), read as setting every hyperparameter; ``pipeline``:
    pipeline parameters and options that set the run but no hyperparameter (``--model-name``,
    ``--num-trials``, ``--seed``); ``other``: command-line options that are only paths, ids
    or infrastructure.
    """

    hyper: list[Evidence] = field(default_factory=list)
    families: set[str] = field(default_factory=set)
    opaque: list[Evidence] = field(default_factory=list)
    pipeline: list[Evidence] = field(default_factory=list)
    other: list[Evidence] = field(default_factory=list)

    def add_names(self, path: str, line: int, names: Iterable[str], kind: str) -> None:
        """One option or parameter with its spellings (``-lr``, ``--learning-rate``)."""
        spelled = [n for n in names if n.strip("-")]
        if not spelled:
            self.opaque.append(ev(path, line, kind))
            return
        if any(CONFIG_OPTION.match(normalise(n)) for n in spelled):
            self.opaque.append(ev(path, line, f"{kind}({spelled[0]})"))
            return
        families = {f for f in map(family, spelled) if f}
        if families:
            self.families |= families
            self.hyper.append(ev(path, line, f"{kind}({spelled[0]})"))
        elif kind == "parameter" or not any(INFRASTRUCTURE.search(normalise(n)) for n in spelled):
            # a pipeline parameter, or an option that chooses the run (--model-name,
            # --num-trials, --seed, a date) without being a path, an id or infrastructure
            self.pipeline.append(ev(path, line, f"{kind}({spelled[0]})"))
        else:
            self.other.append(ev(path, line, f"{kind}({spelled[0]})"))

    def add_keys(self, path: str, keys: Iterable[str], run_keys: bool = True) -> None:
        """The keys of a config file: hyperparameters, or (with ``run_keys``, for config
        files rather than Python modules, whose dict keys are often tags and metadata)
        settings that choose the run (a seed, a split fraction, a number of trials), which
        parameterise the run only."""
        keys = list(keys)
        families = {f for f in map(family, keys) if f}
        if families:
            self.families |= families
            self.hyper.append(ev(path))
        elif run_keys:
            run = sorted({k for k in keys if RUN_KEY.search(normalise(k))})
            if run:
                self.pipeline.append(ev(path, 1, f"config({', '.join(run[:3])})"))


# config keys that choose the run without being hyperparameters
RUN_KEY = re.compile(
    r"(^|_)(seed|random_state|(test|val|valid|validation|train)_(size|fraction|ratio|split)|"
    r"n_trials|num_trials|k_?folds|n_splits|cv_folds)$"
)
ENV_READS = frozenset({"os.getenv", "os.environ.get"})


def option_names(call: Call) -> list[str]:
    """The names an argparse ``add_argument`` / click ``option`` / absl ``DEFINE_*`` /
    pipeline ``Parameter`` call declares (empty when computed, e.g. ``f"--{key}"``)."""
    names = [a for a in call.args if isinstance(a, str)]
    for key in ("dest", "name"):
        value = call.kwarg(key)
        if isinstance(value, str):
            names.append(value)
    if call.attr.startswith("DEFINE_") or PIPELINE_PARAMETERS.match(call.name):
        names = names[:1]  # the first argument is the name, the rest default and help text
    return names


def read_code(found: Parameterised, path: str, facts: PyFacts) -> None:
    """Options, flags and pipeline parameters declared in one entry file."""
    parsers = [c for c in facts.calls if c.name == "argparse.ArgumentParser"]
    arguments = [c for c in facts.calls if c.attr in CLI_CALLS]
    if parsers and not arguments:  # the options are added elsewhere
        found.opaque += [ev(path, c.line, c.name) for c in parsers]
    for call in arguments:
        found.add_names(path, call.line, option_names(call), "option")
    for call in facts.calls:
        if call.name in ENV_READS and call.args and isinstance(call.args[0], str):
            # os.getenv("MAX_FEATURES"): a setting of the run, judged by its name; one
            # that is no hyperparameter sets nothing here
            if family(call.args[0]):
                found.add_names(path, call.line, [call.args[0]], "environment")
        elif call.name in ("click.option", "click.argument"):
            found.add_names(path, call.line, option_names(call), "option")
        elif call.attr.startswith("DEFINE_"):
            if "config" in call.attr.lower() or call.name.startswith("ml_collections."):
                found.opaque.append(ev(path, call.line, call.name))
            else:
                found.add_names(path, call.line, option_names(call), "flag")
        elif PIPELINE_PARAMETERS.match(call.name):
            found.add_names(path, call.line, option_names(call), "parameter")
    for function in facts.defs:
        # a pipeline's own parameters, set for each run it is submitted for (kfp, ZenML);
        # a Prefect flow's arguments are often the data and clients its tasks pass along
        if any(PIPELINE_DECORATOR.match(d) for d in function.decorators):
            for name, _ in function.params:  # each parameter is one setting of the run
                if name not in ("self", "cls"):
                    found.add_names(path, function.line, [name], "parameter")


def config_keys(docs: list[Any], limit: int = 5000) -> Iterator[str]:
    """Every mapping key of parsed config documents (depth-first, bounded)."""
    stack: list[Any] = list(docs)
    seen = 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def python_config_keys(facts: PyFacts, text: str) -> list[str]:
    """Names a Python config module sets: assignments and string keys of its dicts."""
    keys = [a.target.rsplit(".", 1)[-1] for a in facts.assigns]
    keys += re.findall(r"""["']([A-Za-z_][\w-]{0,40})["']\s*:""", text)
    return keys


def is_plot(call: Call) -> bool:
    return call.name.startswith(PLOT_MODULES) or call.name.split(".", 1)[0] in PLOT_RECEIVERS


def literals(path: str, facts: PyFacts) -> list[tuple[str, Evidence]]:
    """Hyperparameters passed as numeric literals: ``(family, evidence)``."""
    found = []
    for call in facts.calls:
        if is_plot(call):
            continue
        for key, value in call.kwargs:
            if (
                key in LITERAL_KEYS
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            ):
                found.append(
                    (
                        family(key) or key,
                        ev(
                            path,
                            call.line,
                            f"{key}={value}",
                            f"Hyperparameter {key}={value} is hard-coded",
                        ),
                    )
                )
    return found
