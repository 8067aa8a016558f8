"""Pipelines defined in Python: Airflow, Metaflow, ZenML, Prefect, Kubeflow (kfp), Kedro, Dagster,
Flyte, and the cloud ML platforms of :mod:`mlguard.facts.platforms` (Azure ML, TFX, Vertex AI,
SageMaker Pipelines).

Read from the AST facts only (decorators, class bases, calls with literal arguments); the
files are never imported. Each pipeline file is a root of automation: it runs on its
schedule when one is declared, otherwise when someone starts the pipeline.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mlguard.analyzers.python_ast import Call, Expr, PyFacts
from mlguard.facts import callsites
from mlguard.facts.azureml_jobs import spec_stages
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.images import image_command
from mlguard.facts.job_functions import named_runs
from mlguard.facts.model import Command, Schedule, Stage, Trigger
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.pipelines import component_stages
from mlguard.facts.platforms import (
    SCHEDULE_NAMES,
    platform_of,
    platform_stage,
    schedule_spec,
    schedule_system,
)
from mlguard.repo.testpaths import is_test_path

SYSTEM_DECORATORS = {
    "airflow": ("airflow.decorators.dag", "airflow.sdk.dag", "airflow.decorators.task"),
    "metaflow": ("metaflow.step",),
    "zenml": ("zenml.pipeline", "zenml.step", "zenml.pipelines.pipeline", "zenml.steps.step"),
    "prefect": ("prefect.flow", "prefect.task"),
    "kubeflow": (
        "kfp.dsl.pipeline",
        "kfp.dsl.component",
        "kfp.dsl.container_component",
        "kfp.v2.dsl.pipeline",
        "kfp.v2.dsl.component",
    ),
    "dagster": ("dagster.asset", "dagster.op", "dagster.job", "dagster.graph"),
    "flyte": (
        "flytekit.workflow",
        "flytekit.task",
        "flytekit.dynamic",
        "flytekit.reference_task",
        "flytekit.core.workflow.workflow",
        "flytekit.core.task.task",
    ),
    "kedro": (),
    "sagemaker": ("sagemaker.workflow.pipeline.Pipeline",),
    "azureml": ("azure.ai.ml.dsl.pipeline",),
    "vertex": ("google.cloud.aiplatform.PipelineJob",),
}
STEP_DECORATORS = frozenset(
    {
        "metaflow.step",
        "zenml.step",
        "zenml.steps.step",
        "prefect.task",
        "airflow.decorators.task",
        "kfp.dsl.component",
        "kfp.dsl.container_component",
        "kfp.v2.dsl.component",
        "dagster.asset",
        "dagster.op",
        "flytekit.task",
        "flytekit.dynamic",
        "flytekit.reference_task",  # a task registered by another project, named here
        "flytekit.core.task.task",
    }
)
DAG_CALLS = frozenset(
    {"airflow.DAG", "airflow.models.DAG", "airflow.models.dag.DAG", "airflow.sdk.DAG"}
)
DAG_DECORATORS = frozenset({"airflow.decorators.dag", "airflow.sdk.dag"})
SCHEDULE_CALLS = (
    "zenml.config.schedule.Schedule",
    "zenml.Schedule",
    "dagster.ScheduleDefinition",
    "dagster.schedule",
    "dagster.build_schedule_from_partitioned_job",
    "metaflow.schedule",
    "flytekit.CronSchedule",
    "flytekit.FixedRate",
)
SCHEDULE_ATTRS = frozenset({"create_recurring_run", "create_schedule"})
SERVE_ATTRS = frozenset({"serve", "deploy", "to_deployment", "build_from_flow"})
SCHEDULE_KWARGS = ("cron", "interval", "rrule", "schedule", "schedules", "cron_expression")
EVENT_DECORATORS = frozenset({"metaflow.trigger", "metaflow.trigger_on_finish", "dagster.sensor"})
ONCE = ("@once", "once")  # a DAG that runs a single time is not a schedule
OPERATOR_COMMANDS = {"BashOperator": "bash_command", "DockerOperator": "command"}
FLOW_NAMES = frozenset(
    {n for names in SYSTEM_DECORATORS.values() for n in names}
    | {"metaflow.FlowSpec", *SCHEDULE_CALLS}
    | DAG_CALLS
    | DAG_DECORATORS
)
FLOW_ATTRS = SCHEDULE_ATTRS | SERVE_ATTRS
# a pipeline's own decorator (the steps' decorators are STEP_DECORATORS)
PIPELINE_DECORATORS = frozenset(
    {n for names in SYSTEM_DECORATORS.values() for n in names} - STEP_DECORATORS
)
STEP_CALL_ATTRS = ("submit", "map", "with_options")  # Prefect/Dask-style ways to run a step


@dataclass(frozen=True)
class PyFlow:
    """One Python file that defines (or schedules) a pipeline."""

    path: str
    system: str
    triggers: frozenset[Trigger]
    stages: tuple[Stage, ...]
    schedules: tuple[Schedule, ...]


def _system(facts: PyFacts) -> str:
    return _system_of(_declared(facts) | {c.name for c in facts.calls})


def _declared(facts: PyFacts) -> set[str]:
    return {n for n, _ in facts.decorators} | {n for n, _ in facts.class_bases}


def _system_of(names: set[str]) -> str:
    for system, decorators in SYSTEM_DECORATORS.items():
        if names & set(decorators):
            return system
    if "metaflow.FlowSpec" in names:
        return "metaflow"
    if names & DAG_CALLS:
        return "airflow"
    if any(n.startswith(("kedro.pipeline.", "kedro.framework.")) for n in names):
        return "kedro"
    return next((s for n in sorted(names) if (s := platform_of(n))), "")


def _scheduler(calls: list[Call]) -> str:
    """The system of a file that only schedules a pipeline defined elsewhere."""
    for call in calls:
        if schedule_system(call.name):
            return schedule_system(call.name)
        if call.attr == "create_recurring_run":
            return "kubeflow"
        if call.attr == "create_schedule":
            return "vertex"
    return "prefect" if any(c.attr in SERVE_ATTRS for c in calls) else "pipeline"


def _literal(value: object) -> str:
    if isinstance(value, Expr):
        return value.text
    return "" if value is None else str(value)


def _schedule_of(call: Call) -> str | None:
    """The schedule a pipeline call declares, ``None`` when it declares none."""
    if call.name in SCHEDULE_NAMES:
        return schedule_spec(call)
    if call.name in SCHEDULE_CALLS or call.attr in SCHEDULE_ATTRS:
        args = [*call.args, *(v for _, v in call.kwargs)]
        return next((_literal(a) for a in args if a is not None), call.name)
    if call.name in DAG_CALLS or call.name in DAG_DECORATORS or call.attr in SERVE_ATTRS:
        for key in (*SCHEDULE_KWARGS, "schedule_interval", "timetable"):
            value = call.kwarg(key)
            if call.has_kwarg(key) and value is not None and value not in ONCE:
                return _literal(value)
    return None


def _step_variant(name: str) -> bool:
    """A step decorator's variant: Airflow's ``@task.virtualenv``, ``@task.docker``,
    ``@task.kubernetes``, ``@task.branch`` ... (``airflow.decorators.task.<kind>``)."""
    head, _, _ = name.rpartition(".")
    return head == "airflow.decorators.task" or head == "airflow.sdk.task"


def _stages(path: str, system: str, facts: PyFacts) -> list[Stage]:
    stages = []
    constants = {a.target: a.value for a in facts.assigns if isinstance(a.value, str)}
    functions = sorted(facts.functions, key=lambda f: f[1])
    for name, at in facts.decorators:
        if name in STEP_DECORATORS or _step_variant(name):
            func = next((f for f, fl in functions if fl >= at), name)
            stages.append(Stage(func, system, path, at, module=path))
    for call in facts.calls:
        short = call.name.rsplit(".", 1)[-1]
        task = _literal(call.kwarg("task_id")) or short
        if short in OPERATOR_COMMANDS and isinstance(
            call.kwarg(OPERATOR_COMMANDS[short]), str | Expr
        ):  # an f-string command keeps its text: the script it names still shows
            command = _literal(call.kwarg(OPERATOR_COMMANDS[short]))
            stages.append(Stage(task, system, path, call.line, command, module=path))
        elif short in CONTAINER_TASKS and isinstance(call.kwarg("image"), str):
            stages.append(Stage(task, system, path, call.line, "", module=path))
        elif short == "KubernetesPodOperator":
            parts = [str(v) for key in ("cmds", "arguments") for v in _seq(call.kwarg(key))]
            stages.append(Stage(task, system, path, call.line, " ".join(parts), module=path))
        elif isinstance(call.kwarg("entry_point"), str):  # SageMaker estimators, processors
            stages.append(_script_stage(call, system, path, "entry_point", "source_dir"))
        elif call.name in ("azure.ai.ml.command", "azure.ai.ml.dsl.command") and isinstance(
            call.kwarg("command"), str
        ):
            stages.append(_script_stage(call, system, path, "command", "code"))
        elif short in ("PythonOperator", "PythonVirtualenvOperator", "node", "Node"):
            target = (
                call.kwarg("python_callable")
                or call.kwarg("func")
                or (call.args[0] if call.args else None)
            )
            module = target.qualname if isinstance(target, Expr) else ""
            name = _literal(call.kwarg("name")) or task
            # a callable of this file that starts project code by name through a helper
            runs = named_runs(facts, target.text) if isinstance(target, Expr) else []
            command = "\n".join(runs)
            stages.append(Stage(name, system, path, call.line, command, module=module or path))
        elif (stage := platform_stage(call, system, path, constants)) is not None:
            stages.append(stage)
    return stages


def _script_stage(call: Call, system: str, path: str, script: str, folder: str) -> Stage:
    """A cloud training job: its script (or command) runs inside its code folder."""
    text = str(call.kwarg(script))
    base = call.kwarg(folder)
    directory = base.strip().removeprefix("./").rstrip("/") if isinstance(base, str) else ""
    command = text if script == "command" else f"python {text}"
    name = _literal(call.kwarg("base_job_name")) or call.name.rsplit(".", 1)[-1]
    return Stage(name, system, path, call.line, command, module=directory or "")


def _seq(value: object) -> tuple[object, ...]:
    return value if isinstance(value, tuple) else ()


def pyflow(path: str, facts: PyFacts) -> PyFlow | None:
    system = _system(facts)
    scheduling = [(c, s) for c in facts.calls if (s := _schedule_of(c)) is not None]
    if not system and not scheduling:
        return None
    system = system or _scheduler([c for c, _ in scheduling])
    schedules = [Schedule(system, path, call.line, spec, path) for call, spec in scheduling]
    decorators = {n for n, _ in facts.decorators}
    found: set[Trigger] = {Trigger.SCHEDULE} if schedules else set()
    if decorators & EVENT_DECORATORS:
        found.add(Trigger.DISPATCH)
    for name, at in facts.decorators:
        if name == "metaflow.schedule" and not any(s.line == at for s in schedules):
            schedules.append(Schedule(system, path, at, "@schedule", path))
            found.add(Trigger.SCHEDULE)
    triggers = frozenset(found or {Trigger.MANUAL})
    return PyFlow(path, system, triggers, tuple(_stages(path, system, facts)), tuple(schedules))


def pyflows(repo: Facts) -> list[PyFlow]:
    """Every Python file that defines or schedules a pipeline (tests excluded)."""
    flows = []
    calling = set(callsites.files(repo, names=_flow_names(repo), attrs=FLOW_ATTRS))
    for path, facts in repo.iter_python():
        if is_test_path(path):
            continue
        if path not in calling and not _system_of(_declared(facts)):
            continue  # no call, decorator or base class of any pipeline system
        flow = pyflow(path, facts)
        if flow is not None:
            flows.append(_with_component_files(repo, facts, _with_images(repo, facts, flow)))
    return _with_imported_steps(repo, flows)


COMPONENT_LOADERS = frozenset({"load_component_from_file", "load_component"})
YAML_NAME = re.compile(r"[\"']([^\"'\n]{1,200}\.ya?ml)[\"']")


def _with_component_files(repo: Facts, facts: PyFacts, flow: PyFlow) -> PyFlow:
    """A pipeline built from component files has each file's steps. Kubeflow:
    ``load_component_from_file(COMP_DIR / "train.yaml")``, a compiled component (its
    executors) or a v1 ``component.yaml`` (``implementation.container``). Azure ML:
    ``load_component(source="components/train.yml")``, a command component; a path computed
    in a loop (``f"{parent_dir}/{name}.yml"``) is read as every component file of the folder
    the module names (``"mlops/taxi/components"``)."""
    if flow.system not in ("kubeflow", "azureml"):
        return flow
    read = component_stages if flow.system == "kubeflow" else spec_stages
    added: list[Stage] = []
    computed: list[Call] = []
    for call in facts.calls:
        if call.attr not in COMPONENT_LOADERS or not (call.args or call.has_kwarg("source")):
            continue
        first = call.args[0] if call.args else call.kwarg("source")
        text = first if isinstance(first, str) else getattr(first, "text", "")
        found = YAML_NAME.search(f"'{text}'" if isinstance(first, str) else str(text))
        target = _component_file(repo, flow.path, found.group(1)) if found else ""
        if not found and isinstance(first, str) and flow.system == "kubeflow":
            target = _stored_component(repo, facts, flow.path, first)
        if not target:
            computed.append(call)
        for stage in read(repo, target) if target else ():
            added.append(replace(stage, path=flow.path, line=call.line))
    if computed and flow.system == "azureml":
        for target in _named_component_folders(repo, facts):
            for stage in spec_stages(repo, target):
                added.append(replace(stage, path=flow.path, line=computed[0].line))
    if not added:
        return flow
    return PyFlow(flow.path, flow.system, flow.triggers, (*flow.stages, *added), flow.schedules)


def _stored_component(repo: Facts, facts: PyFacts, near: str, name: str) -> str:
    """The file of a component a Kubeflow v1 ``ComponentStore`` loads by name:
    ``<search path>/<name>/component.yaml`` for each of its ``local_search_paths``, paths
    as written from the root or next to the pipeline."""
    if not name or len(name) > 200 or "\n" in name:
        return ""
    folders: list[str] = []
    for call in facts.calls:
        if call.attr == "ComponentStore":
            paths = call.kwarg("local_search_paths")
            folders += [p for p in paths if isinstance(p, str)] if isinstance(paths, tuple) else []
    here = posixpath.dirname(near)
    for folder in (*folders, ""):
        wanted = posixpath.normpath(posixpath.join(folder, name, "component.yaml"))
        for candidate in (wanted, posixpath.join(here, wanted)):
            if candidate in repo.files:
                return candidate
    return ""


def _named_component_folders(repo: Facts, facts: PyFacts) -> list[str]:
    """The YAML files directly inside folders the module names in a string literal."""
    folders = _yaml_by_folder(repo)
    files: set[str] = set()
    for text, _ in facts.strings:
        folder = text.strip().removeprefix("./").rstrip("/")
        if folder and len(folder) <= 200 and not any(c.isspace() for c in folder):
            files.update(folders.get(folder, ()))
    return sorted(files)


@fact
def _yaml_by_folder(repo: Facts) -> dict[str, tuple[str, ...]]:
    """The repository's YAML files by folder, indexed once per scan."""
    folders: dict[str, list[str]] = {}
    for path in repo.files:
        if path.endswith((".yml", ".yaml")):
            folders.setdefault(posixpath.dirname(path), []).append(path)
    return {folder: tuple(paths) for folder, paths in folders.items()}


