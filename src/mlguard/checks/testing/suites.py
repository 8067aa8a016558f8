"""Testing checks: ML-aware tests, tested feature code, pipeline integration tests."""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import PyFacts
from mlguard.checks.base import CheckContext, NotApplicable, Outcome, ev
from mlguard.checks.declarative import calls_named
from mlguard.checks.llm.lifecycle import llm_app
from mlguard.checks.registry import register
from mlguard.checks.testing.llm_flows import (
    app_clients,
    app_routes,
    data_modules,
    llm_mocks,
    model_modules,
)
from mlguard.facts import callsites, traits
from mlguard.facts.ci_commands import ci_runs
from mlguard.facts.ml import local_runs, module_name, product_files, test_files
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.test_runs import ci_test_runs
from mlguard.model import Evidence
from mlguard.repo import globs

MODEL_METHODS = frozenset(
    {
        "fit",
        "fit_transform",
        "predict",
        "predict_proba",
        "transform",
        "forward",
        "evaluate",
        "score",
        "generate",
        "train",
        "train_step",
        "training_step",
    }
)
FEATURE_GLOBS = (
    "**/features/**/*.py",
    "**/features.py",
    "**/*feature*.py",
    "**/*featur*/**/*.py",
    "**/preprocess*.py",
    "**/preprocessing/**/*.py",
    "**/*preprocess*/**/*.py",
    "**/transform.py",
    "**/transforms.py",
    "**/transformation*.py",
    "**/transforms/**/*.py",
    "**/nodes.py",
    "**/prepare*.py",
    "**/*preprocess*.py",
    "**/*data_prep*.py",
    "**/*transformation*.py",
    "**/etl*.py",
    "**/prep.py",
    "**/prep_*.py",
    "**/*_prep.py",
    "**/*datamodule*.py",
    "**/*data_module*.py",
    "**/make_dataset*.py",
    "**/build_dataset*.py",
    "**/create_dataset*.py",
    "**/*clean_data*.py",
    "**/*data_clean*.py",
    "**/input_pipeline*.py",
)
PIPELINE_RUN = (
    r"(dvc (repro|exp run)|kedro run|mlflow run|airflow dags test|zenml pipeline run"
    r"|python3? \S*(flow|pipeline)\S*\.py run|metaflow|pytest\b.*(integration|e2e|pipeline)"
    r"|make (e2e|integration|pipeline|smoke))"
)
INTEGRATION_TEST_GLOBS = (
    "**/tests/integration/**/*.py",
    "**/tests/e2e/**/*.py",
    "**/test_*pipeline*.py",
    "**/test_*e2e*.py",
    "**/test_*integration*.py",
    "**/test_*dag*.py",
)
PIPELINE_TEST_CALLS = ("airflow.models.DagBag", "airflow.models.dagbag.DagBag", "*.dag.test")


def _product_ml_modules(ctx: CheckContext, models: bool = False) -> dict[str, str]:
    """The modules of the training code (and, with ``models``, of the model classes)."""
    paths = [*traits.training_files(ctx.repo), *(traits.model_files(ctx.repo) if models else ())]
    return {module_name(p): p for p in paths}


@register
def ml_tests(ctx: CheckContext) -> Outcome:
    """Tests that fit/predict a model, or import the project's training or model modules."""
    found: list[Evidence] = []
    any_test = False
    train_modules = _product_ml_modules(ctx, models=True)
    index = ModuleIndex.of(ctx.repo)
    fits = callsites.by_file(callsites.sites(ctx.repo, attrs=MODEL_METHODS))
    for path, facts in test_files(ctx.repo):
        any_test = any_test or bool(facts.functions)
        calls = fits.get(path, [])
        if calls:
            found.append(ev(path, calls[0].line, f"{calls[0].name}(...)"))
            continue
        found += _imports_training(path, facts, train_modules, index)[:1]
    launches, _ = training_tests(ctx)
    found += launches
    if not found and llm_app(ctx):
        found += _llm_flow_tests(ctx)
    elif not found:
        found += _serving_tests(ctx) or _inference_tests(ctx)
    if found:
        return Outcome.passed(found)
    if any_test and llm_app(ctx):
        return Outcome.partial(
            "Tests exist but none drives the LLM flow (its routes, or the code that calls the"
            " model)."
        )
    if any_test and not _touch_the_project(ctx):
        return Outcome.failed(
            "The tests import no code of the project (placeholders, or a template's example "
            "tests): nothing the project ships is tested."
        )
    if any_test:
        return Outcome.partial(
            "Tests exist but none fits or predicts with a model or imports the training code.",
            prerequisite=True,
        )
    return Outcome.failed(
        "No test files (tests/ folders, test_*.py, *_test.py, *_tests.py, tests.py)."
    )


