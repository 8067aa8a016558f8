"""What a task-runner invocation runs: ``make tests``, ``tox -e py``, ``nox -s tests``,
``just test``, ``mise run test``, ``task test``, ``poe test``, ``hatch run test:cov``,
``pdm run test``, ``invoke test``, ``pixi run -e tests test`` and shell scripts
(``bash ci/test.sh``).

:func:`expand` turns one command text into the commands it starts, one level deep, each
located in the file that defines it (Makefile, tox.ini, pyproject.toml ...). Dependencies
come back as runner commands (``make lint``, ``just build``) so that expanding again follows
them; callers bound the depth. Nothing is run or imported.
"""

from __future__ import annotations

import posixpath
import shlex

from mlguard.facts import task_files as read
from mlguard.facts.commands import (
    PYTHON,
    WRAPPER_OPTIONS,
    bare_words,
    make_targets,
    parse_makefile,
    simple_commands,
    unwrap,
)
from mlguard.facts.files import Facts
from mlguard.facts.model import Command
from mlguard.facts.sources import mapping

MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
JUSTFILES = ("justfile", "Justfile", ".justfile")
TASKFILES = ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml")
MISE_FILES = ("mise.toml", ".mise.toml", ".config/mise.toml", "mise/config.toml")
MISE_DIRS = ("mise-tasks", ".mise-tasks", ".mise/tasks", "mise/tasks", ".config/mise/tasks")
RUNNERS = frozenset({"make", "gmake", "tox", "nox", "just", "mise", "task", "poe", "invoke"})
RUNNERS |= {"inv", "hatch", "pdm", "pixi"}
SHELLS = frozenset({"bash", "sh", "zsh", "source", "."})


def words(command: str) -> list[str]:
    """The words of one simple command, env assignments and prefixes (env, time) removed;
    ``python -m tox`` -> ``tox``."""
    tokens = bare_words(command)
    if tokens[:2] in (["hatch", "run"], ["pdm", "run"], ["pixi", "run"]):
        return tokens
    tokens = unwrap(tokens)
    if len(tokens) > 2 and PYTHON.match(posixpath.basename(tokens[0])) and tokens[1] == "-m":
        tokens = tokens[2:]
    if tokens[:2] == ["poetry", "poe"]:
        tokens = tokens[1:]
    return tokens


def expand(
    repo: Facts, text: str, base: str = "", scripts: bool = True, make: bool = True
) -> list[Command]:
    """The commands that the task runners (and shell scripts) in ``text`` start; the
    automation graph follows make targets and scripts itself (``make``/``scripts`` False)."""
    found: list[Command] = []
    for command in simple_commands(text):
        tokens = words(command)
        if not tokens:
            continue
        head, args = posixpath.basename(tokens[0]), tokens[1:]
        if head in RUNNERS and (make or head not in ("make", "gmake")):
            found += _runner(repo, head, args, base)
        elif scripts:
            found += _script(repo, tokens, base)
    return found


def _at(base: str, name: str) -> str:
    return posixpath.join(base, name) if base else name


def _first(repo: Facts, base: str, names: tuple[str, ...]) -> str:
    return next((p for n in names if (p := _at(base, n)) in repo.files), "")


