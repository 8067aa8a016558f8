"""Models deployed to serving infrastructure that the repository declares in code or config.

A repository that deploys its model to a managed endpoint serves it, even when it holds no
web-server code: the cloud platform runs the server. mlguard recognises

- Python (scripts and notebooks) that uses a cloud ML SDK (SageMaker, Vertex AI, Google Cloud
  AutoML, Azure ML v1 and v2, MLflow deployments, Databricks) and deploys:
  ``estimator.deploy(...)``, ``model.deploy(endpoint=...)``, ``Model.deploy(ws, ...)``,
  ``ManagedOnlineDeployment(...)``, ``create_endpoint(...)``, AutoML's ``deploy_model(...)``,
  kfp's ``ModelDeployOp``, the Vertex TFX ``Pusher``, CDK's
  ``CfnEndpoint``;
- Databricks model serving endpoints created or updated from code: the SDK's
  ``WorkspaceClient().serving_endpoints.create/update_config(...)`` (and ``*_and_wait``),
  and write requests (POST/PUT/PATCH, also through a small helper named so) to the
  ``/api/2.0/serving-endpoints`` REST API (not ``.../invocations``, which queries a model);
- serving manifests and infrastructure code: KServe ``InferenceService``, Seldon
  ``SeldonDeployment``, Azure ML online endpoint/deployment YAML, CloudFormation
  ``AWS::SageMaker::Endpoint``, Terraform ``aws_sagemaker_endpoint`` /
  ``google_vertex_ai_endpoint``, and the ``graphs`` a ``langgraph.json`` declares for a
  LangGraph Server deployment.

Batch prediction is deployment too ("part of a batch prediction system", in Google's MLOps
definitions), but not online serving: :func:`batch_deployments` finds Vertex AI
``batch_predict``/``BatchPredictionJob``/``ModelBatchPredictOp``, SageMaker batch transform
(``transformer(...)``, ``Transformer``, ``TransformStep``, ``create_transform_job``), Azure ML
batch endpoints and ``ParallelRunStep``, TFX ``BulkInferrer``, and Azure ML batch endpoint
YAML. Files are read as parsed facts or text; nothing is run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mlguard.analyzers.python_ast import Call, PyFacts
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.product import NON_PRODUCT, product_paths
from mlguard.model import Evidence, Location
from mlguard.safeio.lines import line_at

SDK_MODULES = (
    "sagemaker",
    "boto3",
    "google.cloud.aiplatform",
    "google.cloud.automl",
    "google.cloud.automl_v1",
    "google.cloud.automl_v1beta1",
    "vertexai",
    "azureml",
    "azure.ai.ml",
    "mlflow.deployments",
    "mlflow.sagemaker",
    "databricks.sdk",
    "aws_cdk",
    "google_cloud_pipeline_components",
    "tfx",
)
# Constructors and calls that create or update a serving deployment.
DEPLOY_NAMES = frozenset(
    {
        "ManagedOnlineDeployment",
        "ManagedOnlineEndpoint",
        "KubernetesOnlineDeployment",
        "KubernetesOnlineEndpoint",
        "AciWebservice",
        "AksWebservice",
        "ModelDeployOp",
        "EndpointCreateOp",
        "CfnEndpoint",
    }
)
DEPLOY_ATTRS = frozenset(
    {"deploy", "create_endpoint", "update_endpoint", "create_deployment", "deploy_model"}
)
# Databricks SDK: WorkspaceClient().serving_endpoints.create(...) and friends
SERVING_ENDPOINTS = re.compile(r"(^|\.)serving_endpoints\.\w+$")
SERVING_ENDPOINT_ATTRS = frozenset(
    {"create", "create_and_wait", "update_config", "update_config_and_wait"}
)
# Databricks REST: a POST/PUT/PATCH to .../serving-endpoints (not .../invocations: a query)
SERVING_REST = re.compile(r"serving-endpoints(?!.*invocations)")
WRITE_CALL = re.compile(r"(^|_)(post|put|patch)(_|$)", re.IGNORECASE)
BATCH_NAMES = frozenset(
    {
        "BatchPredictionJob",
        "ModelBatchPredictOp",
        "Transformer",
        "TransformStep",
        "BatchEndpoint",
        "BatchDeployment",
        "ModelBatchDeployment",
        "ParallelRunStep",
        "BulkInferrer",
    }
)
BATCH_ATTRS = frozenset(
    {"batch_predict", "create_batch_prediction_job", "transformer", "create_transform_job"}
)
BATCH_MANIFEST = re.compile(r"(model)?[bB]atch(Deployment|Endpoint)\.schema\.json")
VERTEX_PUSHER = "google_cloud_ai_platform"
MANIFEST_FILES = (
    "*.yaml",
    "*.yml",
    "*.tf",
    "*.template",
    "*template*.json",
    "*.cfn.json",
    "langgraph.json",
)
MANIFEST = re.compile(
    r"^[ \t]*kind:[ \t]*[\"']?(InferenceService|SeldonDeployment)\b"
    r"|(managed|kubernetes)OnlineDeployment\.schema\.json"
    r"|(managed|kubernetes)OnlineEndpoint\.schema\.json"
    r"|[\"']?Type[\"']?\s*:\s*[\"']?AWS::SageMaker::Endpoint[\"'\s,]"
    r"|^[ \t]*resource[ \t]+\"(aws_sagemaker_endpoint|google_vertex_ai_endpoint)\""
    # langgraph.json: the graphs a LangGraph Server (Platform) deployment serves
    r"|^[ \t]*\"graphs\"[ \t]*:[ \t]*\{",
    re.MULTILINE,
)
MAX_MANIFESTS = 3000


def managed_deployments(repo: Facts) -> list[Evidence]:
    """Where the repository deploys a model to serving infrastructure (sorted)."""
    return list(_managed_deployments(repo))


@fact
def _managed_deployments(repo: Facts) -> tuple[Evidence, ...]:
    return _scan(repo, _deploys, MANIFEST, MANIFEST_FILES)


def batch_deployments(repo: Facts) -> list[Evidence]:
    """Where the repository runs its model as a batch prediction job or batch endpoint."""
    return list(_batch_deployments(repo))


@fact
def _batch_deployments(repo: Facts) -> tuple[Evidence, ...]:
    return _scan(repo, _batch, BATCH_MANIFEST, ("*.yaml", "*.yml"))


def _scan(
    repo: Facts, calls: Callable[[Call], bool], manifest: re.Pattern[str], files: tuple[str, ...]
) -> tuple[Evidence, ...]:
    """Product code's matching calls, and the first matching line of each manifest file
    (workflow files are CI, not manifests)."""
    found: list[Evidence] = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is not None:
            found += _python(rel, facts, calls)
    for rel in repo.glob(*files)[:MAX_MANIFESTS]:
        if rel.startswith(".github/") or "/.github/" in rel:
            continue
        text = repo.text(rel) or ""
        match = manifest.search(text)
        if match:
            line = line_at(text, match.start())
            found.append(Evidence(Location(rel, line), match.group(0).strip()[:120]))
    return tuple(sorted(set(found), key=lambda e: (e.location, e.text)))


def _python(rel: str, facts: PyFacts, test: Callable[[Call], bool]) -> list[Evidence]:
    if not any(_under(i.module, SDK_MODULES) for i in facts.imports):
        if test is _deploys:  # REST calls need no SDK
            rest = [Evidence(Location(rel, c.line), c.name[:120]) for c in facts.calls if _rest(c)]
            return rest[:5]
        return []
    found = [Evidence(Location(rel, c.line), c.name[:120]) for c in facts.calls if test(c)]
    return found[:5]


def _batch(call: Call) -> bool:
    parts = call.name.split("(")[0].split(".")
    if BATCH_NAMES.intersection(parts):
        return True
    return call.attr in BATCH_ATTRS and bool(call.args or call.kwargs)


def _deploys(call: Call) -> bool:
    parts = call.name.split("(")[0].split(".")
    if DEPLOY_NAMES.intersection(parts):
        return True
    if call.attr in SERVING_ENDPOINT_ATTRS and SERVING_ENDPOINTS.search(call.name):
        return True
    if _rest(call):
        return True
    if call.attr == "Pusher":
        return VERTEX_PUSHER in parts
    return call.attr in DEPLOY_ATTRS and bool(call.args or call.kwargs)


def _under(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def _rest(call: Call) -> bool:
    """A write request (``requests.post``, ``session.put``, a ``*_put_api`` helper) whose
    arguments name the Databricks serving-endpoints API."""
    if not WRITE_CALL.search(call.attr):
        return False
    values = [*call.args, *(v for _, v in call.kwargs)]
    return any(SERVING_REST.search(_text(v)) for v in values)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return str(getattr(value, "text", ""))


# A model server started by a command: in a Dockerfile, a shell script, a task file, a
# compose file or CI (``mlflow models serve``, ``torchserve --start``, ``ludwig serve``), or
# an image built on a model server's base image (``FROM tensorflow/serving``)
SERVER_COMMAND = re.compile(
    r"(^|[\s;&|(\"'\[,])(mlflow\s+models\s+(serve|build-docker)|ludwig\s+serve|torchserve|"
    r"tritonserver|tensorflow_model_server|bentoml\s+(serve|containerize)|mlserver\s+start|"
    r"seldon-core-microservice)\b"
    r"|^[ \t]*FROM[ \t]+(\S+/)?(tensorflow/serving|pytorch/torchserve|tritonserver|"
    r"seldonio/mlserver)\b",
    re.MULTILINE,
)
SERVER_FILES = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "Containerfile",
    "*.sh",
    "Makefile",
    "makefile",
    "justfile",
    "Procfile",
    "docker-compose*.y*ml",
    "compose*.y*ml",
    ".github/workflows/*.y*ml",
    ".gitlab-ci.yml",
    "azure-pipelines*.y*ml",
    "cloudbuild*.y*ml",
)
MAX_SERVER_FILES = 500


def model_server_commands(repo: Facts) -> list[Evidence]:
    """Where a model server is started or a serving image is built (sorted)."""
    return list(_model_server_commands(repo))


@fact
def _model_server_commands(repo: Facts) -> tuple[Evidence, ...]:
    found = []
    for rel in repo.glob(*SERVER_FILES)[:MAX_SERVER_FILES]:
        if rel.startswith(NON_PRODUCT) or "/tests/" in rel:
            continue
        text = repo.text(rel) or ""
        for match in SERVER_COMMAND.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            if text[start : match.start() + 1].lstrip().startswith("#"):
                continue  # a comment
            line = line_at(text, match.start())
            found.append(Evidence(Location(rel, line), match.group(0).strip()[:120]))
            break
    return tuple(sorted(found, key=lambda e: (e.location, e.text)))
