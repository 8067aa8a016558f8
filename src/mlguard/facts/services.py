"""Declared services: where the repository says how its model's service is deployed.

Serving code alone (a Flask ``app.py`` started with ``python app.py``) says nothing about
where or how the service runs. A declaration does, even when nobody applies it
automatically: a container image or compose service that starts the server, a platform
config (a Procfile, App Engine's ``app.yaml``, ``fly.toml``, a serverless template, a
Hugging Face Space's README front matter), a Kubernetes manifest or Helm chart, or a
deployable unit of a serving framework (a BentoML service, a Ray Serve deployment, a Modal
web endpoint). CICD003 rates a declared deployment that nothing applies as partial, and
serving code started by hand as a fail. Files are read as text or parsed facts; nothing is
run.
"""

from __future__ import annotations

import posixpath
import re

from mlguard.facts.console_scripts import console_script, console_scripts
from mlguard.facts.deployments import model_server_commands
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.images import dockerfile_programs
from mlguard.facts.product import NON_PRODUCT, product_paths
from mlguard.facts.traits import serving_files
from mlguard.model import Evidence, ev
from mlguard.safeio.lines import line_at

# programs that run a web service or a model server
SERVERS = frozenset(
    {
        "uvicorn",
        "gunicorn",
        "hypercorn",
        "daphne",
        "waitress-serve",
        "uwsgi",
        "streamlit",
        "gradio",
        "chainlit",
        "panel",
        "flask",
        "fastapi",
        "bentoml",
        "litserve",
        "torchserve",
        "tritonserver",
        "tensorflow_model_server",
        "langgraph",
    }
)
COMPOSE_FILES = ("docker-compose*.y*ml", "compose*.y*ml", "**/docker-compose*.y*ml")
COMPOSE_COMMAND = re.compile(r"^[ \t]*-?[ \t]*(command|entrypoint)[ \t]*:(.*)$", re.MULTILINE)
PLATFORM_FILES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("Procfile", re.compile(r"^web[ \t]*:", re.MULTILINE), "Procfile web process"),
    ("**/Procfile", re.compile(r"^web[ \t]*:", re.MULTILINE), "Procfile web process"),
    ("app.yaml", re.compile(r"^runtime[ \t]*:[ \t]*\S", re.MULTILINE), "App Engine app"),
    ("fly.toml", re.compile(r"^\[(http_service|\[services)", re.MULTILINE), "Fly.io app"),
    ("serverless.y*ml", re.compile(r"^functions[ \t]*:", re.MULTILINE), "Serverless functions"),
    (
        "**/template.y*ml",
        re.compile(r"Type:[ \t]*[\"']?AWS::Serverless::Function"),
        "AWS SAM function",
    ),
    (
        "README.md",
        re.compile(r"\A---[ \t]*\n(?:[^\n]*\n){0,30}?sdk[ \t]*:[ \t]*(gradio|streamlit|docker)"),
        "Hugging Face Space",
    ),
)
K8S_WORKLOAD = re.compile(
    r"^kind:[ \t]*[\"']?(Deployment|StatefulSet)\b|serving\.knative\.dev/", re.MULTILINE
)
K8S_FILES = ("*.yaml", "*.yml")
CONFIGS = ("bentofile.yaml", "**/bentofile.yaml", "**/config.pbtxt")
MAX_MANIFESTS = 3000
# deployable units of serving frameworks, as decorators or calls
FRAMEWORK_UNITS = re.compile(
    r"^(bentoml\.service|bentoml\.Service|ray\.serve\.deployment|serve\.deployment|"
    r"modal\.(fastapi_endpoint|web_endpoint|asgi_app|wsgi_app|web_server))$"
)


def service_declarations(repo: Facts) -> list[Evidence]:
    """Where the deployment of the model's service is declared (sorted)."""
    return list(_service_declarations(repo))