def _touch_the_project(ctx: CheckContext) -> bool:
    """Some test imports a module of the project (not another test module or a conftest)."""
    index = ModuleIndex.of(ctx.repo)
    return any(
        not traits.is_test_path(module)
        for path, _ in test_files(ctx.repo)
        for module in index.local_imports(path)
    )


@register
def feature_tests(ctx: CheckContext) -> Outcome:
    """Every feature/preprocessing module is imported by at least one test."""
    modules = [
        p
        for p, _ in product_files(ctx.repo)
        if globs.match_any(p, FEATURE_GLOBS) and not p.endswith("__init__.py")
    ]
    named = bool(modules)
    if not modules:
        # No module of its own: the data is prepared where the model is trained.
        modules = traits.training_files(ctx.repo)
    llm = not modules and llm_app(ctx)
    if llm:
        modules = data_modules(ctx)  # an LLM app prepares data by embedding and chunking
    if not modules and llm:
        raise NotApplicable("no feature, preprocessing, embedding or chunking code")
    # a test cannot import a notebook: next to modules, a notebook is a prototype
    modules = [p for p in modules if p.endswith(".py")] or modules
    if not modules:
        raise NotApplicable("no feature or preprocessing modules (features/, preprocess*.py, ...)")
    tests = list(test_files(ctx.repo))
    reached = _reached_by_tests(ctx, [t for t, _ in tests])
    covered: list[str] = []
    missing: list[str] = []
    for path in modules:
        name = module_name(path)
        hit = path in reached or any(_imports(f, name) for _, f in tests)
        (covered if hit else missing).append(path)
    # a feature script, DAG or notebook that calls feature code the tests import is a
    # wrapper: its logic is tested where it lives (a training script is not: it prepares data)
    if named:
        imported = reached | set(covered)
        missing = [p for p in missing if not _wraps_tested_features(ctx, p, imported)]
    covered = [p for p in modules if p not in missing]
    if not missing:
        return Outcome.passed([ev(p) for p in covered])
    detail = f"{len(covered)} of {len(modules)} feature modules are imported by a test; "
    detail += f"untested: {', '.join(missing[:5])}"
    if covered:
        return Outcome.partial(detail, [ev(missing[0])])
    product = set(traits.product_paths(ctx.repo))
    tested = sorted(
        p for p in reached if p in product and not p.endswith("__init__.py") and _ml_code(ctx, p)
    )
    if tested:
        # the tests unit-test other model or data code (box conversions, matchers,
        # loaders), so testing is in place in part; the data preparation is left out
        return Outcome.partial(
            detail + f"; the tests cover other project modules ({', '.join(tested[:3])})",
            [ev(missing[0])],
        )
    through = _exercised_through(ctx, reached, missing)
    if through:
        # a test runs the pipeline or training entry point that prepares the data: the
        # feature code runs under test end to end, but nothing checks it on its own
        module, via = through
        return Outcome.partial(
            detail + f"; {module} runs only end to end, under a test of {via}",
            [ev(module)],
        )
    return Outcome.failed(detail, [ev(missing[0])])


