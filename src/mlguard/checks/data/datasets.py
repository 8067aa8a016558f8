"""Data checks: schemas declared and enforced automatically, raw data immutable, splits."""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call, Expr
from mlguard.checks.base import CheckContext, Outcome, ev, imports_of
from mlguard.checks.registry import register
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automated_commands, automation, is_automated
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex
from mlguard.model import Evidence
from mlguard.repo import git as gitfacts
from mlguard.safeio.lines import line_at

SCHEMA_CALLS = frozenset(
    {
        "pandera.DataFrameSchema",
        "pandera.pandas.DataFrameSchema",
        "pandera.polars.DataFrameSchema",
        "pandera.SeriesSchema",
        "pandera.check_types",
        "pandera.check_input",
        "pandera.check_output",
        "tensorflow_data_validation.infer_schema",
        "tensorflow_data_validation.validate_statistics",
        "deepchecks.tabular.suites.data_integrity",
        "deepchecks.tabular.suites.train_test_validation",
        "great_expectations.get_context",
        "great_expectations.from_pandas",
        "sagemaker.workflow.quality_check_step.DataQualityCheckConfig",
        "sagemaker.model_monitor.DefaultModelMonitor.suggest_baseline",
    }
)
SCHEMA_SUFFIXES = (".DataFrameSchema", ".check_types", "ExampleValidator", "SchemaGen")
SCHEMA_BASES = ("pandera.DataFrameModel", "pandera.SchemaModel", "pandera.pandas.DataFrameModel")
SCHEMA_IMPORTS = ("great_expectations", "tensorflow_data_validation", "soda", "whylogs")
SCHEMA_FILES = (
    "great_expectations/great_expectations.yml",
    "gx/great_expectations.yml",
    "**/great_expectations/expectations/**/*.json",
    "gx/expectations/**/*.json",
    "**/schema.pbtxt",
)
# Hand-written data checks: a test that reads a data file and asserts on its columns, types
# or missing values; a product function named for validating data that raises on failure.
DATA_READS = frozenset(
    {
        "pandas.read_csv",
        "pandas.read_parquet",
        "pandas.read_json",
        "pandas.read_excel",
        "pandas.read_feather",
        "pandas.read_table",
        "polars.read_csv",
        "polars.read_parquet",
    }
)
DATA_ASSERTS = re.compile(
    r"^[ \t]*assert\b.*\.(isnull|isna|notnull|notna|dtypes?|columns|nunique|shape|duplicated)\b",
    re.MULTILINE,
)
DATA_TEST_NAME = re.compile(
    r"^test_\w*(schema|missing|nulls?|nans?|distribution|columns?|dtypes?|quality|integrity)"
)
# the noun is a whole snake_case word: validate_input_data, check_df (not
# validate_dataclass_config, whose subject is a configuration)
VALIDATOR_NAME = re.compile(
    r"^_?(validate|check|verify)(_[a-z0-9]+)*_(data|dataframe|frame|df|dataset|schema|columns?|"
    r"features)(_[a-z0-9]+)*$"
)
DATA_TESTS = re.compile(r"(^|/)tests?/data/|(^|/)test_data|_data_test\.py$")
PYTEST = re.compile(r"^\s*(\S*/)?(pytest|py\.test)\b|-m pytest\b")
SODA_CHECKS = re.compile(r"^checks for \S+:", re.MULTILINE)
# dbt: a model's columns declare data tests (unique, not_null, accepted_values, ...) in a
# properties file under models/, which `dbt test` or `dbt build` runs
DBT_TESTS = re.compile(r"^[ \t]*(data_)?tests[ \t]*:[ \t]*$", re.MULTILINE)
VALIDATION_COMMANDS = re.compile(
    r"\b(great_expectations|gx)\b.*\bcheckpoint\b|\bsoda scan\b|\btfdv\b"
    r"|\bdbt\s+(test|build)\b",
    re.IGNORECASE,
)


def schema_evidence(ctx: CheckContext) -> list[Evidence]:
    """DATA001 evidence: pandera schemas/models, GX, TFDV, deepchecks, Soda, whylogs, and
    hand-written checks (a test that reads a data file and asserts on its columns, types or
    missing values; a ``validate_dataframe``-style function that raises)."""
    return list(_schema_evidence(ctx.repo))


