"""Pipeline checks: declared, modular, triggered, gated, with lineage; notebooks off the path.

All of them read the automation facts (:mod:`mlguard.facts.automation`): which commands CI
and pipelines run, on which triggers, and which files those commands reach.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from mlguard.checks.base import CheckContext, Outcome, ev
from mlguard.checks.registry import register
from mlguard.facts import traits
from mlguard.facts.automation import automation, is_automated, stage_files
from mlguard.facts.ci import ci_facts
from mlguard.facts.commands import MakeRule, analyse, parse_makefile
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.images import dockerfile_programs
from mlguard.facts.model import CI_SYSTEMS, PIPELINE_SYSTEMS, Command, Reach, Stage, Trigger
from mlguard.facts.modules import ModuleIndex
from mlguard.model import Evidence

# training named in a word or a snake_case name (retrain, run_ml_training), or fit
TRAIN_WORDS = re.compile(r"(\b|_)(re)?train|\bfit\b", re.IGNORECASE)
NOT_TRAINING = re.compile(
    r"^\s*(pytest|python -m pytest|tox|nox|ruff|flake8|mypy|pylint|black|"
    r"pre-commit|echo|pip|uv (pip|sync)|make (test|lint|docs))\b"
)
PREP_WORDS = re.compile(r"prep|process|featur|clean|ingest|extract|load|split|transform", re.I)
FIT_WORDS = re.compile(r"train|fit|tun(e|ing)", re.IGNORECASE)
EVAL_WORDS = re.compile(r"eval|validat|test|score|metric", re.IGNORECASE)


SMOKE_WORDS = frozenset({"fast", "smoke", "dummy", "quick", "tiny", "dry", "toy"})
SMOKE_FLAGS = re.compile(r"--(fast|smoke|dummy|quick|tiny|dry)[-_]?\w*|fast_dev_run=(true|1)", re.I)
SMOKE_ON = frozenset({"1", "true", "yes", "on"})


def smoke_run(command: Command) -> bool:
    """A training command CI runs in a smoke mode (``FAST_TRAIN=1``, ``--smoke-test``,
    ``trainer.fast_dev_run=true``): a check that training still runs, not a training run."""
    if SMOKE_FLAGS.search(command.text):
        return True
    for pair in command.env:
        name, _, value = pair.partition("=")
        words = set(re.split(r"[^a-z]+", name.lower()))
        if words & SMOKE_WORDS and value.strip().strip("'\"").lower() in SMOKE_ON:
            return True
    return False


def training_reaches(ctx: CheckContext) -> list[Reach]:
    """How each training file is run automatically (files run by nothing are left out, and
    so are CI runs in a smoke mode: they test that training runs, they train nothing)."""
    found = []
    for path in traits.training_files(ctx.repo):
        reach = is_automated(ctx.repo, path)
        if reach is not None and not (reach.ci and smoke_run(reach.via)):
            found.append(reach)
    return found


def _where(reach: Reach) -> Evidence:
    return ev(reach.via.path, reach.via.line, reach.via.text[:120], "")


def _stage_trains(ctx: CheckContext, stage: Stage) -> bool:
    training = set(traits.training_files(ctx.repo))
    defined = _component_source(ctx, stage)
    if defined is not None:  # a compiled component: judge the function it was compiled from
        stage = defined
    for path in stage_files(ctx.repo, stage):
        if path in training:
            return True
        if any(r.target in training for r in _reached_from(ctx, path)):
            return True
    return bool(FIT_WORDS.search(stage.name)) or bool(FIT_WORDS.search(stage.command))


def _component_source(ctx: CheckContext, stage: Stage) -> Stage | None:
    """For a compiled Kubeflow executor (its command is the ``--function_to_execute`` name),
    the step of the ``@dsl.component`` function of that name in the repository's code."""
    name = stage.command.strip()
    if stage.system != "kubeflow" or not name.isidentifier():
        return None
    return next(
        (
            s
            for s in automation(ctx.repo).stages
            if s.system == "kubeflow" and s.name == name and s.module.endswith(".py")
        ),
        None,
    )


