"""Repository traits that decide whether a rule applies (computed once per scan)."""

from __future__ import annotations

import re
from collections.abc import Callable

from mlguard.analyzers.llm_names import LLM_LIBS as LLM_LIBS  # re-exported: one definition
from mlguard.analyzers.python_ast import Call, Expr, PyFacts
from mlguard.facts import callsites
from mlguard.facts.automation import is_automated
from mlguard.facts.ci import ci_files, workflow_files
from mlguard.facts.deployments import (
    batch_deployments,
    managed_deployments,
    model_server_commands,
)
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Trigger
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.product import NON_PRODUCT as NON_PRODUCT  # re-exported: one definition
from mlguard.facts.product import product_paths as product_paths
from mlguard.facts.publishing import publishes_model
from mlguard.model import Evidence, ev
from mlguard.repo.testpaths import TEST_GLOBS as TEST_GLOBS  # re-exported: one definition
from mlguard.repo.testpaths import is_test_path as is_test_path

ML_LIBS = frozenset(
    [
        "sklearn",
        "torch",
        "tensorflow",
        "keras",
        "jax",
        "flax",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "statsmodels",
        "prophet",
        "pytorch_lightning",
        "lightning",
        "fastai",
        "mlflow",
        "sentence_transformers",
        "optuna",
        "wandb",
        # more training frameworks: AutoML, time series, NLP, vision, tabular deep learning
        "autogluon",
        "autokeras",
        "darts",
        "detectron2",
        "diffusers",
        "fasttext",
        "flaml",
        "gensim",
        "gluonts",
        "h2o",
        "imblearn",
        "ludwig",
        "mxnet",
        "neuralprophet",
        "optax",
        "paddle",
        "peft",
        "pmdarima",
        "pycaret",
        "pytorch_forecasting",
        "simpletransformers",
        "setfit",
        "sktime",
        "skorch",
        "spacy",
        "tensorflow_decision_forests",
        "timm",
        "torchvision",
        "trl",
        "ultralytics",
    ]
)
SERVING_LIBS = frozenset(
    [
        "fastapi",
        "flask",
        "bentoml",
        "ray.serve",
        "kserve",
        "seldon_core",
        "litserve",
        "gradio",
        "streamlit",
    ]
)
TRAIN_CALLS = frozenset({"xgboost.train", "lightgbm.train", "catboost.train"})
TRAIN_ATTRS = frozenset({"fit", "fit_generator"})
TRAINER_CALLS = (
    "Trainer.train",
    "trainer.train",
    "trainer.fit",
    "Trainer().train",
    "Trainer().fit",
)
# a file named for training: train.py, trainer.py, fit_model.py, refit.py
TRAINING_NAME = re.compile(r"train|(^|[_-])(re)?fit([_-]|\.(py|ipynb)$)")
# a folder a project template renders (``{{ cookiecutter.module_name }}/modeling/train.py``)
TEMPLATED = re.compile(r"(^|/)\{\{[^/]*\}\}/")
# what ``.train(...)`` is given when it trains on data
DATA_KWARGS = frozenset(
    {
        "dataset",
        "data",
        "df",
        "x",
        "X",
        "training_set",
        "training_data",
        "training_frame",
        "train_data",
        "train_set",
        "train_dataset",
        "train_df",
        "train_loader",
        "train_dataloader",
        "input_fn",
    }
)
DATA_ARG = re.compile(r"data|df$|frame|loader|^(x|X)(_\w+)?$|_set$|^train_", re.IGNORECASE)
# a hand-written loop: gradients from a loss, then an optimiser step (PyTorch, TF/Keras)
LOOP_BACKWARD = frozenset({"backward", "gradient"})
LOOP_STEP = frozenset({"step", "apply_gradients"})
OPTIMIZER = re.compile(r"(^|[._])(opt|optim|optimi[sz]er)\w*$", re.IGNORECASE)
# cloud ML platform SDKs: importing one makes a repository an ML one
PLATFORM_MODULES = (
    "azureml",
    "azure.ai.ml",
    "sagemaker",
    "tfx",
    "kfp",
    "google.cloud.aiplatform",
    "vertexai",
    "tensorflow_transform",
    "tensorflow_data_validation",
    "tensorflow_model_analysis",
)
SERVING_FILES = ("bentofile.yaml", "**/config.pbtxt", "**/inference*.yaml", "**/serving*.yaml")


