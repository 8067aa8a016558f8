"""Versioning checks: data and models under version control, artifacts kept out of git."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlguard.analyzers.artifacts.sniff import MAX_LFS_POINTER, is_lfs_pointer
from mlguard.analyzers.python_ast import Call, Import
from mlguard.checks.base import CheckContext, NotApplicable, NotCheckable, Outcome, ev, imports_of
from mlguard.checks.registry import register
from mlguard.checks.security.artifacts import candidates
from mlguard.checks.versioning.outputs import prediction_output, uncached_dvc_outputs
from mlguard.facts import callsites, traits
from mlguard.facts.automation import automation
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.notebook_shell import notebook_shell
from mlguard.known import MODEL_SUFFIXES
from mlguard.model import Evidence
from mlguard.repo import git as gitfacts
from mlguard.safeio.lines import line_at

ARTIFACT_DIRS = (
    "mlruns/",
    "mlartifacts/",
    "wandb/",
    "lightning_logs/",
    ".ipynb_checkpoints/",
    ".ipynb_aml_checkpoints/",  # Azure ML notebooks' autosaved copies
    "multirun/",
    "catboost_info/",  # CatBoost's training logs and snapshots
    ".neptune/",
    ".aim/",
)
# Single files that tools write: MLflow's SQLite tracking store, TensorBoard event files.
ARTIFACT_FILES = ("mlflow.db",)
ARTIFACT_FILE_PREFIXES = ("events.out.tfevents.",)
TERRAFORM_STATE = (".tfstate", ".tfstate.backup")  # written by every terraform apply
# a folder named by a date and a time of day (03_27_2025_00_48_09, 2024-01-05_12-30-00,
# 20240105-123000): a run's output folder, one per run
TIMESTAMP_DIR = re.compile(
    r"^(\d{4}[-_]\d{2}[-_]\d{2}|\d{2}[-_]\d{2}[-_]\d{4}|\d{8})[-_T ]"
    r"\d{2}[-_:]?\d{2}([-_:]?\d{2})?([.,_]\d+)?$"
)


def _timestamped_folder(path: str) -> str:
    """The path up to its first folder named by a timestamp (not the file's own name)."""
    parts = path.split("/")[:-1]
    for index, part in enumerate(parts):
        if TIMESTAMP_DIR.match(part):
            return "/".join(parts[: index + 1])
    return ""


# a log or report file named by a date and a time (test_run_20250827_153012.txt,
# eval-2024-01-05T12-30-00.log): one per run; the first per folder is reported
TIMESTAMPED_LOG = re.compile(
    r"(^|[_-])(\d{8}|\d{4}-\d{2}-\d{2})[_T-]\d{2}[-_:]?\d{2}([-_:]?\d{2})?"
    r"([_.-].*)?\.(log|txt|out|html|jsonl?)$"
)


def _timestamped_log(path: str) -> str:
    """The folder of a log or report file named by its run's date and time, or ''."""
    folder, _, name = path.rpartition("/")
    return f"{folder}/*" if TIMESTAMPED_LOG.search(name) else ""


DATA_GLOBS = ("data/**", "*.csv", "*.parquet", "*.tsv", "*.feather", "*.jsonl")


DATA_READS = re.compile(
    r"^(pandas\.read_\w+|polars\.(read|scan)_\w+|numpy\.(load|loadtxt|genfromtxt)|"
    r"datasets\.load_dataset|pyarrow\.parquet\.read_table|torchvision\.datasets\.\w+|"
    r"tensorflow\.data\.\w+Dataset|dvc\.api\.(open|read)|"
    # bundled and downloaded benchmark datasets, Ray Data readers
    r"sklearn\.datasets\.(load|fetch)_\w+|tensorflow_datasets\.(load|builder)|"
    r"ray\.data\.read_\w+)$"
)
# a TensorFlow Datasets name with its version: "cifar10:3.0.2"
TFDS_VERSIONED = re.compile(r"^[\w/-]+:\d+(\.\d+)*$")
LFS_DATA = re.compile(
    r"(^|/)(data|datasets?)(/|$)|\.(csv|tsv|parquet|feather|arrow|jsonl|json|npy|npz|h5|hdf5|"
    r"tfrecord|zip|gz|tar|txt|xlsx?|avro|orc|wav|jpe?g|png)\b|^\*$|^\*\*"
)
PINNED_READS = frozenset({"datasets.load_dataset", "dvc.api.open", "dvc.api.read"})
VERSIONED_IMPORTS = ("lakefs", "lakefs_sdk", "lakefs_client", "deltalake", "pyiceberg")
TIME_TRAVEL = re.compile(
    r"versionAsOf|timestampAsOf|snapshot-id|as_of_version|lakefs://|^azureml:[\w.-]+:\d+$"
)
# Azure ML data assets: SDK v1 reads (Dataset.Tabular.from_*, Dataset.get_by_name) and
# versioned registrations (register(create_new_version=True), register_on_complete, v2
# Data(version=...))
AZURE_READS = re.compile(
    r"^azureml\.(core|data)\.(dataset\.)?Dataset\.(Tabular|File)\.from_\w+$|"
    r"^azureml\.(core|data)\.(dataset\.)?Dataset\.get_by_name$"
)
AZURE_DATA_ASSETS = frozenset({"azure.ai.ml.entities.Data"})


def _azure_versions(ctx: CheckContext) -> list[Evidence]:
    """Datasets registered as new versions (Azure ML v1: ``register(create_new_version=True)``,
    a pipeline step output's ``register_on_complete(name=...)``, which registers a new
    version each run) or versioned data assets (v2)."""
    found = []
    sites = callsites.sites(
        ctx.repo,
        names=AZURE_DATA_ASSETS,
        attrs=["register_on_complete"],
        kwargs=["create_new_version"],
    )
    for path, call in sites:
        if traits.is_test_path(path):
            continue
        if call.attr == "register_on_complete" and (call.args or call.kwarg("name")):
            found.append(ev(path, call.line, f"{call.name}(...) (a new version per run)"))
        elif call.attr == "register" and call.kwarg("create_new_version") is True:
            found.append(ev(path, call.line, f"{call.name}(create_new_version=True)"))
        elif call.name in AZURE_DATA_ASSETS and call.kwarg("version") is not None:
            found.append(ev(path, call.line, f"{call.name}(version=...)"))
    return found


def _pinned_reads(ctx: CheckContext) -> tuple[list[Evidence], list[Evidence]]:
    pinned: list[Evidence] = []
    reads: list[Evidence] = []
    names = callsites.by_name(ctx.repo).keys(
        lambda n: n in PINNED_READS or bool(DATA_READS.match(n) or AZURE_READS.match(n))
    )
    calls = callsites.by_file(callsites.sites(ctx.repo, names=names))
    for path, facts in ctx.repo.iter_python():
        if traits.is_test_path(path):
            continue
        for call in calls.get(path, ()):
            if call.name in PINNED_READS and (call.has_kwarg("revision") or call.has_kwarg("rev")):
                pinned.append(ev(path, call.line, f"{call.name}(rev=...)"))
            elif call.name.endswith(".get_by_name") and _pinned_version(call.kwarg("version")):
                pinned.append(ev(path, call.line, f"{call.name}(version=...)"))
            elif call.name.startswith("tensorflow_datasets.") and _tfds_versioned(call):
                pinned.append(ev(path, call.line, f"{call.name}(name:version)"))
            elif DATA_READS.match(call.name) or AZURE_READS.match(call.name):
                reads.append(ev(path, call.line, call.name))
        pinned += imports_of(path, facts, VERSIONED_IMPORTS)
        pinned += [
            ev(path, line, text[:60]) for text, line in facts.strings if TIME_TRAVEL.search(text)
        ]
    return pinned + _azure_versions(ctx), reads


# Data assets of a cloud ML platform and pipeline data artifacts: versioned by the platform
MANAGED_DATASETS = re.compile(
    r"(^|\.)(TabularDataset|ImageDataset|TextDataset|TimeSeriesDataset|VideoDataset)\.create$|"
    r"\.data\.create_or_update$|"
    # TFX ExampleGen components: each run ingests the data into an Examples artifact
    r"(^|\.)\w*ExampleGen$"
)
# Feature stores: training data read from a feature group or view at its latest state
FEATURE_STORE_MODULES = (
    "hopsworks",
    "hsfs",
    "feast",
    "databricks.feature_store",
    "databricks.feature_engineering",
    "sagemaker.feature_store",
)
FEATURE_STORE_READS = frozenset(
    {
        "get_feature_group",
        "get_feature_groups",
        "get_or_create_feature_group",
        "get_feature_view",
        "get_or_create_feature_view",
        "create_feature_view",
        "training_data",
        "get_training_data",
        "create_training_set",
        "get_historical_features",
        "athena_query",
    }
)
DATA_ASSET_TEXT = re.compile(
    r"azuremlschemas\.azureedge\.net/\S*/data\.schema\.json|"
    r"\bpath\s*[:=]\s*['\"]?azureml:[\w.-]+@latest\b|"
    r"\bOutput\[(dsl\.)?Dataset\]|\bOutputPath\(\s*[\"']Dataset[\"']\s*\)|"
    # an Airflow task's data path templated by the run (data/raw/{{ ds }}/train.csv)
    r"[\"'][^\"'\n]{0,120}\bdata\b[^\"'\n]{0,120}\{\{[ \t]*(ds|ds_nodash|run_id|logical_date|"
    r"execution_date|data_interval_start)\b"
)
ASSET_HINTS = ("azureml", "Output[", "OutputPath(", "{{")


def _managed_datasets(ctx: CheckContext) -> list[Evidence]:
    repo = ctx.repo
    names = callsites.by_name(repo).keys(lambda n: bool(MANAGED_DATASETS.search(n)))
    found = [
        ev(path, call.line, call.name)
        for path, call in callsites.sites(repo, names=names)
        if not traits.is_test_path(path)
    ]
    for path in repo.glob("*.yml", "*.yaml", "*.py"):
        if traits.is_test_path(path):
            continue
        text = repo.text(path) or ""
        match = DATA_ASSET_TEXT.search(text) if any(h in text for h in ASSET_HINTS) else None
        if match:
            found.append(ev(path, line_at(text, match.start()), match.group(0)))
    return found + _feature_store_reads(ctx)


def _feature_store_reads(ctx: CheckContext) -> list[Evidence]:
    """Training data read from a feature store (Hopsworks, Feast, Databricks, SageMaker):
    a platform data asset read at its latest state. The store's client is often made in one
    module and read in another, so a repository that imports a store's SDK anywhere counts."""
    if not any(_imports_any(f.imports, FEATURE_STORE_MODULES) for _, f in ctx.repo.iter_python()):
        return []
    return [
        ev(path, call.line, f"feature store read: {call.name[:60]}")
        for path, call in callsites.sites(ctx.repo, attrs=FEATURE_STORE_READS)
        if not traits.is_test_path(path)
    ]


# Datasets fetched at run time: downloads from a URL, Spark/warehouse tables and queries
DOWNLOADS = re.compile(
    r"^(urllib\.request\.urlretrieve|wget\.download|(tensorflow\.)?keras\.utils\.get_file|"
    r"torchvision\.datasets\.utils\.(download_url|download_and_extract_archive)|"
    r"gdown\.download)$"
)
URL_FETCHES = re.compile(r"^(urllib\.request\.urlopen|requests\.get|httpx\.get)$")
DATA_URL = re.compile(
    r"https?://\S+\.(csv|tsv|parquet|jsonl?|zip|gz|tgz|tar|bz2|xz|txt|xlsx?|npz|npy|h5|"
    r"feather|arrow|data)\b",
    re.IGNORECASE,
)
SPARK_READS = re.compile(r"(^|\.)spark\.(read(\.|$)|table$|sql$)")
WAREHOUSE_MODULES = (
    "snowflake",
    "google.cloud.bigquery",
    "redshift_connector",
    "databricks.sql",
    "pyathena",
    "awswrangler",
    "pandas_gbq",
)
WAREHOUSE_READS = frozenset(
    {
        "fetch_pandas_all",
        "fetch_pandas_batches",
        "fetchall",
        "fetchmany",
        "fetch_arrow_all",
        "to_dataframe",
        "to_arrow",
        "read_gbq",
        "read_sql_query",
    }
)
SHELL_DOWNLOAD = re.compile(r"^\s*(wget|curl)\b")
# Metaflow keeps every ``self.<name>`` of a step as an artifact of the run
SNAPSHOT_VALUE = re.compile(r"fetch|read|load|query|download|table|sql", re.IGNORECASE)


def _remote_reads(ctx: CheckContext) -> list[Evidence]:
    """Datasets the code fetches when it runs: downloads from a URL (``urlretrieve``, a
    ``requests.get``/``urlopen`` of a data file), Spark tables and queries, warehouse query
    results (Snowflake, BigQuery, Redshift, Databricks SQL, Athena), and notebooks' ``!wget``
    / ``!curl`` of a data file."""
    found: list[Evidence] = []
    names = callsites.by_name(ctx.repo).keys(_fetching_name)  # distinct names, not each call
    warehouse: dict[str, bool] = {}
    for path, call in callsites.sites(ctx.repo, names=names, attrs=WAREHOUSE_READS):
        if traits.is_test_path(path):
            continue
        if path not in warehouse:
            facts = ctx.repo.python(path)
            imports = facts.imports if facts is not None else ()
            warehouse[path] = _imports_any(imports, WAREHOUSE_MODULES)
        if _fetches(call.name, call.attr, call.args, warehouse[path]):
            found.append(ev(path, call.line, call.name[:80]))
    for item in notebook_shell(ctx.repo):
        if SHELL_DOWNLOAD.search(item.text) and DATA_URL.search(item.text):
            found.append(ev(item.location.path, item.location.line, item.text[:80]))
    return found


def _fetching_name(name: str) -> bool:
    return bool(
        DOWNLOADS.match(name) or SPARK_READS.search(name.split("(")[0]) or URL_FETCHES.match(name)
    )


def _fetches(name: str, attr: str, args: tuple[object, ...], warehouse: bool) -> bool:
    if DOWNLOADS.match(name) or SPARK_READS.search(name.split("(")[0]):
        return True
    if URL_FETCHES.match(name):
        return any(DATA_URL.search(_text(a)) for a in args[:1])
    return warehouse and attr in WAREHOUSE_READS


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(getattr(value, "text", ""))


ZENML_STEPS = frozenset({"zenml.step", "zenml.steps.step"})


def _run_snapshots(ctx: CheckContext, reads: list[Evidence]) -> list[Evidence]:
    """A Metaflow step that keeps the data it reads as an artifact (``self.dataset =
    client.fetch(...)``) in a flow that reads it itself or through a module it imports, or a
    ZenML step that reads the data and returns it (step outputs are stored as artifacts):
    each run stores its own immutable copy."""
    repo = ctx.repo
    readers = {e.location.path for e in reads}
    index = ModuleIndex.of(repo)
    found = []
    for path, facts in repo.iter_python():
        tops = {i.module.split(".")[0] for i in facts.imports}
        if not tops & {"metaflow", "zenml"} or traits.is_test_path(path):
            continue
        if path not in readers and not readers.intersection(index.local_imports(path)):
            continue
        steps = [line for name, line in facts.decorators if name in ZENML_STEPS]
        if "zenml" in tops and steps and path in readers:
            found.append(ev(path, steps[0], "zenml step output (an artifact of each run)"))
            continue
        for item in facts.assigns:
            value = _text(item.value)
            if item.target.startswith("self.") and "(" in value and SNAPSHOT_VALUE.search(value):
                found.append(ev(path, item.line, f"{item.target} = {value[:60]}"))
    return found


def _imports_any(imports: Iterable[Import], modules: tuple[str, ...]) -> bool:
    """One of ``imports`` is one of ``modules`` or a submodule of one."""
    return any(i.module == m or i.module.startswith(m + ".") for i in imports for m in modules)


def _tfds_versioned(call: Call) -> bool:
    name = call.args[0] if call.args else call.kwarg("name")
    return isinstance(name, str) and bool(TFDS_VERSIONED.match(name))


def _pinned_version(value: object) -> bool:
    """A dataset version that names one version (not ``"latest"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().isdigit()


@register
def data_versioned(ctx: CheckContext) -> Outcome:
    """DVC outputs, git-LFS data rules, pinned dataset revisions or lakeFS/Delta time travel."""
    repo = ctx.repo
    dvc_files = repo.glob("*.dvc", "dvc.yaml")
    if repo.exists(".dvc/config") and dvc_files:
        return Outcome.passed([ev(p) for p in dvc_files])
    for attr in repo.glob(".gitattributes"):
        for number, line in enumerate(repo.lines(attr), 1):
            if "filter=lfs" in line and LFS_DATA.search(line.split()[0] if line.split() else ""):
                return Outcome.passed([ev(attr, number, line.strip())])
    pinned, reads = _pinned_reads(ctx)
    if pinned:
        return Outcome.passed(pinned)
    if dvc_files or repo.exists(".dvc/config"):
        return Outcome.partial("DVC is set up but no data is tracked by it yet.")
    managed = _managed_datasets(ctx)
    if managed:
        return Outcome.partial(
            "Datasets are platform data assets or pipeline artifacts (versioned per run, with "
            "lineage), but the code reads them unpinned (latest), so a rerun may see other data.",
            managed[:3],
        )
    fetched = _remote_reads(ctx)
    reads += fetched
    snapshots = _run_snapshots(ctx, reads) if reads else []
    if snapshots:
        return Outcome.passed(snapshots[:3])
    if not reads and not traits.has_trait(repo, "data-files"):
        raise NotApplicable("the code reads no datasets and the repository holds no data files")
    return Outcome.failed(
        "Data is read without versioning: no DVC (.dvc/config with .dvc files or dvc.yaml), "
        "git-LFS data rules, pinned dataset revisions, lakeFS/Delta time travel or a "
        "per-run snapshot (a Metaflow or ZenML run artifact).",
        reads[:1],
    )


def _artifact_dirs(ctx: CheckContext) -> tuple[str, ...]:
    hydra = any(
        i.module.split(".")[0] == "hydra" for _, f in ctx.repo.iter_python() for i in f.imports
    )
    return (*ARTIFACT_DIRS, "outputs/") if hydra else ARTIFACT_DIRS


def _under(path: str, folder: str) -> bool:
    return path.startswith(folder) or f"/{folder}" in path


@register
def artifacts_ignored(ctx: CheckContext) -> Outcome:
    """Tracked files under tool output folders (mlruns/, wandb/, ...), DVC outputs, .env."""
    repo = ctx.repo
    if not repo.has_git:
        raise NotCheckable("not a git repository: cannot tell which files are committed")
    folders = _artifact_dirs(ctx)
    outs = {o.rstrip("/") for s in automation(repo).stages if s.system == "dvc" for o in s.outs}
    outs -= uncached_dvc_outputs(ctx)  # cache: false: DVC leaves these to git on purpose
    found = []
    runs: set[str] = set()
    for path in sorted(repo.files):
        if not repo.is_tracked(path):
            continue
        folder = next((f for f in folders if _under(path, f)), None)
        if folder is not None:
            found.append(
                ev(
                    path,
                    1,
                    folder,
                    f"Generated ML artifact committed under {folder}: "
                    f"add '{folder}' to .gitignore and remove it from git",
                )
            )
        elif any(path == o or path.startswith(o + "/") for o in outs):
            found.append(
                ev(
                    path,
                    1,
                    path,
                    "A DVC stage output is also committed to git: "
                    "let DVC track it (it adds the path to .gitignore)",
                )
            )
        elif (name := path.rsplit("/", 1)[-1]) in ARTIFACT_FILES or name.startswith(
            ARTIFACT_FILE_PREFIXES
        ):
            found.append(
                ev(
                    path,
                    1,
                    name,
                    f"A tracking or logging output is committed ({name}): git-ignore it and "
                    "keep it in the tracker or an artifact store",
                )
            )
        elif (entry := prediction_output(path)) is not None:
            found.append(
                ev(
                    path,
                    1,
                    entry,
                    "A prediction output (submission, out-of-fold or blend predictions) is "
                    "committed: a run regenerates it; git-ignore it and keep it as a run "
                    "artifact",
                )
            )
        elif (stamped := _timestamped_folder(path)) and stamped not in runs:
            runs.add(stamped)
            found.append(
                ev(
                    path,
                    1,
                    stamped + "/",
                    f"A run's output folder named by its timestamp is committed ({stamped}/): "
                    "every run writes a new one; git-ignore the parent folder and keep run "
                    "outputs in an artifact store",
                )
            )
        elif (log := _timestamped_log(path)) and log not in runs:
            runs.add(log)
            found.append(
                ev(
                    path,
                    1,
                    path.rsplit("/", 1)[-1],
                    "A log or report named by the time of its run is committed: every run "
                    "writes a new one; git-ignore it and keep run outputs in an artifact store",
                )
            )
        elif path.endswith(TERRAFORM_STATE):
            found.append(
                ev(
                    path,
                    1,
                    path.rsplit("/", 1)[-1],
                    "Terraform state is committed: every apply rewrites it and it holds the "
                    "deployed resources' attributes, secrets included, in plain text; keep "
                    "it in a remote backend (S3, GCS, azurerm) and git-ignore *.tfstate*",
                )
            )
        elif _env_file(path.rsplit("/", 1)[-1]):
            name = path.rsplit("/", 1)[-1]
            found.append(
                ev(
                    path,
                    1,
                    name,
                    f"A {name} file is committed: it usually holds "
                    "credentials and machine-local settings",
                )
            )
    return Outcome.violations(found)


def _env_file(name: str) -> bool:
    """``.env`` and the local overrides (``.env.local``, ``.env.production.local``): by the
    dotenv convention these stay on one machine. Per-environment defaults
    (``.env.development``, ``.env.docker``) and templates (``.env.example``) are committed
    on purpose; secrets in them are SEC004's."""
    return name == ".env" or (name.startswith(".env.") and name.endswith(".local"))


def _anchor(ctx: CheckContext, *candidates: str) -> str:
    found = next((p for p in candidates if ctx.repo.exists(p)), None)
    return found or next(iter(ctx.repo.files), ".")


# VER002: data files and model files (known.MODEL_SUFFIXES but sentencepiece's .model)
DATA_EXTENSIONS = (
    ".csv",
    ".tsv",
    ".parquet",
    ".feather",
    ".arrow",
    ".jsonl",
    ".tfrecord",
    ".onnx",
    ".pb",
    ".tflite",
    ".gguf",
    ".mar",
    ".zip",
    ".tar.gz",
    *(s for s in MODEL_SUFFIXES if s != ".model"),
)
MB = 1024 * 1024


@register(needs_python=False)
def no_large_blobs(ctx: CheckContext) -> Outcome:
    """VER002: blobs over max_blob_mb (any file) or max_data_blob_mb (data/model files)."""
    repo = ctx.repo
    if repo.git is None:
        raise NotCheckable("not a git repository: there is no history to inspect")
    any_limit = float(ctx.param("max_blob_mb", 10)) * MB
    data_limit = float(ctx.param("max_data_blob_mb", 1)) * MB
    try:
        blobs = gitfacts.large_blobs(repo.git, int(min(any_limit, data_limit)))
    except gitfacts.ShallowHistory as exc:
        raise NotCheckable(f"{exc}: fetch the full history (fetch-depth: 0)") from exc
    except OSError as exc:
        raise NotCheckable(str(exc)) from exc
    anchor = _anchor(ctx, ".gitattributes", ".gitignore", "README.md")
    found = []
    for blob in blobs:
        data = blob.path.lower().endswith(DATA_EXTENSIONS)
        if blob.size < (data_limit if data else any_limit):
            continue
        where = blob.path if repo.exists(blob.path) else anchor
        size = f"{blob.size / MB:.1f} MB"
        found.append(
            ev(
                where,
                1,
                f"{blob.path} ({blob.oid[:10]})",
                f"{blob.path} ({size}, blob {blob.oid[:10]}) is stored in git history: "
                "track it with DVC or git-LFS and rewrite the history "
                "(git filter-repo) to drop it",
            )
        )
    return Outcome.violations(found)


GTO_TAG = re.compile(r"^[A-Za-z0-9_.-]+@v\d+\.\d+\.\d+|^[A-Za-z0-9_.-]+#[a-z]+(#\d+)?$")
ALIAS_REF = re.compile(r"models:/[^/@\s]+@\w+")


@register
def model_releases_tagged(ctx: CheckContext) -> Outcome:
    """VER005: GTO release tags, MLflow aliases (set or looked up) or models:/name@alias."""
    repo = ctx.repo
    tags = [t for t in (repo.git.tags if repo.git else ()) if GTO_TAG.match(t)]
    where = _anchor(ctx, "artifacts.yaml", "dvc.yaml", "README.md")
    found = [ev(where, 1, f"git tag {t}") for t in tags[:5]]
    stages: list[Evidence] = []
    aliases = ("set_registered_model_alias", "get_model_version_by_alias", "add_version_aliases")
    calls = callsites.by_file(
        callsites.sites(
            repo, attrs=[*aliases, "transition_model_version_stage"], kwargs=["version_aliases"]
        )
    )
    for path, facts in repo.iter_python():
        for call in calls.get(path, ()):
            if call.attr in aliases or call.kwarg("version_aliases") is not None:
                found.append(ev(path, call.line, call.name))
            elif call.attr == "transition_model_version_stage":
                stages.append(ev(path, call.line, call.name))
        found += [
            ev(path, line, text[:80]) for text, line in facts.strings if ALIAS_REF.search(text)
        ]
    if found:
        return Outcome.passed(found)
    if stages:
        return Outcome.partial(
            "Model versions are promoted with registry stages, deprecated since MLflow 2.9: "
            "use aliases (set_registered_model_alias) so serving can pin name@alias.",
            stages,
        )
    return Outcome.failed("Model releases are neither tagged (GTO) nor referenced by alias.")


# VER006: the model files of known.MODEL_SUFFIXES, less names that often hold data or
# other formats (.bin, .npy, .npz, sentencepiece .model), plus serving and export formats.
MODEL_EXTENSIONS = (
    *(s for s in MODEL_SUFFIXES if s not in (".bin", ".npy", ".npz", ".model")),
    ".onnx",
    ".pb",
    ".tflite",
    ".gguf",
    ".mar",
    ".cbm",
    ".ubj",
    ".pmml",
)


def _lfs_pointer(repo: Facts, path: str) -> bool:
    """A complete, well-formed git-LFS pointer (the one definition SEC002 uses too)."""
    size = repo.files[path].size
    if size > MAX_LFS_POINTER:
        return False
    handle = repo.open_binary(path)
    if handle is None:
        return False
    with handle:
        return is_lfs_pointer(handle.read(size + 1), size)


# pickled datasets (data/ind.cora.x) are data: SEC002 still reports them as unsafe to load
DATA_DIR = re.compile(r"(^|/)(data|datasets?|raw|processed|interim|fixtures?)/", re.IGNORECASE)
# formats SEC002 recognises by content that hold a serialised model whatever the file's name
SERIALISED_MODELS = frozenset(
    {"pickle", "torch-legacy", "safetensors", "gzip", "bz2", "xz", "lzma", "zlib", "joblib-zfile"}
)


@register(needs_python=False)
def model_binaries_not_in_git(ctx: CheckContext) -> Outcome:
    """VER006: model files committed as plain git blobs (not LFS pointers), outside tests."""
    repo = ctx.repo
    if not repo.has_git:
        raise NotCheckable("not a git repository: cannot tell which files are committed")
    found = []
    sniffed = {
        path
        for path, kind in candidates(repo)
        if kind in SERIALISED_MODELS and not DATA_DIR.search(path)
    }
    for path in repo.files:
        named = path.lower().endswith(MODEL_EXTENSIONS)
        if not (named or path in sniffed) or not repo.is_tracked(path):
            continue
        if traits.is_test_path(path) or path.startswith(traits.NON_PRODUCT):
            continue
        if _lfs_pointer(repo, path):
            continue
        found.append(
            ev(
                path,
                1,
                path,
                f"Model file {path} is committed to git: track it "
                "with DVC or git-LFS, or register it, so the repository stays small "
                "and each version is traceable",
            )
        )
    return Outcome.violations(found)
