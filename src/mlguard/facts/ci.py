"""CI configurations -> the commands each job runs, with the events that trigger them.

GitHub Actions, GitLab CI, CircleCI, Azure Pipelines and Bitbucket Pipelines
(:mod:`mlguard.facts.ci_more`) are read from their YAML; Jenkinsfiles
by regular expressions (``sh '...'``, ``sh \"\"\"...\"\"\"``, ``triggers { cron(...) }``).
"""

from __future__ import annotations

import re
from typing import Any

from mlguard.facts.ci_more import BITBUCKET_FILES, JENKINS_FILES, bitbucket, jenkins
from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Schedule, Trigger, triggers
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs
from mlguard.safeio.yamlio import YamlDoc

GHA_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
GITLAB_FILES = (
    "/.gitlab-ci.yml",
    "/.gitlab-ci.yaml",
    ".gitlab/ci/*.yml",
    ".gitlab/*.gitlab-ci.yml",
)
CIRCLE_FILES = (".circleci/config.yml", ".circleci/config.yaml")
AZURE_FILES = ("azure-pipelines*.yml", "azure-pipelines*.yaml", ".azure-pipelines/*.yml")
CI_FILES = (
    *GHA_FILES,
    *GITLAB_FILES,
    *CIRCLE_FILES,
    *AZURE_FILES,
    *JENKINS_FILES,
    *BITBUCKET_FILES,
)

Found = tuple[list[Command], list[Schedule]]
DEFAULT_EVENTS = triggers(Trigger.PUSH, Trigger.PULL_REQUEST)

# --- GitHub Actions -------------------------------------------------------------------------
GHA_EVENTS = {
    "push": Trigger.PUSH,
    "pull_request": Trigger.PULL_REQUEST,
    "pull_request_target": Trigger.PULL_REQUEST,
    "merge_group": Trigger.PULL_REQUEST,
    "schedule": Trigger.SCHEDULE,
    "workflow_dispatch": Trigger.MANUAL,
    "release": Trigger.TAG,
    "create": Trigger.TAG,
}
CALLED_ONLY = frozenset({"workflow_call"})  # runs with its caller's triggers (see the graph)
EVENT_IF = re.compile(r"github\.event_name\s*==\s*['\"](\w+)['\"]")


def _gha_triggers(on: Any) -> frozenset[Trigger]:
    if isinstance(on, str):
        names = [on]
    elif isinstance(on, list):
        names = strings(on)
    else:
        names = [str(k) for k in mapping(on)]
    found: set[Trigger] = set()
    for name in names:
        if name in CALLED_ONLY:
            continue
        event = GHA_EVENTS.get(str(name), Trigger.DISPATCH)
        spec = on.get(name) if isinstance(on, dict) else None
        if event == Trigger.PUSH and isinstance(spec, dict) and "tags" in spec:
            found.add(Trigger.TAG)
            if "branches" not in spec and "branches-ignore" not in spec:
                continue
        found.add(event)
    return frozenset(found)