def _top_imports(repo: Facts, paths: list[str] | None = None) -> set[str]:
    found: set[str] = set()
    wanted = set(paths) if paths is not None else None
    for rel, facts in repo.iter_python():
        if wanted is not None and rel not in wanted:
            continue
        for imp in facts.imports:
            parts = imp.module.split(".")
            found.add(parts[0])
            if len(parts) > 1:
                found.add(".".join(parts[:2]))
    return found


def _ml(repo: Facts) -> bool:
    if _top_imports(repo) & ML_LIBS or _llm(repo):  # an LLM application is ML code too
        return True
    if any(_platform(i.module) for rel, facts in repo.iter_python() for i in facts.imports):
        return True
    return _predicts_with_a_loaded_model(repo)


PREDICT_ATTRS = frozenset({"predict", "predict_proba"})


def _predicts_with_a_loaded_model(repo: Facts) -> bool:
    """A product module unpickles a model (``joblib.load``) and predicts with it: a model
    served without importing the library that trained it (the pickle brings it along)."""
    return any(
        (facts := repo.python(rel)) is not None and predicts_with_a_loaded_model(facts)
        for rel in product_paths(repo)
    )


def predicts_with_a_loaded_model(facts: PyFacts) -> bool:
    """The module unpickles a model and calls ``predict``/``predict_proba``."""
    names = {c.name for c in facts.calls}
    return bool(names & MODEL_UNPICKLERS) and any(c.attr in PREDICT_ATTRS for c in facts.calls)


def _platform(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in PLATFORM_MODULES)


LIBRARY_METHODS = frozenset({"fit", "partial_fit"})
SELF_RECEIVERS = ("self.", "cls.", "super().")


def _trains(calls: list[Call]) -> bool:
    """A call that fits a model from a script, not a method delegating to another estimator;
    ``model.train(...)`` given data; or a training loop: ``loss.backward()``
    (``tape.gradient``) with ``optimizer.step()`` (``optimizer.apply_gradients``)."""
    if any(
        (c.attr in TRAIN_ATTRS and not c.name.startswith(SELF_RECEIVERS))
        or c.name in TRAIN_CALLS
        or c.name.endswith(TRAINER_CALLS)
        or _trains_on_data(c)
        for c in calls
    ):
        return True
    backward = any(c.attr in LOOP_BACKWARD for c in calls)
    return backward and any(c.attr in LOOP_STEP and _on_optimizer(c) for c in calls)


def _trains_on_data(call: Call) -> bool:
    """``model.train(dataset=df)`` (Ludwig, H2O, AutoML APIs) trains; PyTorch's
    ``model.train()`` and ``model.train(False)`` only switch a module's mode."""
    if call.attr != "train" or call.name.startswith(SELF_RECEIVERS):
        return False
    if any(name in DATA_KWARGS for name, _ in call.kwargs):
        return True
    first = call.args[0] if call.args else None
    return isinstance(first, Expr) and bool(DATA_ARG.search(first.text))


# features named as the training split: X_train, x_tr, train_x (a bare ``x`` is any input)
TRAINING_DATA = re.compile(r"^(x|X)_?(train|tr|trn)\w*$|^train_?(x|X)$")


def _fits_training_data(calls: list[Call]) -> bool:
    """``model.fit(X_train, y_train)``: a fit given features and labels named as the
    training split (not ``self.``/``super()`` delegation)."""
    for call in calls:
        if call.attr not in TRAIN_ATTRS or call.name.startswith(SELF_RECEIVERS):
            continue
        first = call.args[0] if len(call.args) >= 2 else None
        if isinstance(first, Expr) and TRAINING_DATA.match(first.text.strip()):
            return True
    return False


