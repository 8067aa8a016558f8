"""Google Cloud Build and Tekton: the commands their steps run.

Cloud Build (``cloudbuild*.yaml|yml|json`` anywhere, or a YAML file of its shape, see
:func:`cloud_build_shape`): each step runs ``script``, or its
``entrypoint`` (else the image's own program, ``gcr.io/cloud-builders/gcloud`` -> ``gcloud``)
with ``args``; ``bash -c '...'`` is read as the quoted command. Tekton (YAML documents of
``apiVersion: tekton.dev/*``): Task, ClusterTask, TaskRun, Pipeline and PipelineRun steps with
a ``script`` or a ``command`` and ``args``. Both are started by triggers configured outside
the repository (Cloud Build triggers, Tekton EventListeners), taken as push and pull request,
unless a Pipelines-as-Code ``on-event`` annotation names the events.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Schedule, Trigger, triggers
from mlguard.facts.notebook_shell import notebook_shell
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs
from mlguard.safeio.yamlio import YamlDoc

CLOUD_BUILD_FILES = ("cloudbuild*.yaml", "cloudbuild*.yml", "cloudbuild*.json")
DEFAULT_EVENTS = triggers(Trigger.PUSH, Trigger.PULL_REQUEST)
MANUAL_EVENTS = triggers(Trigger.MANUAL)
SHELLS = frozenset({"bash", "sh", "/bin/bash", "/bin/sh"})
Found = tuple[list[Command], list[Schedule]]
Trail = list[str | int]


def _image_program(image: str) -> str:
    """``gcr.io/cloud-builders/gcloud`` -> ``gcloud``; ``python:3.11-slim`` -> ``python``."""
    last = image.rsplit("/", 1)[-1]
    return re.split(r"[:@]", last, maxsplit=1)[0]


def _step_text(entrypoint: str, image: str, args: list[str]) -> str:
    if entrypoint in SHELLS or (not entrypoint and _image_program(image) in ("bash", "sh")):
        if len(args) >= 2 and args[0] in ("-c", "-ec", "-ce", "-xc", "-euc", "-eu"):
            return args[1]
        if args and not args[0].startswith("-"):
            return shlex.join(["bash", *args])
    head = entrypoint or _image_program(image)
    return shlex.join([head, *args]) if head else ""


BUILD_KEYS = frozenset(
    {"steps", "timeout", "substitutions", "options", "images", "artifacts", "logsBucket"}
    | {"serviceAccount", "availableSecrets", "secrets", "tags", "queueTtl"}
)
STEP_KEYS = frozenset(
    {"name", "args", "entrypoint", "id", "waitFor", "env", "dir", "secretEnv", "volumes"}
    | {"timeout", "script", "allowFailure", "allowExitCodes", "automapSubstitutions"}
)
IMAGE = re.compile(r"^(\$|[\w.-]+(\.\w+)+/|[\w.-]+/[\w.-]+|[\w.-]+:[\w.-]+$)")


def cloud_build_shape(data: dict[str, Any]) -> bool:
    """A Cloud Build configuration not named cloudbuild*: only Cloud Build keys, steps that
    name container images (``gcr.io/...``, ``python:3.11``, ``$_IMAGE``) and run something."""
    steps = items(data.get("steps"))
    if not steps or not set(data) <= BUILD_KEYS:
        return False
    specs = [mapping(step) for step in steps]
    if not all(isinstance(s.get("name"), str) and set(s) <= STEP_KEYS for s in specs):
        return False
    runs = any({"args", "entrypoint", "script"} & set(s) for s in specs)
    return runs and any(IMAGE.match(str(s["name"])) for s in specs)


# How the repository itself starts a Cloud Build config: ``gcloud builds submit --config X``
# in a notebook or script is a person running it; ``gcloud builds triggers create ...
# --build-config X`` or Terraform's ``google_cloudbuild_trigger`` (``filename = "X"``)
# declares a trigger for it.
SUBMIT = re.compile(
    r"\bgcloud\s+(?:beta\s+)?builds\s+submit\b[^\n]*?--config[= ]+['\"]?([^\s'\"]+)"
)
TRIGGER = re.compile(
    r"\bgcloud\s+(?:beta\s+)?builds\s+triggers\s+create\b[^\n]*?--build-config[= ]+"
    r"['\"]?([^\s'\"]+)|^[ \t]*filename[ \t]*=\s*\"([^\"]+)\"",
    re.MULTILINE,
)
SUBMITTERS = ("*.sh", "*.bash", "*.py", "Makefile", "*.mk")


@fact
def hand_submitted(repo: Facts) -> frozenset[str]:
    """Cloud Build configs the repository submits by hand and declares no trigger for."""
    submitted: set[str] = set()
    triggered: set[str] = set()
    texts = [repo.text(path) or "" for path in repo.glob(*SUBMITTERS, "*.tf")[:5000]]
    texts += [e.text for e in notebook_shell(repo)]
    for text in texts:
        if "builds" not in text and "filename" not in text:
            continue
        submitted.update(_ref(m) for m in SUBMIT.findall(text))
        triggered.update(_ref(a or b) for a, b in TRIGGER.findall(text))
    configs = repo.glob(*CLOUD_BUILD_FILES, "*.yaml", "*.yml")
    return frozenset(c for c in configs if _named(c, submitted) and not _named(c, triggered))


def _ref(text: str) -> str:
    return text.replace("\\n", "").strip().removeprefix("./").rstrip("\\,;)")


def _named(path: str, refs: set[str]) -> bool:
    return any(r and (path == r or path.endswith("/" + r)) for r in refs)


def cloud_build(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    events = MANUAL_EVENTS if path in hand_submitted(repo) else DEFAULT_EVENTS
    for doc in yaml_docs(repo, path):
        for i, step in enumerate(items(mapping(doc.data).get("steps"))):
            spec = mapping(step)
            job = str(spec.get("id") or spec.get("name") or i)
            if isinstance(spec.get("script"), str):
                at = line(doc, ["steps", i, "script"])
                commands.append(Command(spec["script"], path, at, "cloud-build", job, events))
                continue
            args = strings(spec.get("args"))
            text = _step_text(str(spec.get("entrypoint") or ""), str(spec.get("name") or ""), args)
            if text:
                at = line(doc, ["steps", i, "args"] if args else ["steps", i])
                commands.append(Command(text, path, at, "cloud-build", job, events))
    return commands, []


# --- Tekton ---------------------------------------------------------------------------------
TEKTON_KINDS = frozenset({"Task", "ClusterTask", "TaskRun", "Pipeline", "PipelineRun"})
ON_EVENT = "pipelinesascode.tekton.dev/on-event"
PAC_EVENTS = {
    "push": Trigger.PUSH,
    "pull_request": Trigger.PULL_REQUEST,
    "incoming": Trigger.DISPATCH,
}


def tekton_docs(repo: Facts, path: str) -> list[YamlDoc]:
    """The Tekton documents of a YAML file (``apiVersion: tekton.dev/...``)."""
    found = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        version = data.get("apiVersion")
        tekton = isinstance(version, str) and version.startswith("tekton.dev/")
        if tekton and data.get("kind") in TEKTON_KINDS:
            found.append(doc)
    return found


def _task_steps(spec: dict[str, Any], trail: Trail) -> list[tuple[Trail, dict[str, Any]]]:
    """(trail, step) of every step a Tekton spec holds, through taskSpec and pipelineSpec."""
    found: list[tuple[Trail, dict[str, Any]]] = []
    for i, step in enumerate(items(spec.get("steps"))):
        found.append(([*trail, "steps", i], mapping(step)))
    task_spec = mapping(spec.get("taskSpec"))
    if task_spec:
        found += _task_steps(task_spec, [*trail, "taskSpec"])
    pipeline_spec = mapping(spec.get("pipelineSpec"))
    if pipeline_spec:
        found += _task_steps(pipeline_spec, [*trail, "pipelineSpec"])
    for key in ("tasks", "finally"):
        for i, task in enumerate(items(spec.get(key))):
            task_spec = mapping(mapping(task).get("taskSpec"))
            found += _task_steps(task_spec, [*trail, key, i, "taskSpec"])
    return found


def _tekton_events(data: dict[str, Any]) -> frozenset[Trigger]:
    annotation = mapping(mapping(data.get("metadata")).get("annotations")).get(ON_EVENT)
    names = re.findall(r"[a-z_]+", annotation) if isinstance(annotation, str) else []
    found = frozenset(PAC_EVENTS[n] for n in names if n in PAC_EVENTS)
    return found or DEFAULT_EVENTS


def _tekton_text(step: dict[str, Any]) -> str:
    script = step.get("script")
    if isinstance(script, str):
        first = script.lstrip().split("\n", 1)[0]
        if first.startswith("#!") and not re.search(r"\b(ba|z|da)?sh\b", first):
            return ""  # a Python (or other) program, not shell lines
        return script
    words = [*strings(step.get("command")), *strings(step.get("args"))]
    if words[:2] and words[0] in SHELLS and len(words) >= 3 and words[1] == "-c":
        return words[2]
    return shlex.join(words) if words else ""


def tekton(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    for doc in tekton_docs(repo, path):
        data = mapping(doc.data)
        events = _tekton_events(data)
        name = str(mapping(data.get("metadata")).get("name", ""))
        for trail, step in _task_steps(mapping(data.get("spec")), ["spec"]):
            text = _tekton_text(step)
            if text.strip():
                at = line(doc, trail)
                job = f"{name}/{step.get('name', '')}".strip("/")
                commands.append(Command(text, path, at, "tekton", job, events))
    return commands, []
