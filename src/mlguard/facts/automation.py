"""What runs automatically: CI steps and pipeline stages, expanded to the files they run.

Roots are CI commands (with the events that trigger their workflow), declared pipeline
stages (``dvc.yaml``, ``MLproject``, Argo, compiled kfp) and Python pipeline files (Airflow,
Metaflow, ZenML, Prefect, kfp, Kedro, Dagster). From each root mlguard follows what the
command runs: ``dvc repro`` runs every dvc.yaml stage, ``make train`` the target's recipe,
``bash x.sh`` the script's lines, ``python -m pkg.mod`` / ``python x.py`` that file, and a
Python file runs the project modules it imports. Triggers and systems flow along the way,
so a module imported by a script that a scheduled workflow runs is itself scheduled.

Computed once per scan and cached in ``repo.cache``. Nothing is executed or imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlguard.facts import commands as cmdtext
from mlguard.facts.ci import ci_facts
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
from mlguard.facts.pyflows import PyFlow, kedro_project, pyflows
from mlguard.model import Evidence, Location
from mlguard.repo import RepoContext

CACHE_KEY = "facts:automation"
MAX_NODES = 20_000
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
MANUAL = frozenset({Trigger.MANUAL})

NodeKey = tuple[str, str, int, str]
State = tuple[frozenset[Trigger], frozenset[str], Command]


def automation(repo: RepoContext) -> AutomationFacts:
    """The automation facts of ``repo`` (computed on first use)."""
    cached = repo.cache.get(CACHE_KEY)
    if isinstance(cached, AutomationFacts):
        return cached
    facts = _build(repo)
    repo.cache[CACHE_KEY] = facts
    return facts


def is_automated(repo: RepoContext, evidence: str | Evidence | Location) -> Reach | None:
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


def automated_commands(repo: RepoContext, pattern: str | re.Pattern[str]) -> list[Command]:
    """Automated commands (CI steps, stages and what they expand to) whose text matches."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    return [c for c in automation(repo).commands if regex.search(c.text)]


def _build(repo: RepoContext) -> AutomationFacts:
    ci_commands, schedules = ci_facts(repo)
    dvc = dvc_stages(repo)
    mlproject = mlproject_stages(repo)
    workflow_stages, workflow_schedules = workflow_yaml(repo)
    deployments, deployment_schedules = prefect_deployments(repo)
    flows = pyflows(repo)
    stages = [*dvc, *mlproject, *workflow_stages, *deployments]
    stages += [s for f in flows for s in f.stages]
    schedules += workflow_schedules + deployment_schedules
    schedules += [s for f in flows for s in f.schedules]
    graph = _Graph(repo, dvc, mlproject, flows)
    for command in ci_commands:
        graph.push(_cmd_key(command, ""), command, command.triggers, {command.system}, command)
    scheduled_files = {s.path for s in workflow_schedules}
    for stage in [*dvc, *mlproject, *workflow_stages]:
        when = frozenset({Trigger.SCHEDULE}) if stage.path in scheduled_files else MANUAL
        graph.push_stage(stage, when)
    for flow in flows:
        graph.push_flow(flow)
    scheduled_names = {s.target for s in deployment_schedules}
    for stage in deployments:
        if stage.module in repo.files:
            when = frozenset({Trigger.SCHEDULE}) if stage.name in scheduled_names else MANUAL
            via = Command(f"prefect deployment {stage.name}", stage.path, stage.line, "prefect")
            graph.push(("file", stage.module, 0, ""), None, when, {"prefect"}, via)
    return graph.result(tuple(stages), tuple(schedules))


def _cmd_key(command: Command, base: str) -> NodeKey:
    return ("cmd", command.path, command.line, f"{base}\0{command.text}")