def _on_optimizer(call: Call) -> bool:
    receiver = call.name.rsplit(".", 1)[0] if "." in call.name else ""
    return bool(OPTIMIZER.search(receiver))


# a training job of a cloud ML platform that runs its own algorithm (a SageMaker built-in
# algorithm image, Vertex AutoML, Azure AutoML): the training code is the platform's
MANAGED_TRAINING = frozenset(
    {
        "TrainingStep",
        "TuningStep",
        "AutoMLTabularTrainingJob",
        "AutoMLImageTrainingJob",
        "AutoMLTextTrainingJob",
        "AutoMLVideoTrainingJob",
        "AutoMLForecastingTrainingJob",
        "classification",
        "regression",
        "forecasting",
    }
)


# Google Cloud Pipeline Components: the Vertex training jobs as pipeline operations
# (``AutoMLTabularTrainingJobRunOp``, ``CustomContainerTrainingJobRunOp``, ``CustomTrainingJobOp``)
GCPC_TRAINING = re.compile(r"^(AutoML\w*TrainingJobRunOp|Custom\w*TrainingJob(Run)?Op)$")


def _managed_training(name: str) -> bool:
    """``TrainingStep(...)``, ``aiplatform.AutoMLTabularTrainingJob(...)``,
    ``azure.ai.ml.automl.classification(...)`` (the AutoML task builders by their module),
    the Vertex training operations of Google Cloud Pipeline Components."""
    last = name.split("(")[0].rsplit(".", 1)[-1]
    if GCPC_TRAINING.match(last):
        return True
    if last in ("classification", "regression", "forecasting"):
        return name.startswith("azure.ai.ml.automl.")
    return last in MANAGED_TRAINING


def _train_calls(repo: Facts) -> dict[str, list[Call]]:
    """Per file, the calls that may train (the only ones _trains needs to look at)."""
    names = callsites.by_name(repo).keys(
        lambda name: name in TRAIN_CALLS or name.endswith(TRAINER_CALLS) or _managed_training(name)
    )
    attrs = TRAIN_ATTRS | LOOP_BACKWARD | LOOP_STEP | {"train", "create_model"}
    return callsites.by_file(callsites.sites(repo, names=names, attrs=attrs))


# Google Cloud AutoML (AutoML Tables, the ``google.cloud.automl`` client): ``create_model``
# starts a training run of the platform's own algorithm
AUTOML_CLIENTS = ("google.cloud.automl",)


def _automl_training(facts: PyFacts, calls: list[Call]) -> bool:
    return any(i.module.startswith(AUTOML_CLIENTS) for i in facts.imports) and any(
        c.attr == "create_model" for c in calls
    )


def defines_estimator(facts: PyFacts) -> bool:
    """The file defines an estimator class (a class with bases and a ``fit`` method, one
    taking ``self``: a module-level ``def fit(model, X, y)`` helper is training code)."""
    return bool(facts.class_bases) and any(
        d.name in LIBRARY_METHODS and d.params[:1] and d.params[0][0] == "self" for d in facts.defs
    )


MODEL_BASE_NAMES = frozenset(
    {"Module", "LightningModule", "Model", "BaseEstimator", "PreTrainedModel", "Sequential"}
)


def defines_model(facts: PyFacts) -> bool:
    """The file defines a model class: a subclass of an ML library's model base (a PyTorch /
    Flax ``Module``, a Lightning module, a Keras ``Model``, a scikit-learn estimator,
    a Hugging Face ``PreTrainedModel``), or an estimator class of its own."""
    for base, _ in facts.class_bases:
        if base.split(".")[0] in ML_LIBS and base.rsplit(".", 1)[-1] in MODEL_BASE_NAMES:
            return True
    return defines_estimator(facts)


def model_classes(facts: PyFacts) -> set[str]:
    """Names of the classes the file defines on an ML library's model base."""
    return {
        name
        for name, bases in facts.classes
        if any(
            b.split(".")[0] in ML_LIBS and b.rsplit(".", 1)[-1] in MODEL_BASE_NAMES for b in bases
        )
    }


