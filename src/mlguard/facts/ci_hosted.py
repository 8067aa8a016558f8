"""Travis CI, AppVeyor, Buildkite, Drone and Woodpecker: the shell commands of each job.

Travis and AppVeyor list commands per phase (``install``, ``script``, ``test_script`` ...),
at the top level and in ``jobs.include``/``matrix.include`` (Travis) or ``for:`` (AppVeyor);
Buildkite has ``steps`` with ``command``/``commands`` (``group`` steps nest further steps);
Drone has one pipeline per YAML document with ``steps[].commands`` and a ``trigger.event``
list. Their schedules live in each service's settings, outside the repository, except
Drone's ``cron`` event, which says a pipeline runs on the clock.
"""

from __future__ import annotations

from typing import Any

from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Schedule, Trigger, triggers
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs
from mlguard.safeio.yamlio import YamlDoc

TRAVIS_FILES = ("/.travis.yml", "/.travis.yaml")
APPVEYOR_FILES = ("/appveyor.yml", "/.appveyor.yml", "/appveyor.yaml", "/.appveyor.yaml")
BUILDKITE_FILES = (".buildkite/pipeline*.yml", ".buildkite/pipeline*.yaml", "/buildkite.yml")
DRONE_FILES = ("/.drone.yml", "/.drone.yaml")
# AWS CodeBuild (run by CodePipeline on pushes to its source): buildspec files at any path.
CODEBUILD_FILES = (
    # buildspec.yml, and the SageMaker Projects templates' codebuild-buildspec.yml
    "*buildspec*.yml",
    "*buildspec*.yaml",
    "**/*buildspec*.yml",
    "**/*buildspec*.yaml",
)
CODEBUILD_PHASES = ("install", "pre_build", "build", "post_build")
DEFAULT_EVENTS = triggers(Trigger.PUSH, Trigger.PULL_REQUEST)
Found = tuple[list[Command], list[Schedule]]
Trail = list[str | int]

TRAVIS_PHASES = (
    "before_install",
    "install",
    "before_script",
    "script",
    "after_success",
    "after_failure",
    "after_script",
    "before_deploy",
)
APPVEYOR_PHASES = (
    "init",
    "install",
    "before_build",
    "build_script",
    "after_build",
    "before_test",
    "test_script",
    "after_test",
    "on_success",
    "on_failure",
    "on_finish",
    "before_deploy",
    "deploy_script",
    "after_deploy",
)
APPVEYOR_SHELLS = ("cmd", "ps", "pwsh", "sh")


def _phase_commands(
    doc: YamlDoc,
    path: str,
    trail: Trail,
    spec: dict[str, Any],
    phases: tuple[str, ...],
    system: str,
    job: str,
) -> list[Command]:
    commands = []
    for phase in phases:
        value = spec.get(phase)
        entries = value if isinstance(value, list) else [value]
        for i, entry in enumerate(entries):
            text = entry if isinstance(entry, str) else ""
            if isinstance(entry, dict):  # AppVeyor: {cmd: ...}, {ps: ...}, {sh: ...}
                text = next((str(entry[k]) for k in APPVEYOR_SHELLS if k in entry), "")
            if text.strip():
                at = line(doc, [*trail, phase, i] if isinstance(value, list) else [*trail, phase])
                commands.append(Command(text, path, at, system, job, DEFAULT_EVENTS))
    return commands


