"""Frozen facts about what runs automatically: commands, schedules, pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Trigger(StrEnum):
    """What starts a command: an event on the repository, a clock, or a person."""

    PUSH = "push"
    PULL_REQUEST = "pull_request"
    SCHEDULE = "schedule"
    MANUAL = "manual"
    DISPATCH = "dispatch"  # an external event or another workflow (repository_dispatch, API)
    TAG = "tag"  # tags and releases


CI_SYSTEMS = frozenset(
    {
        "github-actions",
        "gitlab-ci",
        "circleci",
        "azure-pipelines",
        "jenkins",
        "bitbucket",
        "travis",
        "appveyor",
        "buildkite",
        "drone",
        "woodpecker",
        "cloud-build",
        "tekton",
        "codebuild",
    }
)
PIPELINE_SYSTEMS = frozenset(
    {
        "dvc",
        "mlproject",
        "argo",
        "kubeflow",
        "airflow",
        "metaflow",
        "zenml",
        "prefect",
        "kedro",
        "dagster",
        "flyte",
        "vertex",
        "sagemaker",
        "azureml",
        "tfx",
        "databricks",
        "pipeline",
    }
)
EVENT_TRIGGERS = frozenset(
    {Trigger.PUSH, Trigger.PULL_REQUEST, Trigger.SCHEDULE, Trigger.DISPATCH, Trigger.TAG}
)


def triggers(*items: Trigger) -> frozenset[Trigger]:
    return frozenset(items)


@dataclass(frozen=True)
class Command:
    """A shell command (or a ``uses:`` action) that a CI job or pipeline stage runs.

    ``path``/``line`` locate the text; ``system`` names the CI system or pipeline tool that
    declares it (``github-actions``, ``dvc``, ``make``, ``script`` ...); ``job`` is the CI job,
    stage or make target; ``triggers`` are every way the command gets started.
    """

    text: str
    path: str
    line: int
    system: str
    job: str = ""
    triggers: frozenset[Trigger] = field(default_factory=frozenset)
    action: bool = False  # a reusable action / task reference rather than a shell command
    env: tuple[str, ...] = ()  # NAME=value pairs the CI sets for it (workflow, job, step env)
    # its failure does not fail the build (``continue-on-error: true``, ``allow_failure: true``)
    may_fail: bool = False
    # the directory its shell starts in, relative to where the CI file's commands run
    # (GitHub ``working-directory``, ``defaults.run.working-directory``)
    workdir: str = ""
    # the workflow whose step runs it, when that is another file (a local composite action)
    caller: str = ""
    # a reusable workflow's call: the inputs it is given (``with:``), by name
    inputs: tuple[tuple[str, str], ...] = ()

    @property
    def trigger_names(self) -> tuple[str, ...]:
        return tuple(sorted(t.value for t in self.triggers))


@dataclass(frozen=True)
class Schedule:
    """A clock trigger: a cron expression, an interval, or ``@daily``-style preset."""

    system: str
    path: str
    line: int
    spec: str
    target: str = ""  # job, workflow or pipeline the schedule starts


@dataclass(frozen=True)
class Stage:
    """One step of a declared pipeline (a dvc.yaml stage, an Airflow task, a Metaflow step)."""

    name: str
    system: str
    path: str
    line: int
    command: str = ""
    deps: tuple[str, ...] = ()
    outs: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    module: str = ""  # file that implements a Python-defined step, or a module it calls


@dataclass(frozen=True)
class Reach:
    """How a file or command gets run: by which systems, on which triggers, first via what."""

    target: str
    triggers: frozenset[Trigger]
    systems: frozenset[str]
    via: Command

    @property
    def ci(self) -> bool:
        return bool(self.systems & CI_SYSTEMS)

    @property
    def in_pipeline(self) -> bool:
        """Run as a step of a declared pipeline (DVC, an orchestrator, a cloud pipeline)."""
        return bool(self.systems & PIPELINE_SYSTEMS)

    @property
    def scheduled(self) -> bool:
        return Trigger.SCHEDULE in self.triggers

    @property
    def event_driven(self) -> bool:
        """Started by an event or clock, not only by a person running the pipeline."""
        return bool(self.triggers & EVENT_TRIGGERS)

    def describe(self) -> str:
        how = ", ".join(sorted(t.value for t in self.triggers)) or "manual"
        return f"{self.via.path}:{self.via.line} ({self.via.system}; {how})"


@dataclass(frozen=True)
class AutomationFacts:
    """Everything automated in the repository, expanded through pipelines and scripts."""

    commands: tuple[Command, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    stages: tuple[Stage, ...] = ()
    reached: tuple[Reach, ...] = ()  # files run by a command, directly or through imports

    @cached_property
    def _index(self) -> dict[str, Reach]:
        return {item.target: item for item in self.reached}

    def reach_of(self, path: str) -> Reach | None:
        return self._index.get(path)

    @property
    def ci_commands(self) -> tuple[Command, ...]:
        return tuple(c for c in self.commands if c.system in CI_SYSTEMS)
