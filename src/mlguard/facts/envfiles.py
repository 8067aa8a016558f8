"""Dependency declarations outside the usual manifests: conda environment files of any name
and Kubeflow components' ``packages_to_install``.

A conda environment file is ``environment.yml``/``conda.yaml`` (by name), or any YAML file
whose top level has ``channels:`` or ``name:`` and a ``dependencies:`` list of conda specs
(strings, and a ``pip:`` list), so ``envs/train-gpu.yml`` counts while a Helm ``Chart.yaml``
(dependencies are mappings) does not. ``packages_to_install=[...]`` of ``@dsl.component``,
``create_component_from_func`` and friends declares what a pipeline step installs.
"""

from __future__ import annotations

import re
from typing import Any

from mlguard.analyzers.deps import Dependency, from_requirement
from mlguard.facts import callsites
from mlguard.facts.files import Facts
from mlguard.facts.sources import mapping, quiet_docs

CONDA_NAMED = ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml")
DEPENDENCIES = re.compile(r"^dependencies\s*:", re.MULTILINE)
CONDA_KEYS = re.compile(r"^(channels|name)\s*:", re.MULTILINE)


def _conda_shape(data: dict[str, Any]) -> bool:
    deps = data.get("dependencies")
    if not isinstance(deps, list) or not deps or not ("channels" in data or "name" in data):
        return False
    return all(isinstance(d, str) or (isinstance(d, dict) and set(d) == {"pip"}) for d in deps)


def conda_envs(repo: Facts) -> list[tuple[str, Any]]:
    """(path, parsed document or None) of every conda environment file."""
    found: list[tuple[str, Any]] = []
    named = set(repo.glob(*CONDA_NAMED))
    for path in sorted(named):
        docs = repo.config(path)
        found.append((path, docs[0] if docs else None))
    for path in repo.glob("*.yml", "*.yaml"):
        if path in named or path.startswith(".github/"):
            continue
        text = repo.text(path) or ""
        if not (DEPENDENCIES.search(text) and CONDA_KEYS.search(text)):
            continue
        docs = quiet_docs(repo, path)
        if len(docs) == 1 and _conda_shape(mapping(docs[0].data)):
            found.append((path, docs[0].data))
    return found


def kfp_packages(repo: Facts) -> list[Dependency]:
    """Requirements named in ``packages_to_install=[...]`` (literal strings only)."""
    found = []
    for path, call in callsites.sites(repo, kwargs=["packages_to_install"]):
        value = call.kwarg("packages_to_install")
        for item in value if isinstance(value, tuple) else ():
            if isinstance(item, str):
                dep = from_requirement(item, path, call.line, "kfp")
                if dep is not None:
                    found.append(dep)
    return found
