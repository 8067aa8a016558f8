"""CI configurations -> the commands each job runs, with the events that trigger them.

GitHub Actions, GitLab CI, CircleCI, Azure Pipelines and Bitbucket Pipelines
(:mod:`mlguard.facts.ci_more`) are read from their YAML; Jenkinsfiles
by regular expressions (``sh '...'``, ``sh \"\"\"...\"\"\"``, ``triggers { cron(...) }``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mlguard.facts.azure import AZURE_NAMED, azure_files, azure_pipelines
from mlguard.facts.ci_cloud import (
    CLOUD_BUILD_FILES,
    cloud_build,
    cloud_build_shape,
    tekton_docs,
)
from mlguard.facts.ci_cloud import tekton as tekton_pipeline
from mlguard.facts.ci_hosted import (
    APPVEYOR_FILES,
    BUILDKITE_FILES,
    CODEBUILD_FILES,
    DRONE_FILES,
    SEED_WOODPECKER_FILES,
    TRAVIS_FILES,
    WOODPECKER_FILES,
    appveyor,
    buildkite,
    codebuild,
    drone,
    travis,
    woodpecker,
)
from mlguard.facts.ci_more import BITBUCKET_FILES, JENKINS_FILES, bitbucket, jenkins
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.gha_composite import composite_commands
from mlguard.facts.model import Command, Schedule, Trigger, triggers
from mlguard.facts.sources import (
    items,
    line,
    mapping,
    note_read,
    note_unread,
    quiet_docs,
    read_files,
    strings,
    unread,
    yaml_docs,
)
from mlguard.safeio.yamlio import YamlDoc

GHA_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
SEED_GHA_FILES = ("*/.github/workflows/*.yml", "*/.github/workflows/*.yaml")
GITLAB_FILES = (
    "/.gitlab-ci.yml",
    "/.gitlab-ci.yaml",
    ".gitlab/ci/*.yml",
    ".gitlab/*.gitlab-ci.yml",
)
CIRCLE_FILES = (".circleci/config.yml", ".circleci/config.yaml")
AZURE_FILES = AZURE_NAMED
CI_FILES = (
    *GHA_FILES,
    *GITLAB_FILES,
    *CIRCLE_FILES,
    *AZURE_FILES,
    *JENKINS_FILES,
    *BITBUCKET_FILES,
    *TRAVIS_FILES,
    *APPVEYOR_FILES,
    *BUILDKITE_FILES,
    *DRONE_FILES,
    *CLOUD_BUILD_FILES,
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
        on = data.get("on")
        if not on:  # no trigger (``on:`` missing or commented out): GitHub never runs it
            continue
        events = _gha_triggers(on)
        followed = strings(mapping(mapping(on).get("workflow_run")).get("workflows"))
        if followed:  # runs when those workflows complete: on their triggers
            inherited = _followed_triggers(repo, followed, {path})
            if inherited:
                events = (events - {Trigger.DISPATCH}) | inherited
        for i, item in enumerate(items(mapping(on).get("schedule"))):
            cron = mapping(item).get("cron")
            if cron:
                at = line(doc, ["on", "schedule", i])
                schedules.append(Schedule("github-actions", path, at, str(cron), path))
        env = _env_pairs(data.get("env"))
        workdir = _workdir(data)
        for job, spec in mapping(data.get("jobs")).items():
            commands.extend(_gha_job(doc, path, job, mapping(spec), events, env, workdir))
            commands.extend(_local_actions(repo, path, job, mapping(spec), events, env))
    return commands, schedules


def _workdir(spec: dict[str, Any]) -> str:
    """``defaults.run.working-directory`` of a workflow or a job."""
    return _literal_dir(mapping(mapping(spec.get("defaults")).get("run")).get("working-directory"))


def _literal_dir(value: Any) -> str:
    """A working directory written as a path (not an expression mlguard cannot evaluate)."""
    if not isinstance(value, str) or "$" in value or len(value) > 300:
        return ""
    return value.strip().removeprefix("./").rstrip("/")


MAX_WORKFLOW_CHAIN = 5


def _followed_triggers(repo: Facts, names: list[str], seen: set[str]) -> frozenset[Trigger]:
    """The triggers of the workflows a ``workflow_run`` follows (by their ``name:``, or
    their file name when unnamed), along a chain of such workflows."""
    found: set[Trigger] = set()
    for other in sorted(repo.glob(*GHA_FILES)):
        if other in seen or len(seen) > MAX_WORKFLOW_CHAIN:
            continue
        for doc in yaml_docs(repo, other):
            data = mapping(doc.data)
            title = data.get("name") or posixpath.basename(other).rsplit(".", 1)[0]
            if str(title) not in names:
                continue
            on = data.get("on")
            found |= _gha_triggers(on) - {Trigger.DISPATCH}
            upstream = strings(mapping(mapping(on).get("workflow_run")).get("workflows"))
            if upstream:
                found |= _followed_triggers(repo, upstream, seen | {other})
    return frozenset(found)


def _env_pairs(value: Any) -> tuple[str, ...]:
    return tuple(f"{k}={v}" for k, v in mapping(value).items() if isinstance(k, str))


def _job_events(spec: dict[str, Any], events: frozenset[Trigger]) -> frozenset[Trigger]:
    """Narrow the workflow's events by a job-level ``if: github.event_name == '...'``; an
    alternative that names no event (``... || github.event_name == 'workflow_dispatch'``)
    lets the other events through, so nothing is narrowed."""
    condition = str(spec.get("if", ""))
    named = EVENT_IF.findall(condition)
    if not named or any(not EVENT_IF.search(part) for part in condition.split("||")):
        return events
    return events & {GHA_EVENTS.get(n, Trigger.DISPATCH) for n in named}


def _gha_job(
    doc: YamlDoc,
    path: str,
    job: str,
    spec: dict[str, Any],
    events: frozenset[Trigger],
    env: tuple[str, ...] = (),
    workdir: str = "",
) -> list[Command]:
    events = _job_events(spec, events)
    env = (*env, *_env_pairs(spec.get("env")))
    workdir = _workdir(spec) or workdir
    commands = []
    if isinstance(spec.get("uses"), str):  # a reusable workflow called by this job
        at = line(doc, ["jobs", job, "uses"])
        given = tuple(
            (str(k), _input_value(str(v)))
            for k, v in mapping(spec.get("with")).items()
            if isinstance(v, str | int | float | bool)
        )
        commands.append(
            Command(spec["uses"], path, at, "github-actions", job, events, True, inputs=given)
        )
    steps = spec.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        step = mapping(step)
        for key in ("run", "uses"):
            if isinstance(step.get(key), str):
                at = line(doc, ["jobs", job, "steps", i, key])
                step_env = (*env, *_env_pairs(step.get("env")))
                may_fail = spec.get("continue-on-error") is True
                may_fail = may_fail or step.get("continue-on-error") is True
                commands.append(
                    Command(
                        step[key],
                        path,
                        at,
                        "github-actions",
                        job,
                        events,
                        key == "uses",
                        step_env,
                        may_fail,
                        _literal_dir(step.get("working-directory")) or workdir,
                    )
                )
        remote = _ssh_script(step)
        if remote:
            # commands CI runs on another host over SSH (a GPU box, the serving VM)
            at = line(doc, ["jobs", job, "steps", i, "with"])
            commands.append(Command(remote, path, at, "github-actions", job, events))
    return commands


# ``${{ inputs.model_type || 'nyc_taxi' }}``: the caller's own input, else a literal default
INPUT_DEFAULT = re.compile(r"^\$\{\{[^}]*\|\|\s*['\"]([^'\"]*)['\"]\s*\}\}$")


def _input_value(value: str) -> str:
    """A reusable workflow's input as the caller gives it: a literal, or the default of an
    expression that falls back to one."""
    match = INPUT_DEFAULT.match(value.strip())
    return match.group(1) if match else value


# actions that run their ``script``/``command`` input on a remote host over SSH
SSH_ACTIONS = re.compile(
    r"^(appleboy/ssh-action|google-github-actions/ssh-compute|garygrossgarten/github-action-ssh"
    r"|fifsky/ssh-action|D3rHase/ssh-command-action)@",
    re.IGNORECASE,
)


def _ssh_script(step: dict[str, Any]) -> str:
    uses = step.get("uses")
    if not isinstance(uses, str) or not SSH_ACTIONS.match(uses):
        return ""
    given = mapping(step.get("with"))
    script = given.get("script") or given.get("command")
    return script if isinstance(script, str) else ""


def _local_actions(
    repo: Facts,
    path: str,
    job: str,
    spec: dict[str, Any],
    events: frozenset[Trigger],
    env: tuple[str, ...],
) -> list[Command]:
    """The commands of the local composite actions a job's steps use."""
    events = _job_events(spec, events)
    env = (*env, *_env_pairs(spec.get("env")))
    found: list[Command] = []
    for step in items(spec.get("steps")):
        step = mapping(step)
        uses = step.get("uses")
        if isinstance(uses, str) and uses.startswith("./"):
            step_env = (*env, *_env_pairs(step.get("env")))
            given = mapping(step.get("with"))
            base = command_base(path)
            found += composite_commands(repo, uses, given, base, job, events, step_env)
    return [replace(c, caller=path) for c in found]


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