def _reached_from(ctx: CheckContext, path: str) -> list[Reach]:
    from mlguard.facts.modules import ModuleIndex

    index = ModuleIndex.of(ctx.repo)
    seen, todo, out = {path}, [path], []
    while todo and len(seen) < 500:
        for imported in index.local_imports(todo.pop()):
            if imported not in seen:
                seen.add(imported)
                todo.append(imported)
                reach = is_automated(ctx.repo, imported)
                if reach is not None:
                    out.append(reach)
    return out


RUN_MODULE = re.compile(r"-m\s+([A-Za-z_][\w.]*)")


def _package_entry_points(ctx: CheckContext) -> list[Evidence]:
    """Pipeline commands (MLproject entry points, pipeline stages) that run a local package
    (``python -m pkg``) one of whose modules trains a model."""
    training = traits.training_files(ctx.repo)
    index = ModuleIndex.of(ctx.repo)
    found = []
    for command in automation(ctx.repo).commands:
        if command.system not in PIPELINE_SYSTEMS:
            continue
        for module in RUN_MODULE.findall(command.text):
            path = index.resolve(module)
            folder = path.rsplit("/", 1)[0] + "/" if path and "/" in path else ""
            if folder and any(t.startswith(folder) for t in training):
                found.append(ev(command.path, command.line, command.text[:120]))
    return found


@register
def training_pipeline_declared(ctx: CheckContext) -> Outcome:
    """REP006: a declared pipeline runs training; scripts or Makefiles alone are partial."""
    piped = [r for r in training_reaches(ctx) if r.in_pipeline]
    if piped:
        return Outcome.passed([_where(r) for r in piped])
    stages = [s for s in automation(ctx.repo).stages if _stage_trains(ctx, s)]
    if stages:
        return Outcome.passed([ev(s.path, s.line, s.name) for s in stages])
    repo = ctx.repo
    dispatched = _package_entry_points(ctx)
    if dispatched:
        return Outcome.partial(
            "A declared pipeline entry point runs the package that holds the training code, "
            "which picks the job at run time (e.g. from a config file): the steps are not "
            "declared one by one.",
            dispatched,
        )
    # run by CI, or by a scheduler outside CI (a service's own clock, a cloud schedule)
    scripted = [
        r for r in training_reaches(ctx) if r.systems & CI_SYSTEMS or Trigger.SCHEDULE in r.triggers
    ]
    if scripted:
        return Outcome.partial(
            "Training runs from CI commands or on a schedule, but no pipeline declares its "
            "steps (dvc.yaml, MLproject, an orchestrator).",
            [_where(r) for r in scripted],
        )
    makefile = [
        p
        for p in repo.glob("Makefile")
        if re.search(r"^(train|data|features|model)[A-Za-z_-]*:", repo.text(p) or "", re.MULTILINE)
    ]
    scripts = repo.glob("scripts/train*.sh", "train*.sh") + _scripts_starting_training(ctx)
    scripts = sorted(set(scripts + _images_starting_training(ctx)))
    sequenced = _scripted_steps(ctx)
    if sequenced and any(is_automated(repo, e) is not None for e in sequenced):
        return Outcome.partial(
            "Training is scripted (a script, Makefile target or plain-Python pipeline runs "
            "the steps one after another, started automatically) but not declared as a "
            "pipeline with inputs and outputs.",
            sequenced,
        )
    if sequenced:
        return Outcome.partial(
            "Training runs its steps in sequence (a script, Makefile target or plain-Python "
            "pipeline), but someone starts it by hand and no pipeline declares the steps: "
            "not yet an automated pipeline.",
            sequenced,
            prerequisite=True,
        )
    if makefile or scripts:
        return Outcome.partial(
            "Training is scripted (a Makefile target or shell script starts it), but no "
            "script runs the steps in sequence and no pipeline declares them: an entry point "
            "run by hand, not yet a pipeline.",
            [ev(p) for p in makefile + scripts],
            prerequisite=True,
        )
    notebooks = [p for p in traits.training_files(repo) if p.endswith(".ipynb")]
    if notebooks and len(notebooks) == len(traits.training_files(repo)):
        return Outcome.failed("Training happens only inside notebooks.", [ev(notebooks[0])])
    return Outcome.failed("No pipeline declares the training steps.")


