"""Azure Pipelines at any path, with ``template:`` references followed.

A pipeline is an ``azure-pipelines*.yml`` file, or any YAML file whose top level has the
Azure shape: ``stages`` (items with ``stage:``), ``jobs`` (items with ``job:`` or
``deployment:``) or ``steps`` (items with one step key: ``script``, ``bash``, ``task`` ...).
A file with only ``steps`` counts as a pipeline when it also declares when it runs
(``trigger``, ``pr``, ``schedules``) or a ``pool``; otherwise it is a template, read only
through the pipelines that reference it. ``template:`` references (steps, jobs, stages,
variables, ``extends``) resolve relative to the referencing file (``/x.yml``: from the
repository root) and carry the pipeline's triggers; cycles and depth are bounded.
Templates from other repositories (``x.yml@repo``) are noted as not read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Schedule, Trigger
from mlguard.facts.sources import items, line, mapping, note_read, note_unread, quiet_docs
from mlguard.safeio.yamlio import YamlDoc

AZURE_NAMED = (
    "azure-pipelines*.yml",
    "azure-pipelines*.yaml",
    ".azure-pipelines/*.yml",
    ".azure-pipelines/*.yaml",
)
SHELL_KEYS = ("script", "bash", "pwsh", "powershell")
STEP_KEYS = frozenset(
    {*SHELL_KEYS, "task", "checkout", "template", "download", "downloadBuild", "publish"}
)
STEP_KEYS |= {"getPackage", "restoreCache", "reviewApp"}
ROOT_KEYS = ("trigger", "pr", "schedules", "pool", "resources")
TOP_LEVEL = re.compile(r"^(?:trigger|pr|stages|jobs|steps|extends|schedules)\s*:", re.MULTILINE)
MAX_DEPTH = 12
Found = tuple[list[Command], list[Schedule]]
Trail = list[str | int]


def _all(value: Any, test: Any) -> bool:
    entries = items(value)
    return bool(entries) and all(test(mapping(e)) for e in entries)


def _step(item: dict[str, Any]) -> bool:
    return len(STEP_KEYS & item.keys()) == 1


def _job(item: dict[str, Any]) -> bool:
    return "job" in item or "deployment" in item or isinstance(item.get("template"), str)


def _stage(item: dict[str, Any]) -> bool:
    return "stage" in item or isinstance(item.get("template"), str)


def azure_shape(data: dict[str, Any]) -> str:
    """``"pipeline"``, ``"template"`` or ``""`` for a YAML document's top level."""
    stages, jobs, steps = data.get("stages"), data.get("jobs"), data.get("steps")
    extends = isinstance(mapping(data.get("extends")).get("template"), str)
    if "stages" in data and not _all(stages, _stage):
        return ""
    if "jobs" in data and not _all(jobs, _job):
        return ""
    if "steps" in data and not _all(steps, _step):
        return ""
    if not (stages or jobs or steps or extends):
        return ""
    if any(k in data for k in ROOT_KEYS):
        return "pipeline"
    if "parameters" in data or not (stages or jobs or extends):
        return "template"
    return "pipeline"


def _shape_of(repo: Facts, path: str) -> str:
    docs = quiet_docs(repo, path)
    return azure_shape(mapping(docs[0].data)) if len(docs) == 1 else ""


def azure_files(repo: Facts, claimed: set[str]) -> list[str]:
    """Pipelines (not templates): named ones, and YAML files of the Azure shape that no
    other CI system claims and no pipeline references as a template."""
    named = set(repo.glob(*AZURE_NAMED))
    found = set(named)
    for path in repo.glob("*.yml", "*.yaml"):
        if path in claimed or path in named or path.startswith(".github/"):
            continue
        text = repo.text(path) or ""
        if TOP_LEVEL.search(text) and _shape_of(repo, path) == "pipeline":
            found.add(path)
    referenced: set[str] = set()
    for path in sorted(found):
        referenced |= {t for t, _ in _template_refs(repo, path)}
    return sorted(p for p in found if p in named or p not in referenced)


def _template_refs(repo: Facts, path: str) -> list[tuple[str, int]]:
    out = []
    for doc in quiet_docs(repo, path):
        for kind, trail, value, _ in _walk(mapping(doc.data), [], ""):
            if kind == "template":
                target = resolve(repo, path, str(value))
                if target:
                    out.append((target, line(doc, trail)))
    return out


def resolve(repo: Facts, base: str, ref: str) -> str:
    """The repository file a ``template:`` reference names ("" when not in the repository)."""
    ref = ref.strip()
    if not ref or "@" in ref or "${{" in ref or "$(" in ref:
        return ""
    if ref.startswith("/"):
        candidate = ref.lstrip("/")
    else:
        candidate = posixpath.normpath(posixpath.join(posixpath.dirname(base), ref))
    if candidate in repo.files:
        return candidate
    return ref.lstrip("/") if ref.lstrip("/") in repo.files else ""


Walked = tuple[str, Trail, Any, str]


