"""What runs automatically: CI steps and pipeline stages, expanded to the files they run.

Roots are CI commands (with the events that trigger their workflow), declared pipeline
stages (``dvc.yaml``, ``MLproject``, Argo, compiled kfp), Python pipeline files (Airflow,
Metaflow, ZenML, Prefect, kfp, Kedro, Dagster, Azure ML, TFX, Vertex AI, SageMaker) and
schedules declared outside CI (Terraform, CloudFormation/SAM, serverless, Databricks
bundles, scheduler CLIs: :mod:`mlguard.facts.schedules`). From each root mlguard follows what the
command runs: ``dvc repro`` runs every dvc.yaml stage, ``make train`` the target's recipe,
``bash x.sh`` the script's lines, ``python -m pkg.mod`` / ``python x.py`` that file, and a
Python file runs the project modules it imports. Triggers and systems flow along the way,
so a module imported by a script that a scheduled workflow runs is itself scheduled.

Computed once per scan and memoised as a fact. Nothing is executed or imported.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mlguard.facts import commands as cmdtext
from mlguard.facts.azureml_jobs import azureml_specs
from mlguard.facts.ci import ci_facts, command_base
from mlguard.facts.databricks_jobs import job_stages
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.graph import Graph, cmd_key
from mlguard.facts.model import (
    CI_SYSTEMS,
    AutomationFacts,
    Command,
    Reach,
    Schedule,
    Stage,
    Trigger,
)
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.pipelines import (
    base_dir,
    dvc_stages,
    mlproject_stages,
    prefect_deployments,
    workflow_yaml,
)
from mlguard.facts.pyflows import PyFlow, pyflows, triggered_flows
from mlguard.facts.schedules import schedule_facts
from mlguard.model import Evidence, Location

MANUAL = frozenset({Trigger.MANUAL})


@fact
def automation(repo: Facts) -> AutomationFacts:
    """The automation facts of ``repo`` (computed on first use)."""
    return _build(repo)


def is_automated(repo: Facts, evidence: str | Evidence | Location) -> Reach | None:
    """How a file (path, module name or evidence location) is run automatically, if it is.

    A pipeline stage counts as automation even when the pipeline is started by hand: look at
    :attr:`Reach.event_driven`, :attr:`Reach.ci` or :attr:`Reach.scheduled` to tell more.
    """
    if isinstance(evidence, Evidence):
        evidence = evidence.location
    target = evidence.path if isinstance(evidence, Location) else evidence
    facts = automation(repo)
    found = facts.reach_of(target)
    if found is None and target not in repo.files:
        path = ModuleIndex.of(repo).resolve(target)
        found = facts.reach_of(path) if path else None
    return found


def started_by_event(repo: Facts, evidence: str | Evidence | Location) -> bool:
    """Automation an event starts (push, tag, schedule, an upstream pipeline) runs it."""
    reach = is_automated(repo, evidence)
    return reach is not None and reach.event_driven


def automated_commands(repo: Facts, pattern: str | re.Pattern[str]) -> list[Command]:
    """Automated commands (CI steps, stages and what they expand to) whose text matches."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    return [c for c in automation(repo).commands if regex.search(c.text)]


def command_lines(repo: Facts, ci_only: bool = True) -> list[Evidence]:
    """Each logical line of each automated command as Evidence (file, line, text).

    A multi-line ``run: |`` block starts on the line after its key; a line ending in ``\\``
    is joined with the next and keeps the first line's number. ``ci_only`` keeps commands
    written in CI files (not the stage, make or script lines they expand to).
    """
    return [line for _, line in _lines_of_commands(repo, ci_only)]


@fact
def may_fail_lines(repo: Facts) -> frozenset[Location]:
    """Where the CI command lines whose failure does not fail the build are (computed once
    per scan: CICD001 asks for each test run it finds)."""
    return frozenset(line.location for c, line in _lines_of_commands(repo, True) if c.may_fail)


def _lines_of_commands(repo: Facts, ci_only: bool) -> list[tuple[Command, Evidence]]:
    found = []
    for command in automation(repo).commands:
        if command.action or (ci_only and command.system not in CI_SYSTEMS):
            continue
        first = command.line + (1 if "\n" in command.text.strip() else 0)
        pending, start = "", first
        for number, raw in enumerate(command.text.strip("\n").split("\n"), first):
            text = raw.strip()
            if not pending:
                start = number
            if text.endswith("\\"):
                pending += text[:-1] + " "
                continue
            text, pending = (pending + text).strip(), ""
            if text and not text.startswith("#"):
                found.append((command, Evidence(Location(command.path, start), text)))
    return found


