"""Bitbucket Pipelines: ``pipelines.{default,branches,pull-requests,tags,custom}`` steps.

Custom pipelines run by hand or on schedules configured in the Bitbucket UI (invisible in
the repository), so their trigger is ``manual``.
"""

from __future__ import annotations

from typing import Any

from mlguard.facts.model import Command, Schedule, Trigger
from mlguard.facts.sources import line, mapping, strings, yaml_docs
from mlguard.repo import RepoContext
from mlguard.yamlio import YamlDoc

BITBUCKET_FILES = ("bitbucket-pipelines.yml",)
SECTIONS = {
    "default": Trigger.PUSH,
    "branches": Trigger.PUSH,
    "pull-requests": Trigger.PULL_REQUEST,
    "tags": Trigger.TAG,
    "custom": Trigger.MANUAL,
}
Trail = list[str | int]


def _steps(node: Any, trail: Trail) -> list[tuple[Trail, dict[str, Any]]]:
    """Every ``step:`` under a pipeline list, through ``parallel:`` and ``stage:`` groups."""
    found: list[tuple[Trail, dict[str, Any]]] = []
    for i, item in enumerate(node if isinstance(node, list) else []):
        entry = mapping(item)
        if "step" in entry:
            found.append(([*trail, i, "step"], mapping(entry["step"])))
        parallel = entry.get("parallel")
        if isinstance(parallel, dict):  # the newer form: parallel: {steps: [...]}
            found += _steps(parallel.get("steps"), [*trail, i, "parallel", "steps"])
        else:
            found += _steps(parallel, [*trail, i, "parallel"])
        found += _steps(mapping(entry.get("stage")).get("steps"), [*trail, i, "stage", "steps"])
    return found


def _commands(doc: YamlDoc, path: str, trail: Trail, node: Any, event: Trigger) -> list[Command]:
    commands = []
    for step_trail, step in _steps(node, trail):
        name = str(step.get("name", ""))
        for i, text in enumerate(strings(step.get("script"))):
            at = line(doc, [*step_trail, "script", i])
            commands.append(Command(text, path, at, "bitbucket", name, frozenset({event})))
    return commands


def bitbucket(repo: RepoContext, path: str) -> tuple[list[Command], list[Schedule]]:
    commands: list[Command] = []
    for doc in yaml_docs(repo, path):
        pipelines = mapping(mapping(doc.data).get("pipelines"))
        for section, event in SECTIONS.items():
            value = pipelines.get(section)
            if section == "default":
                commands += _commands(doc, path, ["pipelines", section], value, event)
                continue
            for name, node in mapping(value).items():
                commands += _commands(doc, path, ["pipelines", section, name], node, event)
    return commands, []
