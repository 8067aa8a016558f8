"""Schedules and triggers declared outside CI files.

- Terraform: ``google_cloud_scheduler_job`` (``schedule``), ``aws_cloudwatch_event_rule`` and
  ``aws_scheduler_schedule`` (``schedule_expression``), ``azurerm_*`` schedule/recurrence
  triggers, ``databricks_job`` (``quartz_cron_expression``).
- CloudFormation / SAM: ``ScheduleExpression:`` of an events rule, a function's
  ``Type: Schedule`` event (its ``Handler`` file is what runs).
- Serverless Framework: a function's ``- schedule:`` event (its ``handler`` file runs).
- Databricks asset bundles: ``resources.jobs.<job>.schedule`` / ``trigger`` (the job's
  ``spark_python_task.python_file`` runs).
- Scheduler CLIs in scripts: ``gcloud scheduler jobs create``, ``aws events put-rule
  --schedule-expression``, ``az ml schedule create``; ``gcloud functions deploy
  --trigger-topic/--trigger-bucket`` (a message or new data starts the function's
  ``main.py``).
- In-process schedulers of a long-running service: the ``schedule`` library
  (``schedule.every().day.at("02:00").do(retrain)``) and APScheduler
  (``scheduler.add_job(retrain, "cron", hour=2)``); what runs is named by the job function.

Each schedule becomes a :class:`Schedule` and a scheduled command whose text is the
declaration (resource name, target, URI), so a schedule whose target says it trains
counts as continuous training even when the code it starts lives elsewhere. Files are read
as text or safe YAML; nothing is run.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from mlguard.facts.cd_pipelines import delivery
from mlguard.facts.files import Facts
from mlguard.facts.job_functions import named_runs
from mlguard.facts.model import Command, Schedule, Trigger
from mlguard.facts.notebook_shell import notebook_shell
from mlguard.facts.product import product_paths
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs

SCHEDULED = frozenset({Trigger.SCHEDULE})
MAX_BLOCK_LINES = 200
MAX_FILES = 2000
TF_SCHEDULED = re.compile(
    r'^\s*resource\s+"(google_cloud_scheduler_job|aws_cloudwatch_event_rule|'
    r'aws_scheduler_schedule|databricks_job|azurerm_\w*(schedule|recurrence)\w*)"\s+"([^"]+)"'
)
TF_SPEC = re.compile(
    r'^\s*(schedule|schedule_expression|quartz_cron_expression|frequency)\s*=\s*"?([^"\n]+?)"?\s*$'
)
# A function (resource or module) started by an event: its ``source_dir`` holds main.py.
TF_BLOCK = re.compile(r'^\s*(resource\s+"[\w-]+"|module)\s+"([^"]+)"\s*\{')
TF_SOURCE_DIR = re.compile(r'^\s*source_dir\s*=\s*"([^"$]+)"')
TF_EVENT = re.compile(r"^\s*(dynamic\s+\"event_trigger\"|event_trigger)\s*[={]")
CFN_SPEC = re.compile(r"^(\s*)(ScheduleExpression|Schedule):\s*['\"]?((rate|cron)\(.+?\))")
CLI = re.compile(
    r"\bgcloud\s+scheduler\s+jobs\s+create\b.*--schedule|"
    r"\baws\s+events\s+put-rule\b.*--schedule-expression|\baz\s+ml\s+schedule\s+create\b"
)
FUNCTION_DEPLOY = re.compile(
    r"\bgcloud\s+(beta\s+)?functions\s+deploy\b.*--trigger-(topic|bucket|event|resource)\b"
)
SOURCE = re.compile(r"--source[= ](\S+)")
CLI_SPEC = re.compile(r"--schedule(?:-expression)?[= ]+(['\"]?)(.+?)\1(?:\s+--|\s*$)")
CFN_FILES = ("*.yaml", "*.yml", "*.template", "*template*.json", "*.cfn.json")
CLI_FILES = ("*.sh", "*.bash", "Makefile", "*.mk", "cloudbuild*.y*ml")
BUNDLE_FILES = ("databricks.yml", "databricks.yaml", "resources/**/*.yml", "resources/**/*.yaml")


@dataclass
class ScheduleFacts:
    """Schedules, the commands they start and the files those commands run."""

    schedules: list[Schedule] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    files: list[tuple[str, Command]] = field(default_factory=list)  # (file, via)


def schedule_facts(repo: Facts) -> ScheduleFacts:
    facts = ScheduleFacts()
    _terraform(repo, facts)
    _cloudformation(repo, facts)
    _serverless(repo, facts)
    _bundles(repo, facts)
    _cli(repo, facts)
    _eventbridge(repo, facts)
    _in_process(repo, facts)
    return facts


IN_PROCESS_MODULES = ("schedule", "apscheduler")
APSCHEDULER_TRIGGERS = frozenset({"cron", "interval"})


def _in_process(repo: Facts, facts: ScheduleFacts) -> None:
    """Jobs a service schedules itself (``schedule.every(...).do(job)``,
    ``scheduler.add_job(job, "cron", ...)``): the declaration is the scheduled command, so a
    job named for training (``run_ml_training``) is training on a clock."""
    for path in product_paths(repo):
        py = repo.python(path) if path.endswith(".py") else None
        if py is None or not any(i.module.split(".")[0] in IN_PROCESS_MODULES for i in py.imports):
            continue
        lines = repo.lines(path)
        for call in py.calls:
            every = call.attr == "do" and call.name.startswith("schedule.every")
            trigger = next((a for a in call.args[1:2] if isinstance(a, str)), "")
            trigger = trigger or str(call.kwarg("trigger") or "")
            aps = call.attr == "add_job" and trigger in APSCHEDULER_TRIGGERS
            if (every or aps) and 0 < call.line <= len(lines):
                spec = lines[call.line - 1].strip()[:200]
                job = call.args[0] if call.args else call.kwarg("func")
                runs = _job_scripts(repo, py, getattr(job, "text", job))
                _add(facts, "in-process", path, call.line, spec, "\n".join([spec, *runs]))


def _job_scripts(repo: Facts, py: Any, job: object) -> list[str]:
    """What a scheduled job function of the same module runs (``run_spark_job(
    "ml_training.py")``), so the schedule reaches it. The job's container has its own layout:
    a script name is the repository's one file of that name."""
    if not isinstance(job, str) or not job.isidentifier():
        return []
    runs = []
    for run in named_runs(py, job):
        script = run.removeprefix("python ")
        name = script.rsplit("/", 1)[-1]
        same = [p for p in repo.python_files if p.rsplit("/", 1)[-1] == name]
        if script.endswith(".py") and script not in repo.files and len(same) == 1:
            run = f"python {same[0]}"
        runs.append(run)
    return runs