def travis(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        commands += _phase_commands(doc, path, [], data, TRAVIS_PHASES, "travis", "")
        for key in ("jobs", "matrix"):
            for i, job in enumerate(items(mapping(data.get(key)).get("include"))):
                spec = mapping(job)
                name = str(spec.get("name") or spec.get("stage") or f"{key}.include[{i}]")
                trail: Trail = [key, "include", i]
                commands += _phase_commands(doc, path, trail, spec, TRAVIS_PHASES, "travis", name)
    return commands, []


def appveyor(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        commands += _phase_commands(doc, path, [], data, APPVEYOR_PHASES, "appveyor", "")
        for i, spec in enumerate(items(data.get("for"))):
            trail: Trail = ["for", i]
            commands += _phase_commands(
                doc, path, trail, mapping(spec), APPVEYOR_PHASES, "appveyor", f"for[{i}]"
            )
    return commands, []


def codebuild(repo: Facts, path: str) -> Found:
    """AWS CodeBuild: ``phases.<phase>.commands`` (and ``finally``), in phase order. A file
    without a ``phases`` mapping is not a buildspec."""
    commands: list[Command] = []
    for doc in yaml_docs(repo, path):
        phases = mapping(mapping(doc.data).get("phases"))
        for phase in CODEBUILD_PHASES:
            spec = mapping(phases.get(phase))
            for key in ("commands", "finally"):
                for i, entry in enumerate(items(spec.get(key))):
                    if isinstance(entry, str) and entry.strip():
                        at = line(doc, ["phases", phase, key, i])
                        commands.append(
                            Command(entry, path, at, "codebuild", phase, DEFAULT_EVENTS)
                        )
    return commands, []


def buildkite(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    for doc in yaml_docs(repo, path):
        commands += _buildkite_steps(doc, path, mapping(doc.data).get("steps"), ["steps"], 0)
    return commands, []


def _buildkite_steps(
    doc: YamlDoc, path: str, steps: Any, trail: Trail, depth: int
) -> list[Command]:
    commands: list[Command] = []
    if depth > 3:
        return commands
    for i, step in enumerate(items(steps)):
        spec = mapping(step)
        if "group" in spec:
            commands += _buildkite_steps(
                doc, path, spec.get("steps"), [*trail, i, "steps"], depth + 1
            )
            continue
        label = str(spec.get("label") or spec.get("key") or "")
        for key in ("command", "commands"):
            value = spec.get(key)
            for j, text in enumerate(strings(value)):
                at = line(doc, [*trail, i, key, j] if isinstance(value, list) else [*trail, i, key])
                commands.append(Command(text, path, at, "buildkite", label, DEFAULT_EVENTS))
    return commands


DRONE_EVENTS = {
    "push": Trigger.PUSH,
    "pull_request": Trigger.PULL_REQUEST,
    "tag": Trigger.TAG,
    "cron": Trigger.SCHEDULE,
    "promote": Trigger.MANUAL,
    "rollback": Trigger.MANUAL,
    "custom": Trigger.DISPATCH,
}


def _drone_events(when: Any) -> frozenset[Trigger] | None:
    event = mapping(when).get("event")
    names = strings(mapping(event).get("include") if isinstance(event, dict) else event)
    if not names:
        return None
    return frozenset(DRONE_EVENTS.get(n, Trigger.DISPATCH) for n in names)


def drone(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        if data.get("kind", "pipeline") != "pipeline":
            continue  # secrets and signatures share the file
        name = str(data.get("name", ""))
        events = _drone_events(data.get("trigger")) or DEFAULT_EVENTS
        if Trigger.SCHEDULE in events:
            at = line(doc, ["trigger"])
            schedules.append(Schedule("drone", path, at, "cron event", name))
        for i, step in enumerate(items(data.get("steps"))):
            spec = mapping(step)
            step_events = _drone_events(spec.get("when")) or events
            value = spec.get("commands")
            for j, text in enumerate(strings(value)):
                at = line(doc, ["steps", i, "commands", j])
                job = f"{name}/{spec.get('name', i)}" if name else str(spec.get("name", i))
                commands.append(Command(text, path, at, "drone", job, step_events))
    return commands, schedules


# --- Woodpecker CI ---------------------------------------------------------------------
# One workflow per file: .woodpecker.yml, or each file of .woodpecker/. Steps are a list (or,
# in older files, a mapping of name -> step, also under ``pipeline:``) with ``commands``;
# ``when:`` (a mapping or a list of them) filters by ``event``, at the workflow and per step.
WOODPECKER_FILES = (
    "/.woodpecker.yml",
    "/.woodpecker.yaml",
    "/.woodpecker/*.yml",
    "/.woodpecker/*.yaml",
)
SEED_WOODPECKER_FILES = ("*/.woodpecker/*.yml", "*/.woodpecker/*.yaml", "*/.woodpecker.yml")
WOODPECKER_EVENTS = {
    "push": Trigger.PUSH,
    "pull_request": Trigger.PULL_REQUEST,
    "pull_request_closed": Trigger.PULL_REQUEST,
    "tag": Trigger.TAG,
    "release": Trigger.TAG,
    "cron": Trigger.SCHEDULE,
    "manual": Trigger.MANUAL,
    "deployment": Trigger.DISPATCH,
}


def _woodpecker_events(when: Any) -> frozenset[Trigger] | None:
    """The events a ``when:`` (a mapping or a list of mappings) lets through; ``None`` when
    it names no event (the step follows its workflow)."""
    names: list[str] = []
    for item in when if isinstance(when, list) else [when]:
        names += strings(mapping(item).get("event"))
    if not names:
        return None
    return frozenset(WOODPECKER_EVENTS.get(n, Trigger.DISPATCH) for n in names)


def woodpecker(repo: Facts, path: str) -> Found:
    commands: list[Command] = []
    schedules: list[Schedule] = []
    for doc in yaml_docs(repo, path):
        data = mapping(doc.data)
        events = _woodpecker_events(data.get("when")) or DEFAULT_EVENTS
        if Trigger.SCHEDULE in events:
            schedules.append(Schedule("woodpecker", path, line(doc, ["when"]), "cron event", path))
        key = "steps" if "steps" in data else "pipeline"
        steps = data.get(key)
        listed: list[tuple[str | int, Any]] = (
            list(enumerate(steps)) if isinstance(steps, list) else list(mapping(steps).items())
        )
        for ref, step in listed:
            spec = mapping(step)
            name = str(spec.get("name", ref))
            step_events = _woodpecker_events(spec.get("when")) or events
            value = spec.get("commands")
            for j, text in enumerate(strings(value)):
                trail: Trail = [key, ref, "commands", j] if isinstance(value, list) else [key, ref]
                at = line(doc, trail)
                commands.append(Command(text, path, at, "woodpecker", name, step_events))
    return commands, schedules
