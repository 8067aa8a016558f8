"""Does CI run the tests? Directly, or through the task runners and scripts it calls.

A CI command runs the tests when it starts a test program (``pytest``, ``python -m pytest``,
``python -m unittest``, ``nosetests``, ``coverage run -m pytest``, ``hatch test``, with
``env VAR=...`` or ``uv run`` in front), or when a task it starts does: ``make tests`` whose
recipe (or a prerequisite's) runs pytest, ``tox -e py`` whose commands do, a nox session,
a just/mise/Taskfile/poe/hatch/pdm/invoke task, a shell script. A runner whose configuration
is not in the repository is trusted by name (``make test``, ``tox``, ``nox``); one whose
configuration is read counts only when it really runs tests, so a ``test`` target that
only echoes does not.
"""

from __future__ import annotations

import posixpath
import re

from mlguard.facts import tasks
from mlguard.facts.ci_commands import ci_commands, invoked
from mlguard.facts.commands import make_targets, simple_commands
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence

TEST_PROGRAM = re.compile(
    r"(pytest|py\.test|nosetests|nose2|unittest|hatch test|coverage run"
    r"|python[0-9.]* \S*setup\.py test|python[0-9.]* \S*run_?tests?\.py|bazel test)\b"
)
TEST_TARGET = re.compile(r"^(test|tests|check|unittest|unit|unit-tests?|test-\S+|tests-\S+)$")
MAX_DEPTH = 8
NAMED_TASKS = frozenset({"just", "task", "mise", "poe", "invoke", "inv"})


def runs_tests(text: str) -> bool:
    """The command text starts a test program itself."""
    return any(TEST_PROGRAM.match(program) for program in invoked(text))


def ci_test_runs(repo: Facts) -> list[Evidence]:
    """CI command lines that run the tests, directly or through tasks (computed once)."""
    return list(_ci_test_runs(repo))


@fact
def _ci_test_runs(repo: Facts) -> tuple[Evidence, ...]:
    found = []
    for line in ci_commands(repo):
        if runs_tests(line.text):
            found.append(line)
            continue
        route = _route(repo, line.text, 0, set())
        if route:
            message = f"runs the tests through {route}"
            found.append(Evidence(line.location, line.text, message))
    return tuple(found)


def _route(repo: Facts, text: str, depth: int, seen: set[tuple[str, int, str]]) -> str:
    """Where the tasks started by ``text`` run a test program ("" if they do not)."""
    if depth >= MAX_DEPTH:
        return ""
    children = tasks.expand(repo, text)
    for child in children:
        key = (child.path, child.line, child.text)
        if key in seen:
            continue
        seen.add(key)
        if runs_tests(child.text):
            return f"{child.path}:{child.line} ({child.text.strip()[:80]})"
        deeper = _route(repo, child.text, depth + 1, seen)
        if deeper:
            return deeper
    if not children and _trusted(repo, text):
        return f"{text.strip()[:80]} (its configuration is not in the repository)"
    return ""


def _trusted(repo: Facts, text: str) -> bool:
    """A test-named task whose definition mlguard cannot read (``make test`` without a
    Makefile or from an included makefile, ``just test`` without a justfile), or
    ``tox``/``nox`` without their configuration."""
    for command in simple_commands(text):
        words = tasks.words(command)
        if not words:
            continue
        head, args = posixpath.basename(words[0]), words[1:]
        names = [a for a in args if not a.startswith("-") and "=" not in a]
        if head in ("make", "gmake"):
            for directory, target in make_targets(args, ""):
                if TEST_TARGET.match(target) and not tasks.defines_make_target(
                    repo, directory, target
                ):
                    return True
        elif head in ("tox", "nox") and not tasks.has_config(repo, head):
            return True
        elif head == "mise" and names[:1] in (["run"], ["r"]):
            names = names[1:]
        if head in NAMED_TASKS and names and _unreadable(repo, head, names[0]):
            return True
    return False


def _unreadable(repo: Facts, runner: str, name: str) -> bool:
    return bool(TEST_TARGET.match(name)) and not tasks.defines_task(repo, runner, name)