@fact
def model_files(repo: Facts) -> tuple[str, ...]:
    """Product files that define model classes (:func:`defines_model`)."""
    found = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is not None and defines_model(facts):
            found.append(rel)
    return tuple(found)


def training_files(repo: Facts) -> list[str]:
    """Product files that train a model: a fit/train call, or a *train* script with ML imports.

    A module that defines an estimator class (``fit``/``partial_fit`` methods) is library code,
    not a training script, even when it calls ``fit`` on other objects (a notebook is not: it
    cannot be imported as a library); so is a ``fit`` call
    on ``self.``/``super()`` (a method delegating to a wrapped estimator).
    """
    return list(_training_files(repo))


@fact
def _training_files(repo: Facts) -> tuple[str, ...]:
    found = []
    train_calls = _train_calls(repo)
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is None:
            continue
        ml = bool({i.module.split(".")[0] for i in facts.imports} & ML_LIBS)
        platform = any(_platform(i.module) for i in facts.imports)  # Estimator.fit, ...
        named = bool(TRAINING_NAME.search(rel.rsplit("/", 1)[-1].lower()))
        # a notebook is never library code: one that defines a transformer and then fits a
        # model trains it
        library = defines_estimator(facts) and not rel.endswith(".ipynb")
        calls = _trains(train_calls.get(rel, [])) and not library
        managed = platform and any(_managed_training(c.name) for c in train_calls.get(rel, []))
        managed = managed or _automl_training(facts, train_calls.get(rel, []))
        # a model fitted on training data by a module that gets its estimator from elsewhere
        # (a Kedro node given the model class by name): the data names the training
        fitted = (
            calls
            and _fits_training_data(train_calls.get(rel, []))
            and bool(_top_imports(repo) & ML_LIBS)
        )
        by_calls = calls and (ml or platform or named or fitted)
        if by_calls or (named and ml and not library) or managed:
            found.append(rel)
        elif named and rel.endswith(".py") and TEMPLATED.search(rel):
            # a project template's training module, a stub until a project is made from it
            found.append(rel)
    return tuple(found)


def _library(repo: Facts) -> bool:
    """An ML library: product code defines estimators/trainers and no script trains a model.

    Such a repository (scikit-learn extensions, model zoos, trainer frameworks) ships
    training *code* for its users but trains nothing itself, so rules about training runs,
    pipelines and experiment tracking do not apply to it.
    """
    if training_files(repo):
        return False
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is not None and defines_estimator(facts) and ml_imports(facts):
            return True
    return False


def ml_imports(facts: PyFacts) -> bool:
    """The file imports an ML library."""
    return bool({i.module.split(".")[0] for i in facts.imports} & ML_LIBS)


def _training(repo: Facts) -> bool:
    return bool(training_files(repo))


def _llm(repo: Facts) -> bool:
    return has_llm_imports(repo)


def has_llm_imports(repo: Facts, paths: list[str] | None = None) -> bool:
    """An LLM SDK is imported (by ``paths`` when given, else anywhere)."""
    found = _top_imports(repo, paths)
    if found & AGENTS_SDK and agents_sdk(repo):
        return True
    return bool(found & LLM_LIBS) or any(n.startswith("langchain_") for n in found)


# the OpenAI Agents SDK's top-level package is plainly ``agents``: only its own names count
AGENTS_SDK = frozenset({"agents.Agent", "agents.Runner", "agents.function_tool"})


def agents_sdk(repo: Facts) -> bool:
    """``agents`` is the OpenAI Agents SDK: no ``agents`` module of the project (an
    ``agents.py`` or ``agents/`` at any depth) defines the SDK's names itself."""
    for path in ModuleIndex.of(repo).by_name.get("agents", ()):
        facts = repo.python(path)
        if facts is None:
            continue
        names = {n for n, _ in facts.functions} | {n for n, _ in facts.classes}
        names |= {a.target for a in facts.assigns}
        if names & SDK_NAMES:
            return False
    return True


SDK_NAMES = frozenset(name.split(".", 1)[1] for name in AGENTS_SDK)