def _chained_triggers(repo: Facts, flows: list[PyFlow]) -> list[tuple[PyFlow, frozenset[Trigger]]]:
    """Each DAG another DAG starts, with every way it gets started through the chain (a
    scheduled DAG that starts one that starts a third: the third runs on that clock too)."""
    pairs = triggered_flows(repo, flows)
    started: dict[str, frozenset[Trigger]] = {f.path: f.triggers for f in flows}
    for _ in range(len(pairs)):  # a chain is at most as long as the list of its links
        changed = False
        for source, target in pairs:
            merged = started.get(target.path, frozenset()) | started.get(source.path, frozenset())
            if merged != started.get(target.path):
                started[target.path], changed = merged, True
        if not changed:
            break
    return [(target, started[target.path]) for _, target in pairs]


def _build(repo: Facts) -> AutomationFacts:
    ci_commands, schedules = ci_facts(repo)
    dvc = dvc_stages(repo)
    mlproject = mlproject_stages(repo)
    workflow_stages, workflow_schedules = workflow_yaml(repo)
    deployments, deployment_schedules = prefect_deployments(repo)
    flows = pyflows(repo)
    databricks = job_stages(repo)
    azureml = azureml_specs(repo)
    stages = [*dvc, *mlproject, *workflow_stages, *deployments, *databricks, *azureml.stages]
    stages += [s for f in flows for s in f.stages]
    schedules += workflow_schedules + deployment_schedules + list(azureml.schedules)
    schedules += [s for f in flows for s in f.schedules]
    graph = Graph(repo, dvc, mlproject, flows, ci_commands)
    for command in ci_commands:
        key = cmd_key(command, command_base(command.path))
        graph.push(key, command, command.triggers, {command.system}, command)
    scheduled_files = {s.path for s in workflow_schedules} | azureml.scheduled
    for stage in [*dvc, *mlproject, *workflow_stages, *azureml.stages]:
        when = frozenset({Trigger.SCHEDULE}) if stage.path in scheduled_files else MANUAL
        graph.push_stage(stage, when)
    for flow in flows:
        graph.push_flow(flow)
    for target, started_by in _chained_triggers(repo, flows):  # TriggerDagRunOperator
        graph.push_flow(replace(target, triggers=target.triggers | started_by))
    clocks = schedule_facts(repo)  # Terraform, CloudFormation, serverless, bundles, CLIs
    schedules += clocks.schedules
    for command in clocks.commands:
        graph.push(cmd_key(command, ""), command, command.triggers, {command.system}, command)
    for path, via in clocks.files:
        if path in repo.files:
            graph.push(("file", path, 0, ""), None, via.triggers, {via.system}, via)
    for stage in databricks:  # a declared job runs when someone (or a command) starts it
        if stage.module in repo.files:
            via = Command(f"databricks job task {stage.name}", stage.path, stage.line, "databricks")
            graph.push(("file", stage.module, 0, ""), None, MANUAL, {"databricks"}, via)
    scheduled_names = {s.target for s in deployment_schedules}
    for stage in deployments:
        if stage.module in repo.files:
            when = frozenset({Trigger.SCHEDULE}) if stage.name in scheduled_names else MANUAL
            via = Command(f"prefect deployment {stage.name}", stage.path, stage.line, "prefect")
            graph.push(("file", stage.module, 0, ""), None, when, {"prefect"}, via)
    return graph.result(tuple(stages), tuple(schedules))


def stage_files(repo: Facts, stage: Stage) -> list[str]:
    """Files a stage runs directly (its command's scripts and modules)."""
    in_folder = stage.system in ("dvc", "azureml")  # commands that run in the stage's folder
    targets = cmdtext.analyse(stage.command, stage.module if in_folder else "")
    index = ModuleIndex.of(repo)
    found = [p for p in targets.files if p in repo.files]
    found += [p for m in targets.modules if (p := index.resolve(m))]
    if not stage.command and stage.module:
        resolved = (
            stage.module if stage.module in repo.files else index.resolve(stage.module, stage.path)
        )
        found += [resolved] if resolved else []
    return found


__all__ = [
    "AutomationFacts",
    "Command",
    "Reach",
    "Schedule",
    "Stage",
    "Trigger",
    "automated_commands",
    "automation",
    "base_dir",
    "is_automated",
    "stage_files",
]