@fact
def _service_declarations(repo: Facts) -> tuple[Evidence, ...]:
    served = serving_files(repo)
    found = _images(repo, served) + _compose(repo, served) + _platforms(repo)
    found += _manifests(repo) + _framework_units(repo) + model_server_commands(repo)
    found += [ev(p, 1, posixpath.basename(p), "a serving config") for p in repo.glob(*CONFIGS)]
    return tuple(sorted(set(found), key=lambda e: (e.location, e.text)))


def _starts_service(repo: Facts, words: list[str], served: list[str], depth: int = 0) -> str:
    """The word of a command that starts a server or runs a serving file, or ``""``: a
    server program, a serving file or ``module:app``, a console script of the project whose
    module serves, or a shell script of the repository that does one of these."""
    for word in (t for w in words for t in w.split()):
        name = posixpath.basename(word.strip("\"'[],;"))
        if name in SERVERS:
            return name
        if name.endswith(".py") and any(posixpath.basename(p) == name for p in served):
            return name
        module = name.split(":", 1)[0] if ":" in name else ""
        tail = module.replace(".", "/") + ".py"
        if module and any(p == tail or p.endswith("/" + tail) for p in served):
            return name
        if name in console_scripts(repo) and console_script(repo, name) in served:
            return name
        if name.endswith(".sh") and depth == 0:
            for script in repo.glob(name, "**/" + name):
                text = repo.text(script) or ""
                lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
                if _starts_service(repo, " ".join(lines).split(), served, depth + 1):
                    return name
    return ""


def _images(repo: Facts, served: list[str]) -> list[Evidence]:
    found = []
    for path, words in dockerfile_programs(repo):
        if _product(path) and (word := _starts_service(repo, words, served)):
            found.append(ev(path, _program_line(repo, path), word, "a serving image"))
    return found


def _compose(repo: Facts, served: list[str]) -> list[Evidence]:
    found = []
    for path in repo.glob(*COMPOSE_FILES):
        if not _product(path):
            continue
        text = repo.text(path) or ""
        for match in COMPOSE_COMMAND.finditer(text):
            word = _starts_service(repo, match.group(2).split(), served)
            if word:
                found.append(ev(path, line_at(text, match.start()), word, "a compose service"))
                break
    return found


def _platforms(repo: Facts) -> list[Evidence]:
    found = []
    for pattern, regex, what in PLATFORM_FILES:
        for path in repo.glob(pattern):
            if not _product(path):
                continue
            text = repo.text(path) or ""
            match = regex.search(text)
            if match:
                found.append(ev(path, line_at(text, match.start()), match.group(0)[:80], what))
    return found


def _manifests(repo: Facts) -> list[Evidence]:
    found = []
    for path in repo.glob(*K8S_FILES)[:MAX_MANIFESTS]:
        if not _product(path) or path.startswith(".github/") or "/.github/" in path:
            continue
        text = repo.text(path) or ""
        match = K8S_WORKLOAD.search(text)
        if match and ("containers:" in text or "knative" in match.group(0)):
            line = line_at(text, match.start())
            found.append(ev(path, line, match.group(0).strip()[:80], "a Kubernetes workload"))
    for path in repo.glob("Chart.yaml", "**/Chart.yaml"):
        if _product(path):
            found.append(ev(path, 1, "Chart.yaml", "a Helm chart"))
    return found


def _framework_units(repo: Facts) -> list[Evidence]:
    found = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is None:
            continue
        names = list(facts.decorators) + [(c.name, c.line) for c in facts.calls]
        for name, line in names:
            if FRAMEWORK_UNITS.match(name):
                found.append(ev(rel, line, name, "a deployable serving unit"))
                break
    return found


def _product(path: str) -> bool:
    return not path.startswith(NON_PRODUCT) and "/tests/" not in path


def _program_line(repo: Facts, path: str) -> int:
    text = repo.text(path) or ""
    at = max(text.rfind("CMD"), text.rfind("ENTRYPOINT"))
    return line_at(text, at) if at >= 0 else 1
