"""Local composite actions of GitHub Actions: a step ``uses: ./.github/actions/train`` runs
the ``run:`` steps of that folder's ``action.yml``, with ``${{ inputs.NAME }}`` standing for
the caller's ``with:`` value (or the input's default).

MLOps repositories often keep their real commands there (``az ml job create --file
${{ inputs.job_file }}``, ``python train.py``): without them a workflow looks like it runs
nothing. Composite actions calling other local composite actions are followed a few levels.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mlguard.facts.files import Facts
from mlguard.facts.model import Command, Trigger
from mlguard.facts.sources import items, line, mapping, note_read, quiet_docs

ACTION_FILES = ("action.yml", "action.yaml")
INPUT = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")
MAX_DEPTH = 3


def action_file(repo: Facts, uses: str, base: str) -> str:
    """The ``action.yml`` of a local action reference (``./path/to/action``), or ''."""
    if not uses.startswith("./"):
        return ""
    folder = posixpath.normpath(posixpath.join(base, uses[2:].split("@", 1)[0]))
    for name in ACTION_FILES:
        path = f"{folder}/{name}"
        if path in repo.files:
            return path
    return ""


def fill_inputs(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``${{ inputs.NAME }}`` replaced by its value (left as is when unknown)."""
    return INPUT.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def composite_commands(
    repo: Facts,
    uses: str,
    given: dict[str, Any],
    base: str,
    job: str,
    events: frozenset[Trigger],
    env: tuple[str, ...],
    depth: int = 0,
) -> list[Command]:
    """The shell commands a step ``uses: ./local/action`` runs, with its inputs filled in."""
    path = action_file(repo, uses, base)
    if not path or depth > MAX_DEPTH:
        return []
    commands: list[Command] = []
    for doc in quiet_docs(repo, path):
        data = mapping(doc.data)
        runs = mapping(data.get("runs"))
        if runs.get("using") != "composite":
            continue
        note_read(repo, "github-actions", path)
        values = {
            str(k): str(mapping(v).get("default", ""))
            for k, v in mapping(data.get("inputs")).items()
        }
        values.update({str(k): str(v) for k, v in given.items() if v is not None})
        for i, step in enumerate(items(runs.get("steps"))):
            step = mapping(step)
            step_env = (*env, *(f"{k}={v}" for k, v in mapping(step.get("env")).items()))
            run, inner = step.get("run"), step.get("uses")
            if isinstance(run, str):
                text = fill_inputs(run, values)
                at = line(doc, ["runs", "steps", i, "run"])
                commands.append(
                    Command(text, path, at, "github-actions", job, events, False, step_env)
                )
            elif isinstance(inner, str):
                passed = {
                    str(k): fill_inputs(str(v), values)
                    for k, v in mapping(step.get("with")).items()
                }
                commands += composite_commands(
                    repo, inner, passed, base, job, events, step_env, depth + 1
                )
    return commands