def _eventbridge(repo: Facts, facts: ScheduleFacts) -> None:
    """EventBridge rules declared in CDK code: a ``schedule=`` is a clock, an
    ``event_pattern=`` an event (an alarm, a pipeline state change, a new object)."""
    declared = delivery(repo)
    for item in declared.clocks:
        where = item.location
        spec = next((ln.strip() for ln in item.text.splitlines() if "Schedule." in ln), "")
        _add(facts, "eventbridge", where.path, where.line, spec, item.text)
    for item in declared.events:
        where = item.location
        target = item.text.splitlines()[0][:200]
        events = frozenset({Trigger.DISPATCH})
        command = Command(item.text, where.path, where.line, "eventbridge", target, events, True)
        facts.commands.append(command)


def _add(facts: ScheduleFacts, system: str, path: str, at: int, spec: str, text: str) -> Command:
    target = text.splitlines()[0][:200] if text else path
    facts.schedules.append(Schedule(system, path, at, spec, target))
    command = Command(text, path, at, system, target, SCHEDULED, action=True)
    facts.commands.append(command)
    return command


def _terraform(repo: Facts, facts: ScheduleFacts) -> None:
    for path in repo.glob("*.tf")[:MAX_FILES]:
        lines = repo.lines(path)
        for number, text in enumerate(lines, 1):
            match = TF_SCHEDULED.match(text)
            if match is None:
                continue
            block = _block(lines, number - 1)
            spec = next((m.group(2) for b in block if (m := TF_SPEC.match(b))), "")
            if spec:
                body = "\n".join(b.strip() for b in block)
                _add(facts, "terraform", path, number, spec, body)
        _terraform_functions(path, lines, facts)