@register
def continuous_training(ctx: CheckContext) -> Outcome:
    """PIPE003: a schedule or new-data event starts a job that trains a model."""
    facts = automation(ctx.repo)
    reaches = training_reaches(ctx)
    clocked = [r for r in reaches if r.triggers & {Trigger.SCHEDULE, Trigger.DISPATCH}]
    if clocked:
        return Outcome.passed([_where(r) for r in clocked])
    opaque = [
        c
        for c in facts.commands
        if c.triggers & {Trigger.SCHEDULE, Trigger.DISPATCH}
        and TRAIN_WORDS.search(c.text)
        and not NOT_TRAINING.search(c.text)
    ]
    if opaque:
        return Outcome.passed([ev(c.path, c.line, c.text[:120]) for c in opaque])
    launched = launched_pipelines(ctx, {Trigger.SCHEDULE, Trigger.DISPATCH})
    if launched:
        return Outcome.passed(launched)
    on_change = [_where(r) for r in reaches if r.event_driven]
    on_change += launched_pipelines(ctx, {Trigger.PUSH, Trigger.PULL_REQUEST, Trigger.TAG})
    if on_change:
        return Outcome.partial(
            "Training runs automatically, but only on code changes (push / pull request), "
            "not on a schedule or when new data arrives.",
            on_change,
        )
    if facts.schedules:
        first = facts.schedules[0]
        return Outcome.failed(
            f"{len(facts.schedules)} schedule(s) found (first: {first.path}:{first.line}, "
            f"{first.system}) but none of them runs a training step.",
            [ev(first.path, first.line, first.spec)],
        )
    return Outcome.failed("Nothing starts training on a schedule or a new-data event.")


LAUNCH_ATTRS = frozenset(
    {
        "create_run_from_job_spec",
        "create_run_from_pipeline_func",
        "create_run_from_pipeline_package",
        "start_pipeline_execution",
    }
)
SUBMITTED = ("PipelineJob", "PublishedPipeline", "PipelineEndpoint")


def _launches(ctx: CheckContext, path: str) -> bool:
    """The file starts a run of a compiled or published pipeline (kfp, Vertex AI, Azure ML,
    SageMaker)."""
    facts = ctx.repo.python(path) if path.endswith(".py") else None
    if facts is None:
        return False
    attrs = {c.attr for c in facts.calls}
    if attrs & LAUNCH_ATTRS:
        return True
    if {"upsert", "start"} <= attrs:  # SageMaker: pipeline.upsert(role_arn=...), then start()
        return True
    # ``PipelineJob(...)``, ``PublishedPipeline.get(...)``, ``PublishedPipeline.list(ws)``:
    # the file gets hold of a pipeline and then submits or runs something.
    built = any(part in SUBMITTED for c in facts.calls for part in c.name.split("(")[0].split("."))
    return built and any(c.attr in ("submit", "run") for c in facts.calls)


def runs_training_flow(ctx: CheckContext, path: str) -> bool:
    """The file calls a function of a module that defines a training pipeline (one of its
    steps trains, or it imports the training code): ``underwriting_pipeline(...)`` after
    ``kfp.local.init(...)``, a Prefect ``@flow`` or a ZenML ``@pipeline`` called directly
    runs that pipeline in process. Calling a data-loading flow does not count."""
    from mlguard.facts.modules import ModuleIndex
    from mlguard.facts.pyflows import pyflows

    facts = ctx.repo.python(path)
    if facts is None:
        return False
    training_files = set(traits.training_files(ctx.repo))
    index = ModuleIndex.of(ctx.repo)
    trains = {
        f.path
        for f in pyflows(ctx.repo)
        if any(_stage_trains(ctx, s) for s in f.stages)
        or training_files & {f.path, *index.imported_within([f.path], 2)}
    }
    return any(
        "." in call.name
        and call.name[:1].isalpha()
        and index.resolve(call.name.rsplit(".", 1)[0], path) in trains
        for call in facts.calls
    )


