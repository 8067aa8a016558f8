"""Declared pipelines in configuration files: DVC, MLproject, Argo, compiled Kubeflow YAML.

Python-defined pipelines (Airflow, Metaflow, ZenML, Prefect, kfp, Kedro) are read from the
AST in :mod:`mlguard.facts.pyflows`.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterable
from typing import Any

from mlguard.facts.files import Facts
from mlguard.facts.model import Schedule, Stage
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs
from mlguard.safeio.yamlio import YamlDoc

DVC_FILES = ("dvc.yaml",)
MLPROJECT_FILES = ("MLproject", "MLproject.yaml", "MLproject.yml")
ARGO_KINDS = frozenset({"Workflow", "CronWorkflow", "WorkflowTemplate", "ClusterWorkflowTemplate"})
MAX_SCANNED_YAML = 2000


def base_dir(path: str) -> str:
    return posixpath.dirname(path)


def join(base: str, rel: str) -> str:
    rel = rel.strip()
    if not base or rel.startswith("/"):
        return posixpath.normpath(rel.lstrip("/")) if rel else rel
    return posixpath.normpath(posixpath.join(base, rel))


def _listed(value: Any, of_mapping: Callable[[dict[Any, Any]], Iterable[str]]) -> tuple[str, ...]:
    """The entries of a DVC list: strings as they are, mappings through ``of_mapping``."""
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(of_mapping(item))
    return tuple(out)


def _paths(value: Any) -> tuple[str, ...]:
    """Paths of a DVC deps/outs/metrics list (strings or one-key mappings)."""
    return _listed(value, lambda item: [str(k) for k in item])


def _params(value: Any) -> tuple[str, ...]:
    """``file:key`` of a DVC params list (``file`` alone where a file lists no keys)."""
    return _listed(value, _param_names)


def _param_names(item: dict[Any, Any]) -> list[str]:
    out: list[str] = []
    for file, keys in item.items():
        names = strings(keys)
        out.extend(f"{file}:{k}" for k in names) if names else out.append(str(file))
    return out


def dvc_stages(repo: Facts) -> list[Stage]:
    stages: list[Stage] = []
    for path in repo.glob(*DVC_FILES):
        for doc in yaml_docs(repo, path):
            for name, spec in mapping(mapping(doc.data).get("stages")).items():
                stages.append(_dvc_stage(doc, path, name, mapping(spec)))
    return stages


def _dvc_stage(doc: YamlDoc, path: str, name: str, spec: dict[str, Any]) -> Stage:
    body = mapping(spec.get("do")) or spec  # foreach/matrix stages keep their body in do:
    base = base_dir(path)
    wdir = body.get("wdir")
    if isinstance(wdir, str):
        base = join(base, wdir)
    metrics = _paths(body.get("metrics")) + _paths(body.get("plots"))
    return Stage(
        name=name,
        system="dvc",
        path=path,
        line=line(doc, ["stages", name]),
        command="\n".join(strings(body.get("cmd"))),
        deps=tuple(join(base, p) for p in _paths(body.get("deps"))),
        outs=tuple(join(base, p) for p in _paths(body.get("outs"))),
        params=_params(body.get("params")),
        metrics=tuple(join(base, p) for p in metrics),
        module=base,
    )


def mlproject_stages(repo: Facts) -> list[Stage]:
    stages: list[Stage] = []
    for path in repo.glob(*MLPROJECT_FILES):
        for doc in yaml_docs(repo, path):
            for name, spec in mapping(mapping(doc.data).get("entry_points")).items():
                spec = mapping(spec)
                command = spec.get("command")
                if isinstance(command, str):
                    stages.append(
                        Stage(
                            name=name,
                            system="mlproject",
                            path=path,
                            line=line(doc, ["entry_points", name]),
                            command=command,
                            params=tuple(str(k) for k in mapping(spec.get("parameters"))),
                            module=base_dir(path),
                        )
                    )
    return stages


def _container_command(spec: dict[str, Any]) -> str:
    parts = strings(spec.get("command")) + strings(spec.get("args"))
    if parts and parts[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and "-c" in parts:
        return parts[-1]
    return shlex.join(parts) if parts else ""


def _argo_doc(doc: YamlDoc, path: str) -> tuple[list[Stage], list[Schedule]]:
    data = mapping(doc.data)
    spec = mapping(data.get("spec"))
    trail: list[str | int] = ["spec"]
    schedules = []
    if data.get("kind") == "CronWorkflow":
        for cron in strings(spec.get("schedule")) + strings(spec.get("schedules")):
            at = line(doc, ["spec", "schedule" if "schedule" in spec else "schedules"])
            name = str(mapping(data.get("metadata")).get("name", path))
            schedules.append(Schedule("argo", path, at, cron, name))
        spec = mapping(spec.get("workflowSpec"))
        trail = ["spec", "workflowSpec"]
    stages = []
    for i, template in enumerate(items(spec.get("templates"))):
        template = mapping(template)
        script = mapping(template.get("script"))
        command = str(script.get("source") or "") or _container_command(
            mapping(template.get("container"))
        )
        if command:
            name = str(template.get("name", i))
            at = line(doc, [*trail, "templates", i])
            stages.append(Stage(name, "argo", path, at, command, module=base_dir(path)))
    return stages, schedules


def _kfp_doc(doc: YamlDoc, path: str) -> list[Stage]:
    executors = mapping(mapping(mapping(doc.data).get("deploymentSpec")).get("executors"))
    stages = []
    for name, spec in executors.items():
        command = _container_command(mapping(mapping(spec).get("container")))
        at = line(doc, ["deploymentSpec", "executors", name])
        stages.append(Stage(name, "kubeflow", path, at, command, module=base_dir(path)))
    return stages


def component_stages(repo: Facts, path: str) -> list[Stage]:
    """The steps of a Kubeflow component file: a compiled spec's executors, or a v1
    ``component.yaml``'s ``implementation.container`` command."""
    stages: list[Stage] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        if "deploymentSpec" in data:
            stages.extend(_kfp_doc(doc, path))
            continue
        container = mapping(mapping(data.get("implementation")).get("container"))
        command = _container_command(container)
        if command:
            name = str(data.get("name", base_dir(path) or path))
            at = line(doc, ["implementation", "container"])
            stages.append(Stage(name, "kubeflow", path, at, command, module=base_dir(path)))
    return stages


