"""What kind of repository this is, with the evidence: the maturity scale means different
things for an ML project, an ML library, research code, an LLM application or a template.

- ``ml-project``: trains or serves its own models (the default for ML code).
- ``library``: ships ML code for others (estimators, trainers, model code), packaged, and
  trains nothing itself: lifecycle rules (data versioning, registry, retraining) do not
  apply and its maturity level is *not assessed*.
- ``research``: paper code (cites a paper) that trains by hand, with no declared pipeline and
  no CI: assessed as a project.
- ``llm-app``: calls LLM APIs and trains nothing: assessed on the LLM practices.
- ``template``: a project template (cookiecutter, copier): assessed as the project it makes
  (a template of an LLM application that trains nothing is assessed as an ``llm-app``).
- ``other``: no ML code at all: not assessed.

Detected from facts only (imports, calls, file names, packaging metadata); a config's
``kind:`` overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlguard.facts import traits
from mlguard.facts.automation import automation
from mlguard.facts.ci import ci_files, seed_projects
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.facts.modules import ModuleIndex
from mlguard.facts.product import readme_says, template_readme
from mlguard.repo.testpaths import is_test_path

KINDS = ("ml-project", "library", "research", "llm-app", "template", "other")
NOT_ASSESSED = frozenset({"library", "other"})
TEMPLATE_FILES = ("cookiecutter.json", "copier.yml", "copier.yaml")
PACKAGING = ("pyproject.toml", "setup.py", "setup.cfg")
PROJECT_TABLE = re.compile(r"(?m)^\[(?:project|tool\.poetry)\]")
PAPER = re.compile(
    r"arxiv\.org/(?:abs|pdf)/|@(?:inproceedings|article|misc)\s*\{|\bour paper\b|"
    r"\bofficial (?:pytorch |tensorflow |jax )?(?:implementation|code)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RepoKind:
    name: str
    evidence: tuple[str, ...]
    source: str = "detected"  # or the config file that set it

    @property
    def assessed(self) -> bool:
        return self.name not in NOT_ASSESSED


def _first(paths: list[str], limit: int = 2) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _packaged(repo: Facts) -> str:
    for path in PACKAGING:
        text = repo.text(path) if repo.exists(path) else None
        if text is None:
            continue
        if path == "pyproject.toml" and not PROJECT_TABLE.search(text):
            continue
        if path != "pyproject.toml" and "name" not in text:
            continue
        return path
    return ""


def _estimator_files(repo: Facts) -> list[str]:
    found = []
    for rel in traits.product_paths(repo):
        facts = repo.python(rel)
        if facts is not None and traits.defines_estimator(facts):
            found.append(rel)
    return found


def _entry_point(repo: Facts, rel: str) -> bool:
    """A training file someone runs: a notebook, a ``__main__`` script, a module outside
    any package, or a file named for training. Library modules that call ``fit`` on what
    their users pass in are not."""
    if rel.endswith(".ipynb") or "train" in rel.rsplit("/", 1)[-1].lower():
        return True
    if _outside_package(repo, rel) or _main_script(repo, rel):
        return True
    # a package module that a script drives (main_informer.py running Exp_Informer.train)
    index = ModuleIndex.of(repo)
    return any(
        _script(repo, index, driver)
        for driver in index.importers(rel)
        if not is_test_path(driver) and not driver.startswith(TUTORIAL_DIRS)
    )


def _script(repo: Facts, index: ModuleIndex, rel: str) -> bool:
    """A file someone runs: a ``__main__`` script, or a module outside any package that no
    other file imports."""
    if _main_script(repo, rel):
        return True
    return _outside_package(repo, rel) and rel.endswith(".py") and not index.importers(rel)


def _outside_package(repo: Facts, rel: str) -> bool:
    """A module at the root or in a folder without ``__init__.py``: a script, not a part of
    a package."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return not folder or not repo.exists(f"{folder}/__init__.py")


def _main_script(repo: Facts, rel: str) -> bool:
    facts = repo.python(rel)
    return facts is not None and any(text == "__main__" for text, _ in facts.strings)


PROJECT_NAME = re.compile(r"""(?m)(?:^\s{0,4}|\bsetup\(\s*)name\s*=\s*["']([A-Za-z0-9_.-]+)["']""")
# a CI step that uploads the distribution to a package index
PUBLISH = re.compile(
    r"pypa/gh-action-pypi-publish|\btwine\s+upload\b|"
    r"\b(?:poetry|flit|hatch|uv|pdm)\s+publish\b"
)
TUTORIAL_DIRS = ("notebooks/", "examples/", "example/", "tutorials/", "docs/", "doc/")