def _exercised_through(
    ctx: CheckContext, reached: set[str], missing: list[str]
) -> tuple[str, str] | None:
    """(an untested feature module, the tested pipeline or training entry point that imports
    it, directly or through other project modules), or None."""
    index = ModuleIndex.of(ctx.repo)
    wanted = set(missing)
    training = set(traits.training_files(ctx.repo))
    for start in sorted(reached):
        name = start.rsplit("/", 1)[-1]
        if start not in training and not ENTRY_POINT_NAME.search(name):
            continue  # an app or helper that imports the code does not run it under test
        imported = index.imported_within([start], MAX_IMPORT_DEPTH, limit=len(ctx.repo.files))
        hit = next((m for m in imported if m in wanted), None)
        if hit is not None:
            return hit, start
    return None


MAX_IMPORT_DEPTH = 6
# modules named for running the pipeline: their test runs the data preparation end to end
ENTRY_POINT_NAME = re.compile(r"pipeline|flow|dag|workflow|run_", re.IGNORECASE)


def _wraps_tested_features(ctx: CheckContext, path: str, tested: set[str]) -> bool:
    """The module imports a tested feature or preprocessing module of the project (not
    only a package ``__init__``)."""
    index = ModuleIndex.of(ctx.repo)
    return any(
        module in tested
        and not module.endswith("__init__.py")
        and globs.match_any(module, FEATURE_GLOBS)
        for module in index.local_imports(path)
    )


def _ml_code(ctx: CheckContext, path: str) -> bool:
    """Model or data code: the module imports an ML library, or loads a model and predicts
    with it (a serving app is model code too; one that only answers /health is not)."""
    facts = ctx.repo.python(path)
    if facts is None:
        return False
    return traits.ml_imports(facts) or traits.predicts_with_a_loaded_model(facts)


def _reached_by_tests(ctx: CheckContext, tests: list[str]) -> set[str]:
    """Project modules the tests import, directly or through the ``__init__.py`` of a
    package they import (``from pkg import jobs`` loads what ``pkg/jobs/__init__.py``
    imports)."""
    index = ModuleIndex.of(ctx.repo)
    reached: set[str] = set()
    frontier = [m for t in tests for m in index.local_imports(t)]
    for _ in range(MAX_PACKAGE_DEPTH):
        following: list[str] = []
        for module in frontier:
            if module not in reached:
                reached.add(module)
                if module.endswith("__init__.py"):
                    following += index.local_imports(module)
        frontier = following
    reached.update(frontier)
    return reached


MAX_PACKAGE_DEPTH = 4


# what a serving module does with its model: predict, or load it (a pickle, a checkpoint, a
# framework's model class given weights)
PREDICT_ATTRS = frozenset(
    {"predict", "predict_proba", "load_model", "from_pretrained", "InferenceSession", "YOLO"}
)
PREDICT_ROUTE = re.compile(
    r"^/?(\w+/)*(predict|classify|infer|inference|score|invocations|generate|detect|"
    r"recommend|forecast|embed|segment|transcribe)[\w-]*/?$",
    re.IGNORECASE,
)
MODEL_LOADS = frozenset(
    {"joblib.load", "pickle.load", "torch.load", "dill.load", "cloudpickle.load"}
)


def _serving_tests(ctx: CheckContext) -> list[Evidence]:
    """Tests that call the model-serving routes through a test client, of an app that
    predicts with the model (its serving module, or a module it imports, loads or calls
    the model): the request runs the model's prediction."""
    clients = {e.location.path: e for e in app_clients(ctx)}
    if not clients:
        return []
    serving = set(traits.serving_files(ctx.repo))
    index = ModuleIndex.of(ctx.repo)
    found = []
    for path, evidence in sorted(clients.items()):
        facts = ctx.repo.python(path)
        if facts is None or not any(PREDICT_ROUTE.search(s) for s, _ in facts.strings):
            continue  # only /health or / is called: the model never answers
        for module in index.imported_within([path], 2):
            if module in serving and _predicts(ctx, module, index):
                found.append(ev(path, evidence.location.line, f"{evidence.text}; {module}"))
                break
    return found