MAX_INCLUDES = 50


def _include_entries(data: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(index, kind, target) of a GitLab ``include:`` (a string, a list, or mappings)."""
    value = data.get("include")
    entries = value if isinstance(value, list) else [value] if value else []
    found = []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            found.append((i, "remote" if "://" in entry else "local", entry))
            continue
        spec = mapping(entry)
        kind = next(
            (k for k in ("local", "project", "remote", "template", "component") if k in spec), ""
        )
        if kind == "local":
            found.append((i, kind, str(spec[kind])))
        elif kind == "project":
            found.append((i, kind, f"{spec[kind]}:{','.join(strings(spec.get('file')))}"))
        elif kind:
            found.append((i, kind, str(spec[kind])))
    return found


def gitlab_includes(repo: Facts, path: str) -> list[str]:
    """Files a GitLab configuration includes from this repository, transitively, in order;
    includes from elsewhere (remote, project, template, component) are noted as unread."""
    order: list[str] = []
    queue = [path]
    while queue and len(order) < MAX_INCLUDES:
        current = queue.pop(0)
        for doc in yaml_docs(repo, current):
            data = mapping(doc.data)
            for i, kind, target in _include_entries(data):
                value = data.get("include")
                at = line(doc, ["include", i] if isinstance(value, list) else ["include"])
                if kind != "local":
                    note_unread(repo, current, at, f"GitLab include ({kind}) {target}")
                    continue
                wanted = target.strip().lstrip("/")
                matches = repo.glob("/" + wanted) if "*" in wanted else [wanted]
                matches = [m for m in matches if m in repo.files]
                if not matches:
                    note_unread(
                        repo, current, at, f"GitLab include {target} (not in the repository)"
                    )
                for found in matches:
                    if found != path and found not in order:
                        order.append(found)
                        queue.append(found)
    return order


def gitlab_roots(repo: Facts) -> list[str]:
    """GitLab configurations not included by another one (those are read through it)."""
    files = repo.glob(*GITLAB_FILES)
    included: set[str] = set()
    for path in files:
        if path.startswith(".gitlab-ci."):
            included |= set(gitlab_includes(repo, path))
    return [p for p in files if p not in included]


def gitlab_ci(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    chain = [*gitlab_includes(repo, path), path]  # included first: the file's own keys win
    for included in chain[:-1]:
        note_read(repo, "gitlab-ci", included)
    docs = [(p, doc) for p in chain for doc in yaml_docs(repo, p)]
    merged: dict[str, Any] = {}
    for _, doc in docs:
        merged.update(mapping(doc.data))
    for where, doc in docs:
        data = mapping(doc.data)
        for job, spec in data.items():
            if job in GITLAB_RESERVED or job.startswith(".") or not isinstance(spec, dict):
                continue  # hidden jobs are templates: they run only through extends
            spec = _extended(merged, mapping(spec))
            events = _gitlab_triggers(spec)
            if Trigger.SCHEDULE in events:
                at = line(doc, [job])
                schedules.append(Schedule("gitlab-ci", where, at, "pipeline schedule", job))
            for key in ("before_script", "script", "after_script"):
                for i, text in enumerate(strings(spec.get(key))):
                    own = key in mapping(data.get(job))
                    trail: list[str | int] = (
                        [job, key, i] if isinstance(spec.get(key), list) else [job, key]
                    )
                    at = line(doc, trail if own else [job])
                    may_fail = spec.get("allow_failure") is True
                    commands.append(
                        Command(text, where, at, "gitlab-ci", job, events, may_fail=may_fail)
                    )
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


# --- every system ---------------------------------------------------------------------------
Parser = Callable[[Facts, str], Found]
SIMPLE: tuple[tuple[str, tuple[str, ...], Parser], ...] = (
    ("github-actions", GHA_FILES, github_actions),
    ("circleci", CIRCLE_FILES, circleci),
    ("jenkins", JENKINS_FILES, jenkins),
    ("bitbucket", BITBUCKET_FILES, bitbucket),
    ("travis", TRAVIS_FILES, travis),
    ("appveyor", APPVEYOR_FILES, appveyor),
    ("buildkite", BUILDKITE_FILES, buildkite),
    ("drone", DRONE_FILES, drone),
    ("woodpecker", WOODPECKER_FILES, woodpecker),
    ("cloud-build", CLOUD_BUILD_FILES, cloud_build),
    ("codebuild", CODEBUILD_FILES, codebuild),
)
BUILD_TOP = re.compile(r"^steps\s*:", re.MULTILINE)


def ci_files(repo: Facts) -> dict[str, list[str]]:
    """The CI systems of the repository and the files each one reads (pipelines, and the
    templates and includes they pull in), by system name."""
    commands, _ = ci_facts(repo)
    systems: dict[str, set[str]] = {}
    for source in (_ci_scan(repo)[1], read_files(repo)):
        for name, paths in source.items():
            systems.setdefault(name, set()).update(paths)
    for command in commands:
        systems.setdefault(command.system, set()).add(command.path)
    return {name: sorted(paths) for name, paths in sorted(systems.items()) if paths}


def ci_unread(repo: Facts) -> list[tuple[str, int, str]]:
    """CI configuration referenced but not in the repository: (file, line, what)."""
    ci_facts(repo)
    return unread(repo)


@fact
def seed_projects(repo: Facts) -> tuple[str, ...]:
    """Top-level folders holding a project that brings its own GitHub workflows, which the
    repository ships to be copied into a repository of its own: a cookiecutter folder
    (``{{cookiecutter.name}}/``), the seed code of a SageMaker or Azure ML project template.
    GitHub runs workflows only from the root's ``.github/``; these run in the project made
    from the folder, so they are that project's CI. A folder counts when its name is
    templated or the repository has no workflows of its own at the root."""
    folders = sorted({path.split("/", 1)[0] for path in repo.glob(*SEED_GHA_FILES)})
    own = bool(repo.glob(*GHA_FILES))
    return tuple(f for f in folders if f.startswith("{{") or not own)


def workflow_files(repo: Facts) -> list[str]:
    """GitHub workflow files: the root's, then those of the seed projects."""
    seeds = seed_projects(repo)
    nested = [p for p in repo.glob(*SEED_GHA_FILES) if p.split("/", 1)[0] in seeds]
    return [*repo.glob(*GHA_FILES), *nested]


def command_base(path: str) -> str:
    """The folder a CI file's commands run in: a seed project's root for its workflows."""
    for marker in ("/.github/", "/.woodpecker/", "/.woodpecker.y"):
        head, sep, _ = path.partition(marker)
        if sep:
            return head
    return ""


def _roots(repo: Facts) -> list[tuple[str, str, Parser]]:
    """(system, file, parser) of every CI configuration file that is a pipeline root."""
    roots = [(name, path, parser) for name, globs, parser in SIMPLE for path in repo.glob(*globs)]
    roots += [("github-actions", path, github_actions) for path in workflow_files(repo)]
    seeds = seed_projects(repo)
    roots += [
        ("woodpecker", path, woodpecker)
        for path in repo.glob(*SEED_WOODPECKER_FILES)
        if path.split("/", 1)[0] in seeds
    ]
    roots = list(dict.fromkeys(roots))
    gitlab = gitlab_roots(repo)
    roots += [("gitlab-ci", path, gitlab_ci) for path in gitlab]
    claimed = {path for _, path, _ in roots} | set(repo.glob(*GITLAB_FILES))
    tekton = [p for p in repo.glob("*.yml", "*.yaml") if p not in claimed and _tekton_text(repo, p)]
    roots += [("tekton", path, tekton_pipeline) for path in tekton if tekton_docs(repo, path)]
    claimed |= set(tekton)
    builds = [p for p in repo.glob("*.yml", "*.yaml") if p not in claimed and _cloud_build(repo, p)]
    roots += [("cloud-build", path, cloud_build) for path in builds]
    claimed |= set(builds)
    roots += [("azure-pipelines", path, azure_pipelines) for path in azure_files(repo, claimed)]
    return roots


def _cloud_build(repo: Facts, path: str) -> bool:
    if path.startswith(".github/") or not BUILD_TOP.search(repo.text(path) or ""):
        return False
    docs = quiet_docs(repo, path)
    return len(docs) == 1 and cloud_build_shape(mapping(docs[0].data))


def _tekton_text(repo: Facts, path: str) -> bool:
    return "tekton.dev/" in (repo.text(path) or "")


def ci_facts(repo: Facts) -> Found:
    """Commands and schedules of every CI configuration in the repository."""
    return _ci_scan(repo)[0]


@fact
def _ci_scan(repo: Facts) -> tuple[Found, dict[str, set[str]]]:
    """Every CI configuration's commands and schedules, and the root files per system."""
    commands: list[Command] = []
    schedules: list[Schedule] = []
    roots: dict[str, set[str]] = {}
    for system, path, parser in _roots(repo):
        roots.setdefault(system, set()).add(path)
        found_commands, found_schedules = parser(repo, path)
        commands.extend(found_commands)
        schedules.extend(found_schedules)
    return (commands, schedules), roots