def serving_files(repo: Facts) -> list[str]:
    """Product files that import a model-serving framework (FastAPI, Flask, BentoML, ...)."""
    found = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is None:
            continue
        names = {i.module.split(".")[0] for i in facts.imports}
        names |= {".".join(i.module.split(".")[:2]) for i in facts.imports}
        if (
            names & SERVING_LIBS
            or scoring_script(rel, facts)
            or serverless_handler(repo, rel, facts)
        ):
            found.append(rel)
    return found


PREDICTION_NAME = re.compile(r"(score|infer|predict|serv|batch|api|app|handler|endpoint)", re.I)


def prediction_files(repo: Facts) -> list[str]:
    """Where predictions are made for users: serving code, and product files named for
    inference or scoring (``predict_pipeline.py``, ``inference.py``, ``batch_score.py``) —
    not training or evaluation scripts that also predict."""
    serving = set(serving_files(repo))
    return [
        p
        for p in product_paths(repo)
        if p in serving or PREDICTION_NAME.search(p.rsplit("/", 1)[-1])
    ]


def scoring_script(path: str, facts: PyFacts) -> bool:
    """An Azure ML entry script: ``init()`` loads the model, ``run()`` answers requests
    (a file named ``score*`` or one that imports ``azureml``)."""
    functions = {name for name, _ in facts.functions}
    tops = {i.module.split(".")[0] for i in facts.imports}
    if not {"init", "run"} <= functions:
        return False
    named = "score" in path.rsplit("/", 1)[-1].lower()
    return named or "azureml" in tops


SERVERLESS_HANDLERS = frozenset({"lambda_handler", "handler"})
INFERENCE_LIBS = frozenset({"onnxruntime", "joblib", "tflite_runtime", "openvino"})


def serverless_handler(repo: Facts, rel: str, facts: PyFacts) -> bool:
    """A serverless function (``lambda_handler``/``handler``, or any function taking AWS
    Lambda's ``(event, context)``) whose module, or a project module it imports, loads a
    model with an ML or inference library or unpickles one."""
    if not defines_handler(facts):
        return False
    for path in [rel, *ModuleIndex.of(repo).local_imports(rel)]:
        found = repo.python(path)
        tops = {i.module.split(".")[0] for i in found.imports} if found is not None else set()
        if tops & (ML_LIBS | INFERENCE_LIBS):
            return True
        if found is not None and any(c.name in MODEL_UNPICKLERS for c in found.calls):
            return True
    return False


MODEL_UNPICKLERS = frozenset({"pickle.load", "joblib.load", "cloudpickle.load", "dill.load"})


def defines_handler(facts: PyFacts) -> bool:
    """The module defines a serverless function: ``handler``/``lambda_handler``, or any
    function taking AWS Lambda's ``(event, context)``."""
    if {name for name, _ in facts.functions} & SERVERLESS_HANDLERS:
        return True
    return any([name for name, _ in d.params] == ["event", "context"] for d in facts.defs)


def _serving(repo: Facts) -> bool:
    return (
        bool(managed_deployments(repo))
        or bool(model_server_commands(repo))
        or bool(_top_imports(repo, product_paths(repo)) & SERVING_LIBS)
        or bool(repo.glob(*SERVING_FILES))
        or any(
            (facts := repo.python(rel)) is not None
            and (scoring_script(rel, facts) or serverless_handler(repo, rel, facts))
            for rel in product_paths(repo)
            if rel.endswith(".py")
        )
    )


# Traits decided from Python facts (imports, calls): their rules run after the analysis.
PYTHON_TRAITS = frozenset(
    {"ml", "training", "library", "models", "serving", "predicting", "deployed", "llm"}
)


def _predicting(repo: Facts) -> bool:
    return _serving(repo) or bool(batch_deployments(repo)) or bool(scheduled_predictions(repo))


BATCH_PREDICTION_NAME = re.compile(r"(predict|infer|scor|batch)", re.IGNORECASE)
PREDICT_CALL = re.compile(r"^(predict\w*|forecast|score_batch)$")