def _walk(data: dict[str, Any], trail: Trail, job: str) -> Iterator[Walked]:
    """("template", trail, ref, job) and ("step", trail, step, job) under a pipeline or
    template; ``job`` names the job (or stage) around the item."""
    extends = mapping(data.get("extends"))
    if isinstance(extends.get("template"), str):
        yield "template", [*trail, "extends", "template"], extends["template"], job
    for key in ("variables", "stages", "jobs", "steps"):
        for i, item in enumerate(items(data.get(key))):
            entry = mapping(item)
            if isinstance(entry.get("template"), str):
                yield "template", [*trail, key, i, "template"], entry["template"], job
            elif key == "steps":
                yield "step", [*trail, key, i], entry, job
            elif key in ("stages", "jobs"):
                name = str(entry.get("job") or entry.get("deployment") or entry.get("stage") or job)
                yield from _walk(entry, [*trail, key, i], name)
                yield from _strategy(mapping(entry.get("strategy")), [*trail, key, i], name)


def _strategy(strategy: dict[str, Any], trail: Trail, job: str) -> Iterator[Walked]:
    """Deployment job hooks: strategy.runOnce.deploy.steps, ...on.success.steps."""
    for kind, phases in strategy.items():
        for hook, spec in mapping(phases).items():
            where: Trail = [*trail, "strategy", kind, hook]
            if hook == "on":
                for outcome, inner in mapping(spec).items():
                    yield from _walk(mapping(inner), [*where, outcome], job)
            else:
                yield from _walk(mapping(spec), where, job)


def pipeline_triggers(data: dict[str, Any]) -> frozenset[Trigger]:
    """What starts an Azure pipeline: ``trigger:``/``pr:`` (push and pull request unless
    ``none``) and ``schedules:``; none of them means it runs only when started by hand
    (``manual``)."""
    found: set[Trigger] = set()
    off: tuple[object, ...] = ("none", [], False)
    if data.get("trigger") not in off:
        found.add(Trigger.PUSH)
    # ``trigger: none`` without a ``pr:`` section switches CI off: implicit pull-request
    # validation exists only for GitHub-hosted code (Azure Repos use branch policies)
    pr = data.get("pr", "none" if data.get("trigger") in off and "trigger" in data else None)
    if pr not in off:
        found.add(Trigger.PULL_REQUEST)
    if data.get("schedules"):
        found.add(Trigger.SCHEDULE)
    return frozenset(found or {Trigger.MANUAL})


def _task_commands(step: dict[str, Any]) -> list[tuple[str, str]]:
    """(input key, shell text) of a task's inline script or script file."""
    inputs = mapping(step.get("inputs"))
    found = []
    for key in ("script", "inlineScript"):
        if isinstance(inputs.get(key), str):
            found.append((key, inputs[key]))
    for key in ("scriptPath", "filePath"):
        value = inputs.get(key)
        if isinstance(value, str) and value.strip():
            runner = "python" if value.endswith(".py") else "bash"
            args = inputs.get("arguments")
            tail = f" {args}" if isinstance(args, str) else ""
            found.append((key, f"{runner} {value.strip()}{tail}"))
    return found


def azure_pipelines(repo: Facts, path: str) -> Found:
    """Commands and schedules of one pipeline, through its templates."""
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in quiet_docs(repo, path):
        data = mapping(doc.data)
        events = pipeline_triggers(data)
        for i, item in enumerate(items(data.get("schedules"))):
            cron = mapping(item).get("cron")
            if cron:
                at = line(doc, ["schedules", i])
                schedules.append(Schedule("azure-pipelines", path, at, str(cron), path))
        commands += _commands(repo, path, doc, events, [path], 0)
    return commands, schedules


def _commands(
    repo: Facts,
    path: str,
    doc: YamlDoc,
    events: frozenset[Trigger],
    chain: list[str],
    depth: int,
) -> list[Command]:
    commands: list[Command] = []
    for kind, trail, value, job in _walk(mapping(doc.data), [], ""):
        at = line(doc, trail)
        if kind == "template":
            target = resolve(repo, path, str(value))
            if not target:
                if "@" in str(value) and "${{" not in str(value):
                    note_unread(repo, path, at, f"template {value} from another repository")
                continue
            if target in chain or depth >= MAX_DEPTH:
                continue
            note_read(repo, "azure-pipelines", target)
            for inner in quiet_docs(repo, target):
                commands += _commands(repo, target, inner, events, [*chain, target], depth + 1)
            continue
        step = mapping(value)
        for key in SHELL_KEYS:
            if isinstance(step.get(key), str):
                commands.append(
                    Command(
                        step[key], path, line(doc, [*trail, key]), "azure-pipelines", job, events
                    )
                )
        if isinstance(step.get("task"), str):
            task_at = line(doc, [*trail, "task"])
            commands.append(
                Command(step["task"], path, task_at, "azure-pipelines", job, events, True)
            )
            for key, text in _task_commands(step):
                at = line(doc, [*trail, "inputs", key])
                commands.append(Command(text, path, at, "azure-pipelines", job, events))
    return commands