def _terraform_functions(path: str, lines: list[str], facts: ScheduleFacts) -> None:
    """Cloud Functions declared in Terraform with an ``event_trigger`` (a Pub/Sub message or
    a new object starts them): the ``main.py`` of their ``source_dir`` runs."""
    for number, text in enumerate(lines, 1):
        if TF_BLOCK.match(text) is None:
            continue
        block = _block(lines, number - 1)
        source = next((m.group(1) for b in block if (m := TF_SOURCE_DIR.match(b))), "")
        if not source or not any(TF_EVENT.match(b) for b in block):
            continue
        entry = posixpath.normpath(posixpath.join(posixpath.dirname(path), source, "main.py"))
        body = "\n".join(b.strip() for b in block)
        via = Command(body, path, number, "terraform", "", frozenset({Trigger.DISPATCH}), True)
        facts.commands.append(via)
        facts.files.append((entry, via))


def _block(lines: list[str], start: int) -> list[str]:
    """The lines of the brace-delimited block that opens on ``lines[start]``."""
    depth = 0
    found = []
    for text in lines[start : start + MAX_BLOCK_LINES]:
        found.append(text)
        depth += text.count("{") - text.count("}")
        if depth <= 0 and found and "{" in "".join(found):
            break
    return found


def _cloudformation(repo: Facts, facts: ScheduleFacts) -> None:
    """Line-based: CloudFormation's ``!Ref``-style tags are not plain YAML."""
    for path in repo.glob(*CFN_FILES)[:MAX_FILES]:
        text = repo.text(path) or ""
        if "AWS::" not in text or ("ScheduleExpression" not in text and "Schedule:" not in text):
            continue
        lines = text.splitlines()
        for number, raw in enumerate(lines, 1):
            match = CFN_SPEC.match(raw)
            if match is None:
                continue
            resource, handler = _resource(lines, number - 1)
            body = f"{resource} {handler}".strip()
            via = _add(facts, "cloudformation", path, number, match.group(3), body or raw.strip())
            if handler:
                facts.files.append((handler, via))


RESOURCE = re.compile(r"^  ([A-Za-z0-9]+):\s*$")


def _resource(lines: list[str], at: int) -> tuple[str, str]:
    """The logical name of the resource holding line ``at`` and its handler file, if any."""
    start = next((i for i in range(at, -1, -1) if RESOURCE.match(lines[i])), -1)
    if start < 0:
        return "", ""
    name = RESOURCE.match(lines[start]).group(1)  # type: ignore[union-attr]
    end = next((i for i in range(start + 1, len(lines)) if RESOURCE.match(lines[i])), len(lines))
    body = lines[start:end]
    handler = _field(body, "Handler")
    code = _field(body, "CodeUri")
    return name, _handler_file(handler, code) if handler else ""


def _field(body: list[str], key: str) -> str:
    for raw in body:
        match = re.match(rf"^\s*{key}:\s*['\"]?([^'\"\s]+)", raw)
        if match:
            return match.group(1)
    return ""