def _published(repo: Facts, packaged: str) -> tuple[str, str]:
    """The distribution name and how it reaches users: the README tells them to ``pip
    install`` it, or CI uploads it to a package index. ``("", "")`` when neither."""
    text = repo.text(packaged) if packaged else None
    match = PROJECT_NAME.search(text or "")
    if match is None:
        return "", ""
    name = match.group(1)
    # PEP 503: pytorch_tabnet, pytorch-tabnet and pytorch.tabnet name one distribution
    spelled = "[-_.]+".join(re.escape(part) for part in re.split(r"[-_.]+", name) if part)
    pattern = re.compile(rf"pip3?\s+install\s+(-U\s+|--upgrade\s+)?['\"]?{spelled}\b", re.I)
    if _readme_says(repo, pattern):
        return name, f"installed with `pip install {name}` (its notebooks teach)"
    uploader = _ci_publisher(repo)
    if uploader:
        return name, f"published as `{name}` by CI ({uploader}; its notebooks teach)"
    return "", ""


def _ci_publisher(repo: Facts) -> str:
    """The first CI file that uploads a distribution to a package index."""
    ci = sorted({path for paths in ci_files(repo).values() for path in paths})
    return next((path for path in ci if PUBLISH.search(repo.text(path) or "")), "")


def _in_distribution(rel: str, name: str) -> bool:
    """``rel`` is in the distribution's own package folder (``pytorch_tabnet/`` of
    ``pytorch-tabnet``; also under ``src/``)."""
    folder = _package_folder(name)
    parts = rel.lower().split("/")
    return len(parts) > 1 and (parts[0] == folder or parts[:2] == ["src", folder])


CLI_MODULES = frozenset(
    {"argparse", "click", "typer", "fire", "hydra", "absl", "jsonargparse", "tyro", "docopt"}
)


def _command_line(repo: Facts, rel: str) -> bool:
    """A package module run as a command (``python -m pkg.train --epochs 3``): a ``__main__``
    block and an argument parser. A ``__main__`` block without one is the module's smoke
    test, as libraries often keep."""
    facts = repo.python(rel)
    return (
        _main_script(repo, rel)
        and facts is not None
        and any(i.module.split(".")[0] in CLI_MODULES for i in facts.imports)
    )


ARGUMENT_PARSERS = ("ArgumentParser", "HfArgumentParser", "TrlParser")


def _training_command(repo: Facts, rel: str) -> bool:
    """A training script run as a command (``train.py`` parsing its arguments): the
    project trains its own model with the package, as a paper's code does, even when the
    package is published."""
    facts = repo.python(rel)
    if facts is None or not traits.TRAINING_NAME.search(rel.rsplit("/", 1)[-1].lower()):
        return False
    parses = any(c.name.rsplit(".", 1)[-1] in ARGUMENT_PARSERS for c in facts.calls)
    return parses or _command_line(repo, rel)


def _uses_distribution(repo: Facts, rel: str, name: str) -> bool:
    """A script outside the package that imports the published distribution the way its
    users do (``from vit_pytorch import ViT`` beside the ``vit_pytorch/`` package): a usage
    example of the library, not the project's own training."""
    if _in_distribution(rel, name):
        return False
    facts = repo.python(rel)
    package = _package_folder(name)
    return facts is not None and any(
        i.module.split(".")[0].lower() == package for i in facts.imports
    )


def _demo_folder(repo: Facts, rel: str, name: str) -> bool:
    """``rel`` sits in a folder of its own beside the package (``spaces/card_creator/``)
    where some file imports the published distribution the way its users do: an app that
    demonstrates the library."""
    if _in_distribution(rel, name) or "/" not in rel:
        return False
    folder = rel.rsplit("/", 1)[0] + "/"
    siblings = [
        p for p in repo.python_files if p.startswith(folder) and "/" not in p[len(folder) :]
    ]
    return any(_uses_distribution(repo, p, name) for p in siblings)


def _package_folder(name: str) -> str:
    """The import package a distribution installs: ``vit-pytorch`` -> ``vit_pytorch``."""
    return re.sub(r"[-.]+", "_", name).lower()


def _tutorial(rel: str) -> bool:
    return rel.endswith(".ipynb") or rel.startswith(TUTORIAL_DIRS) or "/examples/" in rel


def _paper(repo: Facts) -> str:
    return _readme_says(repo, PAPER)


