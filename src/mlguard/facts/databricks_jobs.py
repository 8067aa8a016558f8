"""Databricks jobs declared in files, and the commands that create or run them.

A Databricks job is a declared pipeline: its tasks run the repository's code on a cluster.
mlguard reads job definitions from

- Jobs API JSON (``{"name": ..., "tasks": [...]}``), also as Jinja templates
  (``*.json.j2``): the template's expressions are blanked before parsing;
- dbx deployment files (``conf/deployment.yml`` and the like: ``environments.<env>.workflows``),
  also as ``*.yml.j2`` templates;
- Databricks Asset Bundles (``databricks.yml``, ``resources/*.yml`` and the files its
  ``include:`` globs name: ``resources.jobs.<name>``).

Any mapping with a ``tasks`` list of Databricks tasks is a job; a task's code is its
``spark_python_task.python_file``, ``notebook_task.notebook_path`` or ``python_wheel_task``
entry point (looked up in the project's console scripts). Paths are resolved to repository
files as written, relative to the job file, by their longest suffix (a copy on DBFS or in
the workspace keeps the repository's layout), or by a unique file name.

The commands that start them: ``databricks jobs create|reset|submit --json-file F``,
``databricks runs submit --json-file F``, ``databricks bundle deploy|run`` (every bundle job),
``dbx deploy|launch|execute [--deployment-file F]`` (``conf/deployment.*`` by default).
Nothing is run; templates are not rendered.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from mlguard.facts.console_scripts import console_script
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Stage
from mlguard.facts.sources import items, line, mapping
from mlguard.safeio.jinja_template import blank_tags
from mlguard.safeio.yamlio import YamlDoc, YamlProblem, load_docs

JOB_FILES = (
    "*.json",
    "*.json.j2",
    "*.json.jinja",
    "*.yml",
    "*.yaml",
    "*.yml.j2",
    "*.yaml.j2",
    "*.yml.jinja",
    "*.yaml.jinja",
)
TASK_KEYS = ("spark_python_task", "notebook_task", "python_wheel_task")
MARKER = re.compile(r"\b(spark_python_task|notebook_task|python_wheel_task)\b")
NOT_JOBS = ("package.json", "package-lock.json", "tsconfig.json")
MAX_FILES = 3000
MAX_DEPTH = 8
MAX_INCLUDES = 50
PREFIXES = ("file:fuse://", "file://", "dbfs:/", "/dbfs/", "${workspace.file_path}/", "./")
BUNDLE_NAMES = ("databricks.yml", "databricks.yaml")
DBX_DEFAULT = ("conf/deployment.yml", "conf/deployment.yaml", "conf/deployment.json")
CLI = re.compile(
    r"\bdatabricks\s+(jobs\s+(create|reset|submit)|runs\s+submit|bundle\s+(deploy|run))\b"
    r"|\bdbx\s+(deploy|launch|execute)\b"
)
JSON_FILE = re.compile(r"--json-file[\s=]+['\"]?([^\s'\";|&]+)|--json[\s=]+['\"]?@([^\s'\";|&]+)")
DEPLOYMENT_FILE = re.compile(r"--deployment-file[\s=]+['\"]?([^\s'\";|&]+)")
TEMPLATE_SUFFIXES = ("", ".j2", ".jinja")


@dataclass(frozen=True)
class DatabricksJob:
    name: str
    path: str  # the file that declares it
    line: int
    tasks: tuple[Stage, ...]  # system "databricks"; module: the task's repository file
    bundle: bool = False


@fact
def databricks_jobs(repo: Facts) -> tuple[DatabricksJob, ...]:
    """Every Databricks job declared in the repository (sorted by file and line)."""
    found: list[DatabricksJob] = []
    included = _bundle_includes(repo)
    for path in repo.glob(*JOB_FILES)[:MAX_FILES]:
        if path.rsplit("/", 1)[-1] in NOT_JOBS or path.startswith(".github/"):
            continue
        text = repo.text(path) or ""
        if not MARKER.search(text):
            continue
        try:
            docs = load_docs(blank_tags(text))
        except YamlProblem:
            continue
        bundle = _bundle_file(path) or path in included
        for doc in docs:
            _walk(repo, path, doc, doc.data, [], "", found, bundle)
    return tuple(sorted(found, key=lambda j: (j.path, j.line, j.name)))


def job_stages(repo: Facts) -> list[Stage]:
    """The tasks of every declared job, as pipeline stages."""
    return [t for job in databricks_jobs(repo) for t in job.tasks]


def _bundle_includes(repo: Facts) -> frozenset[str]:
    """The files a bundle's ``include:`` globs name, relative to its ``databricks.yml``
    (``assets/*.yml``, ``resources/**/*.yml``)."""
    found: set[str] = set()
    for bundle in repo.glob(*BUNDLE_NAMES):
        folder = posixpath.dirname(bundle)
        for doc in repo.config(bundle):
            for pattern in items(mapping(doc).get("include"))[:MAX_INCLUDES]:
                if not isinstance(pattern, str) or len(pattern) > 300:
                    continue
                wanted = posixpath.normpath(posixpath.join(folder, pattern))
                found.update(p for p in repo.files if fnmatch.fnmatchcase(p, wanted))
    return frozenset(found)


def _bundle_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in BUNDLE_NAMES or path.startswith("resources/")


def _walk(
    repo: Facts,
    path: str,
    doc: YamlDoc,
    node: Any,
    trail: list[str | int],
    parent: str,
    found: list[DatabricksJob],
    bundle: bool,
) -> None:
    if len(trail) > MAX_DEPTH:
        return
    if isinstance(node, dict):
        data = mapping(node)
        listed = [
            (mapping(t), [*trail, "tasks", i]) for i, t in enumerate(items(data.get("tasks")))
        ]
        pairs = [(t, at) for t, at in listed if any(k in t for k in TASK_KEYS)]
        if not pairs and any(k in data for k in TASK_KEYS):
            pairs = [(data, trail)]  # a single-task job (Jobs API 2.0, older dbx files)
        if pairs:
            name = str(data.get("name") or parent or path)
            stages = tuple(_stage(repo, path, doc, t, at, name) for t, at in pairs)
            found.append(DatabricksJob(name, path, line(doc, trail), stages, bundle))
            return
        for key, value in data.items():
            _walk(repo, path, doc, value, [*trail, key], key, found, bundle)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(repo, path, doc, value, [*trail, i], parent, found, bundle)


def _stage(
    repo: Facts, path: str, doc: YamlDoc, task: dict[str, Any], at: list[str | int], job: str
) -> Stage:
    key = str(task.get("task_key") or job)
    module = _task_file(repo, path, task)
    return Stage(key, "databricks", path, line(doc, at), module=module)


def _task_file(repo: Facts, path: str, task: dict[str, Any]) -> str:
    python = mapping(task.get("spark_python_task")).get("python_file")
    notebook = mapping(task.get("notebook_task")).get("notebook_path")
    wheel = mapping(task.get("python_wheel_task")).get("entry_point")
    if isinstance(python, str):
        return resolve(repo, python, posixpath.dirname(path))
    if isinstance(notebook, str):
        for suffix in ("", ".py", ".ipynb"):
            found = resolve(repo, notebook + suffix, posixpath.dirname(path))
            if found:
                return found
    if isinstance(wheel, str):
        return console_script(repo, wheel)
    return ""


def resolve(repo: Facts, written: str, base: str) -> str:
    """The repository file a job path names ("" when none does)."""
    rel = written.strip()
    for prefix in PREFIXES:
        rel = rel.removeprefix(prefix)
    rel = rel.lstrip("/")
    candidates = [posixpath.normpath(posixpath.join(base, rel)) if base else "", rel]
    for candidate in candidates:
        if candidate and candidate in repo.files:
            return candidate
    parts = rel.split("/")
    for start in range(1, len(parts) - 1):
        candidate = "/".join(parts[start:])
        if candidate in repo.files:
            return candidate
    name = parts[-1]
    if not name.endswith((".py", ".ipynb")):
        return ""
    same = [p for p in repo.files if p.rsplit("/", 1)[-1] == name]
    return same[0] if len(same) == 1 else ""


def started_job_files(repo: Facts, text: str, resolve_path: Any) -> list[str]:
    """Job files a command text creates, deploys or runs (``resolve_path(path)`` maps a path
    written in the command to a repository file, "" when none)."""
    if not CLI.search(text):
        return []
    jobs = {j.path for j in databricks_jobs(repo)}
    found: list[str] = []
    for match in JSON_FILE.finditer(text):
        found += _named(match.group(1) or match.group(2), jobs, resolve_path)
    for match in DEPLOYMENT_FILE.finditer(text):
        found += _named(match.group(1), jobs, resolve_path)
    if re.search(r"\bdatabricks\s+bundle\s+(deploy|run)\b", text):
        found += sorted(j.path for j in databricks_jobs(repo) if j.bundle)
    if re.search(r"\bdbx\s+(deploy|launch|execute)\b", text) and not DEPLOYMENT_FILE.search(text):
        found += [p for p in DBX_DEFAULT if p in jobs]
    return list(dict.fromkeys(found))


def _named(written: str, jobs: set[str], resolve_path: Any) -> list[str]:
    for suffix in TEMPLATE_SUFFIXES:
        found = resolve_path(written + suffix)
        if found in jobs:
            return [found]
    return []
