"""Shell commands that CI runs (GitHub Actions, GitLab, Jenkins, CircleCI, Azure Pipelines,
Bitbucket, Travis, AppVeyor, Buildkite, Drone, Woodpecker, Cloud Build, Tekton), each as an
:class:`Evidence` (file, line, command text).

:func:`ci_commands` is the single entry point the checks use; it reads the automation facts
(:func:`mlguard.facts.automation.command_lines`), so every check sees the same CI parsing.
:func:`invoked` splits a command line into the programs it starts (``uv run pytest -q &&
env CI=1 make lint`` -> ``pytest -q``, ``make lint``) so that ``pip install pytest`` is not mistaken
for running the tests.
"""

from __future__ import annotations

import re

from mlguard.facts.automation import automation, command_lines
from mlguard.facts.commands import bare_words
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import CI_SYSTEMS
from mlguard.model import Evidence, Location

GHA_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml")
GITLAB_FILES = ("/.gitlab-ci.yml", "/.gitlab-ci.yaml", ".gitlab/ci/*.yml")
JENKINS_FILES = ("Jenkinsfile", "Jenkinsfile.*", "**/Jenkinsfile")
CIRCLE_FILES = (".circleci/config.yml", ".circleci/config.yaml")
AZURE_FILES = ("/azure-pipelines*.yml", "/azure-pipelines*.yaml", ".azure-pipelines/*.yml")
CI_FILES = (*GHA_FILES, *GITLAB_FILES, *JENKINS_FILES, *CIRCLE_FILES, *AZURE_FILES)
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
_PREFIXES = frozenset({"env", "time", "nohup", "xvfb-run", "sudo", "exec"})


def ci_commands(repo: Facts) -> list[Evidence]:
    """Every command line CI runs, sorted by file and line (computed once per scan)."""
    return list(_ci_commands(repo))


@fact
def _ci_commands(repo: Facts) -> tuple[Evidence, ...]:
    return tuple(sorted(command_lines(repo), key=lambda e: (e.location, e.text)))


def invoked(command: str) -> list[str]:
    """The programs a command line starts, runners and env assignments stripped."""
    out = []
    for part in _SPLIT.split(command):
        words = bare_words(part, _PREFIXES)
        if len(words) >= 2 and (words[0], words[1]) in _RUNNERS:
            words = words[2:]
        if len(words) >= 3 and words[0] in ("python", "python3", "py") and words[1] == "-m":
            words = words[2:]
        if words:
            out.append(" ".join(words))
    return out


def ci_runs(repo: Facts, pattern: str) -> list[Evidence]:
    """CI commands that start a program matching ``pattern`` (a regex anchored at the start)."""
    regex = re.compile(pattern)
    return [e for e in ci_commands(repo) if any(regex.match(c) for c in invoked(e.text))]


def ci_actions(repo: Facts, pattern: str) -> list[Evidence]:
    """Reusable actions and tasks CI uses (``uses: azure/webapps-deploy@v3``, Azure
    Pipelines ``task: AzureWebApp@1``) whose reference matches ``pattern`` (case-insensitive,
    anchored at the start)."""
    regex = re.compile(pattern, re.IGNORECASE)
    found = {
        Evidence(Location(c.path, c.line), c.text.strip())
        for c in automation(repo).commands
        if c.action and c.system in CI_SYSTEMS and regex.match(c.text.strip())
    }
    return sorted(found, key=lambda e: (e.location, e.text))