def _readme_says(repo: Facts, pattern: re.Pattern[str]) -> str:
    """The first README that matches ``pattern``, or ``""``."""
    return readme_says(repo, pattern)


def _template(repo: Facts) -> list[str]:
    found = [p for p in TEMPLATE_FILES if repo.exists(p)]
    readme = template_readme(repo)
    if readme:
        found.append(f"{readme} (a template repository: projects are created from it)")
    found += sorted({p.split("/")[0] for p in repo.files if p.startswith("{{cookiecutter.")})
    seeds = [seed for seed in seed_projects(repo) if not seed.startswith("{{")]
    found += [f"{seed}/ (seed code with its own .github/workflows)" for seed in seeds]
    return found


def _llm_in_code(repo: Facts) -> bool:
    """A product module (not a notebook) imports an LLM SDK."""
    code = [p for p in traits.product_paths(repo) if p.endswith(".py")]
    return traits.has_llm_imports(repo, code)


def _declared_pipeline(repo: Facts) -> bool:
    """A pipeline declared in any form mlguard reads: dvc.yaml, MLproject, workflow YAML
    (Argo, compiled kfp), or Python flows (Metaflow, Airflow, ZenML, kfp, Prefect ...)."""
    return traits.has_trait(repo, "pipeline") or bool(automation(repo).stages)


@fact
def detected(repo: Facts) -> RepoKind:
    """The kind read from the repository's facts."""
    template = _template(repo)
    training = traits.training_files(repo)
    ml = traits.has_trait(repo, "ml")
    llm = traits.has_trait(repo, "llm")
    if template and llm and not training:
        # judged as what it makes: an LLM application, with the LLM practices' levels
        return RepoKind(
            "llm-app",
            (f"project template of an LLM application: {_first(template)}", "trains no model"),
        )
    if template:
        return RepoKind("template", (f"project template: {_first(template)}",))
    if llm and not training:
        return RepoKind("llm-app", ("calls an LLM SDK", "trains no model"))
    if llm and all(p.endswith(".ipynb") for p in training) and _llm_in_code(repo):
        # a router or reranker fitted in a notebook does not make the app an ML project
        return RepoKind(
            "llm-app",
            ("calls an LLM SDK from its code", f"trains only in notebooks ({_first(training)})"),
        )
    if not ml and not training:
        return RepoKind("other", ("no ML library is imported",))
    packaged = _packaged(repo)
    serving = traits.serving_files(repo)
    pipeline = _declared_pipeline(repo)
    entry_points = [rel for rel in training if _entry_point(repo, rel)]
    published, how = _published(repo, packaged)
    if published:  # a package users `pip install`: its notebooks and examples are tutorials,
        # and its own modules (pytorch_tabnet/pretraining_utils.py) are library code
        entry_points = [
            rel
            for rel in entry_points
            if not _tutorial(rel)
            and (not _uses_distribution(repo, rel, published) or _training_command(repo, rel))
            and (not _in_distribution(rel, published) or _command_line(repo, rel))
        ]
        # a demo app that imports the library as its users do (a Hugging Face Space of
        # the library's own tools) shows the library; it does not serve a model of its own
        serving = [
            rel for rel in serving if not _tutorial(rel) and not _demo_folder(repo, rel, published)
        ]
    if not entry_points and not serving and not pipeline:
        estimators = _estimator_files(repo)
        evidence = ["no script trains or serves a model"]
        if published:
            evidence.insert(0, how)
        if estimators:
            evidence.insert(0, f"defines estimator or model classes ({_first(estimators)})")
        if packaged:
            evidence.insert(0, f"packaged for distribution ({packaged})")
        if estimators or packaged:
            return RepoKind("library", tuple(evidence))
    paper = _paper(repo)
    if paper and training and not pipeline and not traits.has_trait(repo, "ci"):
        return RepoKind(
            "research",
            (
                f"{paper} cites a paper",
                f"trains by hand ({_first(training)})",
                "no declared pipeline, no CI",
            ),
        )
    evidence = []
    if training:
        evidence.append(f"trains models ({_first(training)})")
    if serving:
        evidence.append(f"serves models ({_first(serving)})")
    if pipeline:
        evidence.append("declares a pipeline")
    return RepoKind("ml-project", tuple(evidence) or ("imports ML libraries",))


def repo_kind(repo: Facts, override: str | None = None, source: str = "") -> RepoKind:
    """The configured kind when set (``kind:`` in the config), else the detected one."""
    if override and override != "auto":
        return RepoKind(override, (f"set by `kind: {override}`",), source or "config")
    return detected(repo)
