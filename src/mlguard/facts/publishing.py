"""Trained models published as release artefacts to a model hub (the Hugging Face Hub).

Publishing the model is putting it to use even without a serving endpoint: users download
the released artefact. mlguard recognises

- Python (scripts and notebooks, product code only): ``model.push_to_hub(...)`` /
  ``trainer.push_to_hub()`` (not a method delegating to ``self``), and, in a file that
  imports ``huggingface_hub``, ``upload_file`` / ``upload_folder`` / ``upload_large_folder``
  / ``create_commit`` (``HfApi().upload_folder(...)``, ``huggingface_hub.upload_file(...)``);
- commands: ``huggingface-cli upload`` / ``hf upload``, and a shell block that clones (or adds as a
  remote) a ``huggingface.co`` repository and runs ``git push`` — in CI, in what CI runs, and in
  local task files (Makefile, shell scripts).

An ``upload_file`` of another SDK (``boto3``'s ``s3.upload_file``) is not publishing to a hub.
Nothing is run.
"""

from __future__ import annotations

import re

from mlguard.analyzers.python_ast import Call, PyFacts
from mlguard.facts.automation import automation
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.model import Command
from mlguard.facts.product import product_paths
from mlguard.model import Evidence, Location

HUB_MODULE = "huggingface_hub"
PUSH = "push_to_hub"
HUB_UPLOADS = frozenset({"upload_file", "upload_folder", "upload_large_folder", "create_commit"})
SELF_RECEIVERS = ("self.", "cls.", "super().")
HUB_CLI = r"(^|[\s;&|(])(huggingface-cli|hf)\s+upload\s"
HUB_REPO = re.compile(r"git\s+(clone|remote\s+(add|set-url))\s[^\n]*huggingface\.co/")
TASK_FILES = ("Makefile", "makefile", "justfile", "Taskfile.y*ml", "*.sh")
GIT_PUSH = re.compile(r"(^|[\s;&|(])git\s+push\b")


@fact
def hub_uploads_in_code(repo: Facts) -> tuple[Evidence, ...]:
    """Product code's calls that publish to the Hugging Face Hub (sorted)."""
    found: list[Evidence] = []
    for rel in product_paths(repo):
        facts = repo.python(rel)
        if facts is not None:
            found += _uploads(rel, facts)
    return tuple(sorted(set(found), key=lambda e: (e.location, e.text)))


def _uploads(rel: str, facts: PyFacts) -> list[Evidence]:
    hub = any(
        i.module == HUB_MODULE or i.module.startswith(HUB_MODULE + ".") for i in facts.imports
    )
    found = [
        Evidence(Location(rel, c.line), c.name[:120]) for c in facts.calls if _publishes(c, hub)
    ]
    return found[:5]


def _publishes(call: Call, hub: bool) -> bool:
    if call.name.startswith(SELF_RECEIVERS):
        return False
    return call.attr == PUSH or (hub and call.attr in HUB_UPLOADS)


@fact
def hub_upload_commands(repo: Facts) -> tuple[Command, ...]:
    """Automated commands (CI steps and what they run) that publish to the Hub."""
    cli = re.compile(HUB_CLI, re.MULTILINE)
    return tuple(
        c
        for c in automation(repo).commands
        if not c.action and (cli.search(c.text) or _git_push_to_hub(c.text))
    )


def command_evidence(command: Command) -> Evidence:
    """Where a publishing command uploads: its ``upload`` or ``git push`` line."""
    lines = command.text.strip("\n").split("\n")
    first = command.line + (1 if len(lines) > 1 else 0)
    cli = re.compile(HUB_CLI)
    for number, line in enumerate(lines, first):
        if cli.search(line) or GIT_PUSH.search(line):
            return Evidence(Location(command.path, number), line.strip()[:120])
    return Evidence(Location(command.path, command.line), lines[0].strip()[:120])


def _git_push_to_hub(text: str) -> bool:
    return bool(HUB_REPO.search(text) and GIT_PUSH.search(text))


def hub_upload_scripts(repo: Facts) -> list[Evidence]:
    """Lines of local task files (Makefile, shell scripts) that upload to the Hub."""
    cli = re.compile(HUB_CLI)
    found = []
    for path in repo.glob(*TASK_FILES):
        for number, line in enumerate(repo.lines(path), 1):
            if cli.search(line) and not line.lstrip().startswith("#"):
                found.append(Evidence(Location(path, number), line.strip()[:120]))
                break
    return found


def publishes_model(repo: Facts) -> bool:
    """The repository publishes its model to a model hub (by code, CI or a task file)."""
    return bool(hub_uploads_in_code(repo) or hub_upload_commands(repo) or hub_upload_scripts(repo))