def github_actions(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        on = data.get("on", {})
        events = _gha_triggers(on if on is not None else {})
        for i, item in enumerate(items(mapping(on).get("schedule"))):
            cron = mapping(item).get("cron")
            if cron:
                at = line(doc, ["on", "schedule", i])
                schedules.append(Schedule("github-actions", path, at, str(cron), path))
        for job, spec in mapping(data.get("jobs")).items():
            commands.extend(_gha_job(doc, path, job, mapping(spec), events))
    return commands, schedules


def _job_events(spec: dict[str, Any], events: frozenset[Trigger]) -> frozenset[Trigger]:
    """Narrow the workflow's events by a job-level ``if: github.event_name == '...'``."""
    named = EVENT_IF.findall(str(spec.get("if", "")))
    if not named:
        return events
    return events & {GHA_EVENTS.get(n, Trigger.DISPATCH) for n in named}


def _gha_job(
    doc: YamlDoc, path: str, job: str, spec: dict[str, Any], events: frozenset[Trigger]
) -> list[Command]:
    events = _job_events(spec, events)
    commands = []
    if isinstance(spec.get("uses"), str):  # a reusable workflow called by this job
        at = line(doc, ["jobs", job, "uses"])
        commands.append(Command(spec["uses"], path, at, "github-actions", job, events, True))
    steps = spec.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        step = mapping(step)
        for key in ("run", "uses"):
            if isinstance(step.get(key), str):
                at = line(doc, ["jobs", job, "steps", i, key])
                commands.append(
                    Command(step[key], path, at, "github-actions", job, events, key == "uses")
                )
    return commands


# --- GitLab CI ------------------------------------------------------------------------------
GITLAB_RESERVED = frozenset(
    {"stages", "variables", "default", "include", "workflow", "image", "services", "cache"}
)
GITLAB_SOURCES = {
    "schedule": Trigger.SCHEDULE,
    "merge_request_event": Trigger.PULL_REQUEST,
    "external_pull_request_event": Trigger.PULL_REQUEST,
    "push": Trigger.PUSH,
    "web": Trigger.MANUAL,
    "api": Trigger.DISPATCH,
    "trigger": Trigger.DISPATCH,
    "pipeline": Trigger.DISPATCH,
    "parent_pipeline": Trigger.DISPATCH,
}
GITLAB_ONLY = {
    "schedules": Trigger.SCHEDULE,
    "merge_requests": Trigger.PULL_REQUEST,
    "tags": Trigger.TAG,
    "web": Trigger.MANUAL,
    "api": Trigger.DISPATCH,
    "triggers": Trigger.DISPATCH,
    "pipelines": Trigger.DISPATCH,
    "pushes": Trigger.PUSH,
    "branches": Trigger.PUSH,
}
SOURCE_RE = re.compile(r"CI_PIPELINE_SOURCE\s*==\s*[\"']?(\w+)")


def _gitlab_triggers(spec: dict[str, Any]) -> frozenset[Trigger]:
    found: set[Trigger] = set()
    for rule in items(spec.get("rules")):
        condition = str(mapping(rule).get("if", ""))
        if mapping(rule).get("when") == "never":
            continue
        found.update(GITLAB_SOURCES.get(s, Trigger.DISPATCH) for s in SOURCE_RE.findall(condition))
        if "CI_COMMIT_TAG" in condition and "==" not in condition:
            found.add(Trigger.TAG)
    only = spec.get("only")
    only_refs = strings(mapping(only).get("refs")) if isinstance(only, dict) else strings(only)
    found.update(GITLAB_ONLY[r] for r in only_refs if r in GITLAB_ONLY)
    if not found:
        found.update(DEFAULT_EVENTS)
    if spec.get("when") == "manual":
        return triggers(Trigger.MANUAL)
    return frozenset(found)


def gitlab_ci(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        for job, spec in data.items():
            if job in GITLAB_RESERVED or job.startswith(".") or not isinstance(spec, dict):
                continue  # hidden jobs are templates: they run only through extends
            spec = _extended(data, mapping(spec))
            events = _gitlab_triggers(spec)
            if Trigger.SCHEDULE in events:
                at = line(doc, [job])
                schedules.append(Schedule("gitlab-ci", path, at, "pipeline schedule", job))
            for key in ("before_script", "script", "after_script"):
                for i, text in enumerate(strings(spec.get(key))):
                    at = line(doc, [job, key, i] if isinstance(spec.get(key), list) else [job, key])
                    commands.append(Command(text, path, at, "gitlab-ci", job, events))
    return commands, schedules


def _extended(data: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A job with its ``extends:`` templates merged underneath (one level, as GitLab does)."""
    merged: dict[str, Any] = {}
    for name in strings(spec.get("extends")):
        merged.update(mapping(data.get(name)))
    merged.update(spec)
    return merged


# --- CircleCI -------------------------------------------------------------------------------
CIRCLE_SCHEDULED = re.compile(r"scheduled_pipeline")


def circleci(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        job_events: dict[str, set[Trigger]] = {}
        for wf_name, wf in mapping(data.get("workflows")).items():
            wf = mapping(wf)
            events = set(DEFAULT_EVENTS)
            for i, trig in enumerate(items(wf.get("triggers"))):
                cron = mapping(mapping(trig).get("schedule")).get("cron")
                if cron:
                    events = {Trigger.SCHEDULE}
                    at = line(doc, ["workflows", wf_name, "triggers", i])
                    schedules.append(Schedule("circleci", path, at, str(cron), wf_name))
            if CIRCLE_SCHEDULED.search(str(wf.get("when", ""))):
                events = {Trigger.SCHEDULE}
                at = line(doc, ["workflows", wf_name, "when"])
                schedules.append(Schedule("circleci", path, at, "scheduled pipeline", wf_name))
            for item in items(wf.get("jobs")):
                name = item if isinstance(item, str) else next(iter(mapping(item)), "")
                job_events.setdefault(name, set()).update(events)
        for job, spec in mapping(data.get("jobs")).items():
            job_triggers = frozenset(job_events.get(job) or DEFAULT_EVENTS)
            steps = mapping(spec).get("steps")
            for i, step in enumerate(steps if isinstance(steps, list) else []):
                run = mapping(step).get("run")
                text = run if isinstance(run, str) else mapping(run).get("command")
                if isinstance(text, str):
                    at = line(doc, ["jobs", job, "steps", i, "run"])
                    commands.append(Command(text, path, at, "circleci", job, job_triggers))
    return commands, schedules


# --- Azure Pipelines ------------------------------------------------------------------------
AZURE_STEP_KEYS = ("script", "bash", "pwsh", "powershell")


def _azure_triggers(data: dict[str, Any]) -> frozenset[Trigger]:
    found: set[Trigger] = set()
    if data.get("trigger") not in ("none", [], False):
        found.add(Trigger.PUSH)
    if data.get("pr") not in ("none", [], False):
        found.add(Trigger.PULL_REQUEST)
    if data.get("schedules"):
        found.add(Trigger.SCHEDULE)
    return frozenset(found)


def _azure_steps(node: Any, trail: list[str | int]) -> list[tuple[list[str | int], Any]]:
    """Every ``steps:`` list under the pipeline, stages and jobs, with its path."""
    out: list[tuple[list[str | int], Any]] = []
    data = mapping(node)
    if isinstance(data.get("steps"), list):
        out.append(([*trail, "steps"], data["steps"]))
    for key in ("stages", "jobs"):
        for i, child in enumerate(items(data.get(key))):
            out.extend(_azure_steps(child, [*trail, key, i]))
    return out


def azure_pipelines(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        events = _azure_triggers(data)
        for i, item in enumerate(items(data.get("schedules"))):
            cron = mapping(item).get("cron")
            if cron:
                at = line(doc, ["schedules", i])
                schedules.append(Schedule("azure-pipelines", path, at, str(cron), path))
        for trail, steps in _azure_steps(data, []):
            for i, step in enumerate(steps):
                step = mapping(step)
                for key in (*AZURE_STEP_KEYS, "task"):
                    if isinstance(step.get(key), str):
                        at = line(doc, [*trail, i, key])
                        job = str(trail[-2]) if len(trail) > 1 else ""
                        cmd = Command(
                            step[key], path, at, "azure-pipelines", job, events, key == "task"
                        )
                        commands.append(cmd)
    return commands, schedules


PARSERS = (
    (GHA_FILES, github_actions),
    (GITLAB_FILES, gitlab_ci),
    (CIRCLE_FILES, circleci),
    (AZURE_FILES, azure_pipelines),
    (JENKINS_FILES, jenkins),
    (BITBUCKET_FILES, bitbucket),
)


def ci_facts(repo: Facts) -> Found:
    """Commands and schedules of every CI configuration in the repository."""
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for patterns, parser in PARSERS:
        for path in repo.glob(*patterns):
            found_commands, found_schedules = parser(repo, path)
            commands.extend(found_commands)
            schedules.extend(found_schedules)
    return commands, schedules