class _Graph:
    """Propagates (triggers, systems, first route) from roots to everything they run."""

    def __init__(
        self,
        repo: RepoContext,
        dvc: list[Stage],
        mlproject: list[Stage],
        flows: list[PyFlow],
    ) -> None:
        self.repo = repo
        self.modules = ModuleIndex.of(repo)
        self.dvc = dvc
        self.mlproject = mlproject
        self.kedro = [f.path for f in flows if f.system == "kedro"] if kedro_project(repo) else []
        self.state: dict[NodeKey, State] = {}
        self.nodes: dict[NodeKey, Command] = {}
        self.queue: list[NodeKey] = []

    # --- roots ---------------------------------------------------------------------------
    def push_stage(self, stage: Stage, when: frozenset[Trigger]) -> None:
        command = self._stage_command(stage)
        self.push(_cmd_key(command, stage.module), command, when, {stage.system}, command)

    def push_flow(self, flow: PyFlow) -> None:
        via = Command(f"{flow.system} pipeline", flow.path, 1, flow.system, "", flow.triggers)
        self.push(("file", flow.path, 0, ""), None, flow.triggers, {flow.system}, via)
        for stage in flow.stages:
            if stage.command:
                command = Command(
                    stage.command, stage.path, stage.line, flow.system, stage.name, flow.triggers
                )
                self.push(_cmd_key(command, ""), command, flow.triggers, {flow.system}, via)
            target = self.modules.resolve(stage.module) if stage.module != flow.path else None
            if target:
                self.push(("file", target, 0, ""), None, flow.triggers, {flow.system}, via)

    def push(
        self,
        key: NodeKey,
        command: Command | None,
        triggers: Iterable[Trigger],
        systems: Iterable[str],
        via: Command,
    ) -> None:
        if len(self.state) >= MAX_NODES:
            return
        old = self.state.get(key)
        new_triggers, new_systems = frozenset(triggers), frozenset(systems)
        if old is not None:
            if new_triggers <= old[0] and new_systems <= old[1]:
                return
            keep = old[2].system in CI_SYSTEMS or via.system not in CI_SYSTEMS
            new_triggers, new_systems = old[0] | new_triggers, old[1] | new_systems
            via = old[2] if keep else via
        self.state[key] = (new_triggers, new_systems, via)
        if command is not None:
            self.nodes[key] = command
        self.queue.append(key)

    def drain(self) -> None:
        """Expand queued nodes until nothing new is learnt (sets only grow: it terminates)."""
        while self.queue:
            key = self.queue.pop()
            triggers, systems, via = self.state[key]
            self._expand(key, self.nodes.get(key), triggers, systems, via)

    # --- expansion ------------------------------------------------------------------------
    def _expand(
        self,
        key: NodeKey,
        command: Command | None,
        triggers: frozenset[Trigger],
        systems: frozenset[str],
        via: Command,
    ) -> None:
        if key[0] == "file":
            self._expand_file(key[1], triggers, systems, via)
            return
        assert command is not None
        base = key[3].split("\0", 1)[0]
        targets = cmdtext.analyse(command.text, base)
        for path in targets.files:
            resolved = path if path in self.repo.files else self._strip_base(path, base)
            if resolved:
                self.push(("file", resolved, 0, ""), None, triggers, systems, via)
        for name in targets.modules:
            found = self.modules.resolve(name)
            if found:
                self.push(("file", found, 0, ""), None, triggers, systems, via)
        for directory, target in targets.make:
            self._expand_make(directory, target, triggers, systems, via, set())
        for stage in self._dvc(targets.dvc) + self._mlflow(targets.mlflow):
            child = self._stage_command(stage)
            self.push(_cmd_key(child, stage.module), child, triggers, systems | {"dvc"}, via)
        if targets.kedro:
            for path in self.kedro:
                self.push(("file", path, 0, ""), None, triggers, systems | {"kedro"}, via)

    def _strip_base(self, path: str, base: str) -> str:
        if base and path.startswith(base + "/"):
            candidate = path[len(base) + 1 :]
            return candidate if candidate in self.repo.files else ""
        return ""

    def _expand_file(
        self, path: str, triggers: frozenset[Trigger], systems: frozenset[str], via: Command
    ) -> None:
        if path.endswith((".sh", ".bash")):
            for number, text in enumerate(self.repo.lines(path), 1):
                body = text.strip()
                if body and not body.startswith("#"):
                    child = Command(body, path, number, "script", path)
                    self.push(_cmd_key(child, ""), child, triggers, systems, via)
            return
        for imported in self.modules.local_imports(path):
            self.push(("file", imported, 0, ""), None, triggers, systems, via)

    def _expand_make(
        self,
        directory: str,
        target: str,
        triggers: frozenset[Trigger],
        systems: frozenset[str],
        via: Command,
        seen: set[str],
    ) -> None:
        makefile = next(
            (
                p
                for name in MAKEFILES
                if (p := f"{directory}/{name}" if directory else name) in self.repo.files
            ),
            None,
        )
        if makefile is None:
            return
        rules = cmdtext.parse_makefile(self.repo.text(makefile) or "")
        wanted = target or next((r.target for r in rules if "%" not in r.target), "")
        for rule in rules:
            if rule.target != wanted or f"{makefile}:{wanted}" in seen:
                continue
            seen.add(f"{makefile}:{wanted}")
            for prereq in rule.prereqs:
                self._expand_make(directory, prereq, triggers, systems, via, seen)
            for number, text in rule.recipe:
                child = Command(text, makefile, number, "make", rule.target)
                self.push(_cmd_key(child, directory), child, triggers, systems | {"make"}, via)

    def _dvc(self, names: tuple[str, ...]) -> list[Stage]:
        if not names:
            return []
        return [s for s in self.dvc if "*" in names or s.name in names]

    def _mlflow(self, names: tuple[str, ...]) -> list[Stage]:
        return [s for s in self.mlproject if s.name in names]

    @staticmethod
    def _stage_command(stage: Stage) -> Command:
        return Command(stage.command, stage.path, stage.line, stage.system, stage.name)

    # --- result ---------------------------------------------------------------------------
    def result(self, stages: tuple[Stage, ...], schedules: tuple[Schedule, ...]) -> AutomationFacts:
        self.drain()
        commands = []
        reached = []
        for key, (triggers, systems, via) in self.state.items():
            if key[0] == "file":
                reached.append(Reach(key[1], triggers, systems, via))
            else:
                base = self.nodes[key]
                commands.append(
                    Command(
                        base.text,
                        base.path,
                        base.line,
                        base.system,
                        base.job,
                        triggers,
                        base.action,
                    )
                )
        commands.sort(key=lambda c: (c.path, c.line, c.text))
        reached.sort(key=lambda r: r.target)
        return AutomationFacts(
            tuple(commands),
            tuple(sorted(schedules, key=lambda s: (s.path, s.line))),
            tuple(sorted(stages, key=lambda s: (s.path, s.line, s.name))),
            tuple(reached),
        )


def stage_files(repo: RepoContext, stage: Stage) -> list[str]:
    """Files a stage runs directly (its command's scripts and modules)."""
    targets = cmdtext.analyse(stage.command, stage.module if stage.system == "dvc" else "")
    index = ModuleIndex.of(repo)
    found = [p for p in targets.files if p in repo.files]
    found += [p for m in targets.modules if (p := index.resolve(m))]
    if not stage.command and stage.module:
        resolved = stage.module if stage.module in repo.files else index.resolve(stage.module)
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
