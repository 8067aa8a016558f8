"""Deployment environments a repository names: a pre-production one (dev, staging, QA ...)
and production, in per-environment configuration files, task-runner targets or the
registry stages and aliases a model is promoted through. Both present means staged
promotion exists in some form (CICD004 partial when nothing gates production)."""

from __future__ import annotations

import re

from mlguard.checks.base import ev
from mlguard.facts import callsites
from mlguard.facts.commands import parse_makefile
from mlguard.facts.fact import fact
from mlguard.facts.files import Facts
from mlguard.model import Evidence
from mlguard.repo.testpaths import is_test_path

PRE = frozenset({"dev", "development", "staging", "stage", "stg", "qa", "uat", "preprod"})
PRE |= {"challenger", "candidate"}
PROD = frozenset({"prod", "production", "prd", "champion"})
CONFIG_SUFFIXES = (".tfvars", ".yml", ".yaml", ".json", ".env", ".toml", ".ini", ".cfg", ".conf")
STAGE_PROMOTIONS = ("transition_model_version_stage", "set_registered_model_alias")
MAKEFILES = ("Makefile", "makefile", "GNUmakefile", "**/Makefile")
WORD = re.compile(r"[a-z]+")


# a template of a configuration file: it names the environment the same way
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".dist")


def _untemplated(path: str) -> str:
    """``.env.production.example`` -> ``.env.production``; other paths unchanged."""
    for suffix in TEMPLATE_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def _kind(text: str) -> str:
    words = set(WORD.findall(text.lower()))
    return "prod" if words & PROD else "pre" if words & PRE else ""


def staged_environments(repo: Facts) -> list[Evidence]:
    """Where the repository names production, when it also names a pre-production
    environment (evidence: the production place first); empty otherwise."""
    return list(_staged(repo))


@fact
def _staged(repo: Facts) -> tuple[Evidence, ...]:
    found: dict[str, list[Evidence]] = {"pre": [], "prod": []}
    for path in sorted(repo.files):
        if is_test_path(path):
            continue
        name = _untemplated(path)
        if name.endswith(CONFIG_SUFFIXES):
            # a file per environment (envs/prod.tfvars, config-prod.yml, overlays/prod/...)
            kind = _kind(name.rsplit(".", 1)[0])
        else:
            # dotenv files named for their environment (.env.staging, .env.production)
            base = name.rsplit("/", 1)[-1]
            kind = _kind(base[len(".env.") :]) if base.startswith(".env.") else ""
        if kind:
            found[kind].append(ev(path, 1, path))
    for path in repo.glob(*MAKEFILES):
        for rule in parse_makefile(repo.text(path) or ""):
            kind = _kind(rule.target)
            if kind:
                found[kind].append(ev(path, rule.line, f"make {rule.target}"))
    for path, call in callsites.sites(repo, attrs=STAGE_PROMOTIONS):
        for value in (*call.args, *(v for _, v in call.kwargs)):
            kind = _kind(value) if isinstance(value, str) else ""
            if kind and not is_test_path(path):
                found[kind].append(ev(path, call.line, f"{call.attr}({value!r})"))
    if found["pre"] and found["prod"]:
        return tuple(found["prod"][:1] + found["pre"][:1])
    return ()