def _predicts(ctx: CheckContext, module: str, index: ModuleIndex) -> bool:
    for path in (module, *index.local_imports(module)):
        facts = ctx.repo.python(path)
        if facts is not None and any(
            c.attr in PREDICT_ATTRS or c.name in MODEL_LOADS for c in facts.calls
        ):
            return True
    return False


# a model loaded from a file or the registry, by the libraries' own loaders
LOADER_ATTRS = frozenset({"load_model", "from_pretrained", "InferenceSession", "Booster"})


def _inference_tests(ctx: CheckContext) -> list[Evidence]:
    """Tests that import the project's inference code: a module that loads the trained model
    and predicts with it (a batch scorer, a serverless handler, a recommendation function),
    so calling it runs the model."""
    inference = [
        p
        for p in traits.product_paths(ctx.repo)
        if p.endswith(".py") and _loads_and_predicts(ctx, p)
    ]
    return _tests_importing(ctx, inference, "loads the model and predicts")


def _tests_importing(ctx: CheckContext, paths: list[str], what: str) -> list[Evidence]:
    """Test files that import (more than the constants or the web app object of) one of
    ``paths``, the first such module each."""
    modules = [module_name(p) for p in paths]
    found = []
    for path, facts in test_files(ctx.repo):
        module = next((m for m in modules if _imports(facts, m, constants=False)), None)
        if module is not None:
            found.append(ev(path, 1, f"imports {module}, which {what}"))
    return found


def _loads_and_predicts(ctx: CheckContext, path: str) -> bool:
    facts = ctx.repo.python(path)
    if facts is None:
        return False
    loads = any(c.name in MODEL_LOADS or c.attr in LOADER_ATTRS for c in facts.calls)
    return loads and any(c.attr in ("predict", "predict_proba") for c in facts.calls)


def _llm_flow_tests(ctx: CheckContext) -> list[Evidence]:
    """An LLM app's tests that drive its RAG/agent flow (its routes through a test client,
    or a module that calls the model), with the LLM client mocked or live: a live call is an
    integration test of the same flow (the mock, when there is one, is shown first)."""
    mocks = llm_mocks(ctx)
    drives = app_routes(ctx) + _tests_importing(ctx, model_modules(ctx), "calls the model")
    return [*mocks[:1], *drives[:3]] if drives else []


# Names imported from a training module: helpers that only load data or tokenizers do not
# touch the model; entry points, trainers and model builders do.
HELPER_NAME = re.compile(r"dataset|data$|data_|tokeni[sz]er|loader|collat|config|args")
MODEL_NAME = re.compile(
    r"train|fit|model|predict|infer|learn|estimator|net|classif|regress|main|run"
)
CONSTANT = re.compile(r"^[A-Z_0-9]+$")


def _imports_training(
    path: str, facts: PyFacts, modules: dict[str, str], index: ModuleIndex | None = None
) -> list[Evidence]:
    """The test's import of the training code or a model class (not of its data helpers or
    constants), by module name, or (with ``index``) by the file the import resolves to, so
    that nested source roots (``pkg/src/pkg/models.py``) and relative imports are found."""
    files = set(modules.values())
    for imp in facts.imports:
        name = _unrooted(imp.module.lstrip("."))
        for module in modules:
            if name == module:
                return [ev(path, imp.line, f"imports {imp.module.lstrip('.')}")]
            if name.startswith(module + ".") and _model_symbol(name[len(module) + 1 :]):
                return [ev(path, imp.line, f"imports {imp.module.lstrip('.')}")]
        target = index.resolve(imp.module, path) if index is not None else None
        if target in files and _model_symbol(imp.module.rsplit(".", 1)[-1]):
            return [ev(path, imp.line, f"imports {imp.module.lstrip('.')}")]
        if index is not None and target is not None and target.endswith("__init__.py"):
            symbol = imp.module.rsplit(".", 1)[-1]
            defined = _reexported_model_class(index, target, symbol)
            if defined in files:
                what = f"imports {imp.module.lstrip('.')} (a model class of {defined})"
                return [ev(path, imp.line, what)]
    return []