def launches_training_pipeline(ctx: CheckContext, path: str) -> bool:
    """The file starts a run of a pipeline, itself or through the local modules it imports,
    and one of the repository's declared pipelines has a training step."""
    from mlguard.facts.modules import ModuleIndex

    if runs_training_flow(ctx, path):
        return True
    imported = ModuleIndex.of(ctx.repo).imported_within([path], 3)
    if not any(_launches(ctx, p) for p in (path, *imported)):
        return False
    return any(_stage_trains(ctx, s) for s in automation(ctx.repo).stages)


def launched_pipelines(ctx: CheckContext, when: set[Trigger]) -> list[Evidence]:
    """A file started on one of ``when`` that launches a run of the repository's own
    training pipeline (one of its declared pipelines has a training step)."""
    facts = automation(ctx.repo)
    if not any(_stage_trains(ctx, s) for s in facts.stages):
        return []
    return [
        ev(r.target, 1, r.target, f"Started via {r.describe()}; launches a pipeline run")
        for r in facts.reached
        if r.triggers & when and _launches(ctx, r.target)
    ]


CHANGE_SOURCES = re.compile(r"aws\.code(pipeline|commit)")
STARTS_PIPELINE = re.compile(r"sagemaker.?pipeline|start_pipeline_execution", re.IGNORECASE)


def rules_started_by_change(ctx: CheckContext) -> list[Evidence]:
    """EventBridge rules (in CDK code) that start training when the repository changes or
    its delivery pipeline succeeds: the event source is CodeCommit or CodePipeline and the
    rule retrains or starts the repository's training pipeline."""
    from mlguard.facts.cd_pipelines import delivery

    if not any(_stage_trains(ctx, s) for s in automation(ctx.repo).stages):
        return []
    declared = delivery(ctx.repo)
    return [
        ev(e.location.path, e.location.line, e.text.splitlines()[0].strip()[:120])
        for e in (*declared.clocks, *declared.events)
        if CHANGE_SOURCES.search(e.text)
        and (TRAIN_WORDS.search(e.text) or STARTS_PIPELINE.search(e.text))
    ]


def _names_training(ctx: CheckContext, text: str) -> bool:
    """A command that says it trains but runs nothing mlguard can see (an image, a CLI)."""
    lines = [line for line in text.splitlines() if TRAIN_WORDS.search(line)]
    if not lines or all(NOT_TRAINING.search(line) for line in lines):
        return False
    targets = analyse(text)
    return not any(p in ctx.repo.files for p in targets.files) and not targets.modules


def _pipelines(ctx: CheckContext) -> dict[str, list[Stage]]:
    grouped: dict[str, list[Stage]] = defaultdict(list)
    for stage in automation(ctx.repo).stages:
        if not re.search(r"\.ipynb\b", stage.command):
            # a Kedro project is one pipeline registry, whatever file each node is in
            grouped["Kedro project" if stage.system == "kedro" else stage.path].append(stage)
    return grouped


@register
def modular(ctx: CheckContext) -> Outcome:
    """PIPE001: the pipeline separates preparation, training and evaluation steps."""
    grouped = _pipelines(ctx)
    if not grouped:
        scripted = _scripted_steps(ctx)
        if scripted:
            return Outcome.partial(
                f"{scripted[0].location.path} runs the steps one after another (separate "
                "scripts, or functions of a pipeline written in plain Python); nothing "
                "declares them as a pipeline with inputs and outputs.",
                scripted,
            )
        return Outcome.failed("No declared pipeline (dvc.yaml, MLproject, an orchestrator).")
    training = {p: g for p, g in grouped.items() if any(_stage_trains(ctx, s) for s in g)}
    if not training:
        first = grouped[min(grouped)][0]
        return Outcome.failed(
            "No declared pipeline runs training (the pipelines found only prepare, monitor "
            "or report).",
            [ev(first.path, first.line, first.name)],
        )
    best_path, best = max(training.items(), key=lambda item: (len(item[1]), item[0]))
    kinds = {
        kind
        for stage in best
        for kind, words in (("prep", PREP_WORDS), ("train", FIT_WORDS), ("eval", EVAL_WORDS))
        if words.search(stage.name) or words.search(stage.command)
    }
    evidence = [ev(s.path, s.line, s.name) for s in best]
    if len(best) >= 3 or kinds >= {"prep", "train", "eval"}:
        return Outcome.passed(evidence)
    return Outcome.partial(
        f"The pipeline in {best_path} has {len(best)} step(s); split data preparation, "
        "training and evaluation into separate steps.",
        evidence,
    )