def _handler_file(handler: str, base: str = "") -> str:
    """``src/app.lambda_handler`` -> ``src/app.py`` (inside ``base`` when given)."""
    module = handler.rsplit(".", 1)[0] if "." in handler else handler
    rel = module.replace(".", "/") if "/" not in module else module
    joined = posixpath.join(base.strip("./") if base not in ("", ".", "./") else "", rel + ".py")
    return posixpath.normpath(joined)


def _serverless(repo: Facts, facts: ScheduleFacts) -> None:
    for path in repo.glob("serverless.yml", "serverless.yaml"):
        base = posixpath.dirname(path)
        for doc in yaml_docs(repo, path):
            for name, spec in mapping(mapping(doc.data).get("functions")).items():
                spec = mapping(spec)
                for event in items(spec.get("events")):
                    when = mapping(event).get("schedule")
                    rate = when if isinstance(when, str) else mapping(when).get("rate")
                    for value in strings(rate):
                        handler = str(spec.get("handler", ""))
                        at = line(doc, ["functions", name])
                        via = _add(facts, "serverless", path, at, value, f"{name} {handler}")
                        if handler:
                            facts.files.append((_handler_file(handler, base), via))


def _bundles(repo: Facts, facts: ScheduleFacts) -> None:
    for path in repo.glob(*BUNDLE_FILES)[:MAX_FILES]:
        for doc in yaml_docs(repo, path):
            jobs = mapping(mapping(mapping(doc.data).get("resources")).get("jobs"))
            for name, spec in jobs.items():
                _bundle_job(repo, facts, path, doc, name, mapping(spec))


def _bundle_job(
    repo: Facts, facts: ScheduleFacts, path: str, doc: Any, name: str, spec: dict[str, Any]
) -> None:
    schedule = mapping(spec.get("schedule"))
    trigger = mapping(spec.get("trigger"))
    when = schedule.get("quartz_cron_expression") or (next(iter(trigger), "") if trigger else "")
    if not when or str(schedule.get("pause_status", "")).upper() == "PAUSED":
        return
    key = "schedule" if schedule else "trigger"
    tasks = [mapping(t) for t in items(spec.get("tasks"))]
    files = [str(mapping(t.get("spark_python_task")).get("python_file", "")) for t in tasks]
    words = " ".join([name, *(str(t.get("task_key", "")) for t in tasks), *files])
    via = _add(
        facts, "databricks", path, line(doc, ["resources", "jobs", name, key]), str(when), words
    )
    base = posixpath.dirname(path)
    for file in files:
        if file:
            resolved = posixpath.normpath(
                posixpath.join(base, file.removeprefix("${workspace.file_path}/"))
            )
            facts.files.append((resolved, via))


def _cli(repo: Facts, facts: ScheduleFacts) -> None:
    lines = [
        (path, number, raw.strip())
        for path in repo.glob(*CLI_FILES)[:MAX_FILES]
        for number, raw in enumerate(repo.lines(path), 1)
    ]
    lines += [(e.location.path, e.location.line, e.text) for e in notebook_shell(repo)]
    for path, number, text in lines:
        if text.startswith("#"):
            continue
        if FUNCTION_DEPLOY.search(text):
            _event_function(facts, path, number, text)
        if not CLI.search(text):
            continue
        match = CLI_SPEC.search(text)
        spec = match.group(2) if match else text
        _add(facts, "scheduler-cli", path, number, spec, text)


def _event_function(facts: ScheduleFacts, path: str, number: int, text: str) -> None:
    """``gcloud functions deploy NAME --trigger-topic=T --source=DIR``: a message or a new
    object starts DIR/main.py."""
    source = SOURCE.search(text)
    folder = source.group(1).strip("'\"") if source else "."
    base = posixpath.dirname(path)
    entry = posixpath.normpath(posixpath.join(base, folder, "main.py"))
    via = Command(text, path, number, "cloud-functions", "", frozenset({Trigger.DISPATCH}), True)
    facts.commands.append(via)
    facts.files.append((entry, via))
