"""Shell commands that CI runs: GitHub Actions ``run:`` steps, GitLab ``script:`` lines,
Jenkinsfile ``sh`` steps, CircleCI ``run:`` and Azure Pipelines ``script:``/``bash:`` steps,
each as an :class:`Evidence` (file, line, command text).

Deliberately small: :func:`ci_commands` is the single entry point the checks use, so a richer
automation-facts module can replace it without touching them. :func:`invoked` splits a
command line into the programs it starts (``uv run pytest -q && make lint`` -> ``pytest -q``,
``make lint``) so that ``pip install pytest`` is not mistaken for running the tests.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

from mlguard.checks.base import ev
from mlguard.model import Evidence
from mlguard.repo import RepoContext

GHA_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
GITLAB_FILES = ("/.gitlab-ci.yml", "/.gitlab-ci.yaml", ".gitlab/ci/*.yml")
JENKINS_FILES = ("Jenkinsfile", "Jenkinsfile.*", "**/Jenkinsfile")
CIRCLE_FILES = (".circleci/config.yml", ".circleci/config.yaml")
AZURE_FILES = ("/azure-pipelines*.yml", "/azure-pipelines*.yaml", ".azure-pipelines/*.yml")
CI_FILES = (*GHA_FILES, *GITLAB_FILES, *JENKINS_FILES, *CIRCLE_FILES, *AZURE_FILES)
STEP_KEYS = {"circle": ("run",), "azure": ("script", "bash", "pwsh", "powershell")}
GITLAB_SCRIPT_KEYS = ("before_script", "script", "after_script")
_JENKINS_SH = re.compile(
    r"""\b(?:sh|bat|pwsh|powershell)\b\s*\(?\s*(?:script\s*:\s*)?('''|\"\"\"|'|")"""
)
_SPLIT = re.compile(r"&&|\|\||;|\|")
_RUNNERS = (
    ("uv", "run"),
    ("poetry", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("rye", "run"),
    ("pixi", "run"),
)
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def ci_commands(repo: RepoContext) -> list[Evidence]:
    """Every command line CI runs, sorted by file and line (computed once per scan)."""
    cached = repo.cache.get("ci_commands")
    if isinstance(cached, list):
        return cached
    found: list[Evidence] = []
    for path in repo.glob(*GHA_FILES):
        found += _located(repo, path, _gha_scripts(repo.config(path)))
    for path in repo.glob(*GITLAB_FILES):
        found += _located(repo, path, _gitlab_scripts(repo.config(path)))
    for path in repo.glob(*JENKINS_FILES):
        found += _jenkins(repo, path)
    for kind, files in (("circle", CIRCLE_FILES), ("azure", AZURE_FILES)):
        for path in repo.glob(*files):
            scripts = _step_scripts(repo.config(path), STEP_KEYS[kind])
            found += _located(repo, path, scripts)
    found.sort(key=lambda e: (e.location, e.text))
    repo.cache["ci_commands"] = found
    return found


def _gha_scripts(docs: list[Any]) -> Iterator[str]:
    for doc in docs:
        jobs = doc.get("jobs") if isinstance(doc, dict) else None
        for job in (jobs or {}).values() if isinstance(jobs, dict) else ():
            steps = job.get("steps") if isinstance(job, dict) else None
            for step in steps if isinstance(steps, list) else ():
                if isinstance(step, dict) and isinstance(step.get("run"), str):
                    yield step["run"]


def _gitlab_scripts(docs: list[Any]) -> Iterator[str]:
    for doc in docs:
        for job in doc.values() if isinstance(doc, dict) else ():
            for key in GITLAB_SCRIPT_KEYS:
                value = job.get(key) if isinstance(job, dict) else None
                yield from _flatten(value)


def _step_scripts(node: Any, keys: tuple[str, ...], depth: int = 0) -> Iterator[str]:
    """Commands of every ``steps:`` list, at any depth (jobs, stages, workflows)."""
    if depth > 12:
        return
    if isinstance(node, list):
        for item in node:
            yield from _step_scripts(item, keys, depth + 1)
    elif isinstance(node, dict):
        for name, value in node.items():
            if name == "steps" and isinstance(value, list):
                for step in value:
                    yield from _step_command(step, keys)
            yield from _step_scripts(value, keys, depth + 1)


def _step_command(step: Any, keys: tuple[str, ...]) -> Iterator[str]:
    for key in keys:
        value = step.get(key) if isinstance(step, dict) else None
        if isinstance(value, dict):
            value = value.get("command")
        if isinstance(value, str):
            yield value


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)


def _located(repo: RepoContext, path: str, scripts: Iterator[str]) -> list[Evidence]:
    lines = repo.lines(path)
    found = []
    for script in scripts:
        for command in _logical_lines(script):
            found.append(ev(path, _line_of(lines, command), command))
    return found


def _logical_lines(script: str) -> list[str]:
    """Script text -> commands, joining ``\\``-continued lines, dropping comments."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _line_of(lines: list[str], command: str) -> int:
    head = command[:40]
    for number, line in enumerate(lines, 1):
        if head in line:
            return number
    return 1


def _jenkins(repo: RepoContext, path: str) -> list[Evidence]:
    text = repo.text(path) or ""
    found = []
    for match in _JENKINS_SH.finditer(text):
        quote = match.group(1)
        end = text.find(quote, match.end())
        if end < 0:
            continue
        line = text.count("\n", 0, match.start()) + 1
        for offset, command in enumerate(text[match.end() : end].splitlines()):
            if command.strip() and not command.strip().startswith("#"):
                found.append(ev(path, line + offset, command.strip()))
    return found


def invoked(command: str) -> list[str]:
    """The programs a command line starts, runners and env assignments stripped."""
    out = []
    for part in _SPLIT.split(command):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        while words and _ENV_ASSIGN.match(words[0]):
            words = words[1:]
        if len(words) >= 2 and (words[0], words[1]) in _RUNNERS:
            words = words[2:]
        if len(words) >= 3 and words[0] in ("python", "python3", "py") and words[1] == "-m":
            words = words[2:]
        if words:
            out.append(" ".join(words))
    return out


def ci_runs(repo: RepoContext, pattern: str) -> list[Evidence]:
    """CI commands that start a program matching ``pattern`` (a regex anchored at the start)."""
    regex = re.compile(pattern)
    return [e for e in ci_commands(repo) if any(regex.match(c) for c in invoked(e.text))]