# shell scripts (Slurm batch scripts too) and Makefiles
SCRIPT_FILES = (
    "*.sh",
    "*.bash",
    "*.slurm",
    "*.sbatch",
    "Makefile",
    "makefile",
    "GNUmakefile",
)


def _scripted_steps(ctx: CheckContext) -> list[Evidence]:
    """A shell script, or one Makefile target with the targets it depends on, that runs two
    or more of the project's Python scripts, one of them training code: separate steps,
    sequenced by hand rather than declared. Independent Makefile targets that each run one
    script are a menu of commands, not a sequence. A pipeline written in plain Python counts
    the same way (:func:`_python_pipelines`). Computed once per scan (REP006 and PIPE001)."""
    return list(_scripted_steps_of(ctx.repo))


@fact
def _scripted_steps_of(repo: Facts) -> tuple[Evidence, ...]:
    ctx = CheckContext(repo)
    return tuple(_shell_steps(ctx) or _ci_job_steps(ctx) or _python_pipelines(ctx))


PIPELINE_NAME = re.compile(r"pipeline", re.IGNORECASE)
STEP_CALL = re.compile(
    r"ingest|valid|transform|train|fit|tun(e|ing)|evaluat|push|prepar|featur|preprocess|"
    r"infer|register|split|clean"
)
# an estimator's own methods (model.fit, scaler.transform) are not steps of a pipeline
ESTIMATOR_API = frozenset({"fit", "transform", "fit_transform", "partial_fit", "predict"})
MIN_PYTHON_STEPS = 3


def _python_pipelines(ctx: CheckContext) -> list[Evidence]:
    """A function named as a pipeline (``TrainPipeline.run_pipeline``, ``training_pipeline``)
    in product code that calls three or more step functions one after another (ingestion,
    validation, transformation, training, evaluation ...), one of them training: a pipeline
    written in plain Python, sequenced but not declared with inputs and outputs."""
    best: list[Evidence] = []
    for path in traits.product_paths(ctx.repo):
        facts = ctx.repo.python(path) if path.endswith(".py") else None
        if facts is None:
            continue
        for func in facts.defs:
            if not PIPELINE_NAME.search(func.name) and not PIPELINE_NAME.search(path):
                continue
            steps: dict[str, Evidence] = {}
            for call in facts.calls:
                inside = func.line < call.line <= func.end_line
                step = STEP_CALL.search(call.attr.lower()) and call.attr not in ESTIMATOR_API
                if inside and step and call.attr not in steps:
                    steps[call.attr] = ev(path, call.line, call.attr)
            trains = any(FIT_WORDS.search(name) for name in steps)
            if len(steps) >= MIN_PYTHON_STEPS and trains and len(steps) > len(best):
                best = list(steps.values())
    return best


def _ci_job_steps(ctx: CheckContext) -> list[Evidence]:
    """One CI job that runs two or more of the project's scripts one after another, one of
    them training (``python train.py``, then ``python promote.py``): separate steps that the
    job sequences, as a shell script would."""
    repo = ctx.repo
    training = set(traits.training_files(repo))
    jobs: dict[tuple[str, str], dict[str, Evidence]] = {}
    for command in ci_facts(repo)[0]:
        if command.action:
            continue
        steps = jobs.setdefault((command.path, command.job), {})
        for target in sorted(analyse(command.text, command.workdir).files):
            if target.endswith(".py") and target in repo.files and target not in steps:
                steps[target] = ev(command.path, command.line, command.text.strip()[:120])
    best: list[Evidence] = []
    for steps in jobs.values():
        if len(steps) >= 2 and training & set(steps) and len(steps) > len(best):
            best = list(steps.values())
    return best