def _component_file(repo: Facts, near: str, name: str) -> str:
    """The repository file a component path names: next to the pipeline, in a folder below
    it, or as written from the root."""
    folder = posixpath.dirname(near)
    name = name.lstrip("./")
    for candidate in (posixpath.join(folder, name), name):
        if candidate in repo.files:
            return candidate
    base = posixpath.basename(name)
    below = [
        p
        for p in repo.files
        if p.startswith(f"{folder}/" if folder else "") and p.endswith(f"/{base}")
    ]
    return min(below, key=lambda p: (p.count("/"), p)) if below else ""


CONTAINER_TASKS = frozenset({"DockerOperator", "KubernetesPodOperator", "DockerSwarmOperator"})


def _with_images(repo: Facts, facts: PyFacts, flow: PyFlow) -> PyFlow:
    """Container tasks of an image built from the repository run that image's program: the
    stage's command becomes the program followed by the task's own arguments."""
    images = {
        call.line: str(call.kwarg("image"))
        for call in facts.calls
        if call.name.rsplit(".", 1)[-1] in CONTAINER_TASKS and isinstance(call.kwarg("image"), str)
    }
    if not images:
        return flow
    stages = []
    for stage in flow.stages:
        program = image_command(repo, images[stage.line]) if stage.line in images else ""
        if program:
            stage = replace(stage, command=f"{program} {stage.command}".strip())
        stages.append(stage)
    return PyFlow(flow.path, flow.system, flow.triggers, tuple(stages), flow.schedules)