@fact
def scheduled_predictions(repo: Facts) -> tuple[Evidence, ...]:
    """A batch prediction job of the project's own: a product module named for prediction,
    inference or scoring that calls a model's ``predict``/``forecast`` and runs on a clock
    (an Airflow DAG, a Prefect or ZenML schedule, a scheduled CI workflow) or as a step of a
    declared pipeline that automation starts or publishes (an Azure ML scoring pipeline CI
    publishes, a Kubeflow pipeline CI submits)."""
    found = []
    for rel in product_paths(repo):
        if not rel.endswith(".py") or not BATCH_PREDICTION_NAME.search(rel.rsplit("/", 1)[-1]):
            continue
        facts = repo.python(rel)
        calls = facts.calls if facts is not None else ()
        call = next((c for c in calls if PREDICT_CALL.match(c.attr)), None)
        if call is None:
            continue
        reach = is_automated(repo, rel)
        if reach is None:
            continue
        if Trigger.SCHEDULE in reach.triggers:
            found.append(ev(rel, call.line, call.name, f"run on a schedule: {reach.describe()}"))
        elif reach.in_pipeline and reach.event_driven:
            # a scoring step of a declared pipeline that CI runs or publishes: a batch
            # prediction job, not a script CI runs to check that predicting works
            how = f"a pipeline step that automation runs: {reach.describe()}"
            found.append(ev(rel, call.line, call.name, how))
    return tuple(found)


TRAITS: dict[str, Callable[[Facts], bool]] = {
    "python": lambda r: bool(r.python_files),
    "ml": _ml,
    "training": _training,
    "library": _library,
    # the repository trains models or, as an ML library, defines them
    "models": lambda r: _training(r) or _library(r),
    "serving": _serving,
    # the model makes predictions for users: online serving, or batch prediction jobs
    "predicting": _predicting,
    # the model is put to use: it predicts, or it is published as a release artefact
    "deployed": lambda r: _predicting(r) or publishes_model(r),
    "llm": _llm,
    "notebooks": lambda r: bool(r.glob("*.ipynb")),
    "docker": lambda r: bool(r.glob("Dockerfile", "*.Dockerfile", "Dockerfile.*", "Containerfile")),
    "github-actions": lambda r: bool(workflow_files(r)),
    "ci": lambda r: bool(ci_files(r)),
    "git": lambda r: r.has_git,
    "data-files": lambda r: bool(r.glob("data/**", "*.csv", "*.parquet")),
    "pipeline": lambda r: bool(r.glob("dvc.yaml", "MLproject")),
}

REASONS: dict[str, str] = {
    "python": "no Python code",
    "ml": "no ML library is imported",
    "training": "no training code found (an ML library or a serving-only repository)",
    "library": "not an ML library (training scripts found, or no estimator classes)",
    "models": "no training code and no model classes of an ML library",
    "serving": "no model-serving code found",
    "predicting": (
        "the model is neither served nor run as a batch prediction job (a managed one, or a "
        "prediction script run on a schedule)"
    ),
    "deployed": (
        "the model is neither served, run as a batch prediction job, nor published to a model hub"
    ),
    "llm": "no LLM SDK is used",
    "notebooks": "no notebooks",
    "docker": "no Dockerfile",
    "github-actions": "no GitHub Actions workflows",
    "ci": "no CI configuration",
    "git": "not a git repository",
    "data-files": "no data files",
    "pipeline": "no declared pipeline",
}


def reason(repo: Facts, name: str) -> str:
    """Why a rule needing trait ``name`` does not apply (more precise for ML libraries)."""
    if name == "training" and has_trait(repo, "library"):
        return "an ML library: it defines estimators but no script trains a model"
    return REASONS[name]


@fact
def has_trait(repo: Facts, name: str) -> bool:
    return bool(TRAITS[name](repo))


def seen(repo: Facts) -> dict[str, bool]:
    """The traits asked for in this scan and their values, by name."""
    return {args[0]: value for args, value in sorted(has_trait.known(repo).items())}