def _shell_steps(ctx: CheckContext) -> list[Evidence]:
    repo = ctx.repo
    training = set(traits.training_files(repo))
    scripts = _script_sequences(repo)
    best: list[Evidence] = []
    for path, sequences in scripts.items():
        for sequence in sequences:
            steps: dict[str, Evidence] = {}
            for number, line, targets in sequence:
                for target in sorted(targets):
                    # a step that is a script of its own runs the Python files it runs
                    nested = _python_of(scripts.get(target, [])) if target != path else []
                    for step in [target, *nested]:
                        if step.endswith(".py") and step in repo.files and step not in steps:
                            steps[step] = ev(path, number, line.strip()[:120])
            if len(steps) >= 2 and training & set(steps) and len(steps) > len(best):
                best = list(steps.values())
    return best


def _python_of(sequences: list[list[Run]]) -> list[str]:
    """The Python files a script's command lines run, in order."""
    found: list[str] = []
    for sequence in sequences[:1]:  # a shell script has one sequence
        for _, _, targets in sequence:
            found += sorted(t for t in targets if t.endswith(".py") and t not in found)
    return found


def _images_starting_training(ctx: CheckContext) -> list[str]:
    """Dockerfiles whose image runs a training file (``ENTRYPOINT ["python", "train.py"]``):
    an entry point someone starts. The image has its own layout, so a script is known by its
    path's tail or, when unique, its file name."""
    training = traits.training_files(ctx.repo)
    found = []
    for path, words in dockerfile_programs(ctx.repo):
        # a shell form (``bash -c "source venv/bin/activate && python3 train.py"``) is
        # read word by word
        for word in (token for w in words for token in w.split()):
            name = word.strip("'\"").removeprefix("./").rsplit("/", 1)[-1]
            if not name.endswith(".py"):
                continue
            tail = word.strip("'\"").removeprefix("./").lstrip("/")
            same = [t for t in training if t.rsplit("/", 1)[-1] == name]
            if any(t.endswith(tail) for t in training) or len(same) == 1:
                found.append(path)
                break
    return found


def _scripts_starting_training(ctx: CheckContext) -> list[str]:
    """Other shell scripts (``run.sh``, ``scripts/go.sh``) that run a training file."""
    training = set(traits.training_files(ctx.repo))
    return [
        path
        for path, sequences in _script_sequences(ctx.repo).items()
        if path.endswith((".sh", ".bash", ".slurm", ".sbatch"))
        and any(targets & training for sequence in sequences for _, _, targets in sequence)
    ]


Run = tuple[int, str, frozenset[str]]  # line number, text, repository files it runs


@fact
def _script_sequences(repo: Facts) -> dict[str, list[list[Run]]]:
    """Per shell script or Makefile (tests excluded), its command sequences with the files
    each line runs: analysed once for every check that asks."""
    ctx = CheckContext(repo)
    found: dict[str, list[list[Run]]] = {}
    for path in repo.glob(*SCRIPT_FILES):
        if traits.is_test_path(path):
            continue
        here = path.rsplit("/", 1)[0] if "/" in path else ""
        found[path] = [
            [(number, line, frozenset(_runs(ctx, line, cwd, here))) for number, line, cwd in seq]
            for seq in _sequences(ctx, path)
        ]
    return found


def _runs(ctx: CheckContext, line: str, *folders: str) -> set[str]:
    """The repository files a command line runs: scripts, and modules of ``python -m``."""
    index = ModuleIndex.of(ctx.repo)
    found: set[str] = set()
    for folder in dict.fromkeys(folders):
        targets = analyse(line, folder)
        found.update(targets.files)
        found.update(f for m in targets.modules if (f := index.resolve(m)))
    return found


Line = tuple[int, str, str]  # number, text, directory it runs from