def _with_imported_steps(repo: Facts, flows: list[PyFlow]) -> list[PyFlow]:
    """A pipeline function whose steps are defined in other modules (``from tasks.train
    import train`` then ``train()`` inside a ``@flow``/``@pipeline``/``@dag``) has those
    steps: each call of an imported step function is one of its stages."""
    steps = {(s.path, s.name) for flow in flows for s in flow.stages if s.module == s.path}
    if not steps:
        return flows
    index = ModuleIndex.of(repo)
    result = []
    for flow in flows:
        facts = repo.python(flow.path)
        if facts is None or not {n for n, _ in facts.decorators} & PIPELINE_DECORATORS:
            result.append(flow)
            continue
        known = {s.name for s in flow.stages}  # a step called twice is still one step
        added = []
        for call in facts.calls:
            name = call.name
            if name.rsplit(".", 1)[-1] in STEP_CALL_ATTRS:
                name = name.rsplit(".", 1)[0]
            module, _, func = name.rpartition(".")
            target = index.resolve(module, flow.path) if module else None
            if target and target != flow.path and (target, func) in steps and func not in known:
                known.add(func)
                added.append(Stage(func, flow.system, flow.path, call.line, module=target))
        if added:
            flow = PyFlow(
                flow.path, flow.system, flow.triggers, (*flow.stages, *added), flow.schedules
            )
        result.append(flow)
    return result


