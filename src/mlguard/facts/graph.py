"""The propagation graph behind the automation facts: roots -> what they run, transitively.

Each node (a command, or a file) carries the triggers and systems that reach it and the
first route (preferring CI). Sets only grow, so the work list terminates; ``MAX_NODES``
bounds it on huge repositories.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import replace

from mlguard.facts import commands as cmdtext
from mlguard.facts import tasks
from mlguard.facts.azureml_jobs import spec_stages
from mlguard.facts.console_scripts import console_script
from mlguard.facts.databricks_jobs import databricks_jobs, started_job_files
from mlguard.facts.files import Facts
from mlguard.facts.gha_composite import fill_inputs
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
from mlguard.facts.pipelines import job_spec_commands, join
from mlguard.facts.pyflows import PyFlow, kedro_project, kedro_session, python_commands

MAX_NODES = 20_000
MAKEFILES = ("Makefile", "makefile", "GNUmakefile")

NodeKey = tuple[str, str, int, str]
State = tuple[frozenset[Trigger], frozenset[str], Command]


def cmd_key(command: Command, base: str) -> NodeKey:
    return ("cmd", command.path, command.line, f"{base}\0{command.text}")


class Graph:
    """Propagates (triggers, systems, first route) from roots to everything they run."""

    def __init__(
        self,
        repo: Facts,
        dvc: list[Stage],
        mlproject: list[Stage],
        flows: list[PyFlow],
        ci: list[Command],
    ) -> None:
        self.repo = repo
        self.ci_by_path: dict[str, list[Command]] = {}
        for command in ci:
            self.ci_by_path.setdefault(command.path, []).append(command)
            if command.caller and command.caller != command.path:
                # a composite action's steps also run when the workflow that uses it is called
                self.ci_by_path.setdefault(command.caller, []).append(command)
        self.modules = ModuleIndex.of(repo)
        self.dvc = dvc
        self.mlproject = mlproject
        self.kedro = [f.path for f in flows if f.system == "kedro"] if kedro_project(repo) else []
        self.flows = {f.path: f for f in flows if f.system != "kedro"}
        self.state: dict[NodeKey, State] = {}
        self.nodes: dict[NodeKey, Command] = {}
        self.queue: list[NodeKey] = []

    # --- roots ---------------------------------------------------------------------------
    def push_stage(self, stage: Stage, when: frozenset[Trigger]) -> None:
        command = self._stage_command(stage)
        self.push(cmd_key(command, stage.module), command, when, {stage.system}, command)

    def push_flow(self, flow: PyFlow) -> None:
        at = flow.schedules[0].line if flow.schedules else 1  # the schedule, when there is one
        via = Command(f"{flow.system} pipeline", flow.path, at, flow.system, "", flow.triggers)
        self.push(("file", flow.path, 0, ""), None, flow.triggers, {flow.system}, via)
        self._push_stages(flow, flow.triggers, frozenset({flow.system}), via)

    def _push_stages(
        self, flow: PyFlow, triggers: frozenset[Trigger], systems: frozenset[str], via: Command
    ) -> None:
        """A pipeline's steps run whenever the pipeline file runs (a CI step that builds and
        submits the pipeline starts its steps on the CI's triggers)."""
        for stage in flow.stages:
            if stage.command:
                command = Command(
                    stage.command, stage.path, stage.line, flow.system, stage.name, flow.triggers
                )
                base = "" if stage.module.endswith(".py") else stage.module
                self.push(cmd_key(command, base), command, triggers, systems, via)
                continue
            target = (
                self.modules.resolve(stage.module, stage.path)
                if stage.module != flow.path
                else None
            )
            if target:
                self.push(("file", target, 0, ""), None, triggers, systems, via)

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
        if command is None:  # not an assert: asserts vanish under python -O
            raise ValueError(f"no command for {key!r}")
        base = key[3].split("\0", 1)[0]
        if command.workdir:
            base = join(base, command.workdir)
        targets = cmdtext.analyse(command.text, base)
        if command.action and command.text.startswith("./"):
            called = join(base, command.text[2:])
            self._expand_called_workflow(called, base, triggers, systems, via, command.inputs)
        for path in targets.files:
            resolved = self._resolve_path(path, base)
            if resolved:
                self.push(("file", resolved, 0, ""), None, triggers, systems, via)
        for spec in targets.specs:
            self._expand_spec(self._resolve_path(spec, base), triggers, systems, via)
        self._expand_databricks(command.text, base, triggers, systems, via)
        for name in targets.modules:
            found = self.modules.resolve(name)
            if found:
                self.push(("file", found, 0, ""), None, triggers, systems, via)
        for path in self._installed_programs(command.text, base):
            self.push(("file", path, 0, ""), None, triggers, systems, via)
        for directory, target in targets.make:
            self._expand_make(directory, target, triggers, systems, via, set())
        for child in tasks.expand(self.repo, command.text, base, scripts=False, make=False):
            self.push(cmd_key(child, base), child, triggers, systems | {child.system}, via)
        for stage in self._dvc(targets.dvc) + self._mlflow(targets.mlflow):
            child = self._stage_command(stage)
            self.push(cmd_key(child, stage.module), child, triggers, systems | {"dvc"}, via)
        if targets.kedro:
            for path in self.kedro:
                self.push(("file", path, 0, ""), None, triggers, systems | {"kedro"}, via)

    def _installed_programs(self, text: str, base: str) -> list[str]:
        """Files run by the project's console scripts in ``text`` (``run-pipeline ...``),
        and the modules such a program is told to import (``--module-name pkg.pipeline``)."""
        found: list[str] = []
        for words in cmdtext.programs(text):
            script = console_script(self.repo, posixpath.basename(words[0]))
            if not script:
                continue
            found.append(script)
            near = f"{base}/" if base else ""
            for name in cmdtext.module_options(words[1:]):
                module = self.modules.resolve(name, near)
                found += [module] if module else []
        return found

    def _expand_called_workflow(
        self,
        path: str,
        base: str,
        triggers: frozenset[Trigger],
        systems: frozenset[str],
        via: Command,
        given: tuple[tuple[str, str], ...] = (),
    ) -> None:
        inputs = dict(given)
        for command in self.ci_by_path.get(path.split("@", 1)[0], ()):
            if inputs and "inputs." in command.text:
                # the called workflow's ${{ inputs.NAME }} take the caller's `with:` values
                filled = replace(command, text=fill_inputs(command.text, inputs))
                self.push(cmd_key(filled, base), filled, triggers, systems, via)
            else:
                self.push(cmd_key(command, base), command, triggers, systems, via)

    def _expand_spec(
        self, path: str, triggers: frozenset[Trigger], systems: frozenset[str], via: Command
    ) -> None:
        if not path or path in self.ci_by_path:
            return
        steps = spec_stages(self.repo, path)  # an Azure ML job: each step in its code folder
        for stage in steps:
            child = self._stage_command(stage)
            self.push(cmd_key(child, stage.module), child, triggers, systems | {"azureml"}, via)
        if steps:
            return
        for number, key, text in job_spec_commands(self.repo, path):
            child = Command(text, path, number, "job-spec", key)
            self.push(cmd_key(child, ""), child, triggers, systems, via)

    def _expand_databricks(
        self,
        text: str,
        base: str,
        triggers: frozenset[Trigger],
        systems: frozenset[str],
        via: Command,
    ) -> None:
        """A command that creates, deploys or runs a Databricks job starts its tasks' code."""
        started = set(started_job_files(self.repo, text, lambda p: self._resolve_path(p, base)))
        if not started:
            return
        for job in databricks_jobs(self.repo):
            if job.path in started:
                for task in job.tasks:
                    if task.module:
                        key = ("file", task.module, 0, "")
                        self.push(key, None, triggers, systems | {"databricks"}, via)

    def _resolve_path(self, path: str, base: str) -> str:
        """A repository file for a command's path: as written, without the base directory,
        or (for container paths such as /app/src/train.py) its longest suffix of at least two
        components that is a repository file."""
        if path in self.repo.files:
            return path
        found = self._strip_base(path, base)
        parts = path.split("/")
        for start in range(1, len(parts) - 1):
            if found:
                break
            candidate = "/".join(parts[start:])
            found = candidate if candidate in self.repo.files else ""
        return found

    def _strip_base(self, path: str, base: str) -> str:
        if base and path.startswith(base + "/"):
            candidate = path[len(base) + 1 :]
            return candidate if candidate in self.repo.files else ""
        return ""

    def _shell_shebang(self, path: str) -> bool:
        """An extensionless script such as ``.ci/run`` whose first line is a shell shebang."""
        if "." in path.rsplit("/", 1)[-1].lstrip("."):
            return False
        lines = self.repo.lines(path)
        first = lines[0] if lines else ""
        return first.startswith("#!") and first.rstrip().endswith(("/sh", "/bash", " sh", " bash"))

    def _expand_file(
        self, path: str, triggers: frozenset[Trigger], systems: frozenset[str], via: Command
    ) -> None:
        if path.endswith((".sh", ".bash")) or self._shell_shebang(path):
            base = ""  # a `cd dir` line moves the lines after it
            for number, text in enumerate(self.repo.lines(path), 1):
                body = text.strip()
                if not body or body.startswith("#"):
                    continue
                moved = cmdtext.moved_to(body, base)
                if moved is not None:
                    base = moved
                    continue
                child = Command(body, path, number, "script", path)
                self.push(cmd_key(child, base), child, triggers, systems, via)
            return
        defined = self.flows.get(path)
        if defined is not None:
            self._push_stages(defined, triggers, systems | {defined.system}, via)
        for imported in self.modules.local_imports(path):
            self.push(("file", imported, 0, ""), None, triggers, systems, via)
        for child in python_commands(self.repo, path):
            self.push(cmd_key(child, ""), child, triggers, systems, via)
        if self.kedro and kedro_session(self.repo, path):
            for flow in self.kedro:
                self.push(("file", flow, 0, ""), None, triggers, systems | {"kedro"}, via)

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
                self.push(cmd_key(child, directory), child, triggers, systems | {"make"}, via)

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
                commands.append(replace(base, triggers=triggers))
        commands.sort(key=lambda c: (c.path, c.line, c.text))
        reached.sort(key=lambda r: r.target)
        return AutomationFacts(
            tuple(commands),
            tuple(sorted(schedules, key=lambda s: (s.path, s.line))),
            tuple(sorted(stages, key=lambda s: (s.path, s.line, s.name))),
            tuple(reached),
        )
