"""Azure ML v2 job specifications in YAML: pipeline jobs, command and sweep jobs, components
and schedules (the ``az ml job create --file ...`` / ``az ml schedule create`` form of
Azure ML, beside the SDK's ``@dsl.pipeline`` read in :mod:`mlguard.facts.pyflows`).

A pipeline job (``type: pipeline`` with ``jobs:``) is a declared pipeline: each step is a
stage whose command runs in the step's ``code`` folder. Steps given by a component file
(``component: file:./train.yml``, a sweep's ``trial: ../components/trial.yml``) take that
file's command and ``code``; registry components (``azureml:name@latest``) live outside the
repository and give no command. A schedule file (``trigger: {type: cron}`` with
``create_job: ../pipelines/x.yml``) starts the job it names on its clock.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Schedule, Stage
from mlguard.facts.sources import line, mapping, quiet_docs
from mlguard.safeio.yamlio import YamlDoc

SYSTEM = "azureml"
STEP_KEYS = frozenset({"command", "component", "trial"})
MAX_DEPTH = 4  # pipeline components nested in pipeline components
MAX_SCANNED_YAML = 2000


@dataclass(frozen=True)
class AzureMLSpecs:
    stages: tuple[Stage, ...]  # every step of every pipeline and standalone job
    schedules: tuple[Schedule, ...]
    scheduled: frozenset[str]  # job files a schedule starts


def _folder(path: str) -> str:
    return posixpath.dirname(path)


def _join(base: str, rel: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, rel.strip()))
    return "" if joined == "." else joined


def _local(ref: Any) -> str:
    """A component or job reference that names a file of the repository (not a registry
    asset such as ``azureml:train@latest``); empty otherwise."""
    if not isinstance(ref, str):
        return ""
    ref = ref.strip().removeprefix("file:")
    if ref.startswith(("azureml:", "azureml://", "http:", "https:")) or not ref:
        return ""
    return ref if ref.endswith((".yml", ".yaml")) else ""


def _code_folder(spec: dict[str, Any], path: str) -> str:
    """The folder a step's command runs in: its ``code`` (relative to the spec file) or
    the spec's own folder."""
    code = spec.get("code")
    if isinstance(code, str) and not code.startswith(("azureml:", "http:", "https:")):
        return _join(_folder(path), code)
    return _folder(path)


def _is_pipeline(data: dict[str, Any]) -> bool:
    jobs = mapping(data.get("jobs"))
    return data.get("type") == "pipeline" and any(
        STEP_KEYS & set(mapping(job)) for job in jobs.values()
    )


def _is_job(data: dict[str, Any]) -> bool:
    """A standalone command or sweep job (or a command component)."""
    schema = str(data.get("$schema", ""))
    typed = data.get("type") in ("command", "sweep")
    return typed and ("azureml" in schema or "code" in data or "environment" in data)


def spec_stages(repo: Facts, path: str) -> list[Stage]:
    """The steps a job specification runs, when ``path`` is an Azure ML job or component
    file (empty otherwise): what ``az ml job create --file path`` starts."""
    return list(_spec_stages(repo, path, 0))


@fact
def _spec_stages(repo: Facts, path: str, depth: int) -> tuple[Stage, ...]:
    if depth > MAX_DEPTH or path not in repo.files:
        return ()
    stages: list[Stage] = []
    for doc in quiet_docs(repo, path):
        data = mapping(doc.data)
        if _is_pipeline(data):
            for name, job in mapping(data.get("jobs")).items():
                stages.extend(_step(repo, doc, path, name, mapping(job), depth))
        elif _is_job(data):
            stages.extend(_step(repo, doc, path, str(data.get("name", "")) or path, data, depth))
    return tuple(stages)


def _step(
    repo: Facts, doc: YamlDoc, path: str, name: str, job: dict[str, Any], depth: int
) -> list[Stage]:
    at = line(doc, ["jobs", name]) if name in mapping(mapping(doc.data).get("jobs")) else 1
    trial = job.get("trial")
    if isinstance(trial, dict) and "command" not in job:  # a sweep's trial written inline
        job = {**mapping(trial), "code": mapping(trial).get("code", job.get("code"))}
    command = job.get("command")
    if isinstance(command, str) and command.strip():
        folder = _code_folder(job, path)
        return [Stage(name, SYSTEM, path, at, " ".join(command.split()), module=folder)]
    ref = _local(job.get("component")) or _local(job.get("trial"))
    if not ref:
        return []
    target = _join(_folder(path), ref)
    inner = _spec_stages(repo, target, depth + 1)
    # a component's step keeps the pipeline's step name and place, with the component's command
    return [Stage(name, SYSTEM, path, at, s.command, module=s.module) for s in inner]


def azureml_specs(repo: Facts) -> AzureMLSpecs:
    return _specs(repo)


@fact
def _specs(repo: Facts) -> AzureMLSpecs:
    stages: list[Stage] = []
    schedules: list[Schedule] = []
    scheduled: set[str] = set()
    for path in repo.glob("*.yml", "*.yaml")[:MAX_SCANNED_YAML]:
        text = repo.text(path) or ""
        if "jobs:" not in text and "create_job" not in text and "azureml" not in text:
            continue
        for doc in quiet_docs(repo, path):
            data = mapping(doc.data)
            if _is_pipeline(data):
                stages.extend(_spec_stages(repo, path, 0))
            elif "create_job" in data and mapping(data.get("trigger")):
                found = _schedule(doc, path, data)
                if found:
                    schedules.append(found)
                    scheduled.add(found.target)
    return AzureMLSpecs(tuple(stages), tuple(schedules), frozenset(scheduled))


def _schedule(doc: YamlDoc, path: str, data: dict[str, Any]) -> Schedule | None:
    """A schedule file: ``trigger: {type: cron, expression: ...}`` or ``{type: recurrence,
    frequency: day, interval: 1}`` starting ``create_job`` (a job file)."""
    trigger = mapping(data.get("trigger"))
    kind = trigger.get("type")
    if kind == "cron":
        when = str(trigger.get("expression", ""))
    elif kind == "recurrence":
        when = f"every {trigger.get('interval', 1)} {trigger.get('frequency', '')}".strip()
    else:
        return None
    job = _local(data.get("create_job"))
    target = _join(_folder(path), job) if job else ""
    return Schedule(SYSTEM, path, line(doc, ["trigger"]), when, target) if target else None