def _flow_names(repo: Facts) -> list[str]:
    """Call names that make a file a pipeline (_system) or a scheduler (_schedule_of)."""
    return callsites.by_name(repo).keys(
        lambda name: (
            name in FLOW_NAMES
            or name in SCHEDULE_NAMES
            or name.startswith(("kedro.pipeline.", "kedro.framework."))
            or bool(platform_of(name))
        )
    )


def kedro_project(repo: Facts) -> bool:
    return any(
        "kedro" in doc.get("tool", {})
        for doc in repo.config("pyproject.toml")
        if isinstance(doc, dict) and isinstance(doc.get("tool"), dict)
    )


SHELL_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "os.system",
    }
)
KEDRO_SESSION = (
    "kedro.framework.session.KedroSession.create",
    "kedro.framework.session.session.KedroSession.create",
)


def python_commands(repo: Facts, path: str) -> list[Command]:
    """Commands a Python file starts with literal arguments (``subprocess.run(["kedro",
    "run"])``, ``os.system("python train.py")``); non-literal parts are left out."""
    facts = repo.python(path) if path.endswith(".py") else None
    found = []
    for call in facts.calls if facts is not None else ():
        if call.name not in SHELL_CALLS or not call.args:
            continue
        first = call.args[0]
        parts = (
            [first] if isinstance(first, str) else [p for p in _seq(first) if isinstance(p, str)]
        )
        text = " ".join(str(p) for p in parts).strip()
        if text:
            found.append(Command(text, path, call.line, "python", call.name))
    return found


