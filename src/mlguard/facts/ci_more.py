"""Bitbucket Pipelines and Jenkinsfiles.

Bitbucket: ``pipelines.{default,branches,pull-requests,tags,custom}`` steps; custom pipelines
run by hand or on schedules configured in the Bitbucket UI (invisible in the repository), so
their trigger is ``manual``. Jenkins: ``sh``/``bat`` strings and ``triggers { cron(...) }``
found by regular expressions in one linear pass (a Jenkinsfile is Groovy, not data).
"""

from __future__ import annotations

import re
from typing import Any

from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Schedule, Trigger, triggers
from mlguard.facts.sources import line, mapping, strings, yaml_docs
from mlguard.safeio.yamlio import YamlDoc

BITBUCKET_FILES = ("/bitbucket-pipelines.yml",)
JENKINS_FILES = ("Jenkinsfile", "Jenkinsfile.*", "*.jenkinsfile")
DEFAULT_EVENTS = frozenset({Trigger.PUSH, Trigger.PULL_REQUEST})
Found = tuple[list[Command], list[Schedule]]
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


def bitbucket(repo: Facts, path: str) -> Found:
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


# --- Jenkins --------------------------------------------------------------------------------
JENKINS_SH = re.compile(r"\b(?:sh|bat)\s*\(?\s*(?:script\s*:\s*)?(\"\"\"|'''|\"|')")
JENKINS_CRON = re.compile(r"\b(cron|pollSCM)\s*\(\s*(?:spec\s*:\s*)?['\"]([^'\"]*)['\"]")


def jenkins(repo: Facts, path: str) -> Found:
    text = repo.text(path) or ""
    schedules = []
    position, line = 0, 1
    for match in JENKINS_CRON.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        if match.group(1) == "cron":
            schedules.append(Schedule("jenkins", path, line, match.group(2), path))
    # a Jenkins pipeline runs on SCM changes and, with a cron trigger, on the clock too
    events = DEFAULT_EVENTS | (triggers(Trigger.SCHEDULE) if schedules else frozenset())
    commands = [
        Command(body, path, at, "jenkins", "", events) for at, body in _jenkins_shells(text)
    ]
    return commands, schedules


def _jenkins_shells(text: str) -> list[tuple[int, str]]:
    """(line, body) of each ``sh``/``bat`` string, in one linear pass over the text."""
    found: list[tuple[int, str]] = []
    unclosed: set[str] = set()  # quote kinds with no closing quote left in the text
    position, line = 0, 1
    for match in JENKINS_SH.finditer(text):
        if match.start() < position:
            continue  # inside the previous command's body
        quote = match.group(1)
        if quote in unclosed:
            continue
        start = match.end()
        if len(quote) == 1:  # a one-line string: never look past the end of its line
            newline = text.find("\n", start)
            end = text.find(quote, start, newline if newline != -1 else len(text))
            if end == -1:
                continue
        else:
            end = text.find(quote, start)
        if end == -1:
            unclosed.add(quote)
            continue
        line += text.count("\n", position, match.start())
        body = text[start:end].strip()
        if body:
            found.append((line, body))
        line += text.count("\n", match.start(), end)
        position = end
    return found
