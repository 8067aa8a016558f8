"""Task-runner files -> the command lines of each task, with their line numbers.

Each reader returns ``{task name: [(line, command text), ...]}`` in file order. A task that
runs another task of the same runner is written as that runner's command (``just lint``,
``task build``, ``poe lint``), so following commands follows dependencies too. Nothing is
run: justfiles and tox.ini are read line by line, Taskfiles as YAML, mise/poe/hatch/pdm/
tox/pixi tables as TOML, and noxfile.py / tasks.py (invoke) through their parsed call facts.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from mlguard.analyzers.python_ast import PyFacts
from mlguard.facts.files import Facts
from mlguard.facts.sources import items, line, mapping, strings, yaml_docs
from mlguard.safeio.lines import line_at

Tasks = dict[str, list[tuple[int, str]]]

# --- just -----------------------------------------------------------------------------------
JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)((?:\s+[^:=]*?)?)\s*:(?![=:])\s*(.*)$")
JUST_DEP = re.compile(r"\(?([A-Za-z_][\w-]*)")
JUST_SKIP = re.compile(r"^(set|alias|export|import|mod)\b|^[A-Za-z_][\w-]*\s*:=")


def justfile(text: str) -> Tasks:
    tasks: Tasks = {}
    current: list[tuple[int, str]] | None = None
    shebang = False
    for number, raw in enumerate(text.splitlines(), 1):
        if raw[:1] in (" ", "\t"):
            body = raw.strip().lstrip("@-").strip()
            if current is None or not body:
                continue
            if body.startswith("#!"):
                shebang = not re.search(r"\b(ba|z)?sh\b", body)
                continue
            if not body.startswith("#") and not shebang:
                current.append((number, body))
            continue
        stripped = raw.split("#", 1)[0].rstrip()
        match = JUST_RECIPE.match(stripped)
        if not stripped or stripped.startswith("["):
            continue
        if match is None or JUST_SKIP.match(stripped):
            current = None
            continue
        current = tasks.setdefault(match.group(1), [])
        shebang = False
        for dep in JUST_DEP.findall(match.group(3).replace("&&", " ")):
            current.append((number, f"just {dep}"))
    return tasks


# --- Taskfile (go-task) ---------------------------------------------------------------------
def taskfile(repo: Facts, path: str) -> Tasks:
    tasks: Tasks = {}
    for doc in yaml_docs(repo, path):
        for name, spec in mapping(mapping(doc.data).get("tasks")).items():
            found = tasks.setdefault(name, [])
            body = spec if isinstance(spec, dict) else {"cmds": spec}
            for i, dep in enumerate(items(body.get("deps"))):
                target = dep if isinstance(dep, str) else mapping(dep).get("task")
                if isinstance(target, str):
                    found.append((line(doc, ["tasks", name, "deps", i]), f"task {target}"))
            cmds = body.get("cmds")
            for i, cmd in enumerate(cmds if isinstance(cmds, list) else strings(cmds)):
                entry = mapping(cmd)
                text = cmd if isinstance(cmd, str) else entry.get("cmd")
                if isinstance(entry.get("task"), str):
                    text = f"task {entry['task']}"
                if isinstance(text, str):
                    found.append((line(doc, ["tasks", name, "cmds", i]), text))
    return tasks


# --- TOML tables: mise, poe, hatch, pdm ------------------------------------------------------
def _line_of(text: str, needle: str, fallback: str = "") -> int:
    """The first line holding ``needle`` (else ``fallback``), for TOML values."""
    for probe in (needle.strip().split("\n", 1)[0].strip(), fallback):
        if probe:
            at = text.find(probe)
            if at != -1:
                return line_at(text, at)
    return 1


def mise(doc: dict[str, Any], text: str) -> Tasks:
    tasks: Tasks = {}
    for name, spec in mapping(doc.get("tasks")).items():
        body = spec if isinstance(spec, dict) else {"run": spec}
        found = tasks.setdefault(name, [])
        for dep in strings(body.get("depends")):
            found.append((_line_of(text, dep, f"[tasks.{name}]"), f"mise run {dep}"))
        for cmd in strings(body.get("run")):
            found.append((_line_of(text, cmd, f"[tasks.{name}]"), cmd))
    return tasks


def poe(table: dict[str, Any], text: str) -> Tasks:
    specs = mapping(table.get("tasks"))
    return {name: _poe_task(spec, text, name, set(specs)) for name, spec in specs.items()}


def _poe_task(spec: Any, text: str, name: str, names: set[str]) -> list[tuple[int, str]]:
    if isinstance(spec, str):
        return [(_line_of(text, spec, name), spec)]
    if isinstance(spec, list):  # a sequence: strings name other tasks (else are commands)
        out: list[tuple[int, str]] = []
        for item in spec:
            if isinstance(item, str) and item in names:
                out.append((_line_of(text, item, name), f"poe {item}"))
            else:
                out += _poe_task(item, text, name, names)
        return out
    body = mapping(spec)
    for key in ("cmd", "shell"):
        if isinstance(body.get(key), str):
            return [(_line_of(text, body[key], name), body[key])]
    if isinstance(body.get("ref"), str):
        return [(_line_of(text, body["ref"], name), f"poe {body['ref']}")]
    if isinstance(body.get("script"), str):  # "pkg.module:function"
        module = body["script"].split(":", 1)[0]
        return [(_line_of(text, body["script"], name), f"python -m {module}")]
    if isinstance(body.get("sequence"), list):
        return _poe_task(body["sequence"], text, name, names)
    return []


def pixi(table: dict[str, Any], text: str) -> Tasks:
    """pixi tasks: a command string, or a table with ``cmd`` (a string or a list of words)
    and ``depends-on`` (task names, or tables naming a ``task``)."""
    tasks: Tasks = {}
    for name, spec in table.items():
        body = spec if isinstance(spec, dict) else {"cmd": spec}
        found = tasks.setdefault(name, [])
        depends = body.get("depends-on", body.get("depends_on"))
        for dep in items(depends) if isinstance(depends, list) else strings(depends):
            target = dep if isinstance(dep, str) else mapping(dep).get("task")
            if isinstance(target, str):
                found.append((_line_of(text, target, name), f"pixi run {target}"))
        cmd = body.get("cmd")
        if isinstance(cmd, list):
            cmd = " ".join(shlex.quote(str(word)) for word in cmd)
        if isinstance(cmd, str) and cmd.strip():
            found.append((_line_of(text, cmd, name), cmd))
    return tasks


def script_table(table: Any, text: str, runner: str) -> Tasks:
    """hatch ``scripts`` / pdm ``scripts``: a command, a list of commands, or a table."""
    tasks: Tasks = {}
    for name, spec in mapping(table).items():
        body = mapping(spec)
        commands = strings(spec) or strings(body.get("cmd")) or strings(body.get("shell"))
        commands += [f"{runner} {c}" for c in strings(body.get("composite"))]
        tasks[name] = [(_line_of(text, c, name), c) for c in commands]
    return tasks


def tox_toml(table: dict[str, Any], text: str) -> Tasks:
    """tox 4 native TOML: ``env_run_base.commands`` and ``env.<name>.commands``."""
    tasks: Tasks = {}
    envs = {"": mapping(table.get("env_run_base"))}
    envs.update({k: mapping(v) for k, v in mapping(table.get("env")).items()})
    for name, spec in envs.items():
        commands = spec.get("commands")
        for command in items(commands):
            words = strings(command)
            if words:
                text_of = shlex.join(words)
                tasks.setdefault(name, []).append((_line_of(text, words[0]), text_of))
    tasks.setdefault("", [])
    return tasks


# --- tox.ini ----------------------------------------------------------------------------------
INI_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
INI_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*[=:]\s*(.*)$")


def tox_ini(text: str, offset: int = 0) -> tuple[Tasks, list[str]]:
    """({env: commands}, envlist) of a tox.ini ("" is the base [testenv])."""
    tasks: Tasks = {}
    envlist: list[str] = []
    section, key = "", ""
    for number, raw in enumerate(text.splitlines(), 1 + offset):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        header = INI_SECTION.match(stripped)
        if header:
            section, key = header.group(1).strip(), ""
            continue
        continued = raw[:1] in (" ", "\t") and key
        match = None if continued else INI_KEY.match(stripped)
        if match:
            key, value = match.group(1), match.group(2).strip()
        elif continued:
            value = stripped
        else:
            continue
        env = _tox_env(section)
        if env is not None and key == "commands" and value:
            tasks.setdefault(env, []).append((number, value.lstrip("- ")))
        elif section in ("tox", "tox:tox") and key in ("envlist", "env_list"):
            envlist += [e.strip() for e in value.split(",") if e.strip()]
    return tasks, envlist


def _tox_env(section: str) -> str | None:
    if section == "testenv":
        return ""
    if section.startswith("testenv:"):
        return section.split(":", 1)[1].strip()
    return None


# --- noxfile.py and invoke's tasks.py -------------------------------------------------------
def python_tasks(
    facts: PyFacts, decorators: tuple[str, ...], calls: tuple[str, ...], args_joined: bool
) -> Tasks:
    """Functions decorated as tasks, with the literal commands they pass to ``calls``:
    ``session.run("pytest", "-q")`` (arguments joined) or ``c.run("pytest -q")``."""
    functions = sorted(facts.functions, key=lambda f: f[1])
    tasks: Tasks = {}
    for name, at in facts.decorators:
        if name.rsplit(".", 1)[-1] in decorators:  # decorates the next function defined
            owner = next((f for f, start in functions if start >= at), None)
            if owner is not None:
                tasks.setdefault(owner, [])
    starts = [(at, name) for name, at in functions]
    for call in facts.calls:
        if call.attr not in calls:
            continue
        owner = next((n for at, n in reversed(starts) if at <= call.line), "")
        if owner not in tasks:
            continue
        words = [a for a in call.args if isinstance(a, str)]
        if not words:
            continue
        text = shlex.join(words) if args_joined and len(words) > 1 else words[0]
        tasks[owner].append((call.line, text))
    return tasks