def kedro_session(repo: Facts, path: str) -> bool:
    """The file runs a Kedro pipeline in-process (``KedroSession.create(...).run()``)."""
    facts = repo.python(path) if path.endswith(".py") else None
    return facts is not None and any(c.name in KEDRO_SESSION for c in facts.calls)


TRIGGER_DAG = "TriggerDagRunOperator"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _dag_key(value: object, constants: Mapping[str, object]) -> str:
    """A DAG id reduced to its literal text (``f"{prefix}train_model"`` -> ``train_model``),
    through a module constant when the id is one."""
    if isinstance(value, Expr) and value.text in constants:
        value = constants[value.text]
    text = value.text if isinstance(value, Expr) else value if isinstance(value, str) else ""
    text = PLACEHOLDER.sub("", text)
    return text.strip().lstrip("f").strip("'\"").strip()


def _dag_ids(facts: PyFacts) -> set[str]:
    constants = {a.target: a.value for a in facts.assigns}
    found = set()
    for call in facts.calls:
        if call.attr in ("DAG", "dag"):
            value = call.kwarg("dag_id") if call.has_kwarg("dag_id") else call.args[:1]
            value = value[0] if isinstance(value, tuple) and value else value
            key = _dag_key(value, constants)
            if key:
                found.add(key)
    return found


def triggered_flows(repo: Facts, flows: list[PyFlow]) -> list[tuple[PyFlow, PyFlow]]:
    """(triggering, triggered) Airflow DAGs: a ``TriggerDagRunOperator(trigger_dag_id=X)``
    starts the DAG whose id is X (matched on the id's literal text, or on its file's name),
    so the triggered DAG runs whenever the triggering one does."""
    airflow = [f for f in flows if f.system == "airflow"]
    ids = {f.path: _dag_ids(repo.python(f.path) or PyFacts()) for f in airflow}
    pairs = []
    for flow in airflow:
        facts = repo.python(flow.path)
        constants = {a.target: a.value for a in facts.assigns} if facts else {}
        for call in facts.calls if facts else ():
            if call.attr != TRIGGER_DAG:
                continue
            key = _dag_key(call.kwarg("trigger_dag_id"), constants)
            for target in airflow:
                stem = posixpath.splitext(posixpath.basename(target.path))[0]
                if target is not flow and key and (key in ids[target.path] or key.endswith(stem)):
                    pairs.append((flow, target))
    return pairs
