"""What a shell command runs: scripts, modules, make targets, DVC stages, MLproject entries.

Only the command text is read: ``python -m pkg.mod`` names a module, ``python src/x.py`` or
``bash run.sh`` a file, ``make train`` the recipes of a Makefile target, ``dvc repro`` every
stage of dvc.yaml, ``mlflow run . -e train`` an MLproject entry point, ``modal run -m
pkg.train`` (or ``modal run app.py::main``) the module or file Modal runs, ``az ml run
submit-script --source-directory train train.py`` the script Azure ML runs.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

from mlguard.facts.pipelines import join

SPLIT = re.compile(r"&&|\|\||;|\|(?!\|)|\n")
ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
WRAPPERS = {
    "uv": ("run",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "pdm": ("run",),
    "hatch": ("run",),
    "conda": ("run",),
    "mamba": ("run",),
    "micromamba": ("run",),
    "pixi": ("run",),
    "accelerate": ("launch",),
}
# options of the wrappers that take a value (``conda run -n env``, ``pixi run -e tests``)
WRAPPER_OPTIONS = frozenset(
    {"-n", "--name", "-p", "--with", "-e", "--environment", "--manifest-path"}
)
PREFIXES = frozenset(
    {"time", "nohup", "exec", "env", "sudo", "xvfb-run", "torchrun", "deepspeed", "srun", "nice"}
)
PYTHON = re.compile(r"^(python[0-9.]*|py|pypy3?)$")
SHELLS = frozenset({"bash", "sh", "zsh", "source", "."})
RUNNABLE = (".py", ".sh", ".bash", ".ipynb")
TEST_RUNNERS = frozenset({"pytest", "py.test", "unittest", "tox", "nox", "hatch-test"})
MAX_COMMAND_CHARS = 20_000


@dataclass(frozen=True)
class Targets:
    """What one command line runs (paths are relative to the scan root)."""

    files: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    make: tuple[tuple[str, str], ...] = ()  # (Makefile directory, target or "")
    dvc: tuple[str, ...] = ()  # stage names; "*" for all
    mlflow: tuple[str, ...] = ()  # entry point names
    kedro: bool = False
    specs: tuple[str, ...] = ()  # YAML job specs the command submits or applies


def simple_commands(text: str) -> list[str]:
    joined = text[:MAX_COMMAND_CHARS].replace("\\\n", " ")
    return [part.strip() for part in SPLIT.split(joined) if part.strip()]


EXPRESSION = re.compile(r"\$\{\{[^}\n]*\}\}")


def bare_words(command: str, prefixes: frozenset[str] = PREFIXES) -> list[str]:
    """The words of one simple command (shell quoting, else white space), without its leading
    env assignments and ``prefixes`` (env, time, sudo ...) and their options (env -i)."""
    # a CI expression is one word however it is spaced (``-e ${{ matrix.env }}``)
    command = EXPRESSION.sub(lambda m: "".join(m.group(0).split()), command)
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:
        tokens = command.split()
    while tokens and (ENV_ASSIGN.match(tokens[0]) or tokens[0] in prefixes):
        tokens = tokens[1:]
        while tokens and tokens[0].startswith("-"):
            tokens = tokens[1:]
    return tokens


def _tokens(command: str) -> list[str]:
    return _unwrap(bare_words(command))


def programs(text: str) -> list[list[str]]:
    """The words of each simple command of ``text``: env assignments, prefixes (env, time,
    sudo ...) and runners (``uv run``, ``poetry run`` ...) removed; empty ones left out."""
    return [words for command in simple_commands(text) if (words := _tokens(command))]


MODULE_OPTION = re.compile(r"^--[\w-]*module[\w-]*$")


def module_options(words: list[str]) -> list[str]:
    """Dotted module names passed by an option naming a module (``--module-name a.b``,
    ``--pipeline-module=a.b``): the program imports them by name."""
    found = []
    for index, word in enumerate(words):
        name, eq, value = word.partition("=")
        if not MODULE_OPTION.match(name):
            continue
        value = value if eq else (words[index + 1] if index + 1 < len(words) else "")
        if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):
            found.append(value)
    return found


def _unwrap(tokens: list[str]) -> list[str]:
    for _ in range(3):
        if len(tokens) > 1 and tokens[0] in WRAPPERS and tokens[1] in WRAPPERS[tokens[0]]:
            rest = tokens[2:]
            while rest and rest[0].startswith("-"):
                # conda run -n env / uv run --with x: skip an option and its value
                rest = rest[2:] if rest[0] in WRAPPER_OPTIONS else rest[1:]
            tokens = rest
    return tokens


def _norm(token: str, base: str) -> str:
    token = token.strip().strip("'\"")
    if token.startswith("./"):
        token = token[2:]
    return join(base, token) if token else ""


def analyse(text: str, base: str = "") -> Targets:
    """The targets of a command text; ``base`` is the directory the command runs in."""
    files: list[str] = []
    modules: list[str] = []
    make: list[tuple[str, str]] = []
    dvc: list[str] = []
    mlflow: list[str] = []
    kedro = False
    specs: list[str] = []
    for command in simple_commands(text):
        tokens = _tokens(command)
        if not tokens:
            continue
        moved = _changed_directory(tokens, base)
        if moved is not None:  # ``cd pipeline/`` then ``python deploy-train.py``
            base = moved
            continue
        head = posixpath.basename(tokens[0])
        args = tokens[1:]
        if head in TEST_RUNNERS or (PYTHON.match(head) and _option(args, ("-m",)) in TEST_RUNNERS):
            continue  # tests exercise code; they do not run the pipeline
        if PYTHON.match(head) and "-m" in args:
            index = args.index("-m")
            if index + 1 < len(args):
                modules.append(args[index + 1])
        elif head in ("make", "gmake", "$(MAKE)", "${MAKE}"):
            make.extend(_make_targets(args, base))
        elif head == "dvc" and args[:1] in (["repro"], ["exp"]):
            named = [a.split(":")[-1] for a in args[1:] if not a.startswith("-") and a != "run"]
            dvc.extend(named or ["*"])
        elif head == "mlflow" and args[:1] == ["run"]:
            entry = _option(args, ("-e", "--entry-point")) or "main"
            mlflow.append(entry)
        elif head == "kedro" and args[:1] == ["run"]:
            kedro = True
        elif head == "az" and args[:3] == ["ml", "run", "submit-script"]:
            # Azure ML CLI v1: the script runs in Azure ML from its --source-directory
            source = _option(args, ("--source-directory", "-d")) or ""
            scripts = [a for a in args[3:] if a.endswith(".py")]
            if scripts:
                files.append(
                    _norm(posixpath.join(source, scripts[-1]) if source else scripts[-1], base)
                )
        elif head == "modal" and args[:1] == ["run"]:
            # modal run -m pkg.train / modal run src/train.py::main: Modal runs it remotely
            rest = args[1:]
            if rest[:1] == ["-m"] and len(rest) > 1:
                modules.append(rest[1].split("::", 1)[0])
            elif rest and not rest[0].startswith("-"):
                files.append(_norm(rest[0].split("::", 1)[0], base))
        files.extend(_norm(t, base) for t in tokens if t.endswith(RUNNABLE))
        specs.extend(_norm(t, base) for t in tokens[1:] if t.endswith((".yaml", ".yml")))
        if head in SHELLS and args and not args[0].startswith("-"):
            files.append(_norm(args[0], base))
    return Targets(
        tuple(dict.fromkeys(f for f in files if f)),
        tuple(modules),
        tuple(make),
        tuple(dvc),
        tuple(mlflow),
        kedro,
        tuple(dict.fromkeys(s for s in specs if s)),
    )


# the CI checkout's root, as CI systems name it: cd $GITHUB_WORKSPACE/sub is cd sub
CHECKOUT_ROOT = re.compile(
    r"^(\$\{\{\s*github\.workspace\s*\}\}|\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR|"
    r"CODEBUILD_SRC_DIR|BITBUCKET_CLONE_DIR|CIRCLE_WORKING_DIRECTORY|BUILD_SOURCESDIRECTORY|"
    r"SYSTEM_DEFAULTWORKINGDIRECTORY|WORKSPACE)\}?|\$\(Build\.SourcesDirectory\))(/|$)"
)


def moved_to(line: str, base: str) -> str | None:
    """Where a script line that is only a ``cd``/``pushd`` moves the lines after it
    (``None`` when the line is something else)."""
    commands = simple_commands(line)
    tokens = _tokens(commands[0]) if len(commands) == 1 else []
    return _changed_directory(tokens, base) if tokens else None


def _changed_directory(tokens: list[str], base: str) -> str | None:
    """The directory a ``cd``/``pushd`` to a written path moves the commands after it to;
    ``None`` for other commands. A path mlguard cannot know (``cd $DIR``, ``cd ~``,
    ``cd -``) keeps the directory as it was."""
    if tokens[0] not in ("cd", "pushd") or len(tokens) != 2:
        return None
    target = tokens[1].strip("'\"")
    rooted = CHECKOUT_ROOT.sub("", target)
    if rooted != target:  # cd $GITHUB_WORKSPACE/examples/local: from the checkout's root
        base, target = "", rooted.strip("/") or "."
    if not target or target[0] in "$~-/" or "$" in target or len(target) > 300:
        return base
    moved = join(base, target)
    return "" if moved in (".", "") or moved.startswith("..") else moved


def _option(args: list[str], names: tuple[str, ...]) -> str:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return ""


def _make_targets(args: list[str], base: str) -> list[tuple[str, str]]:
    directory = _option(args, ("-C", "--directory"))
    where = _norm(directory, base) if directory else base
    skip = {"-C", "--directory", "-f", "--file", "-j", "--jobs"}
    targets, previous = [], ""
    for arg in args:
        if previous not in skip and not arg.startswith("-") and "=" not in arg:
            targets.append(arg)
        previous = arg
    return [(where, t) for t in targets] or [(where, "")]


# --- Makefiles ------------------------------------------------------------------------------
RULE = re.compile(r"^([A-Za-z0-9_.%/${}()\- ]+?)\s*::?(?!=)\s*(.*)$")
VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|=|::=)\s*(.*)$")
REFERENCE = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")


@dataclass(frozen=True)
class MakeRule:
    target: str
    line: int
    prereqs: tuple[str, ...]
    recipe: tuple[tuple[int, str], ...]


def parse_makefile(text: str) -> list[MakeRule]:
    """Rules of a Makefile with simple ``$(VAR)`` references expanded (no functions)."""
    variables: dict[str, str] = {}
    open_rules: list[tuple[list[str], int, tuple[str, ...], list[tuple[int, str]]]] = []
    recipe: list[tuple[int, str]] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("\t"):
            body = raw.strip().lstrip("@-+").strip()
            if recipe is not None and body and not body.startswith("#"):
                recipe.append((number, _expand(body, variables)))
            continue
        stripped = raw.split("#", 1)[0].rstrip()
        var = VARIABLE.match(stripped)
        rule = RULE.match(stripped)
        if var and (rule is None or "=" in stripped.split(":", 1)[0]):
            variables[var.group(1)] = var.group(2).strip()
        elif rule and not stripped.startswith("."):
            recipe = []
            prereqs = tuple(_expand(rule.group(2), variables).split(";")[0].split())
            open_rules.append((rule.group(1).split(), number, prereqs, recipe))
        elif stripped:
            recipe = None
    return [
        MakeRule(target, number, prereqs, tuple(body))
        for targets, number, prereqs, body in open_rules
        for target in targets
    ]


def _expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(3):
        text = REFERENCE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)
    return text


unwrap = _unwrap  # public names for the task-runner reader (mlguard.facts.tasks)
make_targets = _make_targets