def _reexported_model_class(index: ModuleIndex, package: str, symbol: str) -> str | None:
    """The file a package's ``__init__.py`` imports ``symbol`` from, when ``symbol`` is a
    model class defined there (``from vit_pytorch import ViT``, re-exported from
    ``vit_pytorch/vit.py``), or None."""
    facts = index.repo.python(package)
    for imp in facts.imports if facts is not None else ():
        if imp.module.rsplit(".", 1)[-1] != symbol:
            continue
        source = index.resolve(imp.module, package)
        defined = index.repo.python(source) if source else None
        if source and defined is not None and symbol in traits.model_classes(defined):
            return source
    return None


def _model_symbol(imported: str) -> bool:
    """A trainer, model class or entry point, not a data helper or a constant."""
    lower = imported.lower()
    helper = HELPER_NAME.search(lower) or CONSTANT.match(imported)
    return not helper and bool(MODEL_NAME.search(lower))


def training_tests(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    """Tests that train: (those that launch a run of the repository's training pipeline, an
    end-to-end test; those that import the training code, a smoke test)."""
    from mlguard.checks.pipeline.automation import launches_training_pipeline

    modules = _product_ml_modules(ctx)
    launches: list[Evidence] = []
    smoke: list[Evidence] = []
    for path, facts in test_files(ctx.repo):
        if launches_training_pipeline(ctx, path):
            launches.append(ev(path, 1, "launches a run of the training pipeline"))
        else:
            smoke += _imports_training(path, facts, modules)
    return launches, smoke


# what a test imports from a module to call it through a test client (judged by its routes)
APP_OBJECTS = frozenset({"app", "application", "api", "router"})


def _imports(facts: PyFacts, module: str, constants: bool = True) -> bool:
    """``module`` or a dotted suffix of it (``features.build``) is imported by ``facts``;
    with ``constants=False``, importing only its constants (``PROMPT``) or its web app
    object (``from main import app``, called through a test client) does not count."""
    parts = module.split(".")
    names = {module} | {".".join(parts[i:]) for i in range(len(parts) - 1)}
    imported = {_unrooted(imp.module.lstrip(".")) for imp in facts.imports}
    return any(
        i == n or (i.startswith(n + ".") and (constants or _callable_symbol(i[len(n) + 1 :])))
        for i in imported
        for n in names
    )


def _callable_symbol(name: str) -> bool:
    return not CONSTANT.match(name) and name not in APP_OBJECTS


def _unrooted(module: str) -> str:
    """``src.train`` -> ``train``: a test that imports through the source root (as
    ``module_name`` strips it from paths)."""
    for root in ("src.", "lib."):
        if module.startswith(root):
            return module[len(root) :]
    return module


@register
def pipeline_integration(ctx: CheckContext) -> Outcome:
    """CI runs the pipeline end to end on sample data (pass); such a test exists (partial)."""
    repo = ctx.repo
    automated = ci_runs(repo, PIPELINE_RUN)
    local = _integration_tests(ctx)
    if automated:
        return Outcome.passed(automated)
    if local and ci_test_runs(repo):
        return Outcome.passed(local)
    manual = local + local_runs(repo, PIPELINE_RUN)
    if manual:
        return Outcome.partial(
            "A pipeline integration test exists but CI does not run it.", manual[:1]
        )
    return Outcome.failed(
        "No end-to-end run of the pipeline on sample data (dvc repro, kedro run, DAG test)."
    )


def _integration_tests(ctx: CheckContext) -> list[Evidence]:
    found = [ev(p) for p in ctx.repo.glob(*INTEGRATION_TEST_GLOBS)]
    for path, call in calls_named(ctx, list(PIPELINE_TEST_CALLS)):
        if traits.is_test_path(path):
            found.append(ev(path, call.line, call.name))
    return sorted(set(found), key=lambda e: e.location)