def _sequences(ctx: CheckContext, path: str) -> list[list[Line]]:
    """The command sequences a script file runs: a shell script top to bottom (``cd dir``
    moves the rest), each Makefile target with its prerequisites' recipes first."""
    if path.rsplit("/", 1)[-1] in ("Makefile", "makefile", "GNUmakefile"):
        rules = {rule.target: rule for rule in parse_makefile(ctx.repo.text(path) or "")}
        return [_make_sequence(rules, name) for name in rules]
    lines: list[Line] = []
    cwd = ""  # scripts are usually run from the repository root; ``cd dir`` moves them
    for number, line in enumerate(ctx.repo.lines(path), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "cd" and len(words) == 2:
            moved = posixpath.normpath(posixpath.join(cwd, words[1].strip("'\"")))
            cwd = "" if moved == "." or moved.startswith(("..", "/")) else moved
            continue
        lines.append((number, line, cwd))
    return [lines]


def _make_sequence(rules: dict[str, MakeRule], target: str) -> list[Line]:
    out: list[Line] = []
    seen: set[str] = set()

    def visit(name: str, depth: int) -> None:
        rule = rules.get(name)
        if rule is None or name in seen or depth > MAX_MAKE_DEPTH:
            return
        seen.add(name)
        for prereq in rule.prereqs:
            visit(prereq, depth + 1)
        out.extend((number, text, "") for number, text in rule.recipe)

    visit(target, 0)
    return out


MAX_MAKE_DEPTH = 8


NOTEBOOK_RUN = re.compile(
    r"\bpapermill\b|\bjupyter\s+(nbconvert\b.*--execute|execute\b|run\b)|\bnbclient\b|"
    r"\bipython\s+\S+\.ipynb|dbutils\.notebook\.run|\bnotebook_task\b|\bploomber\b"
)
DOC_JOBS = re.compile(r"doc|site|pages|book", re.IGNORECASE)


@register
def notebooks_off_path(ctx: CheckContext) -> Outcome:
    """PIPE002: CI or pipeline steps that execute notebooks, notebook imports in product code."""
    found = []
    for command in automation(ctx.repo).commands:
        if DOC_JOBS.search(command.job) or "docs/" in command.text:
            continue
        if NOTEBOOK_RUN.search(command.text) or re.search(r"\S+\.ipynb\b", command.text):
            found.append(
                ev(
                    command.path,
                    command.line,
                    command.text.strip().splitlines()[0][:120],
                    f"A notebook runs on the production path ({command.system}): "
                    "move its code into a module the pipeline calls",
                )
            )
    for path in traits.product_paths(ctx.repo):
        facts = ctx.repo.python(path)
        for imp in facts.imports if facts is not None else ():
            if imp.module.split(".")[0] in ("import_ipynb", "nbimporter", "ipynb"):
                found.append(ev(path, imp.line, imp.module, "Product code imports a notebook"))
    return Outcome.violations(found)


CHECK_STAGE = re.compile(r"validat|check|test|lint|verify", re.IGNORECASE)


@register
def stage_deps_complete(ctx: CheckContext) -> Outcome:
    """PIPE006: each dvc.yaml stage lists the scripts it runs (and some output) in deps/outs."""
    found = []
    for stage in automation(ctx.repo).stages:
        if stage.system != "dvc":
            continue
        deps = set(stage.deps)
        missing = [
            p
            for p in stage_files(ctx.repo, stage)
            if p not in deps and not any(p.startswith(d.rstrip("/") + "/") for d in deps)
        ]
        for path in missing:
            found.append(
                ev(
                    stage.path,
                    stage.line,
                    f"{stage.name}: {path}",
                    f"Stage '{stage.name}' runs {path} but does not list it in deps: "
                    "dvc repro will not rerun the stage when that code changes",
                )
            )
        if not stage.outs and not stage.metrics and not CHECK_STAGE.search(stage.name):
            found.append(
                ev(
                    stage.path,
                    stage.line,
                    f"{stage.name}: no outs",
                    f"Stage '{stage.name}' declares no outs or metrics: DVC cannot "
                    "cache it or tell when it is up to date",
                )
            )
    return Outcome.violations(found)