@fact
def _schema_evidence(repo: Facts) -> tuple[Evidence, ...]:
    found = [ev(p) for p in repo.glob(*SCHEMA_FILES)]
    for path in repo.glob("*.yml", "*.yaml"):
        text = repo.text(path) or ""
        match = SODA_CHECKS.search(text) if "checks for" in text else None
        if match:
            found.append(ev(path, line_at(text, match.start()), match.group(0)))
    for path in repo.glob("**/models/**/*.yml", "**/models/**/*.yaml"):
        text = repo.text(path) or ""
        match = DBT_TESTS.search(text) if "columns:" in text else None
        if match and repo.glob(*DBT_PROJECTS):
            found.append(ev(path, line_at(text, match.start()), "dbt data tests"))
    names = callsites.by_name(repo).keys(_schema_name)
    calls = callsites.by_file(callsites.sites(repo, names=names))
    for path, facts in repo.iter_python():
        if traits.is_test_path(path) and not DATA_TESTS.search(path):
            continue  # unit tests of code; data tests (tests/data/, test_data*.py) count
        found += [ev(path, c.line, c.name) for c in calls.get(path, ())]
        found += [ev(path, line, base) for base, line in facts.class_bases if base in SCHEMA_BASES]
        found += imports_of(path, facts, SCHEMA_IMPORTS)
    return tuple(found + _hand_written(repo))


DBT_PROJECTS = ("dbt_project.yml", "**/dbt_project.yml")


def _hand_written(repo: Facts) -> list[Evidence]:
    found = []
    reads = callsites.by_file(callsites.sites(repo, names=sorted(DATA_READS)))
    for path, facts in repo.iter_python():
        if not path.endswith(".py"):
            continue
        if traits.is_test_path(path):
            text = repo.text(path) or "" if path in reads else ""
            match = DATA_ASSERTS.search(text)
            named = [(n, line) for n, line in facts.functions if DATA_TEST_NAME.match(n)]
            if match:
                line = line_at(text, match.start())
                found.append(ev(path, line, match.group(0).strip()[:120]))
            elif text and named:
                found.append(ev(path, named[0][1], f"def {named[0][0]}"))
            continue
        validators = [(n, line) for n, line in facts.functions if VALIDATOR_NAME.match(n)]
        if validators and "raise " in (repo.text(path) or ""):
            name, line = validators[0]
            found.append(ev(path, line, f"def {name}"))
    return found


def _schema_name(name: str) -> bool:
    return name in SCHEMA_CALLS or name.endswith(SCHEMA_SUFFIXES)


@register
def schema_declared(ctx: CheckContext) -> Outcome:
    """DATA001: a schema or expectation suite describes valid input data."""
    found = schema_evidence(ctx)
    if found:
        return Outcome.passed(found)
    return Outcome.failed(
        "No data schema or expectations (pandera, Great Expectations, TFDV, Soda, deepchecks)."
    )


@register
def validation_automated(ctx: CheckContext) -> Outcome:
    """DATA002: the validation runs from a pipeline stage or a CI job, not only by hand."""
    found = schema_evidence(ctx)
    commands = automated_commands(ctx.repo, VALIDATION_COMMANDS)
    if commands:
        return Outcome.passed([ev(c.path, c.line, c.text[:120]) for c in commands])
    automated = []
    for item in found:
        reach = is_automated(ctx.repo, item)
        if reach is not None:
            automated.append(
                ev(
                    item.location.path,
                    item.location.line,
                    item.text,
                    f"Runs via {reach.describe()}",
                )
            )
    automated += _run_by_pytest(ctx, found)
    if automated:
        return Outcome.passed(automated)
    if found:
        return Outcome.partial(
            "Data validation is declared but no pipeline stage or CI job runs it.", found[:5]
        )
    return Outcome.failed("No data validation to automate (see DATA001).")


def _run_by_pytest(ctx: CheckContext, found: list[Evidence]) -> list[Evidence]:
    """Data tests that an automated ``pytest [paths]`` command collects."""
    tests = [e for e in found if traits.is_test_path(e.location.path)]
    hits = []
    for command in automated_commands(ctx.repo, PYTEST) if tests else []:
        for line in command.text.splitlines():
            if not PYTEST.search(line):
                continue
            args = [a for a in line.split()[1:] if not a.startswith("-") and "=" not in a]
            paths = [a.strip("'\"").removeprefix("./").rstrip("/") for a in args]
            paths = [p for p in paths if p not in ("pytest", "py.test", "-m")]
            if "." in paths or "" in paths:  # ``pytest .`` collects the whole repository
                paths = []
            for item in tests:
                where = item.location.path
                if not paths or any(where == p or where.startswith(p + "/") for p in paths):
                    hits.append(
                        ev(
                            where,
                            item.location.line,
                            item.text,
                            f"Data test run by {command.path}:{command.line}",
                        )
                    )
    return hits