def _runner(repo: Facts, head: str, args: list[str], base: str) -> list[Command]:
    if head in ("make", "gmake"):
        return [c for d, t in make_targets(args, base) for c in make_recipe(repo, d, t)]
    if head == "tox":
        return tox(repo, args, base)
    if head == "nox":
        return nox(repo, args, base)
    if head == "just":
        names = [a for a in args if not a.startswith("-")]
        return _named(repo, "just", _just(repo, base), names[:1], base)
    if head == "task":
        names = [a for a in args if not a.startswith("-") and "=" not in a]
        return _named(repo, "task", _taskfile(repo, base), names or ["default"], base)
    if head == "mise":
        if args[:1] not in (["run"], ["r"]):
            return []
        names = [a for a in args[1:2] if not a.startswith("-")]
        return _named(repo, "mise", _mise(repo, base), names, base) or _mise_file(repo, names)
    if head in ("poe", "invoke", "inv"):
        names = [a for a in args if not a.startswith("-")][:1]
        table = _poe(repo, base) if head == "poe" else _invoke(repo, base)
        return _named(repo, "poe" if head == "poe" else "invoke", table, names, base)
    if head in ("hatch", "pdm") and args[:1] == ["run"] and len(args) > 1:
        return _scripts(repo, head, args[1], base)
    if head == "pixi" and args[:1] == ["run"]:
        rest = args[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in WRAPPER_OPTIONS else rest[1:]
        return _named(repo, "pixi", _pixi(repo, base), rest[:1], base) if rest else []
    return []


Table = tuple[str, read.Tasks]


def _named(repo: Facts, runner: str, table: Table, names: list[str], base: str) -> list[Command]:
    path, tasks = table
    if not path:
        return []
    wanted = names or list(tasks)[:1]  # no name: the first (default) task
    found = []
    for name in wanted:
        for key in (name, name.replace("-", "_")):
            if key in tasks:
                found += [Command(t, path, n, runner, key) for n, t in tasks[key]]
                break
    return found


# --- make -----------------------------------------------------------------------------------
def make_recipe(repo: Facts, directory: str, target: str) -> list[Command]:
    """The recipe lines of a make target; prerequisites come back as ``make`` commands."""
    makefile = _first(repo, directory, MAKEFILES)
    if not makefile:
        return []
    rules = parse_makefile(repo.text(makefile) or "")
    wanted = target or next((r.target for r in rules if "%" not in r.target), "")
    where = f"-C {shlex.quote(directory)} " if directory else ""
    found = []
    for rule in rules:
        if rule.target != wanted:
            continue
        for prereq in rule.prereqs:
            if prereq != wanted and "%" not in prereq and "/" not in prereq and "." not in prereq:
                found.append(Command(f"make {where}{prereq}", makefile, rule.line, "make", wanted))
        found += [Command(text, makefile, n, "make", wanted) for n, text in rule.recipe]
    return found


# --- tox and nox ----------------------------------------------------------------------------
def _option_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    values: list[str] = []
    taking = False
    for arg in args:
        if arg in names:
            taking = True
            continue
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                values += arg.split("=", 1)[1].split(",")
        if arg.startswith("-"):
            taking = False
        elif taking:
            values += [v for v in arg.split(",") if v]
    return values


def tox(repo: Facts, args: list[str], base: str) -> list[Command]:
    path, tasks, envlist = _tox_config(repo, base)
    if not path:
        return []
    envs = _option_values(args, ("-e", "--env")) or envlist or [""]
    if "ALL" in envs or "run-parallel" in args or "p" in args[:1]:
        envs = list(tasks)
    found = []
    for env in dict.fromkeys(envs):
        own = env if env in tasks else ""
        found += [Command(t, path, n, "tox", own or "testenv") for n, t in tasks.get(own, [])]
    return found


def _tox_config(repo: Facts, base: str) -> tuple[str, read.Tasks, list[str]]:
    ini = _first(repo, base, ("tox.ini",))
    if ini:
        tasks, envlist = read.tox_ini(repo.text(ini) or "")
        return ini, tasks, envlist
    toml = _first(repo, base, ("tox.toml",))
    if toml:
        doc = _toml(repo, toml)
        return toml, read.tox_toml(doc, repo.text(toml) or ""), _strings(doc.get("env_list"))
    pyproject = _first(repo, base, ("pyproject.toml",))
    table = mapping(mapping(_toml(repo, pyproject).get("tool")).get("tox")) if pyproject else {}
    text = repo.text(pyproject) or "" if pyproject else ""
    legacy = table.get("legacy_tox_ini")
    if isinstance(legacy, str):
        offset = text[: text.find(legacy.strip()[:40])].count("\n") if legacy.strip() else 0
        tasks, envlist = read.tox_ini(legacy.strip("\n"), offset)
        return pyproject, tasks, envlist
    if table:
        return pyproject, read.tox_toml(table, text), _strings(table.get("env_list"))
    return "", {}, []


def nox(repo: Facts, args: list[str], base: str) -> list[Command]:
    path = _first(repo, base, ("noxfile.py",))
    facts = repo.python(path) if path else None
    if facts is None:
        return []
    sessions = read.python_tasks(facts, ("session",), ("run", "run_always"), True)
    wanted = _option_values(args, ("-s", "-e", "--session", "--sessions"))
    keywords = _option_values(args, ("-k", "--keywords"))
    names = [
        n
        for n in sessions
        if (not wanted or n in wanted or n.replace("_", "-") in wanted)
        and (not keywords or any(k in n for k in keywords))
    ]
    return [Command(t, path, line, "nox", n) for n in names for line, t in sessions[n]]


# --- just, Taskfile, mise, poe, invoke, hatch/pdm scripts -----------------------------------
def _just(repo: Facts, base: str) -> Table:
    path = _first(repo, base, JUSTFILES)
    return path, read.justfile(repo.text(path) or "") if path else {}


def _taskfile(repo: Facts, base: str) -> Table:
    path = _first(repo, base, TASKFILES)
    return path, read.taskfile(repo, path) if path else {}


def _mise(repo: Facts, base: str) -> Table:
    path = _first(repo, base, MISE_FILES)
    return path, read.mise(_toml(repo, path), repo.text(path) or "") if path else {}


def _mise_file(repo: Facts, names: list[str]) -> list[Command]:
    """A file task (``mise-tasks/test``): its lines, like a shell script's."""
    for directory in MISE_DIRS:
        for name in names:
            path = f"{directory}/{name}"
            if path in repo.files:
                return _lines(repo, path, "mise")
    return []


def _poe(repo: Facts, base: str) -> Table:
    path = _first(repo, base, ("pyproject.toml",))
    table = mapping(mapping(_toml(repo, path).get("tool")).get("poe")) if path else {}
    return (path, read.poe(table, repo.text(path) or "")) if table else ("", {})


def _pixi(repo: Facts, base: str) -> Table:
    """pixi's tasks: ``[tasks]`` and ``[feature.<name>.tasks]`` of pixi.toml, or the same
    tables under ``[tool.pixi]`` in pyproject.toml."""
    path = _first(repo, base, ("pixi.toml",))
    doc = _toml(repo, path) if path else {}
    if not path:
        path = _first(repo, base, ("pyproject.toml",))
        doc = mapping(mapping(_toml(repo, path).get("tool")).get("pixi")) if path else {}
    tables = [mapping(doc.get("tasks"))]
    tables += [mapping(mapping(f).get("tasks")) for f in mapping(doc.get("feature")).values()]
    tasks: read.Tasks = {}
    for table in tables:
        for name, cmds in read.pixi(table, repo.text(path) or "").items():
            tasks.setdefault(name, cmds)
    return (path, tasks) if tasks else ("", {})


def _invoke(repo: Facts, base: str) -> Table:
    path = _first(repo, base, ("tasks.py",))
    facts = repo.python(path) if path else None
    if facts is None:
        return "", {}
    tasks = read.python_tasks(facts, ("task",), ("run", "sudo"), False)
    return path, {name.replace("_", "-"): cmds for name, cmds in tasks.items()} | tasks


def _scripts(repo: Facts, runner: str, name: str, base: str) -> list[Command]:
    """``hatch run [env:]script`` or ``pdm run script`` -> the script's commands."""
    env, _, script = name.rpartition(":") if runner == "hatch" else ("", "", name)
    path = _first(repo, base, ("pyproject.toml",))
    tool = mapping(_toml(repo, path).get("tool")) if path else {}
    if runner == "pdm":
        table = mapping(mapping(tool.get("pdm")).get("scripts"))
    else:
        hatch_toml = _first(repo, base, ("hatch.toml",))
        envs = mapping(_toml(repo, hatch_toml).get("envs")) if hatch_toml else {}
        path = hatch_toml or path
        envs = envs or mapping(mapping(tool.get("hatch")).get("envs"))
        table = mapping(mapping(envs.get(env or "default")).get("scripts"))
    tasks = read.script_table(table, repo.text(path) or "" if path else "", f"{runner} run")
    found = []
    for line, text in tasks.get(script, []):
        first = text.split(" ", 1)[0]
        if runner == "hatch" and first in tasks and first != script:  # another script
            text = f"hatch run {env + ':' if env else ''}{text}"
        found.append(Command(text, path, line, runner, script))
    return found


# --- shell scripts --------------------------------------------------------------------------
def _script(repo: Facts, tokens: list[str], base: str) -> list[Command]:
    head = tokens[0]
    target = tokens[1] if head in SHELLS and len(tokens) > 1 else head
    if not target.endswith((".sh", ".bash")):
        return []
    path = posixpath.normpath(_at(base, target.removeprefix("./")))
    return _lines(repo, path, "script") if path in repo.files else []


def _lines(repo: Facts, path: str, system: str) -> list[Command]:
    found = []
    for number, text in enumerate(repo.lines(path), 1):
        body = text.strip()
        if body and not body.startswith("#"):
            found.append(Command(body, path, number, system, path))
    return found


def _toml(repo: Facts, path: str) -> dict[str, object]:
    if not path:
        return {}
    docs = repo.config(path)
    return mapping(docs[0]) if docs else {}


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def defines_make_target(repo: Facts, directory: str, target: str) -> bool:
    """The Makefile in ``directory`` has a rule for ``target`` (a missing Makefile, or a
    target from an included makefile, cannot be read: False)."""
    makefile = _first(repo, directory, MAKEFILES)
    rules = parse_makefile(repo.text(makefile) or "") if makefile else []
    return any(rule.target == target for rule in rules)


def has_config(repo: Facts, runner: str) -> bool:
    """The runner's configuration is at the repository root (for tox and nox)."""
    if runner == "nox":
        return "noxfile.py" in repo.files
    return bool(_tox_config(repo, "")[0])


def defines_task(repo: Facts, runner: str, name: str) -> bool:
    """just, Taskfile, mise, poe and invoke: the named task is in a readable configuration."""
    tables = {"just": _just, "task": _taskfile, "mise": _mise, "poe": _poe, "invoke": _invoke}
    reader = tables.get("invoke" if runner == "inv" else runner)
    if reader is None:
        return False
    _, found = reader(repo, "")
    return name in found or name.replace("-", "_") in found