def workflow_yaml(repo: Facts) -> tuple[list[Stage], list[Schedule]]:
    """Argo Workflow/CronWorkflow/WorkflowTemplate and compiled kfp pipeline specs."""
    stages: list[Stage] = []
    schedules: list[Schedule] = []
    for path in repo.glob("*.yaml", "*.yml")[:MAX_SCANNED_YAML]:
        text = repo.text(path) or ""
        if "argoproj.io" not in text and "pipelineInfo" not in text:
            continue
        for doc in yaml_docs(repo, path):
            data = mapping(doc.data)
            if str(data.get("apiVersion", "")).startswith("argoproj.io") and (
                data.get("kind") in ARGO_KINDS
            ):
                found, when = _argo_doc(doc, path)
                stages.extend(found)
                schedules.extend(when)
            elif "pipelineInfo" in data and "deploymentSpec" in data:
                stages.extend(_kfp_doc(doc, path))
    return stages, schedules


def prefect_deployments(repo: Facts) -> tuple[list[Stage], list[Schedule]]:
    """Prefect deployments: ``prefect.yaml``'s list, and the one-deployment files that
    ``prefect deployment build`` writes (``<flow>-deployment.yaml``: ``flow_name``,
    ``entrypoint``, ``schedule``); each gives its entrypoint ``path/flow.py:func`` and its
    cron/interval/rrule schedules."""
    stages: list[Stage] = []
    schedules: list[Schedule] = []
    built = [
        p
        for p in repo.glob("*.yaml", "*.yml")[:MAX_SCANNED_YAML]
        if "flow_name:" in (text := repo.text(p) or "") and "entrypoint:" in text
    ]
    for path in [*repo.glob("prefect.yaml", "prefect.yml"), *built]:
        for doc in yaml_docs(repo, path):
            data = mapping(doc.data)
            deployments = items(data.get("deployments"))
            listed: list[tuple[list[str | int], dict[str, Any]]] = [
                (["deployments", i], mapping(d)) for i, d in enumerate(deployments)
            ]
            if not listed and "flow_name" in data:
                listed = [([], data)]
            for trail, spec in listed:
                entry = str(spec.get("entrypoint", "")).split(":", 1)[0]
                if not entry:
                    continue
                name = str(spec.get("name", trail[-1] if trail else path))
                at = line(doc, trail) if trail else line(doc, ["entrypoint"])
                module = join(base_dir(path), entry)
                stages.append(Stage(name, "prefect", path, at, module=module))
                found = [mapping(spec.get("schedule"))]
                found += [mapping(s) for s in items(spec.get("schedules"))]
                paused = spec.get("is_schedule_active") is False
                for when in found:
                    spec_text = when.get("cron") or when.get("interval") or when.get("rrule")
                    if spec_text and not paused and when.get("active") is not False:
                        schedules.append(Schedule("prefect", path, at, str(spec_text), name))
    return stages, schedules


SPEC_KEYS = frozenset({"entrypoint", "command", "cmd", "script", "run", "args"})
NOT_SPECS = ("dvc.yaml", "dvc.lock", "params.yaml", "MLproject")
MAX_SPEC_DEPTH = 8


def job_spec_commands(repo: Facts, path: str) -> list[tuple[int, str, str]]:
    """(line, key, command) of a job spec a command submits: ``anyscale jobs submit x.yaml``,
    ``sky launch task.yaml``, ``az ml job create -f job.yml``, ``kubectl apply -f job.yaml``.

    Strings (or string lists, joined) under entrypoint/command/cmd/script/run/args keys.
    """
    if path.rsplit("/", 1)[-1] in NOT_SPECS:
        return []
    found: list[tuple[int, str, str]] = []
    for doc in yaml_docs(repo, path):
        _walk_spec(doc, doc.data, [], found)
    return found


def _walk_spec(
    doc: YamlDoc, node: Any, trail: list[str | int], found: list[tuple[int, str, str]]
) -> None:
    if len(trail) > MAX_SPEC_DEPTH:
        return
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        here = [*trail, key]
        if isinstance(key, str) and key in SPEC_KEYS:
            parts = strings(value)
            if parts and all(isinstance(p, str) for p in parts):
                text = (
                    parts[-1]
                    if parts[0] in ("sh", "bash", "/bin/sh", "/bin/bash")
                    else " ".join(parts)
                )
                found.append((line(doc, here), key, text))
                continue
        _walk_spec(doc, value, here, found)