RAW_PATH = re.compile(r"(^|[/\\])(data[/\\]raw|0?1_raw)([/\\]|$)")
WRITE_ATTRS = frozenset(
    {
        "to_csv",
        "to_parquet",
        "to_json",
        "to_feather",
        "to_excel",
        "to_pickle",
        "to_hdf",
        "write_csv",
        "write_parquet",
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "dump",
    }
)
WRITE_MODES = re.compile(r"[wax+]")


def _raw_target(call: Call) -> str:
    values = [*call.args[:2], call.kwarg("path"), call.kwarg("path_or_buf"), call.kwarg("file")]
    for value in values:
        if isinstance(value, str) and RAW_PATH.search(value):
            return value
        if isinstance(value, Expr) and RAW_PATH.search(value.text):
            return value.text
    return ""


@register
def raw_immutable(ctx: CheckContext) -> Outcome:
    """DATA003: code or pipeline stages that write into data/raw (or Kedro 01_raw)."""
    found = []
    writes = callsites.sites(ctx.repo, names=[*COPY_CALLS, "open"], attrs=WRITE_ATTRS)
    for path, call in writes:
        if _is_ingest(path.rsplit("/", 1)[-1]):
            continue  # an ingestion script is how raw data arrives
        target = ""
        if call.name in COPY_CALLS:
            target = _raw_dest(call)
        elif call.attr in WRITE_ATTRS or (call.name == "open" and _writes(call)):
            target = _raw_target(call)
        if target:
            found.append(
                ev(
                    path,
                    call.line,
                    f"{call.attr}({target!r})",
                    f"Writes into raw data ({target}): raw data should stay as "
                    "received; write derived data to data/interim or "
                    "data/processed",
                )
            )
    found += _rewritten_in_history(ctx)
    for stage in automation(ctx.repo).stages:
        for out in stage.outs:
            if RAW_PATH.search(out) and not _is_ingest(stage.name):
                found.append(
                    ev(
                        stage.path,
                        stage.line,
                        out,
                        f"Pipeline stage '{stage.name}' overwrites raw data ({out})",
                    )
                )
    return Outcome.violations(found)


RAW_SPECS = ("data/raw", "data/01_raw")


def _rewritten_in_history(ctx: CheckContext) -> list[Evidence]:
    """Raw files that a commit modified after they were added (bounded git log)."""
    if ctx.repo.git is None:
        return []
    found = []
    for path, commit in sorted(gitfacts.modified_files(ctx.repo.git, RAW_SPECS).items()):
        if ctx.repo.exists(path):
            found.append(
                ev(
                    path,
                    1,
                    f"modified in {commit[:10]}",
                    f"Raw data file rewritten in commit {commit[:10]}: keep raw data "
                    "as received and version new deliveries as new files or DVC "
                    "revisions",
                )
            )
    return found


COPY_CALLS = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move"})


def _writes(call: Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else call.kwarg("mode")
    return isinstance(mode, str) and WRITE_MODES.search(mode) is not None


def _raw_dest(call: Call) -> str:
    dest = call.args[1] if len(call.args) > 1 else call.kwarg("dst")
    text = dest if isinstance(dest, str) else dest.text if isinstance(dest, Expr) else ""
    return text if RAW_PATH.search(text) else ""


def _is_ingest(name: str) -> bool:
    return bool(re.search(r"ingest|download|fetch|import|extract|get_data|acquire", name, re.I))


FEATURE_STORE_IMPORTS = ("feast", "tecton", "hopsworks", "featureform", "hsfs")


@register
def features_shared(ctx: CheckContext) -> Outcome:
    """DATA005: training and serving compute features with the same code or a feature store."""
    repo = ctx.repo
    stores = [ev(p) for p in repo.glob("feature_store.yaml", "**/feature_store.yaml")]
    for path, facts in repo.iter_python():
        stores += imports_of(path, facts, FEATURE_STORE_IMPORTS)
    if stores:
        return Outcome.passed(stores)
    index = ModuleIndex.of(repo)
    training = traits.training_files(repo)
    serving = traits.serving_files(repo)
    train_mods = {m for t in training for m in _closure(index, t)}
    shared = sorted(
        {m for s in serving for m in _closure(index, s)} & train_mods - set(training) - set(serving)
    )
    if shared:
        return Outcome.passed(
            [ev(p, 1, p, "Imported by training and serving code") for p in shared]
        )
    return Outcome.failed(
        "Serving code shares no feature module with training code and no feature store is "
        "used: preprocessing is likely implemented twice (training/serving skew).",
        [ev(serving[0])] if serving else [],
    )


def _closure(index: ModuleIndex, path: str) -> set[str]:
    seen, todo = {path}, [path]
    while todo and len(seen) < 300:
        for imported in index.local_imports(todo.pop()):
            if imported not in seen and not imported.endswith("__init__.py"):
                seen.add(imported)
                todo.append(imported)
    return seen - {path}
